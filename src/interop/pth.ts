// PyTorch .pth / .pt files holding a state dict (torch.save(model.state_dict(), f)), browser-safe.
//
// Three containers:
//  - zip (torch.save's default since 1.6): `<name>/data.pkl` is the pickle, whose persistent ids
//    ('storage', StorageType, key, location, numel) name the members `<name>/data/<key>`, each a
//    storage's raw little-endian bytes; `<name>/byteorder` (torch >= 2.1) says the byte order.
//  - legacy (torch 0.1.10 to 1.5, and _use_new_zipfile_serialization=False): five things one
//    after the other: the pickled magic number 0x1950a86a20f9469cfc6c, the protocol version 1001,
//    a sys_info dict (little_endian, type sizes), the object's pickle with persistent ids
//    ('storage', StorageType, key, location, numel, view_metadata), the pickled list of storage
//    keys, then each of those storages as an int64 element count and its raw bytes.
//  - tar (torch.save before 0.1.10; the oldest torchvision weights): pth-tar.ts.
// The pickles are read by pickle.ts with torch-pickle.ts's globals only: nothing is executed.
// Reference: torch/serialization.py (_save, _legacy_save, _load, _legacy_load) of torch 1.13.
import { FormatError } from '../core/errors.js';
import { Tensor } from '../core/tensor.js';
import { asBytes, type ReadOptions } from './npy.js';
import { PyDict, PyGlobal, readPickle } from './pickle.js';
import { StorageRef, TORCH_GLOBALS, TensorRef, materialise, refusalHint, storageElement } from './torch-pickle.js';
import { isTar, readTarPth } from './pth-tar.js';
import { readZip } from './zip.js';

const MAGIC = 0x1950a86a20f9469cfc6cn;
const LEGACY_PROTOCOL = 1001;

/**
 * Reads a PyTorch .pth/.pt file holding a state dict (zip or legacy format) into its tensors,
 * keyed as `state_dict()` keys them. A `{'state_dict': ...}` or `{'model': ...}` wrapper holding
 * no tensors itself is unwrapped. Float32 and float64 tensors keep their dtype, half and bfloat16
 * become float32, integers and bool int32 (range-checked). Throws FormatError naming the file and
 * the entry for anything truncated, corrupt or refused (a pickle referencing any global but the
 * few a state dict uses: nothing in the file is ever executed).
 */
export function readPth(bytes: Uint8Array | ArrayBuffer, options: ReadOptions = {}): Record<string, Tensor> {
  const buf = asBytes(bytes);
  const file = options.name ?? 'pth';
  if (buf.length >= 4 && buf[0] === 0x50 && buf[1] === 0x4b) return readZipPth(buf, file);
  if (buf.length >= 2 && buf[0] === 0x80) return readLegacyPth(buf, file);
  if (isTar(buf)) {
    const { value, data } = readTarPth(buf, file);
    return tensors(stateDictEntries(value, `${file}/pickle`), (key) => data.get(key), () => `${file}/storages`);
  }
  throw new FormatError(file, buf.length < 4 ? `truncated: ${buf.length} bytes is too short for a .pth file` : 'not a .pth file (neither a zip archive nor a pickle)');
}

function readZipPth(buf: Uint8Array, file: string): Record<string, Tensor> {
  const members = readZip(buf, file);
  const pkls = Object.keys(members).filter((m) => m === 'data.pkl' || /^[^/]*\/data\.pkl$/.test(m));
  if (pkls.length !== 1) {
    throw new FormatError(file, pkls.length === 0 ? 'a zip archive without data.pkl: not a PyTorch file' : `a zip archive with ${pkls.length} data.pkl members (${pkls.join(', ')})`);
  }
  const prefix = pkls[0].slice(0, -'data.pkl'.length);
  if (Object.hasOwn(members, `${prefix}constants.pkl`)) {
    throw new FormatError(file, 'a TorchScript archive (torch.jit.save), which recap does not run: save the model\'s state_dict() with torch.save');
  }
  if (Object.hasOwn(members, `${prefix}byteorder`)) {
    const order = String.fromCharCode(...members[`${prefix}byteorder`].subarray(0, 16));
    if (order !== 'little') throw new FormatError(`${file}/${prefix}byteorder`, `byte order ${JSON.stringify(order)}: recap reads little-endian files only`);
  }
  const storages = new Map<string, StorageRef>();
  const pklFile = `${file}/${pkls[0]}`;
  const { value } = readPickle(members[pkls[0]], {
    file: pklFile, globals: TORCH_GLOBALS, refusalHint,
    persistentLoad: (pid) => {
      const [type, key, , numel] = storageId(pid, 5);
      return storageRef(storages, type, key, numel);
    },
  });
  const member = (key: string) => `${prefix}data/${key}`;
  return tensors(stateDictEntries(value, pklFile), (key) => (Object.hasOwn(members, member(key)) ? members[member(key)] : undefined), (key) => `${file}/${member(key)}`);
}

