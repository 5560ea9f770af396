// Reading zip archives (numpy's .npz, PyTorch's .pth) with fflate, browser-safe. fflate does not
// check the members' CRC-32s, so readZip takes them from the zip's central directory
// (APPNOTE.txt 4.3.12, 4.3.16) and compares: a flipped bit in a stored member is a FormatError,
// not a silently wrong weight.
import { unzipSync } from 'fflate';
import { FormatError } from '../core/errors.js';
import { crc32 } from '../train/checkpoint.js';

/**
 * The members of the zip archive `buf` (directory entries left out), each checked against the
 * CRC-32 of the central directory. `file` names the archive in errors (a member is `file/member`).
 */
export function readZip(buf: Uint8Array, file: string): Record<string, Uint8Array> {
  // the central directory is read first: fflate believes its entry count (a corrupt count of a
  // million entries takes seconds) and its sizes (it would allocate what a member announces)
  const crcs = centralDirectoryCrcs(buf, file);
  let members: Record<string, Uint8Array>;
  let seen = 0;
  try {
    members = unzipSync(buf, {
      filter: (f) => {
        if (++seen > crcs.size) throw new Error(`more members than the ${crcs.size} of the central directory`);
        // deflate expands at most 1032:1
        const plausible = f.size <= buf.length && (f.compression === 0 ? f.originalSize === f.size : f.originalSize <= f.size * 1032 + 64);
        if (!plausible) throw new Error(`member ${JSON.stringify(f.name)} announces ${f.originalSize} bytes from ${f.size} stored`);
        return true;
      },
    });
  } catch (e) {
    throw new FormatError(file, `unreadable zip archive (${(e as Error).message}); the file is truncated or corrupt`);
  }
  const out: Record<string, Uint8Array> = {};
  for (const [member, data] of Object.entries(members)) {
    if (member.endsWith('/') && data.length === 0) continue; // a directory entry
    const stored = crcs.get(member);
    const actual = crc32(data);
    if (stored !== actual) {
      throw new FormatError(`${file}/${member}`, stored === undefined ? 'member missing from the zip central directory'
        : `CRC-32 mismatch (stored ${hex(stored)}, computed ${hex(actual)}): the archive is corrupt`);
    }
    Object.defineProperty(out, member, { value: data, enumerable: true, writable: true, configurable: true });
  }
  return out;
}

const hex = (n: number) => `0x${n.toString(16).padStart(8, '0')}`;

/** The member names of a zip archive, from its central directory (FormatError naming `file` when it is corrupt). */
export const zipMemberNames = (buf: Uint8Array, file: string): string[] => [...centralDirectoryCrcs(buf, file).keys()];

/** Member name → CRC-32 from the central directory (zip64 end records followed when present). */
function centralDirectoryCrcs(buf: Uint8Array, file: string): Map<string, number> {
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const bad = (what: string): never => {
    throw new FormatError(file, `unreadable zip central directory (${what}); the file is truncated or corrupt`);
  };
  let eocd = -1;
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 22 - 0xffff); i--) {
    if (dv.getUint32(i, true) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) bad('no end record');
  let entries = dv.getUint16(eocd + 10, true);
  let offset = dv.getUint32(eocd + 16, true);
  if ((entries === 0xffff || offset === 0xffffffff) && eocd >= 20 && dv.getUint32(eocd - 20, true) === 0x07064b50) {
    const rec = Number(dv.getBigUint64(eocd - 12, true));
    if (rec + 56 > buf.length || dv.getUint32(rec, true) !== 0x06064b50) bad('bad zip64 end record');
    entries = Number(dv.getBigUint64(rec + 32, true));
    offset = Number(dv.getBigUint64(rec + 48, true));
  }
  const utf8 = new TextDecoder('utf-8');
  const out = new Map<string, number>();
  for (let e = 0; e < entries; e++) {
    if (offset + 46 > buf.length || dv.getUint32(offset, true) !== 0x02014b50) bad(`entry ${e}`);
    const nameLen = dv.getUint16(offset + 28, true);
    const next = offset + 46 + nameLen + dv.getUint16(offset + 30, true) + dv.getUint16(offset + 32, true);
    if (next > buf.length) bad(`entry ${e}`);
    const raw = buf.subarray(offset + 46, offset + 46 + nameLen);
    // names are UTF-8 when general-purpose bit 11 is set, else CP437 (latin-1 for ASCII), as fflate decodes them
    const name = dv.getUint16(offset + 8, true) & 0x800 ? utf8.decode(raw) : String.fromCharCode(...raw);
    out.set(name, dv.getUint32(offset + 16, true));
    offset = next;
  }
  return out;
}
