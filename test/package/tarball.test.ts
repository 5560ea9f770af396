// The tarball as published: what it holds (LICENSE, each artifact once, no source maps, small
// declarations, the exported checkpoint, README links that resolve inside the package), then
// installed into an empty app where the README's example runs and type-checks under NodeNext
// and bundler resolution. Prints the packed and unpacked sizes.
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, posix } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { installApp, pack, root, type Packed } from './pack.js';

let packed: Packed;
let app: string;
const readme = readFileSync(join(root, 'README.md'), 'utf8');
const example = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)][0][1];

beforeAll(() => {
  packed = pack();
  app = installApp(packed.tarball);
  console.log(`recap tarball: ${(packed.size / 1024).toFixed(0)} kB packed, ${(packed.unpackedSize / 1024).toFixed(0)} kB unpacked, ${packed.files.length} files`);
}, 120_000);

afterAll(() => {
  if (app) rmSync(app, { recursive: true, force: true });
  if (packed) rmSync(join(packed.tarball, '..'), { recursive: true, force: true });
});

it('holds LICENSE, no URL of a home the project does not have, and no prepare script', () => {
  const manifest = JSON.parse(readFileSync(join(app, 'node_modules/recap/package.json'), 'utf8'));
  expect(packed.files).toContain('LICENSE');
  expect(manifest.license).toBe('MIT');
  expect(readFileSync(join(app, 'node_modules/recap/LICENSE'), 'utf8')).toMatch(/^MIT License/);
  // no repository / homepage / bugs until the project has a real home (issue 20), and no other
  // field carrying an address either
  for (const key of ['repository', 'homepage', 'bugs']) expect(manifest[key], key).toBeUndefined();
  expect(JSON.stringify(manifest)).not.toMatch(/https?:\/\/|git\+|git:\/\/|github\.com/);
  expect(manifest.scripts?.prepare).toBeUndefined();
  expect(manifest.scripts?.install ?? manifest.scripts?.postinstall).toBeUndefined();
});

it('ships each artifact once: no source maps, no worker file, no wasm bytes in declarations', () => {
  expect(packed.files.filter((f) => f.endsWith('.map'))).toEqual([]);
  expect(packed.files.filter((f) => /(^|\/)worker\.js$/.test(f))).toEqual([]);
  expect(packed.files.filter((f) => f.endsWith('.wasm')).sort()).toEqual(['build/relaxed.wasm', 'build/scalar.wasm', 'build/simd.wasm', 'build/threads.wasm']);
  // a wasm build is ~100 kB of base64: no declaration may carry a run of it (the flag tables'
  // literal types make the largest legitimate one ~17 kB)
  for (const f of packed.files.filter((f) => f.endsWith('.d.ts'))) {
    const text = readFileSync(join(app, 'node_modules/recap', f), 'utf8');
    expect(/[A-Za-z0-9+/]{2000}/.test(text), `${f} holds a base64 run`).toBe(false);
    expect(text.length, f).toBeLessThan(40_000);
  }
  // the four wasm builds (~370 kB with the convolution and encoder kernels) and their embedded
  // base64 (~500 kB), the shipped checkpoint (~490 kB), docs and dist: ~2.9 MB; a second copy of
  // any of the large parts would cross this line
  expect(packed.unpackedSize).toBeLessThan(3_300_000);
});

it('exports the shipped checkpoint and loads it by name', () => {
  const req = createRequire(join(app, 'package.json'));
  const file = req.resolve('recap/models/shapes-lstm.recap');
  expect(readFileSync(file).subarray(0, 8).toString()).toBe('RCAPCKPT');
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', `
    import { init, loadPretrained, pretrainedUrl } from 'recap';
    await init({ threads: 1 });
    const { model } = await loadPretrained();
    console.log(JSON.stringify({ url: pretrainedUrl().href, cell: model.config.cellType, words: model.idxToWord.length }));
  `], { cwd: app, encoding: 'utf8' });
  const got = JSON.parse(out.trim());
  expect(got.url).toBe(`file://${file}`);
  expect(got.cell).toBe('lstm');
  expect(got.words).toBeGreaterThan(10);
});

it('README links resolve to files in the package (or are absolute)', () => {
  const links = [...readme.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]).filter((l) => !/^(https?:|#|mailto:)/.test(l));
  expect(links.length).toBeGreaterThan(0);
  for (const link of links) expect(packed.files, link).toContain(posix.normalize(link.split('#')[0]));
});

it("README's example runs in an empty app that installed the tarball", () => {
  writeFileSync(join(app, 'example.mjs'), example);
  const out = execFileSync(process.execPath, ['example.mjs'], { cwd: app, encoding: 'utf8' });
  const lines = out.trim().split('\n');
  expect(lines[0]).toMatch(/^\d+\.\d{4} \[ 8, 64 \]$/);
  expect(lines.length).toBe(2);
});

it.each(['NodeNext', 'Bundler'])("README's example type-checks under %s resolution", (resolution) => {
  writeFileSync(join(app, 'example.ts'), `${example}\nimport type { LoadCocoOptions } from 'recap/node';\nexport type Used = LoadCocoOptions;\n`);
  writeFileSync(join(app, 'tsconfig.json'), JSON.stringify({
    compilerOptions: {
      target: 'ES2022', module: resolution === 'NodeNext' ? 'NodeNext' : 'ESNext', moduleResolution: resolution,
      lib: ['ES2022', 'DOM'], types: [], strict: true, noEmit: true, skipLibCheck: false,
    },
    files: ['example.ts'],
  }));
  execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json'], { cwd: app, encoding: 'utf8' });
});
