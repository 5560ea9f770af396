// Scores of a model on a split (COCO BLEU-1..4, ROUGE-L, CIDEr-D, CS231n BLEU, shapes accuracy)
// and the sample entries of reports.
import {
  decodeCaptions, describesSingleObject, evaluateCaptions, formatAccuracy, meanCs231nBleu, sampleCocoMinibatch, sceneAccuracy,
  type CaptioningRNN, type ImageScores,
} from '../index.js';
import { type Loaded, type Split, caption, imageUrl, maxLengthOf, referencesByImage, splitOf } from './data.js';
import type { AccuracyCount } from '../eval/scene.js';
import type { SampleEntry, ScoreRow } from './report.js';

type SceneCounts = NonNullable<ScoreRow['scene']>;

/** What `score` returns: the row, and each image's caption, COCO scores and (shapes) whether it names its scene. */
export type Scored = ScoreRow & { captions: Map<number, string[]>; perImage: Map<number, ImageScores>; sceneCorrect?: Map<number, boolean> };

/**
 * The COCO metrics (coco-caption's BLEU-1..4, ROUGE-L, CIDEr-D) of the model's captions (greedy,
 * or beam `beam`) of the first `maxImages` images of the split against all their references, the
 * CS231n BLEU and, for shapes, single-object and exact-scene accuracy.
 */
export function score(model: CaptioningRNN, loaded: Loaded, split: Split, maxImages: number, beam = 1): Scored {
  const { data, shapes } = loaded;
  const refs = referencesByImage(data, split);
  const images = [...refs.keys()].sort((a, b) => a - b).slice(0, maxImages);
  const s = splitOf(data, split);
  const hyps = caption(model, s.features, images, maxLengthOf(data), beam > 1 ? { beamSize: beam } : {});
  const coco = evaluateCaptions(
    Object.fromEntries(images.map((img, i) => [img, hyps[i].join(' ')])),
    Object.fromEntries(images.map((img) => [img, refs.get(img)!.map((w) => w.join(' '))])),
  );
  // CS231n's evaluate_model: 1000 random captions of the split, unigram BLEU against each one's own caption
  const mb = sampleCocoMinibatch(data, { batchSize: 1000, split, seed: 0 });
  const gt = decodeCaptions(mb.captions, data.idxToWord) as string[];
  const gen = decodeCaptions(model.sample(mb.features, { maxLength: maxLengthOf(data) }), data.idxToWord) as string[];
  const row: Scored = {
    split, images: images.length, bleu: coco.bleu, rougeL: coco.rougeL, cider: coco.cider,
    cs231n: meanCs231nBleu(gt, gen), captions: new Map(images.map((img, i) => [img, hyps[i]])),
    perImage: new Map(images.map((img) => [img, coco.perImage[img]])),
  };
  if (shapes) {
    const scenes = split === 'train' ? shapes.trainScenes : shapes.valScenes;
    const acc = sceneAccuracy(hyps, images.map((img) => scenes[img]));
    row.scene = { all: acc.all, byObjects: acc.byObjects };
    row.sceneCorrect = new Map(images.map((img, i) => [img, acc.correct[i]]));
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
  const head = `${'split'.padEnd(7)}${'images'.padStart(7)}${['BLEU-1', 'BLEU-2', 'BLEU-3', 'BLEU-4', 'ROUGE-L', 'CIDEr-D', 'CS231n BLEU'].map((h) => h.padStart(h.length > 7 ? 13 : 9)).join('')}${hasAcc ? '  single-object colour+shape' : ''}`;
  const lines = rows.map((r) => `${r.split.padEnd(7)}${String(r.images).padStart(7)}${[...r.bleu, r.rougeL, r.cider].map((b) => b.toFixed(3).padStart(9)).join('')}${r.cs231n.toFixed(3).padStart(13)}${hasAcc && r.singleObject ? `  ${accuracy(r.singleObject)}` : ''}`);
  const scenes = rows.filter((r) => r.scene);
  if (scenes.length === 0) return `${[head, ...lines].join('\n')}\n`;
  // shapes: how often the greedy caption names exactly the scene's objects (colour + shape of each)
  const cols = ['all', '1 object', '2 objects', '3 objects'];
  const cell = (a: AccuracyCount) => (a.total === 0 ? '–' : `${((100 * a.correct) / a.total).toFixed(1)}%`);
  const sceneHead = `${'split'.padEnd(7)}${'images'.padStart(7)}${cols.map((c) => c.padStart(11)).join('')}`;
  const sceneLines = scenes.map((r) => {
    const a = r.scene!;
    return `${r.split.padEnd(7)}${String(r.images).padStart(7)}${[a.all, a.byObjects[1], a.byObjects[2], a.byObjects[3]].map((x) => cell(x).padStart(11)).join('')}`;
  });
  return `${[head, ...lines].join('\n')}\n\nscenes named exactly (every object by colour and shape, nothing else), greedy:\n${[sceneHead, ...sceneLines].join('\n')}\n`;
}

/** "96.4% (482/500); 1 object 100.0%, 2 objects 98.3%, 3 objects 90.2%" */
export function sceneSummary(a: NonNullable<ScoreRow['scene']>): string {
  const pct = (x: AccuracyCount) => (x.total === 0 ? '–' : `${((100 * x.correct) / x.total).toFixed(1)}%`);
  return `${formatAccuracy(a.all)}; 1 object ${pct(a.byObjects[1])}, 2 objects ${pct(a.byObjects[2])}, 3 objects ${pct(a.byObjects[3])}`;
}

/** Scene accuracy in % as recap eval --json gives it: { all, 1, 2, 3 } (null where a group is empty). */
export function scenePercent(scene: SceneCounts): Record<'all' | '1' | '2' | '3', number | null> {
  const pct = (a: { correct: number; total: number }) => (a.total === 0 ? null : (100 * a.correct) / a.total);
  return { all: pct(scene.all), 1: pct(scene.byObjects[1]), 2: pct(scene.byObjects[2]), 3: pct(scene.byObjects[3]) };
}

export function accuracy(a: { correct: number; total: number }): string {
  return a.total === 0 ? 'no single-object scenes' : `${((100 * a.correct) / a.total).toFixed(1)}% (${a.correct}/${a.total})`;
}

/** Sample cards of `images`; with `scored` (greedy scores of the split), each scored image's CIDEr-D. */
export function sampleEntries(model: CaptioningRNN, loaded: Loaded, split: Split, images: number[], beam: number, scored?: Scored): SampleEntry[] {
  const { data } = loaded;
  const feats = splitOf(data, split).features;
  const T = maxLengthOf(data);
  const greedy = caption(model, feats, images, T);
  const beamed = beam > 1 ? caption(model, feats, images, T, { beamSize: beam }) : null;
  const refs = referencesByImage(data, split);
  return images.map((img, i) => ({
    image: imageUrl(loaded, split, img), label: `${split} image ${img}`, greedy: greedy[i].join(' '),
    beam: beamed ? beamed[i].join(' ') : undefined, truth: (refs.get(img) ?? []).map((w) => w.join(' ')),
    cider: scored?.perImage.get(img)?.cider,
    sceneCorrect: scored?.sceneCorrect?.get(img),
  }));
}

/** The `count` images of a scored split with the lowest CIDEr-D (ties: lower index first). */
export function worstImages(scored: Scored, count: number): number[] {
  return [...scored.perImage].sort((a, b) => a[1].cider - b[1].cider || a[0] - b[0]).slice(0, count).map(([img]) => img);
}
