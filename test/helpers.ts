// Shared test helpers: reading the CS231n reference vectors (test/fixtures, copied from the
// reference set) and comparing arrays the way the vectors' manifest prescribes.
import { readFileSync } from 'node:fs';
import { expect } from 'vitest';
import { Tensor, tensor, type DType } from '../src/index.js';

export interface VArray { shape: number[]; dtype: 'float64' | 'int32' | 'bool'; data: number[] | boolean[] }
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Case = Record<string, any>;

export function loadCases(file: string): Case[] {
  const path = new URL(`./fixtures/${file}`, import.meta.url);
  const cases = JSON.parse(readFileSync(path, 'utf8')).cases;
  // a test over the cases of an emptied or reshaped fixture would pass having checked nothing
  if (!Array.isArray(cases) || cases.length === 0) throw new Error(`test/fixtures/${file}: expected a non-empty "cases" array`);
  return cases;
}

/** A vector array as a Tensor: float arrays in `floatDType`, int32 and bool (as 0/1) as int32. */
export function arr(v: VArray, floatDType: DType = 'float64'): Tensor {
  if (v.dtype === 'bool') return tensor((v.data as boolean[]).map((b) => (b ? 1 : 0)), v.shape, 'int32');
  return tensor(v.data as number[], v.shape, v.dtype === 'int32' ? 'int32' : floatDType);
}

/** max|got − want| / max|want| (the manifest's scale-relative metric). */
export function scaleRelError(got: ArrayLike<number>, want: ArrayLike<number>): number {
  expect(got.length).toBe(want.length);
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < want.length; i++) {
    diff = Math.max(diff, Math.abs(got[i] - want[i]));
    scale = Math.max(scale, Math.abs(want[i]));
    if (Number.isNaN(got[i])) return NaN;
  }
  return scale === 0 ? diff : diff / scale;
}

/** Asserts scale-relative closeness, naming the array and showing the first values on failure. */
export function expectClose(name: string, got: Tensor | ArrayLike<number>, want: VArray | ArrayLike<number>, tol: number): void {
  const g = got instanceof Tensor ? got.data : got;
  const w = (want as VArray).data !== undefined ? ((want as VArray).data as number[]) : (want as ArrayLike<number>);
  if (got instanceof Tensor && (want as VArray).shape) expect(got.shape, `${name} shape`).toEqual((want as VArray).shape);
  const err = scaleRelError(g, w);
  if (!(err <= tol)) {
    const first = Array.from(g).slice(0, 4).map((x) => x.toPrecision(10));
    const wfirst = Array.from(w).slice(0, 4).map((x) => x.toPrecision(10));
    throw new Error(`${name}: scale-relative error ${err} > ${tol}; got [${first}] want [${wfirst}]`);
  }
}

/** float32 tolerance for an array: 10× the error numpy float32 showed, at least 1e-5. */
export function f32Tol(c: Case, name: string): number {
  const suggested = c.suggested_scale_relative_tolerance?.float32?.[name];
  if (suggested !== undefined) return suggested;
  const observed = c.float32_scale_relative_error_observed?.[name];
  return Math.max(1e-5, observed !== undefined ? 10 * observed : 0);
}
