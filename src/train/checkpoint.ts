// Checkpoints: a versioned binary format with the model config, the vocabulary, the parameters,
// the optimizer and solver state and the loss history, closed by a CRC-32.
//
// Layout (little-endian):
//   0   8 bytes  magic "RCAPCKPT"
//   8   u32      format version (1)
//   12  u32      header length L
//   16  L bytes  header, UTF-8 JSON: config, vocabulary, solver scalars and the section table
//   ..           zero padding to a multiple of 8
//   ..           sections (parameters, optimizer blocks, RNG key, loss and gradient-norm
//                histories, the features' PCA projection), each 8-aligned,
//                at the byte offsets the header gives (relative to the start of the sections)
//   end−4 u32    CRC-32 (IEEE) of every byte before it
import { SECTION_BYTES, type Section, type SectionArray, SectionWriter } from '../core/sections.js';
import { UPDATE_RULE_NAMES, isUpdateRule } from '../nn/update-rules.js';
import { crc32 } from '../core/crc32.js';
import { FormatError, fail } from '../core/errors.js';
import { CaptioningRNN, PARAM_NAMES, type ModelConfig } from '../model/captioning-rnn.js';
import type { CaptioningSolver, SolverState } from './solver.js';
import type { ValidationState } from './validation.js';
import type { ScstBaseline } from './scst.js';
import { Tensor, sizeOf } from '../core/tensor.js';
import { type FeatureRecipe, parseRecipe } from '../data/recipe.js';
import type { PcaProjection } from '../data/recapdata.js';
import type { SmallCnn } from '../nn/cnn.js';
import {
  type EncoderHeader, type EncoderStateHeader, arraySections, encoderHeader, encoderStateHeader, readArraySections, readEncoder, readEncoderState,
} from './checkpoint-encoder.js';

export const CHECKPOINT_VERSION = 1;
const MAGIC = 'RCAPCKPT';

interface Header {
  format: 'recap-checkpoint';
  version: number;
  model: { config: ModelConfig; wordToIdx: Record<string, number>; params: Record<string, { shape: number[]; section: Section }> };
  solver: null | Omit<SolverState, 'blocks' | 'rng' | 'lossHistory' | 'gradNormHistory' | 'order' | 'validation' | 'scst' | 'encoder'> & {
    rng: { pos: number; hasGauss: boolean; gauss: number; key: Section };
    blocks: Record<string, Section>;
    order: Section | null;
    /** Gradient L2 norm before clipping per iteration (float64) and the iterations clipped; absent in older files. */
    gradNormHistory?: Section;
    clipCount?: number;
    /** Evaluation history and best parameters (solvers with evalEvery); absent in older files. */
    validation?: null | Omit<ValidationState, 'best'> & { best: null | { iteration: number; value: number; params: Section; encoder?: Record<string, Section> } };
    /** Self-critical training's state (objective 'scst'); absent in older files and xe runs. */
    scst?: null | { samples: number; baseline: string; rewardHistory: Section };
    /** The encoder part's optimizer state (runs with a trainable encoder); absent in older files. */
    encoder?: null | EncoderStateHeader;
  };
  lossHistory: Section;
  meta: Record<string, unknown>;
  /** How the training features were made (models trained on features recap made); absent in older files. */
  features?: null | { recipe: FeatureRecipe; pca: null | { mean: Section; components: Section; variances: Section; inputDim: number; dim: number } };
  /** The trainable encoder whose features the model reads (recap train --encoder cnn); absent in older files. */
  encoder?: null | EncoderHeader;
}

/** What a checkpoint records of its training features: the recipe and the PCA projection to apply to new ones. */
export interface CheckpointFeatures {
  recipe: FeatureRecipe;
  pca: PcaProjection | null;
}

export interface Checkpoint {
  model: CaptioningRNN;
  /** Present when the checkpoint was saved with a solver: pass it to `solver.setState`. */
  solverState: SolverState | null;
  lossHistory: number[];
  /** Whatever the saver put in `meta` (the CLI stores its options). */
  meta: Record<string, unknown>;
  /** The features' recipe and PCA projection, when the model was trained on features recap made (else null). */
  features: CheckpointFeatures | null;
  /** The CNN trained with the model (its architecture, parameters and running statistics), or null. */
  encoder: SmallCnn | null;
  version: number;
}

/** CRC-32 (IEEE 802.3, as zlib/PNG) of the file bytes: src/core/crc32.ts. */
export { crc32 };

const BYTES = SECTION_BYTES;
type Arr = SectionArray;

/**
 * Serialises a model (and optionally its solver) to bytes. Works in browsers and Node.
 * `features`: how the training features were made, so that captioning new images can check the
 * encoder and apply the same PCA projection.
 */
