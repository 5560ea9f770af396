#!/usr/bin/env node
// Self-critical training against cross-entropy at the `npm start` configuration, and greedy
// decoding with n-gram blocking against plain greedy decoding: `node bench/scst.mjs [--quick]`
// (build first; bench/run.mjs runs it too and adds its rows and targets to RESULTS.md).
//
// Each thread count runs in its own process (init({ threads }) is per process):
// `node bench/scst.mjs --child THREADS [--quick]` prints one JSON line. The child generates the
// shapes world as `recap train` does (16000 images, 80000 captions), builds the `npm start`
// model (LSTM, H=128, W=64), trains it with cross-entropy first (so its samples end as a
// trained model's do), then times, interleaved round by round: one XE iteration
// (solver.stepAsync: batch 50 captions, Adam lr 5e-3), one SCST iteration (batch 50 images,
// k = 5 samples, greedy baseline, CIDEr-D reward, Adam lr 5e-4: the sampling pass, the
// rewards and the backward), greedy decoding of 500 val images (16 words) and the same with
// blockRepeatNgrams 2. Medians after warm-up.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const QUICK = process.argv.includes('--quick');
const C = QUICK ? { pretrain: 150, warm: 2, reps: 8 } : { pretrain: 400, warm: 3, reps: 25 };
const median = (a) => { const s = [...a].sort((x, y) => x - y); return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2; };

async function child(threads) {
  const R = await import('../dist/index.js');
  await R.init({ threads });
  const data = R.shapesData({ numTrain: 16000, numVal: 500, seed: 0 });
  const model = new R.CaptioningRNN({ wordToIdx: data.wordToIdx, inputDim: data.trainFeatures.shape[1], wordvecDim: 64, hiddenDim: 128, cellType: 'lstm', seed: 0 });
  const xe = new R.CaptioningSolver(model, data, { updateRule: 'adam', optimConfig: { learningRate: 5e-3 }, batchSize: 50, numEpochs: 100, seed: 0, verbose: false });
  for (let i = 0; i < C.pretrain; i++) await xe.stepAsync();
  const scst = new R.CaptioningSolver(model, data, {
    objective: 'scst', scstSamples: 5, scstBaseline: 'greedy', updateRule: 'adam', optimConfig: { learningRate: 5e-4 }, batchSize: 50, numEpochs: 100, seed: 0, verbose: false,
  });
  const D = data.valFeatures.shape[1];
  const val = R.tensor(data.valFeatures.data.slice(0, 500 * D), [500, D]);
  const cpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1e3; };
  // wall time, and the process's CPU time (all its threads): on a busy machine the CPU time of a 1-thread run is the steadier figure
  const time = async (fn) => { const t0 = performance.now(), c0 = cpu(); await fn(); return [performance.now() - t0, cpu() - c0]; };
  const runs = { xe: () => xe.stepAsync(), scst: () => scst.stepAsync(),
    greedy: () => model.sampleAsync(val, { maxLength: 16 }), blocked: () => model.sampleAsync(val, { maxLength: 16, blockRepeatNgrams: 2 }) };
  const t = { xe: [], scst: [], greedy: [], blocked: [] }, tc = { xe: [], scst: [], greedy: [], blocked: [] };
  for (let r = 0; r < C.warm + C.reps; r++) {
    for (const [name, fn] of Object.entries(runs)) {
      const [ms, cms] = await time(fn);
      if (r >= C.warm) { t[name].push(ms); tc[name].push(cms); }
    }
  }
  const out = { threads: R.threads(), reps: C.reps, pretrain: C.pretrain, reward: scst.getState().scst.rewardHistory.at(-1), loadavg: (await import('node:os')).loadavg()[0], cpu: {} };
  for (const [name, v] of Object.entries(t)) out[name] = median(v);
  for (const [name, v] of Object.entries(tc)) out.cpu[name] = median(v);
  xe.dispose(); scst.dispose(); model.dispose();
  R.dispose();
  return out;
}

/** Runs the children for 1 and 2 threads; returns the rows and the ratios the targets use. */
export function runScstBench(quick = QUICK) {
  const self = fileURLToPath(import.meta.url);
  const rows = [1, 2].map((th) => JSON.parse(execFileSync(process.execPath, [self, '--child', String(th), ...(quick ? ['--quick'] : [])], { encoding: 'utf8', timeout: 900000 }).trim().split('\n').pop()));
  const [one, two] = rows;
  return {
    rows,
    scstOverXe1: one.scst / one.xe, scstOverXe2: two.scst / two.xe, scstThreadSpeedup: one.scst / two.scst,
    blockedOverGreedy1: one.blocked / one.greedy, blockedOverGreedy2: two.blocked / two.greedy,
    cpuScstOverXe1: one.cpu.scst / one.cpu.xe, cpuBlockedOverGreedy1: one.cpu.blocked / one.cpu.greedy,
  };
}

const at = process.argv.indexOf('--child');
if (at >= 0) {
  console.log(JSON.stringify(await child(Number(process.argv[at + 1]))));
} else if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const r = runScstBench();
  for (const row of r.rows) {
    console.log(`${row.threads} thread${row.threads > 1 ? 's' : ''}: XE iteration ${row.xe.toFixed(2)} ms, SCST iteration ${row.scst.toFixed(2)} ms (${(row.scst / row.xe).toFixed(2)}x XE), ` +
      `greedy 500 images ${row.greedy.toFixed(2)} ms, blockRepeatNgrams 2 ${row.blocked.toFixed(2)} ms (${(row.blocked / row.greedy).toFixed(2)}x); median of ${row.reps}, after ${row.pretrain} XE iterations; ` +
      `CPU time: XE ${row.cpu.xe.toFixed(2)} ms, SCST ${row.cpu.scst.toFixed(2)} ms (${(row.cpu.scst / row.cpu.xe).toFixed(2)}x), greedy ${row.cpu.greedy.toFixed(2)}, blocked ${row.cpu.blocked.toFixed(2)} (${(row.cpu.blocked / row.cpu.greedy).toFixed(2)}x); load average ${row.loadavg.toFixed(1)}`);
  }
  console.log(`SCST 2 threads vs 1: ${r.scstThreadSpeedup.toFixed(2)}x faster`);
}
