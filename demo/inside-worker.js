// The worker side of the "Inside the model" panel (imported by worker.js):
//   inspect (worker.js: the composed scene's pixels → the model's input features) -> { type: 'inspect', id, words, targets, H, tracks: { h, c?, i?, f?, o?, g? } }
//   { type: 'race', iterations }        -> { type: 'race', iteration, runs: [{ cell, losses, gradNorms, flow }] } (repeated), then done: true
//   { type: 'raceStop' }
// The race trains an RNN and an LSTM of the same size side by side on the same data (same seed,
// so the same minibatches), one step of each in turn; every RACE_FLOW_EVERY iterations it
// measures gradientFlow (the last step's loss, from: 'last') of both on the same val captions.
// The gradient norm of each step is the one the solver's step() returns (the global ‖g‖₂ before clipping).
import { CaptioningRNN, CaptioningSolver, FEATURE_DIM, activations, gradientFlow, sameLengthBatch } from '/recap/index.js';

const RACE_MODEL = { inputDim: FEATURE_DIM, wordvecDim: 32, hiddenDim: 64 };
const RACE_SOLVER = { updateRule: 'adam', optimConfig: { learningRate: 5e-3 }, lrDecay: 1, batchSize: 50, numEpochs: 100, seed: 7, verbose: false };
const RACE_FLOW_EVERY = 25;
const RACE_CAPTIONS = 24;

let race = null; // { models, solvers, stop }

export function inspectCaption(model, msg, maxLength, post) {
  const a = activations(model, msg.features, undefined, { maxLength }); // (1, D): the model's input for the composed scene
  const tracks = {};
  for (const k of ['h', 'c', 'i', 'f', 'o', 'g']) if (a[k]) tracks[k] = Float32Array.from(a[k].data);
  post({ type: 'inspect', id: msg.id, words: a.words, targets: a.targets, H: a.h.shape[1], tracks, cell: model.config.cellType });
}

export async function runRace(data, msg, post) {
  stopRace();
  const iterations = msg.iterations ?? 400;
  const batch = sameLengthBatch(data, RACE_CAPTIONS, data.wordToIdx['<NULL>']);
  const mine = { stop: false, models: [], solvers: [] };
  race = mine;
  const runs = ['rnn', 'lstm'].map((cell) => {
    const model = new CaptioningRNN({ wordToIdx: data.wordToIdx, ...RACE_MODEL, cellType: cell, seed: 7 });
    const solver = new CaptioningSolver(model, data, RACE_SOLVER);
    mine.models.push(model);
    mine.solvers.push(solver);
    return { cell, model, solver, losses: [], gradNorms: [], flow: null };
  });
  const send = (it, done) => post({
    type: 'race', iteration: it, done, iterations, captions: batch.captions.shape[0], T: batch.captions.shape[1] - 1,
    runs: runs.map((r) => ({ cell: r.cell, hidden: RACE_MODEL.hiddenDim, losses: r.losses.splice(0), gradNorms: r.gradNorms.splice(0), flow: r.flow })),
  });
  const measure = () => {
    for (const r of runs) r.flow = Array.from(gradientFlow(r.model, batch.features, batch.captions, { from: 'last', jacobian: false }).dh);
  };
  try {
    measure();
    send(0, false);
    for (let it = 1; it <= iterations && !mine.stop; it++) {
      for (const r of runs) {
        const { loss, gradNorm } = r.solver.step();
        r.losses.push(loss);
        r.gradNorms.push(gradNorm);
      }
      if (it % RACE_FLOW_EVERY === 0 || it === iterations) {
        measure();
        send(it, it === iterations);
      }
      if (it % 5 === 0) await new Promise((resolve) => setTimeout(resolve, 0)); // let messages (stop) in
    }
    if (mine.stop) send(-1, true);
  } finally {
    for (const s of mine.solvers) s.dispose();
    for (const m of mine.models) m.dispose();
    if (race === mine) race = null;
  }
}

export function stopRace() {
  if (race) race.stop = true;
}
