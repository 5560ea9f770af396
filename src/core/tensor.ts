// Tensors: row-major typed arrays with a shape and a dtype, owned by JavaScript.
import { RecapError, fail } from './errors.js';

export type DType = 'float32' | 'float64' | 'int32';
export type FloatDType = 'float32' | 'float64';
export type TypedArray = Float32Array | Float64Array | Int32Array;
export type NestedArray = number[] | NestedArray[];

const ctors = { float32: Float32Array, float64: Float64Array, int32: Int32Array } as const;

/** Bytes per element of each dtype: the one table every byte count reads. */
export const DTYPE_BYTES: Readonly<Record<DType, number>> = { float32: 4, float64: 8, int32: 4 };

/** The kernel-name prefix of a float dtype ('f32_' / 'f64_'): kernels come in one export per precision. */
export type Precision = 'f32_' | 'f64_';
export function precision(dtype: DType): Precision {
  return dtype === 'float64' ? 'f64_' : 'f32_';
}

export function allocTyped(dtype: DType, n: number): TypedArray {
  return new ctors[dtype](n);
}

export function dtypeOf(data: TypedArray): DType {
  if (data instanceof Float32Array) return 'float32';
  if (data instanceof Float64Array) return 'float64';
  return 'int32';
}

export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export class Tensor {
  readonly shape: readonly number[];
  readonly dtype: DType;
  readonly data: TypedArray;

  /** Wraps `data` (not copied) with `shape`; the length must match. */
  constructor(data: TypedArray, shape: readonly number[]) {
    if (!(data instanceof Float32Array || data instanceof Float64Array || data instanceof Int32Array)) {
      fail('data', 'a Float32Array, Float64Array or Int32Array', describeValue(data));
    }
    checkShape('shape', shape);
    const n = sizeOf(shape);
    if (data.length !== n) fail('data', `${n} elements for shape [${shape.join(', ')}]`, `${data.length}`);
    this.data = data;
    this.shape = Object.freeze([...shape]);
    this.dtype = dtypeOf(data);
  }

  get size(): number {
    return this.data.length;
  }

  /** A number for a 0-d tensor, nested arrays otherwise. */
  toArray(): number | NestedArray {
    if (this.shape.length === 0) return this.data[0];
    if (this.size === 0) {
      // an empty tensor of shape [2^32, 0] would still need 2^32 empty arrays
      let arrays = 0;
      let p = 1;
      for (let d = 0; d < this.shape.length - 1 && p > 0; d++) arrays += p *= this.shape[d];
      if (arrays > 2 ** 24) fail('tensor', 'at most 2^24 nested arrays for toArray() of an empty tensor', `shape [${this.shape.join(', ')}]`);
    }
    const build = (dim: number, offset: number): NestedArray => {
      const len = this.shape[dim];
      if (dim === this.shape.length - 1) return Array.from(this.data.subarray(offset, offset + len));
      const stride = sizeOf(this.shape.slice(dim + 1));
      const out: NestedArray[] = [];
      for (let i = 0; i < len; i++) out.push(build(dim + 1, offset + i * stride));
      return out as NestedArray;
    };
    return build(0, 0);
  }

  /** A deep copy (same dtype unless given). */
  clone(dtype: DType = this.dtype): Tensor {
    checkDType(dtype);
    const data = allocTyped(dtype, this.size);
    data.set(this.data);
    return new Tensor(data, this.shape);
  }

  /** Same data, another shape of the same size (no copy). */
  reshape(shape: readonly number[]): Tensor {
    return new Tensor(this.data, shape);
  }

  toString(): string {
    return `Tensor(${this.dtype}, [${this.shape.join(', ')}])`;
  }
}

/** Most elements one tensor may hold (wasm memory is at most 4 GiB anyway). */
export const MAX_ELEMENTS = 2 ** 31 - 1;

function checkDType(dtype: unknown): asserts dtype is DType {
  if (typeof dtype !== 'string' || !Object.hasOwn(ctors, dtype)) fail('dtype', "'float32', 'float64' or 'int32'", describeValue(dtype));
}

