// The README's examples run as written (with 'recap' pointing at the sources).
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { expect, it } from 'vitest';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
const blocks = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]);

it.each(blocks.map((code, i) => [i, code]))('example %i runs', async (i, code: string) => {
  const dir = new URL('./generated/', import.meta.url);
  mkdirSync(dir, { recursive: true });
  const file = new URL(`readme-${i}.ts`, dir);
  const logs: string[] = [];
  const source = code.replace(/from 'recap'/g, "from '../../src/index.js'").replace(/console\.log/g, 'globalThis.__log');
  writeFileSync(file, `${source}\nexport {};\n`);
  (globalThis as { __log?: (...a: unknown[]) => void }).__log = (...a) => logs.push(a.map(String).join(' '));
  await import(file.href);
  if (i === 0) {
    expect(logs.length).toBe(2);
    expect(logs[0]).toMatch(/^\d+\.\d{4} 8,64$/);
  }
});
