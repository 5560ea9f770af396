// Argument checks shared by every entry point. Each throws RecapError naming the argument
// and the expected vs actual value, before any wasm call or state change.
import { RecapError, fail } from './errors.js';
import { Tensor, type FloatDType, checkTensor } from './tensor.js';

/** Binds shape letters (N, T, D, ...) across arguments so mismatches name both sides. */
export class Dims {
  private sizes = new Map<string, { size: number; from: string }>();

  /** Checks `t` has rank `letters.length` and binds or checks each letter. Sizes must be >= 1. */
  bind(name: string, t: unknown, letters: readonly string[]): Tensor {
    checkTensor(name, t);
    const want = `(${letters.join(', ')})`;
    if (t.shape.length !== letters.length) {
      throw new RecapError(name, `shape ${want}, rank ${letters.length}`, `[${t.shape.join(', ')}]`);
    }
    letters.forEach((letter, i) => {
      const size = t.shape[i];
      if (size < 1) {
        throw new RecapError(name, `${letter} >= 1 (no empty dimensions)`, `[${t.shape.join(', ')}]`);
      }
      const seen = this.sizes.get(letter);
      if (seen === undefined) this.sizes.set(letter, { size, from: name });
      else if (seen.size !== size) {
        throw new RecapError(name, `shape ${want} with ${letter}=${seen.size} (from ${seen.from})`, `[${t.shape.join(', ')}]`);
      }
    });
    return t;
  }

  get(letter: string): number {
    const s = this.sizes.get(letter);
    if (!s) throw new Error(`internal: dimension ${letter} not bound`);
    return s.size;
  }

  /** Binds a letter to a known size (e.g. from a model's config). */
  set(letter: string, size: number, from: string): void {
    this.sizes.set(letter, { size, from });
  }
}

/** All float tensors of one call share one dtype (float32 or float64); returns it. */
export function floatDType(args: Record<string, Tensor>): FloatDType {
  let dtype: FloatDType | null = null;
  let first = '';
  for (const [name, t] of Object.entries(args)) {
    if (t.dtype !== 'float32' && t.dtype !== 'float64') fail(name, 'dtype float32 or float64', t.dtype);
    if (dtype === null) {
      dtype = t.dtype;
      first = name;
    } else if (t.dtype !== dtype) {
      fail(name, `dtype ${dtype} (as ${first}; all float inputs of a call share one dtype)`, t.dtype);
    }
  }
  return dtype ?? 'float32';
}

/** No NaN or Inf in `t`. */
export function checkFinite(name: string, t: Tensor): void {
  const d = t.data;
  for (let i = 0; i < d.length; i++) {
    const v = d[i];
    if (v - v !== 0) fail(`${name}[${i}]`, 'a finite number', v);
  }
}

/** An int32 tensor of token ids in [0, V). */
export function checkIds(name: string, t: Tensor, V: number): void {
  if (t.dtype !== 'int32') fail(name, 'dtype int32 (token ids)', t.dtype);
  const d = t.data;
  for (let i = 0; i < d.length; i++) {
    if (d[i] < 0 || d[i] >= V) fail(`${name}[${i}]`, `a token id in [0, ${V})`, d[i]);
  }
}

/** An int32 tensor of 0/1. */
export function checkMask(name: string, t: Tensor): void {
  if (t.dtype !== 'int32') fail(name, 'dtype int32 (0/1 mask)', t.dtype);
  const d = t.data;
  for (let i = 0; i < d.length; i++) if (d[i] !== 0 && d[i] !== 1) fail(`${name}[${i}]`, '0 or 1', d[i]);
}

export function checkPositiveInt(name: string, v: unknown, max = 2 ** 31 - 1): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > max) fail(name, `an integer in [1, ${max}]`, v);
  return v;
}

export function checkNumber(name: string, v: unknown, min = -Infinity, max = Infinity): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max) {
    fail(name, `a finite number in [${min}, ${max}]`, v);
  }
  return v;
}

/** Refuses calls whose wasm working set would not fit the 4 GiB address space. */
export function checkMemory(what: string, bytes: number, of = 'wasm memory', detail?: string): void {
  if (!(bytes <= MEMORY_LIMIT)) {
    throw new RecapError(what, `a working set under 3.5 GiB of ${of}`, `${formatBytes(bytes)} needed`, detail);
  }
}

/** The most one call may ask of the (at most 4 GiB) wasm address space. */
export const MEMORY_LIMIT = 3.5 * 2 ** 30;

export function formatBytes(bytes: number): string {
  return bytes >= 2 ** 30 ? `${(bytes / 2 ** 30).toFixed(2)} GiB` : `${(bytes / 2 ** 20).toFixed(1)} MiB`;
}
