// Checkpoint files (Node): written atomically (core/files.node.ts), read with errors that name the file.
import { readFileNamed, writeFileAtomic } from '../core/files.node.js';
import { loadCheckpoint, saveCheckpoint, type Checkpoint, type CheckpointFeatures } from './checkpoint.js';
import type { CaptioningRNN } from '../model/captioning-rnn.js';
import type { CaptioningSolver } from './solver.js';
import type { SmallCnn } from '../nn/cnn.js';

/** Saves a model (and optionally its solver) to `path`, atomically. */
export async function saveCheckpointFile(path: string, model: CaptioningRNN, solver?: CaptioningSolver | null, meta: Record<string, unknown> = {},
  features: CheckpointFeatures | null = null, encoder: SmallCnn | null = null): Promise<void> {
  await writeFileAtomic(path, saveCheckpoint(model, solver, meta, features, encoder));
}

/** Loads a checkpoint file; errors name the file. */
export async function loadCheckpointFile(path: string, options: { wordToIdx?: Record<string, number> } = {}): Promise<Checkpoint> {
  return loadCheckpoint(await readFileNamed(path, 'no such checkpoint file'), { ...options, name: path });
}

export { writeFileAtomic };