export function saveCheckpoint(model: CaptioningRNN, solver?: CaptioningSolver | null, meta: Record<string, unknown> = {},
  features: CheckpointFeatures | null = null, encoder: SmallCnn | null = null): Uint8Array {
  if (!(model instanceof CaptioningRNN)) fail('model', 'a CaptioningRNN', typeof model);
  const w = new SectionWriter();
  const add = (a: SectionArray): Section => w.add(a);
  const params: Header['model']['params'] = {};
  for (const [name, t] of Object.entries(model.getParams())) {
    params[name] = { shape: [...t.shape], section: add(t.data as Float32Array | Float64Array) };
  }
  let solverHeader: Header['solver'] = null;
  let history: number[] = [];
  if (solver) {
    const s = solver.getState();
    history = s.lossHistory;
    const blocks: Record<string, Section> = {};
    for (const [name, b] of Object.entries(s.blocks)) blocks[name] = add(b);
    solverHeader = {
      updateRule: s.updateRule, optimConfig: s.optimConfig, lrDecay: s.lrDecay, batchSize: s.batchSize,
      numEpochs: s.numEpochs, seed: s.seed, samplerKind: s.samplerKind, iteration: s.iteration, epoch: s.epoch,
      rng: { pos: s.rng.pos, hasGauss: s.rng.hasGauss, gauss: s.rng.gauss, key: add(s.rng.key) },
      blocks, order: s.order ? add(s.order) : null,
      gradNormHistory: add(Float64Array.from(s.gradNormHistory ?? [])), clipCount: s.clipCount ?? 0,
      validation: s.validation ? {
        ...s.validation,
        best: s.validation.best && {
          iteration: s.validation.best.iteration, value: s.validation.best.value, params: add(s.validation.best.params), ...arraySections(s.validation.best.encoder, add),
        },
      } : null,
      scst: s.scst ? { samples: s.scst.samples, baseline: s.scst.baseline, rewardHistory: add(Float64Array.from(s.scst.rewardHistory)) } : null,
      encoder: s.encoder ? encoderStateHeader(s.encoder, add) : null,
    };
  }
  const lossHistory = add(Float64Array.from(history));
  let featuresHeader: Header['features'] = null;
  if (features) {
    const recipe = parseRecipe('features.recipe', features.recipe);
    const p = features.pca;
    if (p && recipe.pca && (p.components.shape[0] !== recipe.pca.inputDim || p.components.shape[1] !== recipe.pca.dim)) {
      fail('features.pca', `components of shape [${recipe.pca.inputDim}, ${recipe.pca.dim}] (the recipe's)`, `[${p.components.shape.join(', ')}]`);
    }
    if (!p !== !recipe.pca) fail('features.pca', recipe.pca ? 'the projection the recipe names' : 'null (the recipe has no PCA)', p ? 'a projection' : p);
    featuresHeader = {
      recipe,
      pca: p && {
        mean: add(Float64Array.from(p.mean.data)), components: add(Float64Array.from(p.components.data)),
        variances: add(Float64Array.from(p.variances.data)), inputDim: p.components.shape[0], dim: p.components.shape[1],
      },
    };
  }
  const header: Header = {
    format: 'recap-checkpoint', version: CHECKPOINT_VERSION,
    model: { config: model.config, wordToIdx: model.wordToIdx, params }, solver: solverHeader, lossHistory, meta,
    features: featuresHeader, encoder: encoder ? encoderHeader(encoder, add) : null,
  };
  return w.seal(MAGIC, CHECKPOINT_VERSION, header);
}

/**
 * Parses checkpoint bytes into a model (and the solver state, if saved). Every check —
 * magic, version, checksum, header, section bounds, shapes, finite values, and (with
 * `wordToIdx`) the vocabulary — runs before the model is created.
 */
