// `recap inspect`: the numbers of the inspection API on a checkpoint and its val data, drawn as
// one self-contained HTML page (inspect-page.ts). Every figure is a function of these numbers,
// which the page also carries as JSON.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import {
  RecapError, Tensor, activations, attribution, gateStats, gradientFlow, init, knockout, sameLengthBatch, trainingHistory,
  type CaptioningRNN, type Checkpoint, type GateStats, type GradientFlow, type KnockoutRow,
} from '../index.js';
import { loadCheckpointFile, writeFileAtomic } from '../node.js';
import type { InspectOptions } from './commands.js';
import type { Out } from './common.js';
import { type DataChoice, type Loaded, checkFits, chooseData, loadData, maxLengthOf } from './data.js';
import { inspectPage } from './inspect-page.js';

export interface ModelNumbers {
  name: string;
  cell: string;
  hidden: number;
  all: GradientFlow;
  last: GradientFlow;
  /** ‖∂L_T/∂h_1‖ / ‖∂L_T/∂h_T‖ (first over last step of the last-step term's gradient). */
  ratio: number;
}

export interface InspectNumbers {
  title: string;
  batch: { captions: number; T: number };
  models: ModelNumbers[];
  gates: GateStats;
  trace: { words: string[]; targets: string[]; units: number[]; h: number[][]; c: number[][] | null; f: number[][] | null };
  attribution: { words: number[][]; image: number[]; fromWords: number[]; deltaLogProb: number[]; steps: number };
  knockout: KnockoutRow[];
  training: { loss: number[]; lossEvery: number; gradNorm: number[] | null; clipCount: number | null };
}


/** <START> + the words of --caption (each in the vocabulary, at most the data's caption length) + <END>. */
function encodeWords(model: CaptioningRNN, text: string, maxLength: number): Tensor {
  const words = text.trim().split(/\s+/).filter((w) => w !== '');
  if (words.length === 0 || words.length > maxLength) {
    throw new RecapError('--caption', `1 to ${maxLength} words (the longest caption of the data the model was trained on)`, `${words.length} words`);
  }
  const ids = words.map((w) => {
    const id = model.wordToIdx[w];
    if (id === undefined) throw new RecapError('--caption', "words of the model's vocabulary", JSON.stringify(w));
    return id;
  });
  return new Tensor(Int32Array.from([model.startIdx!, ...ids, model.endIdx!]), [1, words.length + 2]);
}

function flowOf(name: string, model: CaptioningRNN, batch: { features: Tensor; captions: Tensor }): ModelNumbers {
  const all = gradientFlow(model, batch.features, batch.captions, { from: 'all' });
  const last = gradientFlow(model, batch.features, batch.captions, { from: 'last', jacobian: false });
  return { name, cell: model.config.cellType, hidden: model.config.hiddenDim, all, last, ratio: last.dh[0] / last.dh[last.dh.length - 1] };
}

/** The training curves: the solver's history, else a shipped model's meta.lossCurve { every, values }. */
function curves(ckpt: Checkpoint): InspectNumbers['training'] {
  const h = trainingHistory(ckpt);
  const meta = ckpt.meta.lossCurve as { every?: unknown; values?: unknown } | undefined;
  if (h.loss.length === 0 && meta && typeof meta.every === 'number' && Array.isArray(meta.values)) {
    return { loss: meta.values as number[], lossEvery: meta.every, gradNorm: h.gradNorm, clipCount: h.clipCount };
  }
  return { loss: h.loss, lossEvery: 1, gradNorm: h.gradNorm, clipCount: h.clipCount };
}

const rows2 = (t: Tensor, units: number[]): number[][] => {
  const [T, H] = t.shape;
  return units.map((j) => Array.from({ length: T }, (_, s) => t.data[s * H + j]));
};

