// Files in Node, for every recap format: written atomically, so a crash mid-save never destroys
// the previous file — bytes go to a temporary file in the same directory, are fsynced, then
// renamed over the target (rename is atomic on POSIX), and the directory entry is fsynced — and
// read with errors that name the file.
import { open, readFile, readdir, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { FormatError } from './errors.js';

let counter = 0;

/** Writes `bytes` to `path` atomically (temp file + fsync + rename + directory fsync). */
export async function writeFileAtomic(path: string, bytes: Uint8Array): Promise<void> {
  const dir = dirname(path);
  const tmp = join(dir, `.${basename(path)}.tmp-${process.pid}-${counter++}`);
  const fh = await open(tmp, 'w', 0o644);
  try {
    await fh.writeFile(bytes);
    await fh.sync();
  } catch (e) {
    await fh.close();
    await unlink(tmp).catch(() => {});
    throw e;
  }
  await fh.close();
  try {
    await rename(tmp, path);
  } catch (e) {
    await unlink(tmp).catch(() => {});
    throw e;
  }
  try {
    const d = await open(dir, 'r');
    await d.sync().catch(() => {}); // not every filesystem syncs directories
    await d.close();
  } catch {
    // directory fsync is best effort
  }
  await removeStaleTemps(dir, basename(path));
}

/**
 * Temp files left by a process killed mid-save (`.NAME.tmp-PID-N` of a PID that no longer
 * runs) are removed after the next successful save; those of live processes are left alone.
 */
async function removeStaleTemps(dir: string, base: string): Promise<void> {
  const prefix = `.${base}.tmp-`;
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return;
  }
  for (const name of names) {
    if (!name.startsWith(prefix)) continue;
    const pid = Number(name.slice(prefix.length).split('-')[0]);
    if (!Number.isSafeInteger(pid) || pid <= 0 || pid === process.pid || isAlive(pid)) continue;
    await unlink(join(dir, name)).catch(() => {});
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'; // exists, owned by someone else
  }
}

/** Reads a whole file; a missing or unreadable one is a FormatError naming it (`missing`: what to say when it does not exist). */
export async function readFileNamed(path: string, missing = 'no such file'): Promise<Uint8Array> {
  try {
    return await readFile(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new FormatError(path, code === 'ENOENT' ? missing : `cannot read (${(e as Error).message})`);
  }
}