function readLegacyPth(buf: Uint8Array, file: string): Record<string, Tensor> {
  const magic = readPickle(buf, { file });
  if (magic.value !== MAGIC) throw new FormatError(file, 'a pickle, but not a PyTorch file (no torch.save magic number)');
  const version = readPickle(buf, { file, offset: magic.end });
  if (version.value !== LEGACY_PROTOCOL) throw new FormatError(file, `legacy format protocol version ${String(version.value)}, expected ${LEGACY_PROTOCOL}`);
  const sysInfo = readPickle(buf, { file, offset: version.end });
  if (!(sysInfo.value instanceof PyDict) || sysInfo.value.get('little_endian') !== true) {
    throw new FormatError(file, 'sys_info does not say little_endian: recap reads little-endian files only');
  }
  // root storages by key, with the views that refer into them
  const storages = new Map<string, StorageRef>();
  const main = readPickle(buf, {
    file, offset: sysInfo.end, globals: TORCH_GLOBALS, refusalHint,
    persistentLoad: (pid) => {
      const [type, key, , numel, view] = storageId(pid, 6);
      const root = storageRef(storages, type, key, numel);
      if (view === null) return root;
      if (!Array.isArray(view) || view.length !== 3 || typeof view[0] !== 'string' || !isCount(view[1]) || !isCount(view[2])) {
        throw new TypeError('a storage view that is not (key, offset, size)');
      }
      if (view[1] + view[2] > numel) throw new TypeError(`storage view ${view[0]} [${view[1]}, ${view[1] + view[2]}) lies outside storage ${key} of ${numel} elements`);
      return new StorageRef(key, root.type, root.element, view[2], view[1]);
    },
  });
  const entries = stateDictEntries(main.value, file);
  const keys = readPickle(buf, { file, offset: main.end });
  if (!Array.isArray(keys.value) || !keys.value.every((k) => typeof k === 'string')) throw new FormatError(file, 'the storage key list is not a list of strings');
  const data = new Map<string, Uint8Array>();
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  let pos = keys.end;
  for (const key of keys.value as string[]) {
    const root = storages.get(key);
    if (!root) throw new FormatError(file, `storage ${key} is in the key list but no tensor refers to it`);
    if (pos + 8 > buf.length) throw new FormatError(file, `truncated: storage ${key} starts at byte ${pos}, past the end (${buf.length} bytes)`);
    const hi = dv.getUint32(pos + 4, true);
    const count = hi * 2 ** 32 + dv.getUint32(pos, true);
    if (count !== root.numel) throw new FormatError(file, `storage ${key} holds ${hi >= 0x200000 ? 'over 2^53' : count} elements, its tensors say ${root.numel}`);
    const bytes = count * root.element.size;
    if (pos + 8 + bytes > buf.length) throw new FormatError(file, `truncated: storage ${key} needs ${bytes} bytes at byte ${pos + 8}, ${buf.length - pos - 8} present`);
    data.set(key, buf.subarray(pos + 8, pos + 8 + bytes));
    pos += 8 + bytes;
  }
  return tensors(entries, (key) => data.get(key), () => file);
}

/**
 * The Tensors of the entries, each copied out of its root storage's bytes (`bytesOf(key)`;
 * undefined when missing). `where(key)` names the storage's place in errors.
 */
