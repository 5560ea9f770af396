// Reference-vector helpers for the browser (no node:fs): the fixtures are imported as JSON
// modules by the tests, arrays become recap Tensors, closeness is the manifest's metric.
import { expect } from 'vitest';
import { Tensor, tensor, type DType } from '../../dist/index.js';

export interface VArray { shape: number[]; dtype: 'float64' | 'int32' | 'bool'; data: number[] | boolean[] }
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Case = Record<string, any>;

/** A vector array as a Tensor: float arrays in `floatDType`, int32 and bool (as 0/1) as int32. */
export function arr(v: VArray, floatDType: DType = 'float64'): Tensor {
  if (v.dtype === 'bool') return tensor((v.data as boolean[]).map((b) => (b ? 1 : 0)), v.shape, 'int32');
  return tensor(v.data as number[], v.shape, v.dtype === 'int32' ? 'int32' : floatDType);
}

/** max|got − want| / max|want| (scale-relative, as test/helpers.ts in Node). */
export function scaleRelError(got: ArrayLike<number>, want: ArrayLike<number>): number {
  expect(got.length).toBe(want.length);
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < want.length; i++) {
    if (Number.isNaN(got[i])) return NaN;
    diff = Math.max(diff, Math.abs(got[i] - want[i]));
    scale = Math.max(scale, Math.abs(want[i]));
  }
  return scale === 0 ? diff : diff / scale;
}

export function expectClose(name: string, got: Tensor, want: VArray, tol: number): void {
  expect(got.shape, `${name} shape`).toEqual(want.shape);
  const err = scaleRelError(got.data, want.data as number[]);
  if (!(err <= tol)) {
    const g = Array.from(got.data).slice(0, 4).map((x) => x.toPrecision(10));
    const w = (want.data as number[]).slice(0, 4).map((x) => x.toPrecision(10));
    throw new Error(`${name}: scale-relative error ${err} > ${tol}; got [${g}] want [${w}]`);
  }
}
