// optim.*: the CS231n update rules (optim.py). Each takes w, dw and a config carrying the
// rule's state and returns the new w and config; inputs are not modified.
import { checkFinite, floatDType } from '../core/check.js';
import { fail } from '../core/errors.js';
import { withScratch } from '../core/memory.js';
import { kernels } from '../core/runtime.js';
import { runCalls } from '../core/threads.js';
import { Tensor, checkTensor, precision } from '../core/tensor.js';
import { UPDATE_RULES, checkHyper, ruleCall } from './update-rules.js';

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

/** The rules of `optim.*` (the solver also has 'adam_a2'). */
export type UpdateRule = 'sgd' | 'sgd_momentum' | 'rmsprop' | 'adam';

/** CS231n defaults per rule (from the update-rule table). */
export const OPTIM_DEFAULTS = Object.fromEntries(
  (['sgd', 'sgd_momentum', 'rmsprop', 'adam'] as const).map((r) => [r, UPDATE_RULES[r].defaults]),
) as Readonly<Record<UpdateRule, Readonly<Record<string, number>>>>;

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
  const spec = UPDATE_RULES[rule];
  const cfg: OptimConfig = { ...spec.defaults, ...(config ?? {}) };
  const hyper: Record<string, number> = {};
  for (const key of Object.keys(spec.defaults)) hyper[key] = checkHyper(`config.${key}`, key, cfg[key]);
  for (const key of spec.state) {
    const s = cfg[key];
    if (s === undefined) continue;
    checkTensor(`config.${key}`, s);
    if (s.dtype !== dtype || s.size !== w.size) fail(`config.${key}`, `a ${dtype} tensor shaped like w`, `${s.dtype} [${s.shape.join(', ')}]`);
  }
  const n = w.size;
  const ks = kernels();
  return withScratch((s) => {
    const wb = s.from(w);
    const dwb = s.from(dw);
    const state = spec.state.map((key) => (cfg[key] ? s.from(cfg[key] as Tensor) : s.alloc(dtype, n, true)));
    const next: OptimConfig = { ...cfg };
    if (spec.countsSteps) hyper.t = next.t = hyper.t + 1;
    runCalls(ks, [ruleCall(ks, precision(dtype), rule, wb.ptr, state.map((b) => b.ptr), dwb.ptr, n, hyper)]);
    spec.state.forEach((key, i) => (next[key] = state[i].toTensor(w.shape)));
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
