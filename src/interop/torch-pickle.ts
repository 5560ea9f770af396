// What a PyTorch state dict's pickle may reference, and turning its tensor descriptions into
// Tensors (browser-safe). Only these globals are accepted (cf. torch/_weights_only_unpickler.py,
// torch/_utils.py, torch/serialization.py of torch 1.13):
//   torch._utils._rebuild_tensor (torch <= 0.3), _rebuild_tensor_v2, _rebuild_parameter,
//   _rebuild_parameter_with_state, torch.nn.parameter.Parameter, torch.Size,
//   torch.<T>Storage / torch.cuda.<T>Storage (referenced in persistent ids, never called),
//   torch.<T>Tensor / torch.cuda.<T>Tensor (referenced in the tar format's records, never called),
//   collections.OrderedDict (pickle.ts).
// Each "call" only records a description (TensorRef: storage, offset, size, stride); the bytes
// are decoded once the whole pickle has been read and the storages found.
import { FormatError } from '../core/errors.js';
import { MAX_ELEMENTS, Tensor, allocTyped, sizeOf } from '../core/tensor.js';
import { decodeElements, readDType, type ElementType } from './elements.js';
import { PyGlobal, type PickleGlobal } from './pickle.js';

const le = (kind: ElementType['kind'], size: ElementType['size'], bfloat16 = false): ElementType => ({ kind, size, littleEndian: true, ...(bfloat16 ? { bfloat16 } : {}) });

/** torch's storage types and their elements (UntypedStorage: bytes). */
const STORAGE_TYPES: Record<string, ElementType> = {
  FloatStorage: le('f', 4), DoubleStorage: le('f', 8), HalfStorage: le('f', 2), BFloat16Storage: le('f', 2, true),
  LongStorage: le('i', 8), IntStorage: le('i', 4), ShortStorage: le('i', 2), CharStorage: le('i', 1),
  ByteStorage: le('u', 1), BoolStorage: le('b', 1), UntypedStorage: le('u', 1),
};

/** A storage a persistent id named: its key (zip member `data/<key>`, or legacy key), element type and length. */
export class StorageRef {
  constructor(readonly key: string, readonly type: string, readonly element: ElementType, readonly numel: number,
    /** A legacy storage view: the element offset into the root storage. */
    readonly viewOffset = 0) {}
}

/** A tensor as the pickle describes it; `materialise` makes it a Tensor. */
export class TensorRef {
  constructor(readonly storage: StorageRef, readonly offset: number, readonly size: number[], readonly stride: number[]) {}
}

const isTuple = (v: unknown): v is readonly unknown[] => Array.isArray(v) && Object.isFrozen(v);
const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

function dims(v: unknown, what: string): number[] {
  if (!Array.isArray(v) || !v.every(isCount)) throw new TypeError(`${what} is not a tuple of non-negative integers`);
  if (v.length > 64) throw new TypeError(`${what} has ${v.length} dimensions`);
  return [...v] as number[];
}

function rebuildTensor(args: readonly unknown[], name: string): TensorRef {
  const [storage, offset, size, stride] = args;
  if (!(storage instanceof StorageRef)) throw new TypeError(`${name}'s first argument is not a storage`);
  if (!isCount(offset)) throw new TypeError('the storage offset is not a non-negative integer');
  const sz = dims(size, 'the size');
  const st = dims(stride, 'the stride');
  if (sz.length !== st.length) throw new TypeError(`size (${sz}) and stride (${st}) have different lengths`);
  return new TensorRef(storage, offset, sz, st);
}

function unwrapTensor(v: unknown, name: string): TensorRef {
  if (!(v instanceof TensorRef)) throw new TypeError(`${name}'s data is not a tensor`);
  return v;
}

