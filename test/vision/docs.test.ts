// docs/images.md's TypeScript example runs as written (with 'recap' pointing at the sources).
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const doc = readFileSync(new URL('../../docs/images.md', import.meta.url), 'utf8');
const blocks = [...doc.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]);

it('docs/images.md has its one example, and it prints what it says', async () => {
  expect(blocks.length).toBe(1);
  const dir = new URL('../generated/', import.meta.url);
  mkdirSync(dir, { recursive: true });
  const file = new URL('images-doc-0.ts', dir);
  const logs: string[] = [];
  const source = blocks[0].replace(/from 'recap\/node'/g, "from '../../src/node.js'").replace(/from 'recap'/g, "from '../../src/index.js'")
    .replace(/'test\/fixtures\//g, `'${fileURLToPath(new URL('../fixtures/', import.meta.url))}`).replace(/console\.log/g, 'globalThis.__log');
  writeFileSync(file, `${source}\nexport {};\n`);
  (globalThis as { __log?: (...a: unknown[]) => void }).__log = (...a) => logs.push(a.map((x) => (Array.isArray(x) ? JSON.stringify(x) : String(x))).join(' '));
  await import(file.href);
  expect(logs).toEqual(['[1,3,224,224] [2,3,56,56] float64 224 3']);
});
