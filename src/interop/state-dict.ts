// One reader for a network's weights, whatever file they come in (browser-safe): safetensors,
// numpy .npz, or PyTorch .pth/.pt (zip, legacy or tar), told apart by the first bytes and, for a zip,
// by its members (PyTorch's has a data.pkl, numpy's .npy files).
import { FormatError } from '../core/errors.js';
import type { Tensor } from '../core/tensor.js';
import { asBytes } from './npy.js';
import { readNpz } from './npz.js';
import { readPth } from './pth.js';
import { isTar } from './pth-tar.js';
import { readSafetensors } from './safetensors.js';
import { zipMemberNames } from './zip.js';

/**
 * The tensors of a state dict given as the bytes of a `.safetensors`, `.npz` or PyTorch
 * `.pth`/`.pt` file, keyed by parameter name. `name` labels the file in errors. Throws
 * FormatError naming the file (and the entry) for an unknown, truncated or corrupt file, and for
 * a .pth whose pickle references anything but what a state dict uses (nothing is executed).
 */
export function readStateDict(bytes: Uint8Array | ArrayBuffer, name = 'weights'): Record<string, Tensor> {
  const buf = asBytes(bytes);
  if (buf.length >= 4 && buf[0] === 0x50 && buf[1] === 0x4b) {
    let members: string[] = [];
    try {
      members = zipMemberNames(buf, name);
    } catch {
      // unreadable: readNpz says why
    }
    return members.some((m) => m === 'data.pkl' || m.endsWith('/data.pkl')) ? readPth(buf, { name }) : readNpz(buf, { name });
  }
  if ((buf.length >= 2 && buf[0] === 0x80) || isTar(buf)) return readPth(buf, { name });
  // safetensors: a little-endian u64 header length, then the JSON header
  if (buf.length >= 9 && buf[4] === 0 && buf[5] === 0 && buf[6] === 0 && buf[7] === 0 && buf[8] === 0x7b) return readSafetensors(buf, { name }).tensors;
  const head = Array.from(buf.subarray(0, 8), (b) => b.toString(16).padStart(2, '0')).join(' ');
  throw new FormatError(name, `not a .safetensors, .npz or .pth file (${buf.length === 0 ? 'empty' : `it starts with the bytes ${head}`})`);
}
