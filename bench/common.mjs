// Helpers shared by the bench scripts.

/** Vocabulary of V words: <NULL>=0, <START>=1, <END>=2, then w3..w(V-1). */
export function makeVocab(V) {
  const wordToIdx = { '<NULL>': 0, '<START>': 1, '<END>': 2 };
  for (let i = 3; i < V; i++) wordToIdx[`w${i}`] = i;
  return wordToIdx;
}

/**
 * Synthetic caption data with the distribution numpy_model.py uses (each implementation draws
 * its own, so values differ but the work per step is the same): captions (numCaptions, T+1) =
 * <START>, 5..T-1 words uniform in [3, V), <END>, <NULL> padding; features randn (numImages, D).
 */
export function syntheticData(N, T, D, V, seed = 0, numCaptions = 1000, numImages = 200) {
  let s = (seed + 0x9e3779b9) >>> 0;
  const rand = () => {
    s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0;
    return s / 4294967296;
  };
  const randint = (lo, hi) => lo + Math.floor(rand() * (hi - lo));
  const randn = () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
  const L = T + 1;
  const caps = new Int32Array(numCaptions * L);
  for (let n = 0; n < numCaptions; n++) {
    const k = T > 2 ? randint(Math.min(5, T - 1), T) : 0;
    caps[n * L] = 1;
    for (let j = 1; j <= k; j++) caps[n * L + j] = randint(3, V);
    if (1 + k < L) caps[n * L + 1 + k] = 2;
  }
  const feats = new Float32Array(numImages * D);
  for (let i = 0; i < feats.length; i++) feats[i] = randn();
  const idxs = new Int32Array(numCaptions);
  for (let i = 0; i < numCaptions; i++) idxs[i] = randint(0, numImages);
  return { caps, idxs, feats, numCaptions, numImages, L };
}

/** The minibatch rows of iteration `it` (every implementation uses the same rule). */
export function batchRows(it, N, numCaptions) {
  const rows = new Int32Array(N);
  for (let n = 0; n < N; n++) rows[n] = (it * N + n) % numCaptions;
  return rows;
}

/** recap CaptionData over synthetic data (the val split is the train split). */
export function recapData(R, d, D, wordToIdx) {
  const trainCaptions = R.tensor(d.caps, [d.numCaptions, d.L], 'int32');
  const trainImageIdxs = R.tensor(d.idxs, [d.numCaptions], 'int32');
  const trainFeatures = R.tensor(d.feats, [d.numImages, D], 'float32');
  const idxToWord = [];
  for (const [w, i] of Object.entries(wordToIdx)) idxToWord[i] = w;
  return {
    trainCaptions, trainImageIdxs, trainFeatures,
    valCaptions: trainCaptions, valImageIdxs: trainImageIdxs, valFeatures: trainFeatures,
    idxToWord, wordToIdx,
  };
}

/** Features (N, D) of the sampling batch: images of caption rows 0..N-1. */
export function sampleFeatures(d, N, D) {
  const out = new Float32Array(N * D);
  for (let n = 0; n < N; n++) {
    const img = d.idxs[n % d.numCaptions];
    out.set(d.feats.subarray(img * D, (img + 1) * D), n * D);
  }
  return out;
}

export const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  return n === 0 ? NaN : n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
};
