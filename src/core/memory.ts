// Buffers in wasm linear memory, and scratch scopes for one API call.
import { checkMemory } from './check.js';
import { rt } from './runtime.js';
import { DTYPE_BYTES as BYTES, type DType, type TypedArray, Tensor, allocTyped, sizeOf } from './tensor.js';

/** `length` elements of `dtype` at byte offset `ptr` of the wasm memory. */
export class WasmBuffer {
  readonly ptr: number;
  private cached: TypedArray | null = null;
  private freed = false;
  constructor(readonly dtype: DType, readonly length: number) {
    this.ptr = rt().heap.alloc(length * BYTES[dtype]);
  }

  /** A zero-copy view; re-created whenever the memory has grown (old views detach). */
  view(): TypedArray {
    if (this.freed) throw new Error('recap: use of a disposed buffer');
    const buffer = rt().memory.buffer;
    if (!this.cached || this.cached.buffer !== buffer) {
      const Ctor = this.dtype === 'float32' ? Float32Array : this.dtype === 'float64' ? Float64Array : Int32Array;
      this.cached = new Ctor(buffer, this.ptr, this.length);
    }
    return this.cached;
  }

  /** Byte offset of element `i`. */
  at(i: number): number {
    return this.ptr + i * BYTES[this.dtype];
  }

  zero(): void {
    this.view().fill(0);
  }

  /** A JS-owned copy as a Tensor of `shape`. */
  toTensor(shape: readonly number[], offset = 0): Tensor {
    const out = allocTyped(this.dtype, sizeOf(shape));
    out.set(this.view().subarray(offset, offset + out.length));
    return new Tensor(out, shape);
  }

  free(): void {
    if (this.freed) return;
    this.freed = true;
    this.cached = null;
    rt().heap.release(this.ptr);
  }
}

/** Buffers that live for one call and are all freed together. */
export class Scratch {
  private buffers: WasmBuffer[] = [];
  alloc(dtype: DType, length: number, zero = false): WasmBuffer {
    const b = new WasmBuffer(dtype, length);
    this.buffers.push(b);
    if (zero) b.zero();
    return b;
  }
  /** Copies `t` (converted to `dtype`, default its own) into wasm memory. */
  from(t: Tensor, dtype: DType = t.dtype): WasmBuffer {
    const b = this.alloc(dtype, t.size);
    b.view().set(t.data);
    return b;
  }
  dispose(): void {
    for (let i = this.buffers.length - 1; i >= 0; i--) this.buffers[i].free();
    this.buffers = [];
  }
}

/** Runs `fn` with a scratch scope that is freed afterwards, whatever happens. */
export function withScratch<R>(fn: (s: Scratch) => R): R {
  const s = new Scratch();
  try {
    return fn(s);
  } finally {
    s.dispose();
  }
}

/** A table of buffers: name -> [dtype, element count]. */
export type BufferSizes<K extends string = string> = Record<K, readonly [DType, number]>;

/** Bytes a size table needs. */
export function bufferBytes(sizes: BufferSizes): number {
  let bytes = 0;
  for (const [dt, n] of Object.values(sizes) as (readonly [DType, number])[]) bytes += n * BYTES[dt];
  return bytes;
}

/** Allocates every buffer of a size table, or none (a refused allocation frees the others). */
export function allocAll<K extends string>(sizes: BufferSizes<K>): Record<K, WasmBuffer> {
  const bufs = {} as Record<K, WasmBuffer>;
  try {
    for (const [name, [dt, n]] of Object.entries(sizes) as [K, readonly [DType, number]][]) bufs[name] = new WasmBuffer(dt, n);
  } catch (e) {
    for (const b of Object.values(bufs) as WasmBuffer[]) b.free();
    throw e;
  }
  return bufs;
}

/**
 * A table of buffers re-made only when its key (e.g. the batch shape) changes. A table that
 * would not fit is refused before anything changes; the old one is freed before the new one
 * is allocated, so memory is reused.
 */
export class BufferTable<K extends string> {
  bufs: Record<K, WasmBuffer> | null = null;
  private key = '';

  /** The buffers for `key`: the current ones, or `sizes()` newly allocated (`what` names the argument in errors). */
  ensure(key: string, sizes: () => BufferSizes<K>, what: string): Record<K, WasmBuffer> {
    if (this.bufs && this.key === key) return this.bufs;
    const table = sizes();
    checkMemory(what, bufferBytes(table));
    const old = this.bufs;
    this.bufs = null;
    freeAll(old);
    this.bufs = allocAll(table);
    this.key = key;
    return this.bufs;
  }

  dispose(): void {
    freeAll(this.bufs);
    this.bufs = null;
  }
}

/** Frees every buffer of a table (null: nothing). */
export function freeAll(bufs: Record<string, WasmBuffer> | null): void {
  if (bufs) for (const b of Object.values(bufs)) b.free();
}
