// Called by scripts/make-interop-fixtures.py: builds the seeded float64 recap models that
// recap_spec.json describes (CaptioningRNN's own seeded initialisation, then the spec's biases)
// and exports each as recap_<cell>.npz + recap_<cell>.vocab.json and recap_<cell>.safetensors
// into the directory given, for numpy to load and score. Needs `npm run build` first.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CaptioningRNN, init, modelToNpz, modelToSafetensors, tensor } from '../dist/index.js';

const dir = process.argv[2];
const spec = JSON.parse(readFileSync(join(dir, 'recap_spec.json'), 'utf8'));
await init({ threads: 1 });
for (const cellType of ['rnn', 'lstm']) {
  const { wordToIdx, inputDim, wordvecDim, hiddenDim, seed } = spec;
  const model = new CaptioningRNN({ wordToIdx, inputDim, wordvecDim, hiddenDim, cellType, dtype: 'float64', seed });
  const biases = spec.biases[cellType];
  model.setParams(Object.fromEntries(Object.entries(biases).map(([k, v]) => [k, tensor(v, [v.length], 'float64')])));
  const { npz, vocab } = modelToNpz(model);
  writeFileSync(join(dir, `recap_${cellType}.npz`), npz);
  writeFileSync(join(dir, `recap_${cellType}.vocab.json`), vocab);
  writeFileSync(join(dir, `recap_${cellType}.safetensors`), modelToSafetensors(model));
  model.dispose();
}
