// Child process of checkpoint-kill.test.ts: saves a large checkpoint to argv[2] over and over
// (generation g has b_vocab[0] = g and meta.gen = g), printing "saved g" after each save, until
// it is killed. It continues from the generation already in the file, if any.
import { init, CaptioningRNN } from '../../dist/index.js';
import { loadCheckpointFile, saveCheckpointFile } from '../../dist/node.js';

const path = process.argv[2];
await init({ threads: 1 });
let gen = 0;
let model;
try {
  const ck = await loadCheckpointFile(path);
  model = ck.model;
  gen = Number(ck.meta.gen) + 1;
} catch {
  const wordToIdx = Object.fromEntries(Array.from({ length: 2000 }, (_, i) => [i === 0 ? '<NULL>' : `w${i}`, i]));
  model = new CaptioningRNN({ wordToIdx, inputDim: 512, wordvecDim: 256, hiddenDim: 512, seed: 1 });
}
const b = model.getParams().b_vocab;
for (;;) {
  b.data[0] = gen;
  model.setParams({ b_vocab: b });
  await saveCheckpointFile(path, model, null, { gen });
  process.stdout.write(`saved ${gen}\n`);
  gen++;
}
