// What every layers.* function shares: opaque genuine caches, the float-input checks, and the
// scratch-scoped kernel call with its up-front memory check (layers.ts, conv-layers.ts).
import { Dims, checkFinite, checkMemory, floatDType } from '../core/check.js';
import { fail } from '../core/errors.js';
import { type Scratch, type WasmBuffer, withScratch } from '../core/memory.js';
import { floatKernels } from '../core/runtime.js';
import type { FloatKernels } from '../core/kernels.js';
import type { FloatDType, Tensor } from '../core/tensor.js';

/** Opaque: what a backward pass needs from its forward pass. */
export interface Cache {
  readonly kind: string;
}
export interface Saved extends Cache {
  readonly dtype: FloatDType;
  readonly t: Record<string, Tensor>;
  readonly dims: Record<string, number>;
}

/** Caches made by this module: a look-alike object is refused rather than half-trusted. */
const genuine = new WeakSet<object>();

export function saved(kind: string, dtype: FloatDType, t: Record<string, Tensor>, dims: Record<string, number>): Cache {
  const c = Object.freeze({ kind, dtype, t, dims }) as Saved;
  genuine.add(c);
  return c;
}

export function open(cache: unknown, kind: string): Saved {
  if (!cache || typeof cache !== 'object' || (cache as Saved).kind !== kind) {
    fail('cache', `the cache returned by ${kind}`, cache && typeof cache === 'object' ? `a cache of ${String((cache as Saved).kind ?? 'unknown')}` : typeof cache);
  }
  if (!genuine.has(cache)) fail('cache', `the cache returned by ${kind}`, 'an object made elsewhere (caches are opaque)');
  return cache as Saved;
}

/** Validates float inputs: shared dtype, finite values. */
export function floats(args: Record<string, Tensor>): FloatDType {
  const dtype = floatDType(args);
  for (const [name, t] of Object.entries(args)) checkFinite(name, t);
  return dtype;
}

/**
 * Runs `body` with the kernels of `dtype`'s precision (typed: k.affine_forward(...)) and a scratch scope. `elements` is how
 * many values the call copies into and allocates in wasm memory: a call that cannot fit is
 * refused up front, saying how much it needs.
 */
export function call<R>(fn: string, dtype: FloatDType, elements: number, body: (k: FloatKernels, s: Scratch) => R): R {
  checkMemory(fn, elements * (dtype === 'float64' ? 8 : 4), 'wasm memory', 'inputs, outputs and scratch of the call');
  const k = floatKernels(dtype);
  return withScratch((s) => body(k, s));
}

export const out = (b: WasmBuffer, shape: readonly number[]) => b.toTensor(shape);

/** The shape letters a backward pass takes from its cache, bound so its gradient input is checked against them. */
export function cacheDims(known: Record<string, number>): Dims {
  const dims = new Dims();
  for (const [letter, size] of Object.entries(known)) dims.set(letter, size, 'cache');
  return dims;
}
