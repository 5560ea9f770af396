import type { Tensor } from '../core/tensor.js';

/** A captioning dataset in the CS231n `load_coco_data` layout. */
export interface CaptionData {
  /** int32 (Nc, L): <START> w1 … <END> <NULL>…; L is 17 for COCO. */
  trainCaptions: Tensor;
  /** int32 (Nc): row of `trainFeatures` (and `trainUrls`) for each caption. */
  trainImageIdxs: Tensor;
  /** float32 or float64 (Ni, D). */
  trainFeatures: Tensor;
  valCaptions: Tensor;
  valImageIdxs: Tensor;
  valFeatures: Tensor;
  idxToWord: string[];
  wordToIdx: Record<string, number>;
  trainUrls?: string[];
  valUrls?: string[];
}
