// The seeded weights and inputs of scripts/make-encoder-fixtures.py, bit for bit (IEEE float64
// arithmetic, one rounding to float32): a state dict from torchvision's names and shapes
// (test/fixtures/vision/keys.json), never stored.
import { readFileSync } from 'node:fs';
import { Tensor } from '../../src/index.js';

const FIXTURES = new URL('../fixtures/vision/', import.meta.url);

export interface KeysFile { torch: string; torchvision: string; keys: Record<string, [string, number[]][]> }
export const keysFile: KeysFile = JSON.parse(readFileSync(new URL('keys.json', FIXTURES), 'utf8'));

function fnv1a(name: string): number {
  let h = 0x811c9dc5;
  for (const b of new TextEncoder().encode(name)) h = Math.imul(h ^ b, 0x01000193) >>> 0;
  return h;
}

/** u(name, i) in [-1, 1) for i < n. */
export function uniform(name: string, n: number): Float64Array {
  const seed = fnv1a(name);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let h = (Math.imul(i, 0x9e3779b1) + seed) >>> 0;
    h ^= h >>> 16;
    h = Math.imul(h, 0x85ebca6b) >>> 0;
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35) >>> 0;
    h ^= h >>> 16;
    out[i] = (h >>> 8) / 2 ** 23 - 1;
  }
  return out;
}

/** The seeded state dict of `arch` (float32 tensors; num_batches_tracked as int32 0). */
export function seededStateDict(arch: string): Record<string, Tensor> {
  const entries = keysFile.keys[arch];
  const names = new Set(entries.map(([k]) => k));
  const sd: Record<string, Tensor> = {};
  for (const [name, shape] of entries) {
    const n = shape.reduce((a, b) => a * b, 1);
    const dot = name.lastIndexOf('.');
    const prefix = name.slice(0, dot), leaf = name.slice(dot + 1);
    if (leaf === 'num_batches_tracked') { sd[name] = new Tensor(new Int32Array(n), shape); continue; }
    const u = uniform(name, n);
    const v = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      let x: number;
      if (shape.length >= 2) x = u[i] / Math.sqrt(n / shape[0]);
      else if (names.has(`${prefix}.running_mean`)) {
        x = leaf === 'weight' ? 1 + u[i] / 4 : leaf === 'running_var' ? 0.75 + u[i] / 4 : u[i] / 10;
      } else x = u[i] / 10;
      v[i] = x;
    }
    sd[name] = new Tensor(v, shape);
  }
  return sd;
}

/** The seeded input (N,3,S,S), float32 values, in `dtype`. */
export function seededInput(n: number, size: number, dtype: 'float32' | 'float64' = 'float32'): Tensor {
  const u = uniform('input', n * 3 * size * size);
  const f = Float32Array.from(u, (x) => 2 * x);
  return new Tensor(dtype === 'float64' ? Float64Array.from(f) : f, [n, 3, size, size]);
}

/** The expected outputs (encoders.npz), by key `${arch}_${size}_${n}_${dtype}_${output}`. */
export function fixturePath(name: string): URL {
  return new URL(name, FIXTURES);
}
