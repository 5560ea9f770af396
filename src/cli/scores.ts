// Scores of a model on a split (BLEU, CS231n BLEU, shapes accuracy) and the sample entries of reports.
import { corpusBleu, decodeCaptions, describesSingleObject, meanCs231nBleu, sampleCocoMinibatch, type CaptioningRNN } from '../index.js';
import { type Loaded, type Split, caption, imageUrl, maxLengthOf, referencesByImage, splitOf } from './data.js';
import type { SampleEntry, ScoreRow } from './report.js';

/** Corpus BLEU (greedy vs all references), CS231n BLEU and, for shapes, single-object accuracy. */
export function score(model: CaptioningRNN, loaded: Loaded, split: Split, maxImages: number): ScoreRow & { captions: Map<number, string[]> } {
  const { data, shapes } = loaded;
  const refs = referencesByImage(data, split);
  const images = [...refs.keys()].sort((a, b) => a - b).slice(0, maxImages);
  const s = splitOf(data, split);
  const hyps = caption(model, s.features, images, maxLengthOf(data));
  const bleu = corpusBleu(images.map((i) => refs.get(i)!), hyps);
  // CS231n's evaluate_model: 1000 random captions of the split, unigram BLEU against each one's own caption
  const mb = sampleCocoMinibatch(data, { batchSize: 1000, split, seed: 0 });
  const gt = decodeCaptions(mb.captions, data.idxToWord) as string[];
  const gen = decodeCaptions(model.sample(mb.features, { maxLength: maxLengthOf(data) }), data.idxToWord) as string[];
  const row: ScoreRow & { captions: Map<number, string[]> } = {
    split, images: images.length, bleu: [bleu.bleu1, bleu.bleu2, bleu.bleu3, bleu.bleu4],
    cs231n: meanCs231nBleu(gt, gen), captions: new Map(images.map((img, i) => [img, hyps[i]])),
  };
  if (shapes) {
    const scenes = split === 'train' ? shapes.trainScenes : shapes.valScenes;
    let correct = 0, total = 0;
    images.forEach((img, i) => {
      if (scenes[img].objects.length !== 1) return;
      total++;
      if (describesSingleObject(hyps[i], scenes[img])) correct++;
    });
    row.singleObject = { correct, total };
  }
  return row;
}

export function scoreTable(rows: ScoreRow[]): string {
  const hasAcc = rows.some((r) => r.singleObject);
  const head = `${'split'.padEnd(7)}${'images'.padStart(7)}${['BLEU-1', 'BLEU-2', 'BLEU-3', 'BLEU-4', 'CS231n BLEU'].map((h) => h.padStart(h.length > 6 ? 13 : 8)).join('')}${hasAcc ? '  single-object colour+shape' : ''}`;
  const lines = rows.map((r) => `${r.split.padEnd(7)}${String(r.images).padStart(7)}${r.bleu.map((b) => b.toFixed(3).padStart(8)).join('')}${r.cs231n.toFixed(3).padStart(13)}${hasAcc && r.singleObject ? `  ${accuracy(r.singleObject)}` : ''}`);
  return `${[head, ...lines].join('\n')}\n`;
}

export function accuracy(a: { correct: number; total: number }): string {
  return a.total === 0 ? 'no single-object scenes' : `${((100 * a.correct) / a.total).toFixed(1)}% (${a.correct}/${a.total})`;
}

export function sampleEntries(model: CaptioningRNN, loaded: Loaded, split: Split, images: number[], beam: number): SampleEntry[] {
  const { data } = loaded;
  const feats = splitOf(data, split).features;
  const T = maxLengthOf(data);
  const greedy = caption(model, feats, images, T);
  const beamed = beam > 1 ? caption(model, feats, images, T, { beamSize: beam }) : null;
  const refs = referencesByImage(data, split);
  return images.map((img, i) => ({
    image: imageUrl(loaded, split, img), label: `${split} image ${img}`, greedy: greedy[i].join(' '),
    beam: beamed ? beamed[i].join(' ') : undefined, truth: (refs.get(img) ?? []).map((w) => w.join(' ')),
  }));
}
