// optim.* against the CS231n notebook checks and multi-step trajectories.
import { beforeAll, describe, expect, it } from 'vitest';
import { init, optim, relError, tensor, type Tensor } from '../src/index.js';
import { arr, expectClose, loadCases, type Case } from './helpers.js';

beforeAll(() => init());

const rules: Record<string, (w: Tensor, dw: Tensor, c?: optim.OptimConfig) => { w: Tensor; config: optim.OptimConfig }> = {
  sgd: optim.sgd, sgd_momentum: optim.sgdMomentum, rmsprop: optim.rmsprop, adam: optim.adam,
};
const camel = (k: string) => k.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase());
function configOf(cfg: Record<string, unknown>): optim.OptimConfig {
  const out: optim.OptimConfig = {};
  for (const [k, v] of Object.entries(cfg)) out[camel(k)] = typeof v === 'object' ? arr(v as never) : v;
  return out;
}

describe('optimizers', () => {
  const cases = loadCases('optim.json').filter((c) => rules[c.rule]);
  it.each(cases.filter((c) => c.inputs.w).map((c) => [c.name, c]))('%s', (_n, c: Case) => {
    const { w, config } = rules[c.rule](arr(c.inputs.w), arr(c.inputs.dw), configOf(c.inputs.config));
    expectClose('next_w', w, c.outputs.next_w, 1e-12);
    for (const [k, v] of Object.entries(c.outputs.config)) {
      if (typeof v === 'number') expect(config[k]).toBe(v);
      else expectClose(k, config[camel(k)] as Tensor, v as never, 1e-12);
    }
    // the notebook compares against 8-digit tables: errors of e-7..e-9 as printed there
    for (const [k, v] of Object.entries(c.notebook_expected ?? {})) {
      const mine = k === 'next_w' ? w : (config[camel(k)] as Tensor);
      expect(relError(mine, arr(v as never))).toBeLessThan(2e-7);
    }
  });
  it.each(cases.filter((c) => c.inputs.w0).map((c) => [c.name, c]))('%s trajectory', (_n, c: Case) => {
    let w = arr(c.inputs.w0);
    let config = configOf(c.inputs.config);
    c.inputs.dws.forEach((dw: never, step: number) => {
      ({ w, config } = rules[c.rule](w, arr(dw), config));
      expectClose(`w after step ${step + 1}`, w, c.outputs.w_after_each_step[step], 1e-12);
    });
  });
  it('does not modify its inputs and fills CS231n defaults', () => {
    const w = tensor([1, 2, 3], undefined, 'float64');
    const dw = tensor([0.5, -1, 2], undefined, 'float64');
    const r = optim.adam(w, dw);
    expect(Array.from(w.data)).toEqual([1, 2, 3]);
    expect(r.config.learningRate).toBe(1e-3);
    expect(r.config.t).toBe(1);
    const s = optim.sgd(w, dw);
    expect(Array.from(s.w.data)).toEqual([1 - 0.005, 2 + 0.01, 3 - 0.02]);
  });
});
