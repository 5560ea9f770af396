// PyTorch's first container, a tar archive (torch.save before 0.1.10), browser-safe. The oldest
// torchvision weights are in it (resnet18-5c106cde.pth, resnet50-19c8e357.pth,
// vgg16-397923af.pth, alexnet-owt-4df8aa71.pth: torch.load reads them only from a real file,
// as a tar, which is why io.BytesIO fails on them, pytorch/pytorch#31615). Three members:
//   storages  pickled count; per storage a pickled (key, location, StorageType), an int64 element
//             count and the raw bytes; then a pickled list of views (key, root key, offset, size)
//   tensors   pickled count; per tensor a pickled (key, storage key, TensorType), int32 ndim,
//             4 bytes of padding, ndim int64 sizes, ndim int64 strides, an int64 storage offset
//   pickle    the object, whose persistent ids are tensor (or storage) keys
// Reference: legacy_load in torch/serialization.py (torch 1.13), which still reads it.
import { FormatError } from '../core/errors.js';
import { readPickle } from './pickle.js';
import { StorageRef, TORCH_GLOBALS, TensorRef, refusalHint, storageElement } from './torch-pickle.js';

/** Whether `buf` starts with a POSIX tar header (the "ustar" magic). */
export const isTar = (buf: Uint8Array): boolean => buf.length >= 512 && String.fromCharCode(...buf.subarray(257, 262)) === 'ustar';

/** The object of a tar-format .pth and its root storages' bytes by key. */
export function readTarPth(buf: Uint8Array, file: string): { value: unknown; data: Map<string, Uint8Array> } {
  const members = tarMembers(buf, file);
  for (const m of ['storages', 'tensors', 'pickle']) if (!members.has(m)) throw new FormatError(file, `a tar archive without the member ${JSON.stringify(m)}: not a PyTorch file`);
  const storages = new Map<string, StorageRef>();
  const data = new Map<string, Uint8Array>();
  const s = members.get('storages')!;
  const sFile = `${file}/storages`;
  const dv = new DataView(s.buffer, s.byteOffset, s.byteLength);
  let { value: count, end: pos } = readPickle(s, { file: sFile });
  if (!isCount(count) || count > s.length / 8) throw new FormatError(sFile, `a storage count of ${String(count)}`);
  for (let i = 0; i < count; i++) {
    const rec = readPickle(s, { file: sFile, offset: pos, globals: TORCH_GLOBALS, refusalHint });
    const [key, , type] = tuple(rec.value, 3, sFile, 'a storage record');
    const { name, element } = typed(() => storageElement(type), sFile);
    if (!element) throw new FormatError(sFile, `storage type ${name} is not supported`);
    pos = rec.end;
    const n = int64(dv, pos, sFile, `storage ${keyOf(key)}'s element count`);
    const bytes = n * element.size;
    if (pos + 8 + bytes > s.length) throw new FormatError(sFile, `truncated: storage ${keyOf(key)} needs ${bytes} bytes, ${s.length - pos - 8} present`);
    storages.set(keyOf(key), new StorageRef(keyOf(key), name, element, n));
    data.set(keyOf(key), s.subarray(pos + 8, pos + 8 + bytes));
    pos += 8 + bytes;
  }
  const views = readPickle(s, { file: sFile, offset: pos });
  if (!Array.isArray(views.value)) throw new FormatError(sFile, 'the storage views are not a list');
  for (const v of views.value) {
    const [target, rootKey, offset, numel] = tuple(v, 4, sFile, 'a storage view');
    const root = storages.get(keyOf(rootKey));
    if (!root || !isCount(offset) || !isCount(numel) || offset + numel > root.numel) throw new FormatError(sFile, `storage view ${keyOf(target)} is not inside a storage`);
    storages.set(keyOf(target), new StorageRef(root.key, root.type, root.element, numel, offset));
  }
  const objects = new Map<string, TensorRef>();
  const t = members.get('tensors')!;
  const tFile = `${file}/tensors`;
  const tv = new DataView(t.buffer, t.byteOffset, t.byteLength);
  ({ value: count, end: pos } = readPickle(t, { file: tFile }));
  if (!isCount(count) || count > t.length / 8) throw new FormatError(tFile, `a tensor count of ${String(count)}`);
  for (let i = 0; i < count; i++) {
    const rec = readPickle(t, { file: tFile, offset: pos, globals: TORCH_GLOBALS, refusalHint });
    const [key, storageKey] = tuple(rec.value, 3, tFile, 'a tensor record');
    const storage = storages.get(keyOf(storageKey));
    if (!storage) throw new FormatError(tFile, `tensor ${keyOf(key)}'s storage ${keyOf(storageKey)} is not in the archive`);
    pos = rec.end;
    if (pos + 8 > t.length) throw new FormatError(tFile, 'truncated tensor record');
    const ndim = tv.getInt32(pos, true);
    if (ndim < 0 || ndim > 64) throw new FormatError(tFile, `tensor ${keyOf(key)} has ${ndim} dimensions`);
    const read = (j: number, what: string) => int64(tv, pos + 8 + 8 * j, tFile, `tensor ${keyOf(key)}'s ${what}`);
    const size = Array.from({ length: ndim }, (_, d) => read(d, 'size'));
    const stride = Array.from({ length: ndim }, (_, d) => read(ndim + d, 'stride'));
    objects.set(keyOf(key), new TensorRef(storage, read(2 * ndim, 'storage offset'), size, stride));
    pos += 8 + 8 * (2 * ndim + 1);
  }
  const { value } = readPickle(members.get('pickle')!, {
    file: `${file}/pickle`, globals: TORCH_GLOBALS, refusalHint,
    persistentLoad: (pid) => {
      if (Array.isArray(pid)) throw new TypeError('a pickled nn.Module class (torch.save(model)): recap reads state dicts only; save model.state_dict()');
      const ref = objects.get(keyOf(pid));
      if (!ref) throw new TypeError(`persistent id ${keyOf(pid)} is no tensor of the archive`);
      return ref;
    },
  });
  return { value, data };
}