export function loadCheckpoint(bytes: Uint8Array | ArrayBuffer, options: { wordToIdx?: Record<string, number>; name?: string } = {}): Checkpoint {
  const name = options.name ?? 'checkpoint';
  const buf = bytes instanceof ArrayBuffer ? new Uint8Array(bytes) : bytes;
  if (!(buf instanceof Uint8Array)) fail('bytes', 'a Uint8Array or ArrayBuffer', typeof bytes);
  if (buf.length < 20) throw new FormatError(name, `truncated: ${buf.length} bytes is too short for a recap checkpoint`);
  const magic = String.fromCharCode(...buf.subarray(0, 8));
  if (magic !== MAGIC) throw new FormatError(name, `not a recap checkpoint (magic ${JSON.stringify(magic)}, expected "${MAGIC}")`);
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const version = dv.getUint32(8, true);
  const stored = dv.getUint32(buf.length - 4, true);
  const actual = crc32(buf.subarray(0, buf.length - 4));
  const crcOk = stored === actual;
  // a damaged version field must not pass for a newer format (nor a newer file for a damaged one)
  if (version > CHECKPOINT_VERSION) {
    throw new FormatError(name, crcOk
      ? `format version ${version} is newer than this recap reads (${CHECKPOINT_VERSION}); upgrade recap to load it`
      : `format version ${version} is newer than this recap reads (${CHECKPOINT_VERSION}), and the checksum does not match (stored ${hex(stored)}, computed ${hex(actual)}): the file is corrupt, or was written by a newer recap`);
  }
  if (!crcOk) {
    throw new FormatError(name, `checksum mismatch (stored ${hex(stored)}, computed ${hex(actual)}): the file is truncated or corrupt`);
  }
  if (version < 1) throw new FormatError(name, `unknown format version ${version}`);
  const headerLength = dv.getUint32(12, true);
  if (16 + headerLength > buf.length - 4) throw new FormatError(name, 'truncated header');
  let header: Header;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(buf.subarray(16, 16 + headerLength)));
  } catch (e) {
    throw new FormatError(name, `unreadable header (${(e as Error).message})`);
  }
  checkHeader(name, header);
  const dataStart = Math.ceil((16 + headerLength) / 8) * 8;
  const dataEnd = buf.length - 4;
  const read = (s: Section, what: string): Arr => {
    if (!s || typeof s !== 'object' || typeof s.dtype !== 'string' || !Object.hasOwn(BYTES, s.dtype) || !Number.isInteger(s.offset) || !Number.isInteger(s.length) || s.offset < 0 || s.length < 0) {
      throw new FormatError(name, `bad section descriptor for ${what}`);
    }
    const start = dataStart + s.offset;
    const end = start + s.length * BYTES[s.dtype];
    if (end > dataEnd) throw new FormatError(name, `section ${what} runs past the end of the file`);
    const Ctor = { float32: Float32Array, float64: Float64Array, uint32: Uint32Array, int32: Int32Array }[s.dtype];
    const out = new Ctor(s.length);
    const src = new DataView(buf.buffer, buf.byteOffset + start, end - start);
    for (let i = 0; i < s.length; i++) {
      const o = i * BYTES[s.dtype];
      out[i] = s.dtype === 'float32' ? src.getFloat32(o, true) : s.dtype === 'float64' ? src.getFloat64(o, true)
        : s.dtype === 'uint32' ? src.getUint32(o, true) : src.getInt32(o, true);
    }
    return out;
  };

  const { config, wordToIdx } = header.model;
  if (options.wordToIdx) checkSameVocabulary(name, wordToIdx, options.wordToIdx);
  const tensors: Record<string, Tensor> = {};
  for (const p of PARAM_NAMES) {
    const entry = header.model.params[p];
    if (!entry) throw new FormatError(name, `parameter ${p} is missing`);
    const data = read(entry.section, p);
    if (data.length !== sizeOf(entry.shape)) throw new FormatError(name, `parameter ${p} has ${data.length} values for shape [${entry.shape}]`);
    if (!(data instanceof Float32Array || data instanceof Float64Array) || (data instanceof Float64Array) !== (config.dtype === 'float64')) {
      throw new FormatError(name, `parameter ${p} is not ${config.dtype}`);
    }
    for (let i = 0; i < data.length; i++) if (!Number.isFinite(data[i])) throw new FormatError(name, `parameter ${p}[${i}] is not finite`);
    tensors[p] = new Tensor(data, entry.shape);
  }
  const lossHistory = Array.from(read(header.lossHistory, 'lossHistory'));
  let solverState: SolverState | null = null;
  if (header.solver) {
    const s = header.solver;
    const blocks: Record<string, Float32Array | Float64Array> = {};
    for (const [k, sec] of Object.entries(s.blocks)) blocks[k] = read(sec, `optimizer ${k}`) as Float32Array | Float64Array;
    const key = read(s.rng.key, 'rng key');
    // files from before gradient norms were recorded: NaN (not recorded) for each iteration, no clips counted
    const gradNormHistory = s.gradNormHistory ? Array.from(read(s.gradNormHistory, 'gradNormHistory')) : lossHistory.map(() => NaN);
    if (gradNormHistory.length !== lossHistory.length) throw new FormatError(name, `gradNormHistory has ${gradNormHistory.length} values for ${lossHistory.length} iterations of lossHistory`);
    if (!(key instanceof Uint32Array) || key.length !== 624) throw new FormatError(name, 'rng key must be 624 uint32 words');
    solverState = {
      updateRule: s.updateRule, optimConfig: s.optimConfig, lrDecay: s.lrDecay, batchSize: s.batchSize, numEpochs: s.numEpochs,
      seed: s.seed, samplerKind: s.samplerKind, iteration: s.iteration, epoch: s.epoch, lossHistory,
      gradNormHistory, clipCount: s.clipCount ?? 0,
      rng: { key, pos: s.rng.pos, hasGauss: s.rng.hasGauss, gauss: s.rng.gauss }, blocks,
      order: s.order ? (read(s.order, 'order') as Int32Array) : null,
      validation: s.validation ? {
        ...s.validation,
        best: s.validation.best && {
          iteration: s.validation.best.iteration, value: s.validation.best.value,
          params: read(s.validation.best.params, 'best parameters') as Float32Array | Float64Array,
          ...readArraySections(name, s.validation.best.encoder, read),
        },
      } : null,
      scst: s.scst ? {
        samples: s.scst.samples, baseline: s.scst.baseline as ScstBaseline,
        rewardHistory: Array.from(read(s.scst.rewardHistory, 'scst reward history')),
      } : null,
      encoder: s.encoder ? readEncoderState(name, s.encoder, read) : null,
    };
  }
  let features: CheckpointFeatures | null = null;
  if (header.features) {
    let recipe: FeatureRecipe;
    try {
      recipe = parseRecipe('features.recipe', header.features.recipe);
    } catch (e) {
      throw new FormatError(name, `malformed header: ${(e as Error).message}`);
    }
    const p = header.features.pca;
    let pca: PcaProjection | null = null;
    if (p) {
      const { inputDim: D0, dim: K } = p;
      if (!Number.isSafeInteger(D0) || !Number.isSafeInteger(K) || D0 < 1 || K < 1 || K > D0) throw new FormatError(name, 'malformed header: features.pca needs 1 <= dim <= inputDim');
      const f64 = (s: Section, what: string, shape: number[]): Tensor => {
        const a = read(s, what);
        if (!(a instanceof Float64Array) || a.length !== sizeOf(shape)) throw new FormatError(name, `${what} must be ${sizeOf(shape)} float64 values`);
        for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i])) throw new FormatError(name, `${what}[${i}] is not finite`);
        return new Tensor(a, shape);
      };
      pca = { mean: f64(p.mean, 'PCA mean', [D0]), components: f64(p.components, 'PCA components', [D0, K]), variances: f64(p.variances, 'PCA variances', [K]) };
    }
    if (!pca !== !recipe.pca) throw new FormatError(name, 'malformed header: features.pca and the recipe disagree');
    if (pca && config.inputDim !== pca.components.shape[1]) throw new FormatError(name, `the PCA projects to ${pca.components.shape[1]} but the model takes ${config.inputDim}`);
    features = { recipe, pca };
  }
  const encoder = header.encoder ? readEncoder(name, header.encoder, read) : null;
  if (encoder && encoder.spec.outputDim !== config.inputDim) throw new FormatError(name, `the encoder outputs ${encoder.spec.outputDim} features but the model takes ${config.inputDim}`);
  let model: CaptioningRNN;
  try {
    model = new CaptioningRNN({
      wordToIdx, inputDim: config.inputDim, wordvecDim: config.wordvecDim, hiddenDim: config.hiddenDim,
      cellType: config.cellType, dtype: config.dtype,
    });
  } catch (e) {
    throw new FormatError(name, `invalid model config: ${(e as Error).message}`);
  }
  try {
    model.setParams(tensors);
  } catch (e) {
    model.dispose();
    throw new FormatError(name, `parameters do not fit the model: ${(e as Error).message}`);
  }
  return { model, solverState, lossHistory, meta: header.meta ?? {}, features, encoder, version };
}