/** The globals a state dict's pickle may reference (OrderedDict is pickle.ts's own). */
export const TORCH_GLOBALS: Readonly<Record<string, PickleGlobal>> = (() => {
  const g: Record<string, PickleGlobal> = {
    'torch._utils._rebuild_tensor': { call: (a) => rebuildTensor(a, '_rebuild_tensor') },
    'torch._utils._rebuild_tensor_v2': {
      call: (a) => {
        // (storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata])
        if (a.length < 6 || a.length > 7) throw new TypeError(`takes 6 or 7 arguments, got ${a.length}`);
        return rebuildTensor(a, '_rebuild_tensor_v2');
      },
    },
    'torch._utils._rebuild_parameter': { call: (a) => unwrapTensor(a[0], '_rebuild_parameter') },
    'torch._utils._rebuild_parameter_with_state': { call: (a) => unwrapTensor(a[0], '_rebuild_parameter_with_state') },
    'torch.nn.parameter.Parameter': { call: (a) => unwrapTensor(a[0], 'Parameter') },
    'torch.Size': {
      call: (a) => {
        dims(a[0], 'torch.Size');
        return a[0];
      },
    },
  };
  // storage types are referenced in persistent ids; tensor types in the tar format's records
  for (const t of Object.keys(STORAGE_TYPES)) {
    g[`torch.${t}`] = {};
    if (t === 'UntypedStorage') continue;
    g[`torch.cuda.${t}`] = {};
    g[`torch.${t.replace('Storage', 'Tensor')}`] = {};
    g[`torch.cuda.${t.replace('Storage', 'Tensor')}`] = {};
  }
  return g;
})();

/** The element type of a storage type global, or a TypeError. */
export function storageElement(type: unknown): { name: string; element: ElementType } {
  if (!(type instanceof PyGlobal) || !(type.name.startsWith('torch.') && type.name.endsWith('Storage'))) {
    throw new TypeError('the storage type is not a torch storage class');
  }
  const short = type.name.slice(type.name.lastIndexOf('.') + 1);
  return { name: short, element: STORAGE_TYPES[short] };
}

/** A hint for a refused global: what a torch or torchvision class in a pickle usually means. */
export function refusalHint(name: string): string {
  if (name.endsWith('Storage')) return '; recap reads float, double, half, bfloat16, integer and bool storages';
  if (/^torch(vision)?\./.test(name) && !name.startsWith('torch._utils.')) {
    return '; a whole model saved with torch.save(model)? Save model.state_dict() instead';
  }
  return '';
}

/** Largest tensor made from fewer storage elements (a zero stride, as expand() leaves, repeats them). */
const MAX_REPEATED = 2 ** 24;

/**
 * The Tensor `ref` describes, copied out of its storage's bytes `data` (the root storage's;
 * legacy views are offset into it). Non-contiguous strides are gathered into C order; half and
 * bfloat16 become float32, integers int32 (range-checked), bool int32. `file` and `what` name
 * the tensor in errors.
 */
export function materialise(ref: TensorRef, data: Uint8Array, file: string, what: string): Tensor {
  const { storage, offset, size, stride } = ref;
  const e = storage.element;
  const n = sizeOf(size);
  if (n > MAX_ELEMENTS) throw new FormatError(file, `${what}: size (${size}) has ${n} elements; a recap tensor holds at most ${MAX_ELEMENTS}`);
  const rootNeed = (storage.viewOffset + storage.numel) * e.size;
  if (data.length < rootNeed) {
    throw new FormatError(file, `${what}: storage ${storage.key} holds ${data.length} bytes, its ${storage.numel} ${storage.type} elements need ${rootNeed}`);
  }
  if (n === 0) return new Tensor(allocTyped(readDType(e), 0), size);
  let last = offset;
  for (let d = 0; d < size.length; d++) last += (size[d] - 1) * stride[d];
  if (last >= storage.numel) {
    throw new FormatError(file, `${what}: offset ${offset}, size (${size}) and stride (${stride}) reach element ${last} of storage ${storage.key}, which has ${storage.numel}`);
  }
  const span = last - offset + 1;
  if (n > span && n > MAX_REPEATED) {
    throw new FormatError(file, `${what}: size (${size}) repeats ${span} stored elements ${n} times over (at most ${MAX_REPEATED} elements are made from fewer)`);
  }
  const begin = (storage.viewOffset + offset) * e.size;
  const values = decodeElements(e, data.subarray(begin, begin + span * e.size), span, file, what);
  let contiguous = span === n;
  for (let d = size.length - 1, s = 1; d >= 0 && contiguous; d--) {
    if (size[d] !== 1 && stride[d] !== s) contiguous = false;
    s *= size[d];
  }
  if (contiguous) return new Tensor(values, size);
  // gather in C order: an odometer over the indices, `src` following the strides
  const out = allocTyped(readDType(e), n);
  const idx = new Array<number>(size.length).fill(0);
  let src = 0;
  for (let i = 0; i < n; i++) {
    out[i] = values[src];
    for (let d = size.length - 1; d >= 0; d--) {
      if (++idx[d] < size[d]) {
        src += stride[d];
        break;
      }
      src -= (size[d] - 1) * stride[d];
      idx[d] = 0;
    }
  }
  return new Tensor(out, size);
}

