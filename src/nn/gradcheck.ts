// Numerical gradients and the relative error, as CS231n's gradient_check.py. Centred
// differences in plain + - * /: the same numbers in every engine.
import { fail } from '../core/errors.js';
import { Tensor, allocTyped, checkTensor } from '../core/tensor.js';

export interface GradientCheckOptions {
  /**
   * 2 (default, CS231n): (f(x+h) − f(x−h)) / 2h, error O(h²).
   * 4: (f(x−2h) − 8f(x−h) + 8f(x+h) − f(x+2h)) / 12h, error O(h⁴), so a larger h (≈1e-3)
   * keeps rounding noise small: use it to verify gradients to ~1e-9.
   */
  order?: 2 | 4;
}

/**
 * Centred-difference stencils: Σ w·(f(x+k·h) − f(x−k·h)) / (den·h) over [k, w] pairs. Each pair
 * is differenced first, so a parameter the function ignores gets exactly 0.
 */
const STENCILS = { 2: { taps: [[1, 1]], den: 2 }, 4: { taps: [[1, 8], [2, -1]], den: 12 } } as const;

function checkArgs(f: unknown, x: Tensor, h: number, options: GradientCheckOptions) {
  checkTensor('x', x);
  if (typeof f !== 'function') fail('f', 'a function', typeof f);
  if (!(h > 0) || !Number.isFinite(h)) fail('h', 'a positive finite step', h);
  const order = options.order ?? 2;
  if (order !== 2 && order !== 4) fail('options.order', '2 or 4', order);
  return STENCILS[order];
}

/**
 * Numerical gradient of a scalar function: (f(x+h) − f(x−h)) / 2h per element. `f` reads `x`
 * in place, so perturbing `x.data` changes what it sees. `x` is restored afterwards.
 */
export function evalNumericalGradient(f: () => number, x: Tensor, h = 1e-5, options: GradientCheckOptions = {}): Tensor {
  const { taps, den } = checkArgs(f, x, h, options);
  const grad = allocTyped(x.dtype === 'int32' ? 'float64' : x.dtype, x.size);
  const d = x.data;
  for (let i = 0; i < d.length; i++) {
    const old = d[i];
    let s = 0;
    for (const [k, w] of taps) {
      d[i] = old + k * h;
      const fp = f();
      d[i] = old - k * h;
      const fm = f();
      s += w * (fp - fm);
    }
    d[i] = old;
    grad[i] = s / (den * h);
  }
  return new Tensor(grad, x.shape);
}

/**
 * Numerical gradient of an array-valued function contracted with `dout`:
 * Σ (f(x+h) − f(x−h))·dout / 2h per element of x.
 */
export function evalNumericalGradientArray(f: () => Tensor, x: Tensor, dout: Tensor, h = 1e-5, options: GradientCheckOptions = {}): Tensor {
  const { taps, den } = checkArgs(f, x, h, options);
  checkTensor('dout', dout);
  const grad = allocTyped(x.dtype === 'int32' ? 'float64' : x.dtype, x.size);
  const d = x.data;
  const acc = new Float64Array(dout.size);
  for (let i = 0; i < d.length; i++) {
    const old = d[i];
    acc.fill(0);
    for (const [k, w] of taps) {
      d[i] = old + k * h;
      const pos = f().data.slice();
      d[i] = old - k * h;
      const neg = f().data;
      if (pos.length !== dout.size) fail('dout', `${pos.length} elements (as f())`, dout.size);
      for (let j = 0; j < pos.length; j++) acc[j] += w * (pos[j] - neg[j]);
    }
    d[i] = old;
    let s = 0;
    for (let j = 0; j < acc.length; j++) s += acc[j] * dout.data[j];
    grad[i] = s / (den * h);
  }
  return new Tensor(grad, x.shape);
}

/** max |a−b| / max(1e-8, |a|+|b|), elementwise then the maximum (CS231n rel_error). */
export function relError(a: Tensor, b: Tensor): number {
  checkTensor('a', a);
  checkTensor('b', b);
  if (a.size !== b.size) fail('b', `${a.size} elements (as a)`, b.size);
  let worst = 0;
  for (let i = 0; i < a.size; i++) {
    const x = a.data[i];
    const y = b.data[i];
    const r = Math.abs(x - y) / Math.max(1e-8, Math.abs(x) + Math.abs(y));
    if (r > worst || r !== r) worst = r;
  }
  return worst;
}