function checkShape(name: string, shape: unknown): asserts shape is readonly number[] {
  if (!Array.isArray(shape) || shape.some((d) => !Number.isSafeInteger(d) || d < 0)) {
    fail(name, 'an array of non-negative integers', Array.isArray(shape) ? shape : describeValue(shape));
  }
  // even an empty tensor's other dimensions must describe a size a tensor could have
  let p = 1;
  for (const d of shape) if (d > 0) p *= d;
  if (p > MAX_ELEMENTS) fail(name, `dimensions whose product (zeros aside) is at most ${MAX_ELEMENTS}`, shape);
}

function describeValue(v: unknown): string {
  if (v === null) return 'null';
  if (ArrayBuffer.isView(v)) return v.constructor.name;
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'symbol' || typeof v === 'function' || typeof v === 'object') return typeof v;
  return String(v);
}

function inferShape(data: unknown, shape: number[] = []): number[] {
  if (Array.isArray(data)) {
    shape.push(data.length);
    if (data.length > 0) inferShape(data[0], shape);
  }
  return shape;
}

function flattenInto(data: unknown, shape: number[], dim: number, out: number[], path: string): void {
  if (dim === shape.length) {
    if (typeof data !== 'number') fail(`data${path}`, 'a number', Array.isArray(data) ? 'an array' : typeof data);
    out.push(data);
    return;
  }
  if (!Array.isArray(data) || data.length !== shape[dim]) {
    fail(`data${path}`, `an array of length ${shape[dim]} (ragged nested arrays are not allowed)`,
      Array.isArray(data) ? `length ${data.length}` : typeof data);
  }
  for (let i = 0; i < data.length; i++) flattenInto(data[i], shape, dim + 1, out, `${path}[${i}]`);
}

/**
 * Makes a tensor from a typed array, a flat array with a shape, or nested arrays (shape inferred).
 * `dtype` defaults to 'float32' (or the typed array's own dtype). The data is copied.
 */
export function tensor(data: ArrayLike<number> | NestedArray | number, shape?: number[], dtype?: DType): Tensor {
  if (dtype !== undefined) checkDType(dtype);
  let flat: ArrayLike<number>;
  let inferred: number[];
  if (typeof data === 'number') {
    flat = [data];
    inferred = [];
  } else if (ArrayBuffer.isView(data)) {
    if (data instanceof DataView) fail('data', 'an array, typed array or number', 'a DataView');
    flat = data as unknown as ArrayLike<number>;
    inferred = [flat.length];
    if (dtype === undefined && (data instanceof Float64Array || data instanceof Int32Array)) dtype = dtypeOf(data);
  } else if (Array.isArray(data)) {
    inferred = inferShape(data);
    const out: number[] = [];
    flattenInto(data, inferred, 0, out, '');
    flat = out;
  } else if (data && typeof (data as ArrayLike<number>).length === 'number') {
    flat = data as ArrayLike<number>;
    inferred = [flat.length];
  } else {
    return fail('data', 'an array, typed array or number', describeValue(data));
  }
  if (!Number.isSafeInteger(flat.length) || flat.length < 0 || flat.length > MAX_ELEMENTS) {
    fail('data.length', `an integer in [0, ${MAX_ELEMENTS}]`, flat.length);
  }
  const dt = dtype ?? 'float32';
  if (shape !== undefined) {
    checkShape('shape', shape);
    if (sizeOf(shape) !== flat.length) fail('shape', `a shape with ${flat.length} elements`, shape);
  }
  const out = allocTyped(dt, flat.length);
  for (let i = 0; i < flat.length; i++) {
    const v = flat[i];
    if (typeof v !== 'number') fail(`data[${i}]`, 'a number', typeof v);
    if (dt === 'int32' && (!Number.isInteger(v) || v < -2147483648 || v > 2147483647)) {
      fail(`data[${i}]`, 'an int32 integer', v);
    }
    out[i] = v;
  }
  return new Tensor(out, shape ?? inferred);
}

export function isTensor(x: unknown): x is Tensor {
  return x instanceof Tensor;
}

/** Throws unless `x` is a Tensor. */
export function checkTensor(name: string, x: unknown): asserts x is Tensor {
  if (!(x instanceof Tensor)) throw new RecapError(name, 'a Tensor', x === null ? 'null' : typeof x);
}
