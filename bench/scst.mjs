#!/usr/bin/env node
// Self-critical training against cross-entropy at the `npm start` configuration, and greedy
// decoding with n-gram blocking against plain greedy decoding: `node bench/scst.mjs [--quick]`
// (build first; bench/run.mjs runs it too and adds its rows and targets to RESULTS.md).
//
// Each thread count runs in its own process (init({ threads }) is per process), both alive at
// once and timed in turn, round by round (`node bench/scst.mjs --child THREADS [--quick]` answers
// one JSON line per request line), so that a change in the machine's load reaches both alike.
// The child generates the shapes world as `recap train` does (16000 images, 80000 captions),
// builds the `npm start` model (LSTM, H=128, W=64), trains it with cross-entropy first (so its
// samples end as a trained model's do), copies it for SCST, then each round times one XE iteration
// (solver.stepAsync: batch 50 captions, Adam lr 5e-3), one SCST iteration (batch 50 images,
// k = 5 samples, greedy baseline, CIDEr-D reward, Adam lr 5e-4: the sampling pass, the
// rewards and the backward), greedy decoding of 500 val images (16 words) and the same with
// blockRepeatNgrams 2. Each of them runs BLOCK times in a row per round and counts the block's
// mean: iterations of a run follow each other, so a figure is the steady state a run sees, not
// one call's after the other process has had the cores (and the caches). Medians after warm-up.
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { LineWorker } from './lineworker.mjs';

const QUICK = process.argv.includes('--quick');
const median = (a) => { const s = [...a].sort((x, y) => x - y); return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2; };
const NAMES = ['xe', 'scst', 'greedy', 'blocked'];
/** Calls of each run per round, timed together (their mean is the round's figure). */
const BLOCK = { xe: 5, scst: 5, greedy: 2, blocked: 2 };

/** The child: sets up on 'setup', times one of each run on 'round', answers one JSON line each. */
async function child(threads) {
  const R = await import('../dist/index.js');
  await R.init({ threads });
  let runs = null;
  const setup = async (pretrain) => {
    const data = R.shapesData({ numTrain: 16000, numVal: 500, seed: 0 });
    const model = new R.CaptioningRNN({ wordToIdx: data.wordToIdx, inputDim: data.trainFeatures.shape[1], wordvecDim: 64, hiddenDim: 128, cellType: 'lstm', seed: 0 });
    const xe = new R.CaptioningSolver(model, data, { updateRule: 'adam', optimConfig: { learningRate: 5e-3 }, batchSize: 50, numEpochs: 100, seed: 0, verbose: false });
    for (let i = 0; i < pretrain; i++) await xe.stepAsync();
    // SCST trains its own copy of the pretrained model: on one shared model each XE step between two
    // SCST steps would resize the training workspace back and forth (50 caption rows against
    // N·k = 250), a cost an SCST run, whose iterations follow each other, never pays
    const scstModel = R.loadCheckpoint(R.saveCheckpoint(model, null, {})).model;
    const scst = new R.CaptioningSolver(scstModel, data, {
      objective: 'scst', scstSamples: 5, scstBaseline: 'greedy', updateRule: 'adam', optimConfig: { learningRate: 5e-4 }, batchSize: 50, numEpochs: 100, seed: 0, verbose: false,
    });
    const D = data.valFeatures.shape[1];
    const val = R.tensor(data.valFeatures.data.slice(0, 500 * D), [500, D]);
    runs = { xe: () => xe.stepAsync(), scst: () => scst.stepAsync(),
      greedy: () => model.sampleAsync(val, { maxLength: 16 }), blocked: () => model.sampleAsync(val, { maxLength: 16, blockRepeatNgrams: 2 }),
      reward: () => scst.getState().scst.rewardHistory.at(-1) };
  };
  const cpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1e3; };
  // wall time, and the process's CPU time (all its threads): on a busy machine the CPU time of a 1-thread run is the steadier figure
  const time = async (fn, n) => {
    const t0 = performance.now(), c0 = cpu();
    for (let i = 0; i < n; i++) await fn();
    return [(performance.now() - t0) / n, (cpu() - c0) / n];
  };
  for await (const line of createInterface({ input: process.stdin })) {
    const req = JSON.parse(line);
    try {
      if (req.cmd === 'quit') break;
      if (req.cmd === 'setup') {
        await setup(req.pretrain);
        console.log(JSON.stringify({ threads: R.threads() }));
      } else {
        const out = { ms: {}, cpu: {} };
        for (const name of NAMES) [out.ms[name], out.cpu[name]] = await time(runs[name], BLOCK[name]);
        out.reward = runs.reward();
        console.log(JSON.stringify(out));
      }
    } catch (e) {
      console.log(JSON.stringify({ error: String(e?.stack ?? e) }));
    }
  }
  R.dispose();
  process.exit(0);
}

