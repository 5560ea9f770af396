// optim.*: the CS231n update rules (optim.py). Each takes w, dw and a config carrying the
// rule's state and returns the new w and config; inputs are not modified.
import { checkFinite, checkNumber, floatDType } from '../core/check.js';
import { fail } from '../core/errors.js';
import { kname, withScratch } from '../core/memory.js';
import { kernels } from '../core/runtime.js';
import { Tensor, checkTensor } from '../core/tensor.js';

export interface OptimConfig {
  learningRate?: number;
  momentum?: number;
  decayRate?: number;
  beta1?: number;
  beta2?: number;
  epsilon?: number;
  velocity?: Tensor;
  cache?: Tensor;
  m?: Tensor;
  v?: Tensor;
  t?: number;
  [key: string]: unknown;
}

export type UpdateRule = 'sgd' | 'sgd_momentum' | 'rmsprop' | 'adam';

/** CS231n defaults per rule. */
export const OPTIM_DEFAULTS: Record<UpdateRule, Record<string, number>> = {
  sgd: { learningRate: 1e-2 },
  sgd_momentum: { learningRate: 1e-2, momentum: 0.9 },
  rmsprop: { learningRate: 1e-2, decayRate: 0.99, epsilon: 1e-8 },
  adam: { learningRate: 1e-3, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, t: 0 },
};

const STATE: Record<UpdateRule, string[]> = { sgd: [], sgd_momentum: ['velocity'], rmsprop: ['cache'], adam: ['m', 'v'] };

function update(rule: UpdateRule, w: Tensor, dw: Tensor, config: OptimConfig | undefined): { w: Tensor; config: OptimConfig } {
  checkTensor('w', w);
  checkTensor('dw', dw);
  if (config !== undefined && (config === null || typeof config !== 'object')) fail('config', 'an object', config);
  const dtype = floatDType({ w, dw });
  if (dw.size !== w.size || dw.shape.some((d, i) => d !== w.shape[i]) || dw.shape.length !== w.shape.length) {
    fail('dw', `shape [${w.shape.join(', ')}] (as w)`, `[${dw.shape.join(', ')}]`);
  }
  checkFinite('w', w);
  checkFinite('dw', dw);
  const cfg: OptimConfig = { ...OPTIM_DEFAULTS[rule], ...(config ?? {}) };
  for (const key of Object.keys(OPTIM_DEFAULTS[rule])) {
    checkNumber(`config.${key}`, cfg[key], key === 't' ? 0 : -Infinity);
  }
  for (const key of STATE[rule]) {
    const s = cfg[key];
    if (s === undefined) continue;
    checkTensor(`config.${key}`, s);
    if (s.dtype !== dtype || s.size !== w.size) fail(`config.${key}`, `a ${dtype} tensor shaped like w`, `${s.dtype} [${s.shape.join(', ')}]`);
  }
  const n = w.size;
  const k = kernels()[kname(dtype, rule)];
  return withScratch((s) => {
    const wb = s.from(w);
    const dwb = s.from(dw);
    const state = STATE[rule].map((key) => (cfg[key] ? s.from(cfg[key] as Tensor) : s.alloc(dtype, n, true)));
    const next: OptimConfig = { ...cfg };
    switch (rule) {
      case 'sgd':
        k(wb.ptr, dwb.ptr, n, cfg.learningRate!);
        break;
      case 'sgd_momentum':
        k(wb.ptr, state[0].ptr, dwb.ptr, n, cfg.learningRate!, cfg.momentum!);
        break;
      case 'rmsprop':
        k(wb.ptr, state[0].ptr, dwb.ptr, n, cfg.learningRate!, cfg.decayRate!, cfg.epsilon!);
        break;
      case 'adam':
        next.t = cfg.t! + 1;
        k(wb.ptr, state[0].ptr, state[1].ptr, dwb.ptr, n, cfg.learningRate!, cfg.beta1!, cfg.beta2!, cfg.epsilon!, next.t);
        break;
    }
    STATE[rule].forEach((key, i) => (next[key] = state[i].toTensor(w.shape)));
    return { w: wb.toTensor(w.shape), config: next };
  });
}

/** Vanilla SGD: w -= learningRate·dw. */
export const sgd = (w: Tensor, dw: Tensor, config?: OptimConfig) => update('sgd', w, dw, config);
/** SGD with momentum: v = momentum·v − learningRate·dw; w += v. */
export const sgdMomentum = (w: Tensor, dw: Tensor, config?: OptimConfig) => update('sgd_momentum', w, dw, config);
/** RMSProp: cache = decayRate·cache + (1−decayRate)·dw²; w −= learningRate·dw/(√cache + epsilon). */
export const rmsprop = (w: Tensor, dw: Tensor, config?: OptimConfig) => update('rmsprop', w, dw, config);
/** Adam, assignment-3 form: t += 1 first; step = learningRate·√(1−β2ᵗ)/(1−β1ᵗ). */
export const adam = (w: Tensor, dw: Tensor, config?: OptimConfig) => update('adam', w, dw, config);
