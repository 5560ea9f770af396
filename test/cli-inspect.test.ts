// `recap inspect`, `recap compare` and `recap lr-find` end to end (in-process through main(), as
// test/cli.test.ts, and the compiled CLI on the shipped checkpoint): every flag, the figures of the
// page and the numbers they are drawn from, and one line per bad input.
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CaptioningRNN, gradientFlow, init, loadCheckpoint, saveCheckpoint, shapesVocab } from '../src/index.js';
import { sameLengthBatch } from '../src/index.js';
import { loadData } from '../src/cli/data.js';
import { runCli } from './cli-run.js';

const DATA = ['--data', 'shapes', '--max-train', '60', '--num-val', '12'];
const FAST = ['--n', '8', '--knockout-images', '6', '--steps', '8'];
let root: string;
let lstm: string;
let rnn: string;

const run = runCli;
const numbersOf = (html: string) => JSON.parse(html.match(/<script type="application\/json" id="numbers">(.*?)<\/script>/s)![1]);

beforeAll(async () => {
  await init();
  root = await mkdtemp(join(tmpdir(), 'recap-cli-inspect-'));
  const r = await run(['train', ...DATA, '--hidden', '16', '--wordvec', '8', '--batch', '10', '--epochs', '1', '--out', join(root, 'lstm')]);
  expect(r.code, r.stderr).toBe(0);
  lstm = join(root, 'lstm', 'model.recap');
  // an untrained RNN of the same size (no solver: no training curves)
  const { wordToIdx } = shapesVocab();
  const model = new CaptioningRNN({ wordToIdx, inputDim: 96, hiddenDim: 16, wordvecDim: 8, cellType: 'rnn', seed: 3 });
  rnn = join(root, 'rnn.recap');
  writeFileSync(rnn, saveCheckpoint(model));
  model.dispose();
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('recap inspect', () => {
  it('writes one HTML page whose figures are drawn from the numbers it carries', async () => {
    const out = join(root, 'i1');
    const r = await run(['inspect', '--checkpoint', lstm, ...DATA, ...FAST, '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/LSTM H=16\): ‖∂L_T\/∂h_1‖ \/ ‖∂L_T\/∂h_T‖ = [\d.e+-]+ over T=\d+ steps \(8 captions\)/);
    expect(r.stdout).toMatch(/^knockout: val loss \d+\.\d{3}; costliest: (f|i|o|h0|features) /m);
    const html = readFileSync(join(out, 'inspect.html'), 'utf8');
    for (const cls of ['gradient-flow', 'jacobian', 'scatter', 'heatmap', 'bars', 'loss', 'grad-norm']) expect(html).toContain(`class="figure ${cls}`);
    expect(html.match(/class="figure heatmap"/g)!.length).toBe(4); // h, c, f, connectivity
    expect(html).toContain('<table class="knockout">');
    expect(html).toContain('clipping fired 0 times'); // the solver's gradient-norm history, in the checkpoint
    expect(html).toContain('log scale');
    const n = numbersOf(html);
    // the gradient-flow figure's numbers are gradientFlow's on the same batch
    const ckpt = loadCheckpoint(readFileSync(lstm));
    const loaded = await loadData({ data: 'shapes', maxTrain: 60, numVal: 12, dataSeed: 0 });
    const batch = sameLengthBatch(loaded.data, 8, ckpt.model.nullIdx);
    const want = gradientFlow(ckpt.model, batch.features, batch.captions);
    expect(n.models[0].all.dh).toEqual(Array.from(want.dh));
    expect(n.knockout.map((k: { component: string }) => k.component)).toEqual(['none', 'f', 'i', 'o', 'h0', 'features']);
    expect(n.training.loss.length).toBe(30);
    expect(n.training.gradNorm).toEqual(ckpt.solverState!.gradNormHistory);
    expect(n.training.gradNorm).toHaveLength(30);
    ckpt.model.dispose();
  });

  it('--compare draws a second model (an RNN beside the LSTM) on the same axes; --caption traces given words', async () => {
    const out = join(root, 'i2');
    const r = await run(['inspect', '--checkpoint', lstm, '--compare', rnn, ...DATA, ...FAST, '--caption', 'a red circle', '--image', '3', '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('(RNN H=16)');
    const html = readFileSync(join(out, 'inspect.html'), 'utf8');
    expect(html).toContain('RNN H=16: ‖∂L/∂h_t‖, whole loss');
    expect(html).toContain('LSTM H=16: ‖∂L/∂h_t‖, whole loss');
    const n = numbersOf(html);
    expect(n.models.map((m: { cell: string }) => m.cell)).toEqual(['lstm', 'rnn']);
    expect(n.trace.words).toEqual(['<START>', 'a', 'red', 'circle']);
    expect(n.attribution.steps).toBe(8);
  });

  it('an RNN alone: the saturation of its tanh units', async () => {
    const out = join(root, 'i3');
    const r = await run(['inspect', '--checkpoint', rnn, ...DATA, ...FAST, '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    const html = readFileSync(join(out, 'inspect.html'), 'utf8');
    expect(html).toContain('Saturation of the tanh units');
    expect(numbersOf(html).knockout.map((k: { component: string }) => k.component)).toEqual(['none', 'h0', 'features']);
  });

  it('bad input: one line each', async () => {
    const one = (r: { stderr: string }) => expect(r.stderr.trim().split('\n')).toHaveLength(1);
    let r = await run(['inspect', '--checkpoint', lstm, ...DATA, ...FAST, '--caption', Array(20).fill('a').join(' '), '--out', join(root, 'x')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^recap inspect: --caption: expected 1 to 16 words \(the longest caption of the data the model was trained on\), got 20 words\n$/);
    r = await run(['inspect', '--checkpoint', lstm, ...DATA, ...FAST, '--caption', 'a zebra', '--out', join(root, 'x')]);
    expect([r.code, r.stderr]).toEqual([1, 'recap inspect: --caption: expected words of the model\'s vocabulary, got "zebra"\n']);
    writeFileSync(join(root, 'not-a-checkpoint.recap'), 'hello');
    r = await run(['inspect', '--checkpoint', join(root, 'not-a-checkpoint.recap'), ...DATA, '--out', join(root, 'x')]);
    expect(r.code).toBe(1);
    one(r);
    expect(r.stderr).toContain('not-a-checkpoint.recap');
    // a checkpoint of another world (another vocabulary) as --compare
    const other = new CaptioningRNN({ wordToIdx: { '<NULL>': 0, '<START>': 1, '<END>': 2, zebra: 3 }, inputDim: 96, hiddenDim: 4, wordvecDim: 4 });
    writeFileSync(join(root, 'other.recap'), saveCheckpoint(other));
    other.dispose();
    r = await run(['inspect', '--checkpoint', lstm, '--compare', join(root, 'other.recap'), ...DATA, ...FAST, '--out', join(root, 'x')]);
    expect(r.code).toBe(1);
    one(r);
    expect(r.stderr).toMatch(/^recap inspect: .*other\.recap: /);
    r = await run(['inspect', '--checkpoint', lstm, ...DATA, ...FAST, '--image', '99', '--out', join(root, 'x')]);
    expect([r.code, r.stderr]).toEqual([1, 'recap inspect: --image: expected a val image index below 12, got 99\n']);
    r = await run(['inspect', '--checkpoint', lstm, '--steps', '7']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--steps: expected an even number/);
    r = await run(['inspect', '--out', 'x']);
    expect([r.code, r.stderr]).toEqual([2, "recap inspect: missing --checkpoint FILE (a model.recap written by recap train) (see 'recap inspect --help')\n"]);
  });

  it('--help lists every flag; recap --help lists the commands', async () => {
    const r = await run(['inspect', '--help']);
    expect(r.code).toBe(0);
    for (const f of ['--checkpoint', '--compare', '--n', '--image', '--caption', '--steps', '--knockout-images', '--out']) expect(r.stdout).toContain(f);
    const all = await run(['--help']);
    for (const c of ['inspect', 'compare', 'lr-find']) expect(all.stdout).toMatch(new RegExp(`^  ${c} `, 'm'));
  });

  it('the compiled CLI inspects the shipped checkpoint', () => {
    const repo = fileURLToPath(new URL('..', import.meta.url));
    const out = join(root, 'shipped');
    const t0 = Date.now();
    const r = spawnSync(process.execPath, [join(repo, 'dist/cli/main.js'), 'inspect', '--checkpoint', join(repo, 'assets/shapes-lstm.recap'), '--out', out], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/wrote .*inspect\.html in \d+\.\d s/);
    expect(Date.now() - t0).toBeLessThan(90_000); // seconds on an idle machine (docs/inspect.md); generous under load
    expect(readFileSync(join(out, 'inspect.html'), 'utf8')).toContain('Gradient reaching each step');
  });
});

describe('recap compare', () => {
  it('puts the runs side by side: loss curves, metrics, parallel coordinates', async () => {
    const out = join(root, 'c1');
    const r = await run(['compare', lstm, rnn, '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/lstm\/model\.recap: LSTM H=16, final training loss \d+\.\d{4}/);
    const html = readFileSync(join(out, 'compare.html'), 'utf8');
    expect(html).toContain('class="figure loss"');
    expect(html).toContain('class="figure parallel"');
    expect(html.match(/class="run"/g)!.length).toBe(2);
    const runs = numbersOf(html);
    expect(runs.map((x: { cell: string }) => x.cell)).toEqual(['lstm', 'rnn']);
    // the LSTM run evaluated once (end of its epoch): CIDEr-D, BLEU-4, ROUGE-L, val loss, scene accuracy
    expect(Object.keys(runs[0].metrics)).toEqual(expect.arrayContaining(['CIDEr-D', 'BLEU-4', 'ROUGE-L', 'val loss', 'scene accuracy']));
    expect(runs[1].metrics).toEqual({});
    expect(html).toMatch(/<th>scene accuracy<\/th>/);
    expect(html).toContain('class="axis-label" x="');
    expect(runs[0].params['learning rate']).toBe(5e-3);
  });
  it('needs two checkpoints', async () => {
    const r = await run(['compare', lstm]);
    expect([r.code, r.stderr]).toEqual([2, "recap compare: expected at least two checkpoints to compare, got 1 (see 'recap compare --help')\n"]);
  });
});

describe('recap lr-find', () => {
  const args = () => ['lr-find', ...DATA, '--hidden', '16', '--wordvec', '8', '--batch', '10', '--iterations', '30', '--min-lr', '1e-4', '--max-lr', '10'];
  it('sweeps the rate, suggests one, draws the curve; deterministic', async () => {
    const a = await run([...args(), '--out', join(root, 'l1')]);
    expect(a.code, a.stderr).toBe(0);
    expect(a.stdout).toMatch(/^suggested learning rate: [\d.e-]+$/m);
    const b = await run([...args(), '--out', join(root, 'l2')]);
    expect(b.stdout.replace(/l2/g, 'l1')).toBe(a.stdout);
    const svg = readFileSync(join(root, 'l1', 'lr-find.svg'), 'utf8');
    expect(svg).toContain('learning rate (log scale)');
    expect(svg).toContain('1e-4');
  });
  it('--cell, --update and --seed reach the sweep', async () => {
    const r = await run([...args(), '--cell', 'rnn', '--update', 'sgd_momentum', '--seed', '3', '--out', join(root, 'l3')]);
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(join(root, 'l3', 'lr-find.svg'), 'utf8')).toContain('(RNN H=16, sgd_momentum, batch 10)');
    const lstm = await run([...args(), '--out', join(root, 'l4')]);
    expect(r.stdout).not.toBe(lstm.stdout.replace(/l4/g, 'l3'));
  });
  it('refuses an empty range', async () => {
    const r = await run(['lr-find', '--min-lr', '1', '--max-lr', '0.1']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--min-lr (1) must be below --max-lr (0.1)');
  });
});