export function inspectNumbers(ckpt: Checkpoint, other: { name: string; ckpt: Checkpoint } | null, loaded: Loaded, flags: InspectOptions): InspectNumbers {
  const model = ckpt.model;
  const batch = sameLengthBatch(loaded.data, flags.n, model.nullIdx);
  const models = [flowOf(flags.checkpoint, model, batch)];
  if (other) models.push(flowOf(other.name, other.ckpt.model, batch));
  const gates = gateStats(model, batch.features, batch.captions);

  const nImages = loaded.data.valFeatures.shape[0], D = loaded.data.valFeatures.shape[1];
  if (flags.image >= nImages) throw new RecapError('--image', `a val image index below ${nImages}`, String(flags.image));
  const feature = new Tensor(loaded.data.valFeatures.data.slice(flags.image * D, (flags.image + 1) * D), [1, D]);
  const maxLength = maxLengthOf(loaded.data);
  const caption = flags.caption !== undefined ? encodeWords(model, flags.caption, maxLength) : undefined;
  const act = activations(model, feature, caption, { maxLength });
  const ids = caption ?? new Tensor(Int32Array.from([...act.words, act.targets.at(-1)!].map((w) => model.wordToIdx[w])), [1, act.words.length + 1]);
  const T = act.words.length, H = model.config.hiddenDim;
  const activity = Array.from({ length: H }, (_, j) => {
    let s = 0;
    for (let t = 0; t < T; t++) s += Math.abs(act.h.data[t * H + j]);
    return s;
  });
  const units = [...activity.keys()].sort((a, b) => activity[b] - activity[a] || a - b).slice(0, Math.min(12, H));
  const ig = attribution(model, feature, ids, { method: 'integrated', steps: flags.steps });
  const words = Array.from({ length: T }, (_, t) => Array.from(ig.words.data.subarray(t * T, (t + 1) * T)));
  const image = Array.from({ length: T }, (_, t) => Array.from(ig.features.data.subarray(t * D, (t + 1) * D)).reduce((a, b) => a + b, 0));

  const kImages = Math.min(flags.knockoutImages, nImages);
  const kRows: number[] = [];
  for (let r = 0; r < loaded.data.valImageIdxs.size; r++) if (loaded.data.valImageIdxs.data[r] < kImages) kRows.push(r);
  const L = loaded.data.valCaptions.shape[1];
  const kCaps = new Int32Array(kRows.length * L), kFeats = new Float32Array(kRows.length * D);
  kRows.forEach((r, i) => {
    kCaps.set(loaded.data.valCaptions.data.subarray(r * L, (r + 1) * L), i * L);
    const img = loaded.data.valImageIdxs.data[r];
    kFeats.set(loaded.data.valFeatures.data.subarray(img * D, (img + 1) * D), i * D);
  });
  const images = loaded.shapes
    ? { features: new Tensor(loaded.data.valFeatures.data.slice(0, kImages * D), [kImages, D]), scenes: loaded.shapes.valScenes.slice(0, kImages) }
    : undefined;
  const ko = knockout(model, { features: new Tensor(kFeats, [kRows.length, D]), captions: new Tensor(kCaps, [kRows.length, L]), images }, { maxLength });

  return {
    title: `${flags.checkpoint}: ${model.config.cellType.toUpperCase()} H=${H}`,
    batch: { captions: batch.captions.shape[0], T: batch.captions.shape[1] - 1 },
    models,
    gates,
    trace: {
      words: act.words, targets: act.targets, units,
      h: rows2(act.h, units), c: act.c ? rows2(act.c, units) : null, f: act.f ? rows2(act.f, units) : null,
    },
    attribution: {
      words, image, fromWords: words.map((r) => r.reduce((a, b) => a + b, 0)),
      deltaLogProb: Array.from(ig.logProb, (v, t) => v - ig.baselineLogProb[t]), steps: flags.steps,
    },
    knockout: ko,
    training: curves(ckpt),
  };
}

export async function inspect(flags: InspectOptions, given: ReadonlySet<string>, o: Out): Promise<number> {
  const started = Date.now();
  await init();
  const ckpt = await loadCheckpointFile(flags.checkpoint);
  const other = flags.compare ? { name: flags.compare, ckpt: await loadCheckpointFile(flags.compare) } : null;
  const choice = chooseData(flags, given, ckpt.meta as Partial<DataChoice>, 'inspect');
  const loaded = await loadData(choice);
  checkFits(flags.checkpoint, ckpt, loaded);
  if (other) checkFits(other.name, other.ckpt, loaded);
  const numbers = inspectNumbers(ckpt, other, loaded, flags);
  await mkdir(flags.out, { recursive: true });
  const file = join(flags.out, 'inspect.html');
  await writeFileAtomic(file, new TextEncoder().encode(inspectPage(numbers)));
  for (const m of numbers.models) {
    o.out(`${m.name} (${m.cell.toUpperCase()} H=${m.hidden}): ‖∂L_T/∂h_1‖ / ‖∂L_T/∂h_T‖ = ${m.ratio.toPrecision(3)} over T=${numbers.batch.T} steps (${numbers.batch.captions} captions); mean σ_max(∂s_t/∂s_t−1) = ${mean(m.all.jacobianNorm).toPrecision(3)}, ‖W_h‖₂ = ${m.all.whNorm.toPrecision(3)}\n`);
  }
  const base = numbers.knockout[0];
  const worst = numbers.knockout.slice(1).sort((a, b) => b.loss - a.loss)[0];
  if (worst) o.out(`knockout: val loss ${base.loss.toFixed(3)}; costliest: ${worst.component} (loss ${worst.loss.toFixed(3)}, +${(worst.loss - base.loss).toFixed(3)})\n`);
  o.out(`wrote ${file} in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  return 0;
}

const mean = (a: ArrayLike<number>) => (a.length === 0 ? NaN : Array.from(a).reduce((s, v) => s + v, 0) / a.length);
