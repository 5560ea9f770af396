// The package as a user gets it: `npm pack` of this checkout (built by `npm test` before), the
// tarball installed by npm into a fresh temporary app (never a path into the repo).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = fileURLToPath(new URL('../..', import.meta.url));

export interface Packed {
  tarball: string;
  /** Bytes of the .tgz and of its files unpacked. */
  size: number;
  unpackedSize: number;
  files: string[];
}

/** npm pack into a new temp dir. Scripts are skipped: the build already ran (`npm test` builds first). */
export function pack(): Packed {
  const dest = mkdtempSync(join(tmpdir(), 'recap-pack-'));
  const out = execFileSync('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', dest], { cwd: root, encoding: 'utf8' });
  const [info] = JSON.parse(out.slice(out.indexOf('[')));
  return { tarball: join(dest, info.filename), size: info.size, unpackedSize: info.unpackedSize, files: info.files.map((f: { path: string }) => f.path) };
}

/** A new temp app (ESM) with `recap` (and `deps`) installed by npm from the tarball. */
export function installApp(tarball: string, deps: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'recap-app-'));
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'recap-consumer', private: true, type: 'module', dependencies: { recap: `file:${tarball}`, ...deps } }, null, 2));
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--ignore-scripts', '--loglevel=error'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  return dir;
}