const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

/** A key as torch compares them (ints and their decimal strings alike). */
const keyOf = (k: unknown): string => (typeof k === 'string' || typeof k === 'number' || typeof k === 'bigint' ? String(k) : '?');

function tuple(v: unknown, n: number, file: string, what: string): readonly unknown[] {
  if (!Array.isArray(v) || v.length !== n) throw new FormatError(file, `${what} is not a tuple of ${n}`);
  return v;
}

function typed<T>(fn: () => T, file: string): T {
  try {
    return fn();
  } catch (e) {
    throw new FormatError(file, (e as Error).message);
  }
}

/** A non-negative little-endian int64 at `at` that fits a safe integer. */
function int64(dv: DataView, at: number, file: string, what: string): number {
  if (at + 8 > dv.byteLength) throw new FormatError(file, `truncated: ${what} is past the end`);
  const hi = dv.getInt32(at + 4, true);
  if (hi < 0 || hi >= 0x200000) throw new FormatError(file, `${what} is out of range`);
  return hi * 2 ** 32 + dv.getUint32(at, true);
}

/** The regular files of a tar archive (ustar headers, pax `path` / `size` records honoured), checksums checked. */
function tarMembers(buf: Uint8Array, file: string): Map<string, Uint8Array> {
  const out = new Map<string, Uint8Array>();
  const text = (b: Uint8Array) => String.fromCharCode(...b.subarray(0, b.indexOf(0) < 0 ? b.length : b.indexOf(0)));
  const octal = (b: Uint8Array, what: string): number => {
    const s = text(b).trim();
    if (!/^[0-7]+$/.test(s)) throw new FormatError(file, `tar header ${what} ${JSON.stringify(s)} is not an octal number`);
    return parseInt(s, 8);
  };
  let pax = new Map<string, string>();
  for (let pos = 0; ;) {
    if (pos + 512 > buf.length) throw new FormatError(file, 'truncated tar archive (no end-of-archive blocks)');
    const h = buf.subarray(pos, pos + 512);
    if (h.every((b) => b === 0)) return out;
    let sum = 0;
    for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 0x20 : h[i];
    if (octal(h.subarray(148, 156), 'checksum') !== sum) throw new FormatError(file, `tar header at byte ${pos}: checksum mismatch, the archive is corrupt`);
    const size = pax.has('size') ? Number(pax.get('size')) : octal(h.subarray(124, 136), 'size');
    if (!isCount(size) || pos + 512 + size > buf.length) throw new FormatError(file, `truncated tar member at byte ${pos}: ${size} bytes announced`);
    const prefix = text(h.subarray(345, 500));
    const name = pax.get('path') ?? (prefix ? `${prefix}/${text(h.subarray(0, 100))}` : text(h.subarray(0, 100)));
    const data = buf.subarray(pos + 512, pos + 512 + size);
    const type = h[156];
    pax = type === 0x78 ? paxRecords(data, file) : new Map();
    if (type === 0x30 || type === 0) out.set(name, data);
    pos += 512 + Math.ceil(size / 512) * 512;
  }
}

/** The records "LEN key=value\n" of a pax extended header. */
function paxRecords(data: Uint8Array, file: string): Map<string, string> {
  const out = new Map<string, string>();
  if (data.length > 65536) throw new FormatError(file, `a pax header of ${data.length} bytes in the tar archive`);
  const s = String.fromCharCode(...data); // lengths count bytes
  for (let i = 0; i < s.length;) {
    const m = /^(\d+) ([^=]+)=/.exec(s.slice(i, i + 300));
    const len = m ? Number(m[1]) : 0;
    if (!m || len <= m[0].length || i + len > s.length) throw new FormatError(file, 'a malformed pax header in the tar archive');
    out.set(m[2], s.slice(i + m[0].length, i + len - 1));
    i += len;
  }
  return out;
}
