// `.recapdata` files (Node): written atomically (temp file, fsync, rename), read in one go.
import { readFileNamed, writeFileAtomic } from '../core/files.node.js';
import { decodeRecapData, encodeRecapData, type PreparedData } from './recapdata.js';

/** Writes prepared data to `path` atomically: on any failure the previous file (if any) is untouched. */
export async function writeRecapDataFile(path: string, prepared: PreparedData): Promise<void> {
  await writeFileAtomic(path, encodeRecapData(prepared));
}

/** Reads a `.recapdata` file written by `recap prepro` / `writeRecapDataFile`; errors name the file. */
export async function readRecapDataFile(path: string): Promise<PreparedData> {
  return decodeRecapData(await readFileNamed(path, 'no such data file (write one with recap prepro)'), path);
}
