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
  /** The test split (Karpathy-split data): int32 (Nc, L) captions, int32 (Nc) rows, (Ni, D) features. */
  testCaptions?: Tensor;
  testImageIdxs?: Tensor;
  testFeatures?: Tensor;
  /** Image ids (Karpathy `cocoid`/`imgid`), one per feature row of each split. */
  trainImageIds?: string[];
  valImageIds?: string[];
  testImageIds?: string[];
}
