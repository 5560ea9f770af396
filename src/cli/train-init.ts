// recap train --init FILE [--objective scst]: training that starts from a trained model (a fresh
// optimizer), as self-critical sequence training does. The model's architecture comes from the
// checkpoint, the data choice defaults to the one it was trained on, and SCST gets its own
// defaults for the flags the user did not give.
import type { Checkpoint } from '../index.js';
import { loadCheckpointFile } from '../node.js';
import { UsageError, flagName, type TrainOptions } from './args.js';
import { type DataChoice, chooseData } from './data.js';

/** SCST's defaults where the XE ones do not fit: a smaller step, one epoch (a few minutes on shapes). */
export const SCST_DEFAULTS = { lr: 5e-4, epochs: 1 } as const;

/** Checks the --objective / --init / --resume combination before anything is loaded. */
export function checkInitFlags(flags: TrainOptions, given: ReadonlySet<string>): void {
  if (flags.init !== undefined && flags.resume) throw new UsageError('--init starts a new run and --resume continues one: give one of them', 'train');
  if (flags.objective === 'scst' && flags.init === undefined && !flags.resume) {
    throw new UsageError('--objective scst needs --init FILE (a model trained with cross-entropy, e.g. out/model.recap)', 'train');
  }
  if (flags.objective !== 'scst' && !flags.resume) {
    for (const k of ['scstSamples', 'scstBaseline'] as const) if (given.has(k)) throw new UsageError(`${flagName(k)} applies to --objective scst only`, 'train');
  }
  if (flags.init !== undefined) {
    for (const k of ['cell', 'hidden', 'wordvec'] as const) {
      if (given.has(k)) throw new UsageError(`${flagName(k)} comes from the --init model; drop it`, 'train');
    }
  }
}

/** Loads the --init checkpoint; returns it, the data choice (default: the checkpoint's) and the flags with SCST defaults. */
export async function loadInit(flags: TrainOptions, given: ReadonlySet<string>): Promise<{ init: Checkpoint; choice: DataChoice; flags: TrainOptions }> {
  const init = await loadCheckpointFile(flags.init!);
  const choice = chooseData(flags, given, init.meta as Partial<DataChoice>, 'train');
  const c = init.model.config;
  const resolved: TrainOptions = { ...flags, cell: c.cellType, hidden: c.hiddenDim, wordvec: c.wordvecDim };
  if (flags.objective === 'scst') {
    if (!given.has('lr')) resolved.lr = SCST_DEFAULTS.lr;
    if (!given.has('epochs')) resolved.epochs = SCST_DEFAULTS.epochs;
  }
  return { init, choice, flags: resolved };
}
