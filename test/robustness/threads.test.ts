// Worker threads at the level users see them (init({ threads }), the solver): a worker that
// dies before a training step makes that step reject with an error — never hang — and leaves
// the parameters and the solver's counters as they were; one that dies during a step makes it
// reject the same way, or, when the calling thread took every part, the step ends as a healthy
// one and the next rejects; dispose() ends every
// worker; init() afterwards gives a working pool again. (test/threads.test.ts covers the Pool
// itself: a call that throws in a worker, a trap, a terminated worker.)
import { afterAll, describe, expect, it } from 'vitest';
import { CaptioningRNN, CaptioningSolver, dispose, init, shapesData, threads } from '../../src/index.js';
import { rt } from '../../src/core/runtime.js';

interface NodeWorker { terminate(): Promise<number>; once(ev: 'exit', fn: (code: number) => void): void; threadId: number }
const workers = () => (rt().pool as unknown as { workers: NodeWorker[] }).workers;

/** Rejects if `p` has not settled within `ms`: the property under test is "never a hang". */
function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout>;
  return Promise.race([p, new Promise<T>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: still pending after ${ms} ms (hang)`)), ms)))])
    .finally(() => clearTimeout(timer));
}

function setup() {
  const data = shapesData({ numTrain: 40, numVal: 2, seed: 1 });
  const model = new CaptioningRNN({ wordToIdx: data.wordToIdx, inputDim: data.trainFeatures.shape[1], wordvecDim: 16, hiddenDim: 32, cellType: 'lstm', seed: 2 });
  const solver = new CaptioningSolver(model, data, { updateRule: 'adam', batchSize: 50, numEpochs: 100, verbose: false });
  return { model, solver };
}

afterAll(() => dispose());

describe('threads: failing workers', () => {
  it('a worker killed between steps fails the next step with an error; nothing changes', async () => {
    await init({ threads: 3 });
    expect(threads()).toBe(3);
    const { model, solver } = setup();
    await within(solver.stepAsync(), 20_000, 'healthy step');
    const params = model.getParams();
    const iteration = solver.iteration;
    const w = workers()[1];
    const exited = new Promise<number>((r) => w.once('exit', r));
    await w.terminate();
    await exited;
    await new Promise((r) => setTimeout(r, 20));
    await expect(within(solver.stepAsync(), 20_000, 'step after a dead worker')).rejects.toThrow(/worker|exited|failed earlier/);
    await expect(within(solver.stepAsync(), 20_000, 'second step')).rejects.toThrow(/failed earlier.*dispose\(\) and init\(\) again/);
    await expect(within(solver.train(), 20_000, 'train')).rejects.toThrow(/failed earlier/);
    expect(solver.iteration).toBe(iteration);
    expect(solver.getState().optimConfig.t).toBe(iteration); // Adam counted only the steps that ran
    const after = model.getParams();
    for (const k of Object.keys(params) as (keyof typeof params)[]) expect(Array.from(after[k].data), k).toEqual(Array.from(params[k].data));
    solver.dispose();
    model.dispose();
  });

  it('a worker killed DURING a step: that step rejects leaving everything as it was, or (the calling thread took every part) ends exactly as a healthy one; never a hang', async () => {
    // the reference: two steps on one thread (any thread count gives the same bits)
    dispose();
    await init({ threads: 1 });
    const ref = setup();
    await ref.solver.stepAsync();
    await ref.solver.stepAsync();
    const want = ref.model.getParams();
    ref.solver.dispose();
    ref.model.dispose();
    dispose();
    await init({ threads: 2 });
    const { model, solver } = setup();
    await solver.stepAsync();
    const iteration = solver.iteration;
    const params = model.getParams();
    const state = solver.getState();
    const w = workers()[0];
    const exited = new Promise<number>((r) => w.once('exit', r));
    // post the step, then kill the worker while its part is queued or running
    const step = solver.stepAsync();
    void w.terminate();
    const ok = await within(step.then(() => true, (e: Error) => { expect(e.message).toMatch(/worker|exited/); return false; }), 20_000, 'step with a worker killed mid-way');
    if (ok) {
      // queued parts are taken by whichever thread is free: this thread may have run them all
      expect(solver.iteration).toBe(iteration + 1);
      const after = model.getParams();
      for (const k of Object.keys(want) as (keyof typeof want)[]) expect(Array.from(after[k].data), k).toEqual(Array.from(want[k].data));
    } else {
      expect(solver.iteration).toBe(iteration);
      // the parameters, Adam's step count and its moment blocks are those of the last good step
      const after = model.getParams();
      for (const k of Object.keys(params) as (keyof typeof params)[]) expect(Array.from(after[k].data), k).toEqual(Array.from(params[k].data));
      const now = solver.getState();
      expect(now.optimConfig.t).toBe(state.optimConfig.t);
      for (const k of ['m', 'v']) expect(Array.from(now.blocks[k]), k).toEqual(Array.from(state.blocks[k]));
    }
    // either way the dead worker is noticed: the next step rejects
    await exited;
    await new Promise((r) => setTimeout(r, 20));
    await expect(within(solver.stepAsync(), 20_000, 'step after a dead worker')).rejects.toThrow(/worker|exited|failed earlier/);
    solver.dispose();
    model.dispose();
  });

  it('dispose() ends every worker; init() again gives a working pool', async () => {
    const ws = workers();
    expect(ws.length).toBe(1);
    dispose();
    dispose(); // idempotent
    await init({ threads: 3 });
    const fresh = workers();
    expect(fresh.length).toBe(2);
    const { model, solver } = setup();
    const loss = (await within(solver.stepAsync(), 20_000, 'step on the new pool')).loss;
    expect(Number.isFinite(loss)).toBe(true);
    const exits = fresh.map((w) => new Promise<number>((r) => w.once('exit', r)));
    solver.dispose();
    model.dispose();
    dispose();
    const codes = await within(Promise.all(exits), 10_000, 'workers ending after dispose()');
    expect(codes.length).toBe(2);
    expect(() => rt()).toThrow(/init/);
  });
});
