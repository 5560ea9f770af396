// The CLI's evaluation features end to end (in-process through main(argv, io), as test/cli.test.ts):
// `recap eval --json / --beam / --max-images / --allow-overlap`, evaluation during `recap train`
// (a line per evaluation, DIR/best.recap, --keep-best, --patience, --eval-every 0), and the
// refusal to start a new run over an existing one without --resume or --force.
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { init, loadCheckpoint } from '../src/index.js';
import { runCli } from './cli-run.js';

// 60 images × 5 captions / batch 10 = 30 iterations per epoch
const TINY = ['--max-train', '60', '--num-val', '12', '--hidden', '16', '--wordvec', '8', '--batch', '10'];

let root: string;
let n = 0;
const dir = () => join(root, `run${n++}`);

const run = runCli;
const lines = (s: string) => s.split('\n').filter((l) => l !== '');
const PCT = '(\\d+\\.\\d%|–)';
const EVAL_LINE = new RegExp(`^eval at iteration (\\d+)/(\\d+): val loss \\d+\\.\\d{4}, BLEU-1\\.\\.4( \\d\\.\\d{3}){4}, ROUGE-L \\d\\.\\d{3}, CIDEr-D \\d+\\.\\d{3}, `
  + `exact scenes ${PCT} \\(1/2/3 objects: ${PCT} / ${PCT} / ${PCT}\\) \\(12 images\\)( best \\w+; saved .*best\\.recap)?$`);

