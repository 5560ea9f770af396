// Validation of a CaptionData against the model that will train on it (the solver's first check).
import { checkFinite } from '../core/check.js';
import { fail } from '../core/errors.js';
import { checkTensor } from '../core/tensor.js';
import type { CaptionData } from '../data/types.js';
import type { CaptioningRNN } from '../model/captioning-rnn.js';

/** Validates a CaptionData against a model: shapes, dtypes, id and index ranges. */
export function checkCaptionData(data: CaptionData, model: CaptioningRNN): void {
  if (!data || typeof data !== 'object') fail('data', 'a CaptionData object', data);
  for (const split of ['train', 'val'] as const) {
    const caps = data[`${split}Captions`];
    const idxs = data[`${split}ImageIdxs`];
    const feats = data[`${split}Features`];
    if (split === 'val' && caps === undefined) continue;
    checkTensor(`data.${split}Captions`, caps);
    checkTensor(`data.${split}ImageIdxs`, idxs);
    checkTensor(`data.${split}Features`, feats);
    if (caps.dtype !== 'int32' || caps.shape.length !== 2 || caps.shape[1] < 2 || caps.shape[0] < 1) {
      fail(`data.${split}Captions`, 'int32 (Nc, L) with Nc >= 1, L >= 2', `${caps.dtype} [${caps.shape.join(', ')}]`);
    }
    if (idxs.dtype !== 'int32' || idxs.shape.length !== 1 || idxs.shape[0] !== caps.shape[0]) {
      fail(`data.${split}ImageIdxs`, `int32 (${caps.shape[0]})`, `${idxs.dtype} [${idxs.shape.join(', ')}]`);
    }
    if (feats.dtype === 'int32' || feats.shape.length !== 2 || feats.shape[1] !== model.config.inputDim) {
      fail(`data.${split}Features`, `float (Ni, ${model.config.inputDim})`, `${feats.dtype} [${feats.shape.join(', ')}]`);
    }
    checkFinite(`data.${split}Features`, feats);
    const V = model.config.vocabSize;
    const c = caps.data;
    for (let i = 0; i < c.length; i++) if (c[i] < 0 || c[i] >= V) fail(`data.${split}Captions`, `token ids in [0, ${V})`, `${c[i]} at flat index ${i}`);
    const Ni = feats.shape[0];
    const d = idxs.data;
    for (let i = 0; i < d.length; i++) if (d[i] < 0 || d[i] >= Ni) fail(`data.${split}ImageIdxs[${i}]`, `an image row in [0, ${Ni})`, d[i]);
  }
}
