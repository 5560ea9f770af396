// docs/interop.md's TypeScript examples run as written (with 'recap' pointing at the sources).
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const doc = readFileSync(new URL('../../docs/interop.md', import.meta.url), 'utf8');
const blocks = [...doc.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]);
const expected = [
  ['[[1,2],[3,4]] true float64 string values only'],
  ['[4,3,3,3] int32'],
  ['lstm [3,20] true'],
  ['[2,4] 2'],
];

it('the doc has its four examples', () => expect(blocks.length).toBe(expected.length));

it.each(blocks.map((code, i) => [i, code]))('example %i runs and prints what it says', async (i, code: string) => {
  const dir = new URL('../generated/', import.meta.url);
  mkdirSync(dir, { recursive: true });
  const file = new URL(`interop-doc-${i}.ts`, dir);
  const logs: string[] = [];
  const source = code.replace(/from 'recap\/node'/g, "from '../../src/node.js'").replace(/from 'recap'/g, "from '../../src/index.js'")
    .replace(/readFileSync\('weights\.pth'\)/g, `readFileSync('${fileURLToPath(new URL('../fixtures/pth/small_legacy.pth', import.meta.url))}')`)
    .replace(/'features\.npy'/g, `'${fileURLToPath(new URL(`interop-doc-${i}.npy`, dir))}'`).replace(/console\.log/g, 'globalThis.__log');
  writeFileSync(file, `${source}\nexport {};\n`);
  (globalThis as { __log?: (...a: unknown[]) => void }).__log = (...a) => logs.push(a.map((x) => (Array.isArray(x) ? JSON.stringify(x) : String(x))).join(' '));
  await import(file.href);
  expect(logs).toEqual(expected[i]);
});