/** Runs the children for 1 and 2 threads, interleaved round by round; returns the rows and the ratios the targets use. */
export async function runScstBench(quick = QUICK) {
  const c = quick ? { pretrain: 150, warm: 2, reps: 8 } : { pretrain: 400, warm: 3, reps: 25 };
  const self = fileURLToPath(import.meta.url);
  const kids = [1, 2].map((th) => new LineWorker(`scst ${th}t`, process.execPath, [self, '--child', String(th)]));
  try {
    const setups = [];
    for (const k of kids) setups.push(await k.request({ cmd: 'setup', pretrain: c.pretrain })); // one at a time: alone on the machine
    const t = kids.map(() => Object.fromEntries(NAMES.map((n) => [n, []])));
    const tc = kids.map(() => Object.fromEntries(NAMES.map((n) => [n, []])));
    let last = [];
    for (let r = 0; r < c.warm + c.reps; r++) {
      for (let i = 0; i < kids.length; i++) {
        const res = await kids[i].request({ cmd: 'round' });
        last[i] = res;
        if (r < c.warm) continue;
        for (const n of NAMES) { t[i][n].push(res.ms[n]); tc[i][n].push(res.cpu[n]); }
      }
    }
    const loadavg = (await import('node:os')).loadavg()[0];
    const rows = kids.map((_, i) => ({
      threads: setups[i].threads, reps: c.reps, pretrain: c.pretrain, reward: last[i].reward, loadavg,
      ...Object.fromEntries(NAMES.map((n) => [n, median(t[i][n])])), cpu: Object.fromEntries(NAMES.map((n) => [n, median(tc[i][n])])),
    }));
    const [one, two] = rows;
    return {
      rows,
      scstOverXe1: one.scst / one.xe, scstOverXe2: two.scst / two.xe, scstThreadSpeedup: one.scst / two.scst,
      blockedOverGreedy1: one.blocked / one.greedy, blockedOverGreedy2: two.blocked / two.greedy,
      cpuScstOverXe1: one.cpu.scst / one.cpu.xe, cpuBlockedOverGreedy1: one.cpu.blocked / one.cpu.greedy,
    };
  } finally {
    for (const k of kids) await k.close();
  }
}

const at = process.argv.indexOf('--child');
if (at >= 0) {
  await child(Number(process.argv[at + 1]));
} else if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const r = await runScstBench();
  for (const row of r.rows) {
    console.log(`${row.threads} thread${row.threads > 1 ? 's' : ''}: XE iteration ${row.xe.toFixed(2)} ms, SCST iteration ${row.scst.toFixed(2)} ms (${(row.scst / row.xe).toFixed(2)}x XE), ` +
      `greedy 500 images ${row.greedy.toFixed(2)} ms, blockRepeatNgrams 2 ${row.blocked.toFixed(2)} ms (${(row.blocked / row.greedy).toFixed(2)}x); median of ${row.reps}, after ${row.pretrain} XE iterations; ` +
      `CPU time: XE ${row.cpu.xe.toFixed(2)} ms, SCST ${row.cpu.scst.toFixed(2)} ms (${(row.cpu.scst / row.cpu.xe).toFixed(2)}x), greedy ${row.cpu.greedy.toFixed(2)}, blocked ${row.cpu.blocked.toFixed(2)} (${(row.cpu.blocked / row.cpu.greedy).toFixed(2)}x); load average ${row.loadavg.toFixed(1)}`);
  }
  console.log(`SCST 2 threads vs 1: ${r.scstThreadSpeedup.toFixed(2)}x faster`);
}
