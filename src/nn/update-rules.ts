// The update rules (CS231n optim.py): one table that optim.*, the solver, checkpoints, the CLI
// and the demo all read. Each rule is one wasm kernel, called as
//   <rule>(w, ...state, dw, n, ...hyper)      // w, state accumulate in place; dw is read
// with `state` the rule's per-parameter blocks (each shaped like w) and `hyper` the values of
// its hyperparameter keys in the order listed.
import { checkNumber } from '../core/check.js';
import { fail } from '../core/errors.js';
import { type Call, type Kernels, checkedCall } from '../core/kernels.js';
import type { Precision } from '../core/tensor.js';

export type UpdateRuleName = 'sgd' | 'sgd_momentum' | 'rmsprop' | 'adam' | 'adam_a2';

export interface UpdateRuleSpec {
  /** The hyperparameter keys with their CS231n defaults, in the kernel's argument order. */
  readonly defaults: Readonly<Record<string, number>>;
  /** Optimizer state blocks, shaped like the parameters, in the kernel's argument order. */
  readonly state: readonly string[];
  /** Whether the rule counts its steps in `t` (incremented before each update: Adam). */
  readonly countsSteps: boolean;
  /** One line for help texts. */
  readonly summary: string;
}

const ADAM = { learningRate: 1e-3, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, t: 0 };

export const UPDATE_RULES: Readonly<Record<UpdateRuleName, UpdateRuleSpec>> = {
  sgd: { defaults: { learningRate: 1e-2 }, state: [], countsSteps: false, summary: 'w -= learningRate·dw' },
  sgd_momentum: {
    defaults: { learningRate: 1e-2, momentum: 0.9 }, state: ['velocity'], countsSteps: false,
    summary: 'v = momentum·v − learningRate·dw; w += v',
  },
  rmsprop: {
    defaults: { learningRate: 1e-2, decayRate: 0.99, epsilon: 1e-8 }, state: ['cache'], countsSteps: false,
    summary: 'cache = decayRate·cache + (1−decayRate)·dw²; w −= learningRate·dw/(√cache + epsilon)',
  },
  adam: { defaults: ADAM, state: ['m', 'v'], countsSteps: true, summary: 'Adam, assignment-3 form (t += 1 first; lr·√(1−β2ᵗ)/(1−β1ᵗ))' },
  adam_a2: { defaults: ADAM, state: ['m', 'v'], countsSteps: true, summary: 'Adam, assignment-2 form (bias-corrected m̂, v̂)' },
};

/** The rule names, in table order. */
export const UPDATE_RULE_NAMES = Object.keys(UPDATE_RULES) as UpdateRuleName[];

/** Allowed range of each hyperparameter: [min, max] (a negative learning rate would climb the loss). */
const RANGES: Readonly<Record<string, readonly [number, number]>> = {
  learningRate: [0, Infinity], momentum: [0, 1], decayRate: [0, 1], beta1: [0, 1], beta2: [0, 1], epsilon: [0, Infinity],
  t: [0, Infinity],
};

/** Whether `name` is a rule of the table (own keys only: 'toString' is not a rule). */
export function isUpdateRule(name: unknown, among: readonly string[] = UPDATE_RULE_NAMES): name is UpdateRuleName {
  return typeof name === 'string' && Object.hasOwn(UPDATE_RULES, name) && among.includes(name);
}

/** Fails unless `name` is one of `among` (default: every rule); names them in the message. */
export function checkUpdateRule(arg: string, name: unknown, among: readonly string[] = UPDATE_RULE_NAMES): UpdateRuleName {
  if (!isUpdateRule(name, among)) fail(arg, among.map((r) => `'${r}'`).join(', '), name);
  return name;
}

/** Checks one hyperparameter value against its range; returns it. */
export function checkHyper(arg: string, key: string, value: unknown): number {
  const [min, max] = RANGES[key] ?? [-Infinity, Infinity];
  return checkNumber(arg, value, min, max);
}

/**
 * The rule's defaults overridden by `given` (own keys only, each known to the rule and in range).
 * `arg` names the option in errors (e.g. 'optimConfig').
 */
export function resolveHyper(rule: UpdateRuleName, given: Record<string, unknown>, arg: string): Record<string, number> {
  const cfg: Record<string, number> = { ...UPDATE_RULES[rule].defaults };
  for (const [k, v] of Object.entries(given)) {
    if (!Object.hasOwn(cfg, k)) fail(arg, `keys among ${Object.keys(cfg).join(', ')} for ${rule}`, k);
    cfg[k] = checkHyper(`${arg}.${k}`, k, v);
  }
  return cfg;
}

/**
 * The rule's kernel call on n elements of precision p: [<p><rule>, w, ...state, dw, n, ...hyper],
 * the state pointers and hyperparameters in table order. The rule must name a kernel of both
 * precisions (a compile error otherwise) and the argument count is checked against the export.
 */
export function ruleCall(ks: Kernels, p: Precision, rule: UpdateRuleName, w: number, state: readonly number[], dw: number,
                         n: number, cfg: Readonly<Record<string, number>>): Call {
  const hyper = Object.keys(UPDATE_RULES[rule].defaults).map((k) => cfg[k]);
  return checkedCall(ks, `${p}${rule}`, [w, ...state, dw, n, ...hyper]);
}
