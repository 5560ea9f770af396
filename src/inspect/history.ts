// The training curves a checkpoint carries: the loss per iteration, and — from solvers that
// record them — the global gradient norm before clipping per iteration and how often clipping fired.
import type { Checkpoint } from '../train/checkpoint.js';

export interface TrainingHistory {
  loss: number[];
  /** ‖g‖₂ of all gradients before clipping, per iteration; null when the checkpoint has none. */
  gradNorm: number[] | null;
  /** Iterations where clipping fired; null when not recorded. */
  clipCount: number | null;
}

const numbers = (v: unknown): number[] | null => (Array.isArray(v) && v.every((x) => typeof x === 'number') ? v : null);

/** Reads `gradNormHistory` / `clipCount` beside `lossHistory` (on the checkpoint or its solver state) when present. */
export function trainingHistory(ckpt: Checkpoint): TrainingHistory {
  const c = ckpt as Checkpoint & { gradNormHistory?: unknown; clipCount?: unknown };
  const s = (ckpt.solverState ?? {}) as { gradNormHistory?: unknown; clipCount?: unknown };
  const gradNorm = numbers(c.gradNormHistory) ?? numbers(s.gradNormHistory);
  const clip = typeof c.clipCount === 'number' ? c.clipCount : typeof s.clipCount === 'number' ? s.clipCount : null;
  return { loss: ckpt.lossHistory, gradNorm: gradNorm && gradNorm.length > 0 ? gradNorm : null, clipCount: clip };
}
