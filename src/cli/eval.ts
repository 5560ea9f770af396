// recap eval: scores a checkpoint on a split.
import type { EvalOptions } from './args.js';
import type { Out } from './common.js';
import { type Split, loadForInference } from './data.js';
import { accuracy, score, scoreTable } from './scores.js';

export async function evaluate(flags: EvalOptions, given: ReadonlySet<string>, o: Out): Promise<number> {
  const { ckpt, loaded, o: about } = await loadForInference(flags, given, 'eval');
  o.err(`${about}\n`);
  const row = score(ckpt.model, loaded, flags.split as Split, flags.maxEval);
  o.out(scoreTable([row]));
  o.out('\nBLEU-n: corpus BLEU of the greedy captions against all ground-truth captions of each image (special tokens stripped).\n');
  o.out('CS231n BLEU: the assignment\'s unigram BLEU, mean over 1000 random captions of the split.\n');
  if (row.singleObject) o.out(`single-object scenes named correctly (colour and shape): ${accuracy(row.singleObject)}\n`);
  ckpt.model.dispose();
  return 0;
}
