// The feature recipe: how the image features of a dataset or a checkpoint were made (the
// encoder's architecture, output, preprocessing sizes, a hash of its weights, the dtype, and
// the PCA projection applied after it). `.recapdata` files and checkpoints carry it; everything
// that consumes features compares it with what it is given and refuses a mismatch with one
// line naming each difference — so features from one network can never be captioned by a model
// trained on another's. Browser-safe.
import { RecapError, fail } from '../core/errors.js';
import { crc32 } from '../core/crc32.js';
import type { Tensor } from '../core/tensor.js';

/** How one image encoder turned images into features. */
export interface EncoderRecipe {
  /** 'resnet18', 'mobilenet_v2', ..., or 'cnn' (the small CNN trained with the model). */
  arch: string;
  output: 'pooled' | 'grid';
  /** Preprocessing sizes (null: the step was skipped). */
  resize: number | [number, number] | null;
  crop: number | null;
  /** hashTensors of the weights the encoder uses. */
  weights: string;
  dtype: 'float32' | 'float64';
}

/** The PCA projection applied after the encoder. */
export interface PcaRecipe {
  inputDim: number;
  dim: number;
  /** hashTensors of (mean, components). */
  hash: string;
}

export interface FeatureRecipe {
  encoder: EncoderRecipe;
  pca: PcaRecipe | null;
}

/**
 * A content hash of named tensors, in the given order: CRC-32 (IEEE) over each name, dtype,
 * shape and the little-endian bytes of its values, printed with the total byte count
 * ('crc32:1a2b3c4d:46827520'). It tells apart weights that differ anywhere; it is not a
 * cryptographic signature.
 */
export function hashTensors(entries: readonly (readonly [string, Tensor])[]): string {
  const enc = new TextEncoder();
  let crc = 0;
  let bytes = 0;
  for (const [name, t] of entries) {
    const head = enc.encode(`${name}\u0000${t.dtype}\u0000${t.shape.join(',')}\u0000`);
    const d = t.data;
    const body = new Uint8Array(d.buffer, d.byteOffset, d.byteLength);
    crc = crc32(body, crc32(head, crc));
    bytes += body.length;
  }
  return `crc32:${(crc >>> 0).toString(16).padStart(8, '0')}:${bytes}`;
}

const show = (v: unknown): string => (v === null ? 'none' : Array.isArray(v) ? `[${v.join(', ')}]` : String(v));

/** Each difference between the recipe features were made with and the one now given, one short phrase each. */
export function recipeDifferences(expected: FeatureRecipe, actual: FeatureRecipe): string[] {
  const out: string[] = [];
  const e = expected.encoder;
  const a = actual.encoder;
  for (const k of ['arch', 'output', 'resize', 'crop', 'dtype'] as const) {
    if (show(e[k]) !== show(a[k])) out.push(`encoder ${k} ${show(e[k])} vs ${show(a[k])}`);
  }
  if (e.arch === a.arch && e.weights !== a.weights) out.push(`encoder weights ${e.weights} vs ${a.weights} (same architecture, other weights)`);
  const ep = expected.pca;
  const ap = actual.pca;
  if (!ep !== !ap) out.push(`PCA ${ep ? `to ${ep.dim}` : 'none'} vs ${ap ? `to ${ap.dim}` : 'none'}`);
  else if (ep && ap && (ep.dim !== ap.dim || ep.inputDim !== ap.inputDim || ep.hash !== ap.hash)) {
    out.push(`PCA ${ep.inputDim}→${ep.dim} ${ep.hash} vs ${ap.inputDim}→${ap.dim} ${ap.hash}`);
  }
  return out;
}

/**
 * Throws a RecapError for `argument` naming every difference (one line) when `actual` (what is
 * given now) is not the recipe `expected` (what `what` was made with); each difference reads
 * "<field> <expected> vs <actual>".
 */
export function checkRecipe(argument: string, what: string, expected: FeatureRecipe, actual: FeatureRecipe): void {
  const diff = recipeDifferences(expected, actual);
  if (diff.length) throw new RecapError(argument, `the features ${what} was made with`, diff.join('; '));
}

/** Validates a recipe read from a file (JSON): a FeatureRecipe or a RecapError naming `where`. */
export function parseRecipe(where: string, v: unknown): FeatureRecipe {
  const obj = (x: unknown): x is Record<string, unknown> => !!x && typeof x === 'object' && !Array.isArray(x);
  if (!obj(v) || !obj(v.encoder)) fail(where, 'a feature recipe { encoder, pca }', v);
  const e = v.encoder;
  const size = (x: unknown) => x === null || (Number.isInteger(x) && (x as number) > 0)
    || (Array.isArray(x) && x.length === 2 && x.every((n) => Number.isInteger(n) && n > 0));
  if (typeof e.arch !== 'string' || !e.arch) fail(`${where}.encoder.arch`, 'a non-empty string', e.arch);
  if (e.output !== 'pooled' && e.output !== 'grid') fail(`${where}.encoder.output`, "'pooled' or 'grid'", e.output);
  if (!size(e.resize)) fail(`${where}.encoder.resize`, 'a positive integer, [h, w] or null', e.resize);
  if (!(e.crop === null || (Number.isInteger(e.crop) && (e.crop as number) > 0))) fail(`${where}.encoder.crop`, 'a positive integer or null', e.crop);
  if (typeof e.weights !== 'string') fail(`${where}.encoder.weights`, 'a hash string', e.weights);
  if (e.dtype !== 'float32' && e.dtype !== 'float64') fail(`${where}.encoder.dtype`, "'float32' or 'float64'", e.dtype);
  let pca: PcaRecipe | null = null;
  if (v.pca !== null && v.pca !== undefined) {
    const p = v.pca;
    if (!obj(p) || !Number.isInteger(p.inputDim) || !Number.isInteger(p.dim) || typeof p.hash !== 'string') {
      fail(`${where}.pca`, 'null or { inputDim, dim, hash }', p);
    }
    pca = { inputDim: p.inputDim as number, dim: p.dim as number, hash: p.hash as string };
  }
  return {
    encoder: { arch: e.arch, output: e.output, resize: e.resize as EncoderRecipe['resize'], crop: e.crop as number | null, weights: e.weights, dtype: e.dtype },
    pca,
  };
}
