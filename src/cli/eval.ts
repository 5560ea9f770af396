// recap eval: scores a checkpoint on a split (COCO metrics; --json for scripts).
import type { Checkpoint } from '../index.js';
import { UsageError, type EvalOptions } from './args.js';
import type { Out } from './common.js';
import { type DataChoice, type Loaded, type Split, checkSplit, loadForInference } from './data.js';
import { accuracy, sceneSummary, scenePercent, score, scoreTable } from './scores.js';

/**
 * Refuses a val split holding images the model was trained on. Shapes scenes are numbered in
 * one seeded sequence, train first: with the checkpoint's seed, val images start at this run's
 * --max-train, so a smaller --max-train than the model's makes val scenes it trained on.
 */
function checkOverlap(flags: EvalOptions, ckpt: Checkpoint, loaded: Loaded): void {
  if (flags.split !== 'val' || flags.allowOverlap) return;
  const trained = ckpt.meta as Partial<DataChoice>;
  const now = loaded.choice;
  if (now.data !== 'shapes' || trained.data !== 'shapes' || trained.dataSeed !== now.dataSeed || typeof trained.maxTrain !== 'number') return;
  if (now.maxTrain !== null && now.maxTrain < trained.maxTrain) {
    throw new UsageError(`val scenes ${now.maxTrain}..${Math.min(trained.maxTrain, now.maxTrain + (now.numVal ?? 0)) - 1} of the shapes sequence were training scenes of this model (trained with --max-train ${trained.maxTrain}); use --max-train ${trained.maxTrain} or more, or pass --allow-overlap to score them anyway`, 'eval');
  }
}

export async function evaluate(flags: EvalOptions, given: ReadonlySet<string>, o: Out): Promise<number> {
  const { ckpt, loaded, o: about } = await loadForInference(flags, given, 'eval');
  try {
    checkOverlap(flags, ckpt, loaded);
    const split = flags.split as Split;
    checkSplit(loaded, split, 'eval');
    o.err(`${about}\n`);
    const row = score(ckpt.model, loaded, split, flags.maxImages, flags.beam);
    if (flags.json) {
      const json = { split, images: row.images, bleu: row.bleu, rougeL: row.rougeL, cider: row.cider, ...(row.scene ? { sceneAccuracy: scenePercent(row.scene) } : {}) };
      o.out(`${JSON.stringify(json)}\n`);
      return 0;
    }
    o.out(scoreTable([row]));
    o.out(`\nBLEU-n, ROUGE-L, CIDEr-D: coco-caption's metrics of the ${flags.beam > 1 ? `beam-${flags.beam}` : 'greedy'} captions against all ground-truth captions of each image (PTB tokenisation; docs/metrics.md).\n`);
    o.out('CS231n BLEU: the assignment\'s unigram BLEU, mean over 1000 random captions of the split.\n');
    if (row.singleObject) o.out(`single-object scenes named correctly (colour and shape): ${accuracy(row.singleObject)}\n`);
    if (row.scene) o.out(`scenes named exactly (every object by colour and shape, nothing else): ${sceneSummary(row.scene)}\n`);
    return 0;
  } finally {
    ckpt.model.dispose();
  }
}
