// The default reward of self-critical training: CIDEr-D (the CiderD scorer of src/eval) of a
// caption against its image's training references, with document frequencies from all the
// training references (as self-critical.pytorch does with its cached training-corpus df).
//
// Tokens: each vocabulary word is put through coco-caption's PTB step once (lowercase, its
// punctuation dropped; src/eval/ptb-tokenize.ts), so references and sampled captions are
// tokenised as evaluateCaptions tokenises captions; special tokens are dropped.
import type { CaptionData } from '../data/types.js';
import { CiderD } from '../eval/cider.js';
import { pySplit } from '../eval/numeric.js';
import { CAPTION_SPECIAL_TOKENS, ptbTokenize } from '../eval/ptb-tokenize.js';
import type { CaptionReward } from './scst.js';

/**
 * CIDEr-D against the training references. Builds the scorer once (document frequencies and
 * every reference vector); a call then costs the candidate's own n-grams times its image's
 * references and allocates nothing (CiderD.scoreIds on token ids; the same bits as
 * scoreImage). Images without captions cannot be rewarded (the solver never draws them).
 */
export function ciderReward(data: CaptionData): CaptionReward {
  const pieces = data.idxToWord.map((w) => (CAPTION_SPECIAL_TOKENS.includes(w) ? [] : pySplit(ptbTokenize(w))));
  const endIdx = data.wordToIdx['<END>'];
  const caps = data.trainCaptions.data, L = data.trainCaptions.shape[1], idxs = data.trainImageIdxs.data;
  const corpusOf = new Int32Array(data.trainFeatures.shape[0]).fill(-1); // train image → corpus image
  const refs: string[][][] = [];
  for (let r = 0; r < idxs.length; r++) {
    const img = idxs[r];
    if (corpusOf[img] < 0) { corpusOf[img] = refs.length; refs.push([]); }
    const tokens: string[] = [];
    for (let t = 0; t < L; t++) { // as decodeCaptions: up to the first <END>
      const id = caps[r * L + t];
      if (id === endIdx) break;
      for (const p of pieces[id]) tokens.push(p);
    }
    refs[corpusOf[img]].push(tokens);
  }
  const cider = new CiderD(refs);
  // each vocabulary word's token ids in the scorer (words no reference uses: distinct negative ids)
  const unknown = new Map<string, number>();
  const tokenIds = pieces.map((ps) => Int32Array.from(ps, (p) => {
    const id = cider.tokenId(p);
    if (id >= 0) return id;
    if (!unknown.has(p)) unknown.set(p, -1 - unknown.size);
    return unknown.get(p)!;
  }));
  let candidate = new Int32Array(64); // reused for every call (grown for a longer caption)
  return (image, words) => {
    let m = 0;
    for (let i = 0; i < words.length; i++) m += tokenIds[words[i]].length;
    if (m > candidate.length) candidate = new Int32Array(2 * m);
    m = 0;
    for (let i = 0; i < words.length; i++) { candidate.set(tokenIds[words[i]], m); m += tokenIds[words[i]].length; }
    return cider.scoreIds(candidate, m, corpusOf[image]);
  };
}
