// Shared test helpers: reading the CS231n reference vectors (test/fixtures, copied from the
// reference set) and comparing arrays the way the vectors' manifest prescribes.
import { readFileSync } from 'node:fs';
import { expect } from 'vitest';
import { Tensor, relError, tensor, type DType } from '../src/index.js';

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

/** float64 tolerance of the reference vectors (scale-relative). */
export const F64_TOL = 1e-9;
/** A case's tolerance for an output array: F64_TOL in float64, the vector's own in float32. */
export const tolFor = (dtype: DType, c: Case, name: string) => (dtype === 'float64' ? F64_TOL : f32Tol(c, name));

/** Compares outputs `got[k]` with the case's `outputs[map[k]]` at the dtype's tolerance. */
export function checkAll(c: Case, dtype: DType, got: Record<string, Tensor>, map: Record<string, string>): void {
  for (const [gotName, wantName] of Object.entries(map)) {
    expectClose(`${c.name} ${dtype} ${wantName}`, got[gotName], c.outputs[wantName], tolFor(dtype, c, wantName));
  }
}

// Gradient checks. The CS231n helpers take centred differences of order 2 with h = 1e-5 by
// default. Elements whose true gradient is tiny then carry rounding noise of ~eps·|f|/h relative
// to themselves, so the notebooks accept up to 1e-6 on some arrays. Order 4 (error O(h⁴)) with
// h = 1e-4 removes that noise and lets every backward pass be held to 1e-7.
export const GRAD_LIMIT = 1e-7;
export const GRAD_H = 1e-4;
export const GRAD_O4 = { order: 4 } as const;
/** The inputs gradient checks run on: the notebook's seed-231 case and an odd-sized one, of a vector file. */
export const gradCases = [
  ['seed231', (file: string) => loadCases(file).find((c) => c.name.startsWith('notebook_seed231'))!],
  ['odd', (file: string) => loadCases(file).find((c) => c.name.startsWith('odd'))!],
] as const;

/** Rel errors of every named gradient against its numerical estimate, each below GRAD_LIMIT. */
export function checkGrads(grads: Record<string, Tensor>, numeric: Record<string, () => Tensor>): void {
  for (const [name, num] of Object.entries(numeric)) {
    const err = relError(grads[name], num());
    expect(err, `${name} rel error ${err}`).toBeLessThan(GRAD_LIMIT);
  }
}
