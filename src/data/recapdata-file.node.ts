// `.recapdata` files (Node): written atomically (temp file, fsync, rename), read in one go.
import { readFile } from 'node:fs/promises';
import { FormatError } from '../core/errors.js';
import { writeFileAtomic } from '../train/checkpoint-file.node.js';
import { decodeRecapData, encodeRecapData, type PreparedData } from './recapdata.js';

/** Writes prepared data to `path` atomically: on any failure the previous file (if any) is untouched. */
export async function writeRecapDataFile(path: string, prepared: PreparedData): Promise<void> {
  await writeFileAtomic(path, encodeRecapData(prepared));
}

/** Reads a `.recapdata` file written by `recap prepro` / `writeRecapDataFile`; errors name the file. */
export async function readRecapDataFile(path: string): Promise<PreparedData> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new FormatError(path, code === 'ENOENT' ? 'no such data file (write one with recap prepro)' : `cannot read (${(e as Error).message})`);
  }
  return decodeRecapData(bytes, path);
}
