// numpy .npz archives (np.savez / np.savez_compressed): a zip of one .npy per array, named
// `<key>.npy`. The zip itself is read and written by fflate (stored and deflated members,
// zip64 as numpy writes it); browser-safe. fflate does not check the members' CRC-32s, so the
// reader checks them (zip.ts): a flipped bit in a stored (np.savez) member is a FormatError, not
// a silently wrong weight.
import { zipSync, type Zippable } from 'fflate';
import { FormatError, fail } from '../core/errors.js';
import { Tensor } from '../core/tensor.js';
import { asBytes, readNpy, writeNpy, type ReadOptions } from './npy.js';
import { readZip } from './zip.js';

/**
 * Reads an .npz archive into its arrays, keyed as numpy keys them (the member name without
 * `.npy`). Throws FormatError naming the archive (and the member) when anything is corrupt.
 */
export function readNpz(bytes: Uint8Array | ArrayBuffer, options: ReadOptions = {}): Record<string, Tensor> {
  const buf = asBytes(bytes);
  const file = options.name ?? 'npz';
  if (buf.length < 22 || buf[0] !== 0x50 || buf[1] !== 0x4b) {
    throw new FormatError(file, buf.length < 22 ? `truncated: ${buf.length} bytes is too short for an .npz (zip) archive` : 'not an .npz file (no zip signature "PK")');
  }
  const out: Record<string, Tensor> = {};
  for (const [member, data] of Object.entries(readZip(buf, file))) {
    const key = member.endsWith('.npy') ? member.slice(0, -4) : member;
    if (Object.hasOwn(out, key)) throw new FormatError(file, `two members are both named ${JSON.stringify(key)}`);
    Object.defineProperty(out, key, { value: readNpy(data, { name: `${file}/${member}` }), enumerable: true, writable: true, configurable: true });
  }
  return out;
}

/** Options of writeNpz: `compress` deflates the members (as np.savez_compressed), default stored (np.savez). */
export interface WriteNpzOptions { compress?: boolean }

/**
 * An .npz archive of the arrays, each stored as `<key>.npy` (np.load gives them back under
 * their keys). Deterministic: the same arrays give the same bytes (fixed member times).
 */
export function writeNpz(arrays: Record<string, Tensor>, options: WriteNpzOptions = {}): Uint8Array {
  if (typeof arrays !== 'object' || arrays === null || Array.isArray(arrays)) fail('arrays', 'an object of Tensors', arrays === null ? 'null' : Array.isArray(arrays) ? 'an array' : typeof arrays);
  const files: Zippable = {};
  for (const [key, t] of Object.entries(arrays)) {
    if (!(t instanceof Tensor)) fail(`arrays.${key}`, 'a Tensor', t === null ? 'null' : typeof t);
    if (key.length === 0 || key.includes('/') || key.includes('\\')) fail('arrays', 'keys that are non-empty file names (no / or \\)', JSON.stringify(key));
    files[`${key}.npy`] = writeNpy(t);
  }
  // DOS times start in 1980; a fixed time keeps the archive bytes reproducible
  return zipSync(files, { level: options.compress ? 6 : 0, mtime: new Date(1980, 0, 1, 0, 0, 0) });
}
