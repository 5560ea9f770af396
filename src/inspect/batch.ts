// A batch of equal-length val captions for the inspections (no <NULL> padding in any row).
import { Tensor } from '../core/tensor.js';
import type { CaptionData } from '../data/types.js';

/**
 * The first `n` val captions of the most common length (<START> … <END>), cut to that width:
 * (n, L) int32, and their images' features (n, D) float32: a batch with no padding, as
 * gradientFlow and the other inspections take (recap inspect, the demo's RNN/LSTM race).
 */
export function sameLengthBatch(data: Pick<CaptionData, 'valCaptions' | 'valFeatures' | 'valImageIdxs'>, n: number, nullIdx: number): { features: Tensor; captions: Tensor } {
  const caps = data.valCaptions, L = caps.shape[1], D = data.valFeatures.shape[1];
  const len = (r: number) => {
    let k = 0;
    while (k < L && caps.data[r * L + k] !== nullIdx) k++;
    return k;
  };
  const count = new Map<number, number>();
  for (let r = 0; r < caps.shape[0]; r++) count.set(len(r), (count.get(len(r)) ?? 0) + 1);
  const width = [...count.entries()].sort((a, b) => b[1] - a[1] || b[0] - a[0])[0][0];
  const rows: number[] = [];
  for (let r = 0; r < caps.shape[0] && rows.length < n; r++) if (len(r) === width) rows.push(r);
  const c = new Int32Array(rows.length * width), f = new Float32Array(rows.length * D);
  rows.forEach((r, i) => {
    c.set(caps.data.subarray(r * L, r * L + width), i * width);
    const img = data.valImageIdxs.data[r];
    f.set(data.valFeatures.data.subarray(img * D, (img + 1) * D), i * D);
  });
  return { features: new Tensor(f, [rows.length, D]), captions: new Tensor(c, [rows.length, width]) };
}
