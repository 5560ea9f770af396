// Checkpoint files (Node): written atomically, so a crash mid-save never destroys the previous
// checkpoint — bytes go to a temporary file in the same directory, are fsynced, then renamed
// over the target (rename is atomic on POSIX), and the directory entry is fsynced.
import { open, readFile, readdir, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { loadCheckpoint, saveCheckpoint, type Checkpoint } from './checkpoint.js';
import { FormatError } from '../core/errors.js';
import type { CaptioningRNN } from '../model/captioning-rnn.js';
import type { CaptioningSolver } from './solver.js';

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

/** Saves a model (and optionally its solver) to `path`, atomically. */
export async function saveCheckpointFile(path: string, model: CaptioningRNN, solver?: CaptioningSolver | null, meta: Record<string, unknown> = {}): Promise<void> {
  await writeFileAtomic(path, saveCheckpoint(model, solver, meta));
}

/** Loads a checkpoint file; errors name the file. */
export async function loadCheckpointFile(path: string, options: { wordToIdx?: Record<string, number> } = {}): Promise<Checkpoint> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new FormatError(path, code === 'ENOENT' ? 'no such checkpoint file' : `cannot read (${(e as Error).message})`);
  }
  return loadCheckpoint(bytes, { ...options, name: path });
}
