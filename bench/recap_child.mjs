// recap on N worker threads in its own process, for the bench's "recap 2t" columns (one wasm
// runtime per process, and its thread count is fixed by init()). Speaks numpy_model.py's
// JSON-line protocol on stdin/stdout, so bench/run.mjs interleaves it with the others:
//   node bench/recap_child.mjs THREADS
//   {"cmd":"info"} {"cmd":"setup","key",cell,dtype,N,T,D,W,H,V} {"cmd":"step","key"}
//   {"cmd":"sample","key","maxLength"} {"cmd":"drop","key"} {"cmd":"quit"}
// Steps run on the threads (solver.stepAsync), and so does greedy sampling (model.sampleAsync).
import { createInterface } from 'node:readline';
import { syntheticData, makeVocab, recapData, batchRows, sampleFeatures } from './common.mjs';

const R = await import('../dist/index.js');
await R.init({ wasm: 'simd', threads: Number(process.argv[2] ?? 2) });
const models = new Map();
const now = () => performance.now();

async function handle(req) {
  switch (req.cmd) {
    case 'info': return { threads: R.threads(), backend: R.backend() };
    case 'setup': {
      const { key, cell, dtype, N, T, D, W, H, V } = req;
      const wordToIdx = makeVocab(V);
      const d = syntheticData(N, T, D, V, 0);
      const model = new R.CaptioningRNN({ wordToIdx, inputDim: D, wordvecDim: W, hiddenDim: H, cellType: cell, dtype, seed: 0 });
      const solver = new R.CaptioningSolver(model, recapData(R, d, D, wordToIdx), {
        updateRule: 'adam', optimConfig: { learningRate: 1e-3 }, batchSize: N, numEpochs: 1e6, verbose: false,
        sampler: (it) => batchRows(it, N, d.numCaptions),
      });
      models.set(key, { model, solver, feats: R.tensor(sampleFeatures(d, N, D), [N, D], 'float32') });
      return { ok: true };
    }
    case 'step': {
      const m = models.get(req.key);
      const t0 = now();
      const { loss } = await m.solver.stepAsync();
      return { seconds: (now() - t0) / 1e3, loss };
    }
    case 'sample': {
      const m = models.get(req.key);
      const t0 = now();
      await m.model.sampleAsync(m.feats, { maxLength: req.maxLength });
      return { seconds: (now() - t0) / 1e3 };
    }
    case 'drop': {
      const m = models.get(req.key);
      m.solver.dispose(); m.model.dispose();
      models.delete(req.key);
      return { ok: true };
    }
    case 'quit': R.dispose(); return { ok: true };
    default: throw new Error(`unknown command ${req.cmd}`);
  }
}

// one request at a time, in order
let chain = Promise.resolve();
createInterface({ input: process.stdin }).on('line', (line) => {
  chain = chain.then(async () => {
    let res;
    try { res = await handle(JSON.parse(line)); } catch (e) { res = { error: String(e?.message ?? e) }; }
    process.stdout.write(JSON.stringify(res) + '\n');
  });
});
