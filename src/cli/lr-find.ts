// `recap lr-find`: Smith's learning-rate range test (Smith 2017, "Cyclical learning rates", §3.3):
// train from the model's seeded initialisation while the rate grows geometrically from --min-lr
// to --max-lr, one minibatch per rate, and record the loss. The loss falls once the rate is large
// enough to learn and blows up once it is too large; the sweep stops when the smoothed loss passes
// 4× its minimum (or diverges). Suggested rate: a tenth of the rate at the smoothed minimum.
// Deterministic: the seeded initialisation and minibatch draws of recap train.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { kernels } from '../core/runtime.js';
import { CaptioningRNN, CaptioningSolver, DivergenceError, init } from '../index.js';
import { writeFileAtomic } from '../node.js';
import type { LrFindOptions } from './commands.js';
import type { Out } from './common.js';
import { chooseData, loadData } from './data.js';
import { movingAverage } from './report.js';
import { lineChartSvg } from './svg.js';

export interface LrFindResult {
  rates: number[];
  losses: number[];
  smoothed: number[];
  /** Rate at the smoothed loss's minimum, and the suggestion (a tenth of it). */
  best: number;
  suggested: number;
  stoppedEarly: boolean;
}

export function lrSweep(model: CaptioningRNN, solver: CaptioningSolver, o: { minLr: number; maxLr: number; iterations: number }): LrFindResult {
  const pow = kernels().math_pow;
  const rates: number[] = [], losses: number[] = [];
  let stoppedEarly = false;
  let best = Infinity;
  for (let i = 0; i < o.iterations; i++) {
    const lr = o.minLr * pow(o.maxLr / o.minLr, i / (o.iterations - 1));
    solver.optimConfig.learningRate = lr;
    let loss: number;
    try {
      loss = solver.step().loss;
    } catch (e) {
      if (!(e instanceof DivergenceError)) throw e;
      stoppedEarly = true;
      break;
    }
    rates.push(lr);
    losses.push(loss);
    const sm = movingAverage(losses.slice(-5), 5).at(-1)!;
    best = Math.min(best, sm);
    if (i >= 5 && sm > 4 * best) {
      stoppedEarly = true;
      break;
    }
  }
  const smoothed = movingAverage(losses, 5);
  let k = 0;
  for (let i = 1; i < smoothed.length; i++) if (smoothed[i] < smoothed[k]) k = i;
  return { rates, losses, smoothed, best: rates[k], suggested: rates[k] / 10, stoppedEarly };
}

export async function lrFind(flags: LrFindOptions, given: ReadonlySet<string>, o: Out): Promise<number> {
  await init();
  const loaded = await loadData(chooseData(flags, given, null, 'lr-find'));
  const data = loaded.data;
  const model = new CaptioningRNN({
    wordToIdx: data.wordToIdx, inputDim: data.trainFeatures.shape[1], wordvecDim: flags.wordvec, hiddenDim: flags.hidden, cellType: flags.cell, seed: flags.seed,
  });
  const solver = new CaptioningSolver(model, data, {
    updateRule: flags.update, optimConfig: { learningRate: flags.minLr }, lrDecay: 1, batchSize: flags.batch, numEpochs: 1e6, seed: flags.seed, verbose: false,
  });
  const r = lrSweep(model, solver, flags);
  model.dispose();
  const ln = kernels().math_log;
  const log10 = (v: number) => ln(v) / ln(10);
  const e0 = Math.floor(log10(flags.minLr) + 1e-9), e1 = Math.ceil(log10(flags.maxLr) - 1e-9);
  const xTicks = Array.from({ length: e1 - e0 + 1 }, (_, i) => e0 + i);
  const svg = lineChartSvg([
    { label: 'minibatch loss', points: r.rates.map((lr, i) => [log10(lr), r.losses[i]]), color: '#9aaed0' },
    { label: 'smoothed (5-point moving average)', points: r.rates.map((lr, i) => [log10(lr), r.smoothed[i]]), color: '#1f5fa8' },
    { label: `suggested rate ${r.suggested.toPrecision(2)} (a tenth of the minimum's)`, points: [[log10(r.suggested), Math.min(...r.losses)], [log10(r.suggested), Math.max(...r.losses)]], color: '#c0392b', dashed: true },
  ], { title: `Learning-rate range test (${flags.cell.toUpperCase()} H=${flags.hidden}, ${flags.update}, batch ${flags.batch})`, xLabel: 'learning rate (log scale)', yLabel: 'training loss (nats per caption)', xTicks, xTickLabels: xTicks.map((e) => `1e${e}`), cls: 'lr-find' });
  await mkdir(flags.out, { recursive: true });
  const file = join(flags.out, 'lr-find.svg');
  await writeFileAtomic(file, new TextEncoder().encode(svg));
  o.out(`${r.rates.length} steps from ${flags.minLr} to ${r.rates.at(-1)!.toPrecision(3)}${r.stoppedEarly ? ' (stopped: the loss blew up)' : ''}; lowest smoothed loss ${Math.min(...r.smoothed).toFixed(4)} at rate ${r.best.toPrecision(3)}\n`);
  o.out(`suggested learning rate: ${r.suggested.toPrecision(2)}\n`);
  o.out(`wrote ${file}\n`);
  return 0;
}