function tensors(entries: Array<[string, TensorRef]>, bytesOf: (key: string) => Uint8Array | undefined, where: (key: string) => string): Record<string, Tensor> {
  const out: Record<string, Tensor> = {};
  for (const [name, ref] of entries) {
    const bytes = bytesOf(ref.storage.key);
    if (!bytes) throw new FormatError(where(ref.storage.key), `storage ${ref.storage.key} of tensor ${JSON.stringify(name)} is missing from the file`);
    Object.defineProperty(out, name, { value: materialise(ref, bytes, where(ref.storage.key), `tensor ${JSON.stringify(name)}`), enumerable: true, writable: true, configurable: true });
  }
  return out;
}

const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

/** The fields after 'storage' of a persistent id of `length` items, checked. */
function storageId(pid: unknown, length: number): [unknown, string, unknown, number, unknown] {
  if (!Array.isArray(pid) || pid.length === 0) throw new TypeError('a persistent id that is not a tuple');
  if (pid[0] === 'module') throw new TypeError('a pickled nn.Module class (torch.save(model)): recap reads state dicts only; save model.state_dict()');
  if (pid[0] !== 'storage') throw new TypeError(`a persistent id of type ${JSON.stringify(String(pid[0]))}, not 'storage'`);
  if (pid.length !== length) throw new TypeError(`a storage id of ${pid.length} items, expected ${length}`);
  const [, type, key, location, numel, view] = pid;
  if (typeof key !== 'string' || key.length === 0 || key.includes('/')) throw new TypeError('a storage key that is not a plain name');
  if (!isCount(numel)) throw new TypeError(`storage ${key}'s size is not a non-negative integer`);
  return [type, key, location, numel, view];
}

/** The root storage `key` (made on first sight; a key seen again must have the same type and size). */
function storageRef(storages: Map<string, StorageRef>, type: unknown, key: string, numel: number): StorageRef {
  const { name, element } = storageElement(type);
  if (!element) throw new TypeError(`storage type ${name} is not supported`);
  const seen = storages.get(key);
  if (seen) {
    if (seen.type !== name || seen.numel !== numel) throw new TypeError(`storage ${key} appears as ${seen.numel} ${seen.type} and as ${numel} ${name} elements`);
    return seen;
  }
  const ref = new StorageRef(key, name, element, numel);
  storages.set(key, ref);
  return ref;
}

/**
 * The (name, tensor) entries of the state dict `root`: a dict of tensors, or a dict without
 * tensors whose one 'state_dict' or 'model' entry is that dict.
 */
function stateDictEntries(root: unknown, file: string): Array<[string, TensorRef]> {
  if (!(root instanceof PyDict)) throw new FormatError(file, `holds ${pyType(root)}, not a state dict (a dict of tensors)`);
  let dict: PyDict = root;
  if (![...root.values()].some((v) => v instanceof TensorRef)) {
    const wrappers = ['state_dict', 'model'].filter((k) => root.get(k) instanceof PyDict);
    if (wrappers.length === 1) dict = root.get(wrappers[0]) as PyDict;
  }
  const out: Array<[string, TensorRef]> = [];
  for (const [k, v] of dict) {
    if (typeof k !== 'string') throw new FormatError(file, `the state dict has a key that is ${pyType(k)}, not a string`);
    if (!(v instanceof TensorRef)) throw new FormatError(file, `entry ${JSON.stringify(k)} is ${pyType(v)}, not a tensor`);
    out.push([k, v]);
  }
  return out;
}

/** How Python would name the type of a value the pickle reader made. */
function pyType(v: unknown): string {
  if (v === null || v === undefined) return 'None';
  if (typeof v === 'boolean') return 'a bool';
  if (typeof v === 'bigint' || (typeof v === 'number' && Number.isInteger(v))) return 'an int';
  if (typeof v === 'number') return 'a float';
  if (typeof v === 'string') return 'a str';
  if (v instanceof Uint8Array) return 'bytes';
  if (Array.isArray(v)) return Object.isFrozen(v) ? 'a tuple' : 'a list';
  if (v instanceof PyDict) return v.ordered ? 'an OrderedDict' : 'a dict';
  if (v instanceof Set) return 'a set';
  if (v instanceof PyGlobal) return v.name;
  if (v instanceof StorageRef) return 'a storage';
  return 'an object';
}
