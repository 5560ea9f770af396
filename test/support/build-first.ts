// vitest globalSetup: rebuilds the package (wasm and dist/) when any source is newer than the last
// build, so tests that spawn the compiled CLI, thread workers or dist/ scripts never run stale
// code after an edit of src/ or assembly/.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = new URL('../..', import.meta.url).pathname;
const STAMP = join(ROOT, 'dist', 'index.js');

function newest(dir: string): number {
  let t = 0;
  for (const f of readdirSync(join(ROOT, dir), { recursive: true, encoding: 'utf8' })) {
    if (/\.(ts|json)$/.test(f) && !f.includes('__tests__')) t = Math.max(t, statSync(join(ROOT, dir, f)).mtimeMs);
  }
  return t;
}

export default function setup(): void {
  const built = existsSync(STAMP) ? statSync(STAMP).mtimeMs : 0;
  const wasmStale = !existsSync(join(ROOT, 'src', 'core', 'embedded.ts')) || newest('assembly') > statSync(join(ROOT, 'src', 'core', 'embedded.ts')).mtimeMs;
  if (!wasmStale && newest('src') <= built) return;
  const r = spawnSync('npm', ['run', wasmStale ? 'build' : 'build:js'], { cwd: ROOT, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`build before tests failed:\n${r.stdout}${r.stderr}`);
}