beforeAll(async () => {
  await init();
  root = await mkdtemp(join(tmpdir(), 'recap-cli-val-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('recap train with evaluation', () => {
  let out: string;

  it('prints a line per evaluation (each epoch by default) and saves the best by CIDEr-D to best.recap', async () => {
    out = dir();
    const r = await run(['train', ...TINY, '--epochs', '3', '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    const evals = lines(r.stderr).filter((l) => l.startsWith('eval at'));
    expect(evals.map((l) => l.match(EVAL_LINE)?.[1])).toEqual(['30', '60', '90']);
    expect(evals[0]).toMatch(/best cider; saved /); // the first evaluation is always a new best
    expect(r.stdout).toMatch(/\bROUGE-L\s+CIDEr-D\b/);
    expect(r.stdout).toContain(`wrote ${join(out, 'model.recap')}, ${join(out, 'best.recap')},`);
    const model = loadCheckpoint(await readFile(join(out, 'model.recap')));
    const hist = model.solverState!.validation!.history;
    expect(hist.map((h) => h.iteration)).toEqual([30, 60, 90]);
    const bestRecord = [...hist].reverse().find((h) => h.improved)!;
    expect(bestRecord.cider).toBe(Math.max(...hist.map((h) => h.cider)));
    // best.recap holds the parameters of that evaluation: recap eval on the same images gives its CIDEr-D exactly
    const best = loadCheckpoint(await readFile(join(out, 'best.recap')));
    expect(best.meta).toMatchObject({ iteration: bestRecord.iteration, best: { metric: 'cider' } });
    expect(best.solverState).toBeNull();
    const e = await run(['eval', '--checkpoint', join(out, 'best.recap'), '--json']);
    expect(e.code, e.stderr).toBe(0);
    const j = JSON.parse(e.stdout);
    expect(j.cider).toBe(bestRecord.cider);
    expect(j.bleu).toEqual(bestRecord.bleu);
    expect(j.rougeL).toBe(bestRecord.rougeL);
    for (const c of [model, best]) c.model.dispose();
  });

  it('refuses to start over an existing run without --resume or --force (one line), and --force starts over', async () => {
    const again = await run(['train', ...TINY, '--epochs', '3', '--seed', '1', '--out', out]); // another run's options
    expect(again.code).toBe(2);
    expect(lines(again.stderr)).toEqual([
      `recap train: ${join(out, 'model.recap')} already holds a run (finished, 90 iterations); pass --resume to continue it or --force to start over (see 'recap train --help')`,
    ]);
    expect(again.stdout).toBe('');
    const both = await run(['train', '--resume', '--force', '--out', out]);
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/--force starts a new run/);
    // an interrupted run is named as resumable
    const o = dir();
    const ac = new AbortController();
    const cut = await run(['train', ...TINY, '--epochs', '3', '--out', o], { signal: ac.signal, onStep: (i) => { if (i.iteration === 40) ac.abort(); } });
    expect(cut.code).toBe(130);
    const refused = await run(['train', ...TINY, '--epochs', '3', '--out', o]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/already holds a run \(stopped at iteration 41, resumable\); pass --resume to continue it or --force to start over/);
    const forced = await run(['train', ...TINY, '--epochs', '1', '--eval-every', '0', '--out', o, '--force']);
    expect(forced.code, forced.stderr).toBe(0);
    expect(forced.stderr).not.toMatch(/^eval at/m);
    const ck = loadCheckpoint(await readFile(join(o, 'model.recap')));
    expect(ck.lossHistory).toHaveLength(30);
    expect(ck.solverState!.validation ?? null).toBeNull();
    // repeating the command of a finished run (npm start twice) reproduces it: nothing is lost, nothing refused
    const repeat = await run(['train', ...TINY, '--epochs', '1', '--eval-every', '0', '--out', o]);
    expect(repeat.code, repeat.stderr).toBe(0);
    const ck2 = loadCheckpoint(await readFile(join(o, 'model.recap')));
    expect(ck2.lossHistory).toEqual(ck.lossHistory);
    expect(Array.from(ck2.model.getParams().Wh.data)).toEqual(Array.from(ck.model.getParams().Wh.data));
    ck.model.dispose();
    ck2.model.dispose();
  });

  it('--eval-every, --keep-best and --patience: early stopping, and a resumed run keeps its eval history', async () => {
    const o = dir();
    // a learning rate too small to change the captions: only the first evaluation improves CIDEr-D
    const r = await run(['train', ...TINY, '--epochs', '4', '--lr', '1e-9', '--eval-every', '10', '--patience', '2', '--out', o]);
    expect(r.code, r.stderr).toBe(0);
    expect(lines(r.stderr).filter((l) => l.startsWith('eval at')).map((l) => l.match(EVAL_LINE)?.[1])).toEqual(['10', '20', '30']);
    expect(r.stderr).toMatch(/stopped early at iteration 30\/120: 2 evaluations without a better cider/);
    const ck = loadCheckpoint(await readFile(join(o, 'model.recap')));
    expect(ck.meta).toMatchObject({ finished: true, stoppedEarly: true, iteration: 30, evalEvery: 10, patience: 2, keepBest: 'cider' });
    ck.model.dispose();

    const v = dir();
    const ac = new AbortController();
    const cut = await run(['train', ...TINY, '--epochs', '2', '--eval-every', '15', '--keep-best', 'valLoss', '--out', v],
      { signal: ac.signal, onStep: (i) => { if (i.iteration === 35) ac.abort(); } });
    expect(cut.code).toBe(130);
    const resumed = await run(['train', '--resume', '--out', v]);
    expect(resumed.code, resumed.stderr).toBe(0);
    const full = dir();
    const ref = await run(['train', ...TINY, '--epochs', '2', '--eval-every', '15', '--keep-best', 'valLoss', '--out', full]);
    expect(ref.code).toBe(0);
    const a = loadCheckpoint(await readFile(join(v, 'model.recap'))), b = loadCheckpoint(await readFile(join(full, 'model.recap')));
    expect(a.solverState!.validation).toEqual(b.solverState!.validation);
    // the same best parameters and record (the files differ only in meta.out)
    const ba = loadCheckpoint(await readFile(join(v, 'best.recap'))), bb = loadCheckpoint(await readFile(join(full, 'best.recap')));
    expect(ba.meta.best).toEqual(bb.meta.best);
    for (const [k, t] of Object.entries(ba.model.getParams())) expect(Array.from(t.data), k).toEqual(Array.from(bb.model.getParams()[k as 'Wx'].data));
    for (const c of [a, b, ba, bb]) c.model.dispose();
  });
});

describe('recap eval', () => {
  let ckpt: string;
  beforeAll(async () => {
    const o = dir();
    expect((await run(['train', ...TINY, '--epochs', '1', '--eval-every', '0', '--out', o])).code).toBe(0);
    ckpt = join(o, 'model.recap');
    expect(existsSync(join(o, 'best.recap'))).toBe(false);
  });

  it('--json prints exactly one JSON object on stdout, equal to the table', async () => {
    const j = await run(['eval', '--checkpoint', ckpt, '--json']);
    expect(j.code, j.stderr).toBe(0);
    expect(j.stdout.endsWith('}\n')).toBe(true);
    expect(lines(j.stdout)).toHaveLength(1);
    const v = JSON.parse(j.stdout);
    expect(Object.keys(v)).toEqual(['split', 'images', 'bleu', 'rougeL', 'cider', 'sceneAccuracy']);
    expect(v).toMatchObject({ split: 'val', images: 12 });
    expect(v.bleu).toHaveLength(4);
    expect(Object.keys(v.sceneAccuracy).sort()).toEqual(['1', '2', '3', 'all']);
    const t = await run(['eval', '--checkpoint', ckpt]);
    // the human form states the same scene accuracy: "scenes named exactly (...): 8.3% (1/12); 1 object 12.5%, 2 objects 0.0%, 3 objects –"
    const m = t.stdout.match(/scenes named exactly \(every object by colour and shape, nothing else\): [\d.]+% \((\d+)\/(\d+)\); 1 object ([\d.]+%|–), 2 objects ([\d.]+%|–), 3 objects ([\d.]+%|–)/);
    expect(m, t.stdout).not.toBeNull();
    expect(v.sceneAccuracy.all).toBe((100 * Number(m![1])) / Number(m![2]));
    ['1', '2', '3'].forEach((k, i) => expect(v.sceneAccuracy[k] === null ? '–' : `${v.sceneAccuracy[k].toFixed(1)}%`).toBe(m![3 + i]));
    expect(Number(m![2])).toBe(12);
    const row = lines(t.stdout)[1].trim().split(/\s+/);
    expect(row.slice(2, 8).map(Number)).toEqual([...v.bleu, v.rougeL, v.cider].map((x: number) => Number(x.toFixed(3))));
    const few = JSON.parse((await run(['eval', '--checkpoint', ckpt, '--json', '--max-images', '5', '--split', 'train', '--beam', '2'])).stdout);
    expect(few).toMatchObject({ split: 'train', images: 5 });
  });

  it('refuses a val split that holds training images unless --allow-overlap', async () => {
    const r = await run(['eval', '--checkpoint', ckpt, '--max-train', '50', '--json']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(lines(r.stderr)).toEqual([
      "recap eval: val scenes 50..59 of the shapes sequence were training scenes of this model (trained with --max-train 60); use --max-train 60 or more, or pass --allow-overlap to score them anyway (see 'recap eval --help')",
    ]);
    const ok = await run(['eval', '--checkpoint', ckpt, '--max-train', '50', '--json', '--allow-overlap']);
    expect(ok.code, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout).images).toBe(12);
    // a larger --max-train or another data seed does not overlap
    expect((await run(['eval', '--checkpoint', ckpt, '--max-train', '70', '--json'])).code).toBe(0);
    expect((await run(['eval', '--checkpoint', ckpt, '--max-train', '50', '--data-seed', '9', '--json'])).code).toBe(0);
  });
});