const SAMPLER_KINDS = ['replacement', 'shuffle', 'function'];

/** The header's structure (types of every field the loader reads); values are checked later. */
function checkHeader(name: string, h: unknown): asserts h is Header {
  const isObj = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
  const bad = (what: string): never => {
    throw new FormatError(name, `malformed header: ${what}`);
  };
  const isInt = (v: unknown) => Number.isSafeInteger(v) && (v as number) >= 0;
  if (!isObj(h) || h.format !== 'recap-checkpoint' || !isObj(h.model) || !isObj(h.model.config)) {
    throw new FormatError(name, 'header is not a recap checkpoint header');
  }
  const m = h.model;
  if (!isObj(m.wordToIdx)) bad('model.wordToIdx must be an object');
  if (!isObj(m.params)) bad('model.params must be an object');
  const params = m.params as Record<string, unknown>;
  for (const p of PARAM_NAMES) {
    const e = params[p];
    if (e === undefined) throw new FormatError(name, `parameter ${p} is missing`);
    if (!isObj(e) || !isObj(e.section) || !Array.isArray(e.shape) || !e.shape.every(isInt)) bad(`parameter ${p} needs a shape (non-negative integers) and a section`);
  }
  if (!isObj(h.lossHistory)) bad('lossHistory must be a section');
  if (h.meta !== undefined && !isObj(h.meta)) bad('meta must be an object');
  const f = h.features as Record<string, unknown> | null | undefined;
  if (f !== null && f !== undefined && (!isObj(f) || !isObj(f.recipe) || (f.pca !== null && !isObj(f.pca)))) bad('features must be null or { recipe, pca }');
  if (h.solver === null || h.solver === undefined) return;
  const s = h.solver as Record<string, unknown>;
  if (!isObj(s)) bad('solver must be an object or null');
  if (!isUpdateRule(s.updateRule)) bad(`solver.updateRule must be one of ${UPDATE_RULE_NAMES.join(', ')}`);
  if (!isObj(s.optimConfig) || !Object.values(s.optimConfig).every((v) => typeof v === 'number' && Number.isFinite(v))) bad('solver.optimConfig must map names to finite numbers');
  if (typeof s.lrDecay !== 'number' || !Number.isFinite(s.lrDecay)) bad('solver.lrDecay must be a finite number');
  for (const k of ['batchSize', 'numEpochs', 'seed', 'iteration', 'epoch'] as const) if (!isInt(s[k])) bad(`solver.${k} must be a non-negative integer`);
  if (typeof s.samplerKind !== 'string' || !SAMPLER_KINDS.includes(s.samplerKind)) bad(`solver.samplerKind must be one of ${SAMPLER_KINDS.join(', ')}`);
  const rng = s.rng as Record<string, unknown>;
  if (!isObj(rng) || !isObj(rng.key) || !isInt(rng.pos) || typeof rng.hasGauss !== 'boolean' || typeof rng.gauss !== 'number' || !Number.isFinite(rng.gauss)) {
    bad('solver.rng must hold key (a section), pos, hasGauss and gauss');
  }
  if (!isObj(s.blocks) || !Object.values(s.blocks).every(isObj)) bad('solver.blocks must map names to sections');
  if (s.order !== null && !isObj(s.order)) bad('solver.order must be a section or null');
  if (s.gradNormHistory !== undefined && !isObj(s.gradNormHistory)) bad('solver.gradNormHistory must be a section');
  if (s.clipCount !== undefined && !isInt(s.clipCount)) bad('solver.clipCount must be a non-negative integer');
  const sc = s.scst as Record<string, unknown> | null | undefined;
  if (sc !== null && sc !== undefined && (!isObj(sc) || !isInt(sc.samples) || typeof sc.baseline !== 'string' || !isObj(sc.rewardHistory))) {
    bad('solver.scst must be null or { samples, baseline, rewardHistory (a section) }');
  }
  const v = s.validation as Record<string, unknown> | null | undefined;
  if (v === null || v === undefined) return;
  if (!isObj(v) || !Array.isArray(v.history) || !v.history.every(isObj) || !isInt(v.sinceBest) || typeof v.stopped !== 'boolean') {
    bad('solver.validation must hold history (records), sinceBest and stopped');
  }
  const best = v.best as Record<string, unknown> | null;
  if (best !== null && (!isObj(best) || !isInt(best.iteration) || typeof best.value !== 'number' || !isObj(best.params)
    || (best.encoder !== undefined && (!isObj(best.encoder) || !Object.values(best.encoder).every(isObj))))) {
    bad('solver.validation.best must be null or { iteration, value, params (a section), encoder? (sections by name) }');
  }
}

/** The vocabularies must map the same words to the same ids. */
export function checkSameVocabulary(name: string, saved: Record<string, number>, data: Record<string, number>): void {
  const a = Object.keys(saved);
  const b = Object.keys(data);
  if (a.length !== b.length) {
    throw new FormatError(name, `vocabulary mismatch: the checkpoint has ${a.length} words, the data ${b.length}`);
  }
  for (const w of a) {
    if (data[w] !== saved[w]) {
      throw new FormatError(name, `vocabulary mismatch: ${JSON.stringify(w)} is ${saved[w]} in the checkpoint but ${data[w]} in the data`);
    }
  }
}

function hex(n: number): string {
  return `0x${n.toString(16).padStart(8, '0')}`;
}

