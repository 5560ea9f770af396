// Prepared data files (`.recapdata`, written by `recap prepro`): the vocabulary, the encoded
// captions, the splits with their image ids, the features and the optional PCA projection, in one
// versioned file closed by a CRC-32 (the house style of src/train/checkpoint.ts). Browser-safe:
// encode/decode over bytes; recap/node adds the file helpers.
//
// Layout (little-endian):
//   0   8 bytes  magic "RCAPDATA"
//   8   u32      format version (1)
//   12  u32      header length L
//   16  L bytes  header, UTF-8 JSON: vocabulary, per split the image ids, file names and the
//                section table, the PCA section table, prepro's options and statistics
//   ..           zero padding to a multiple of 8
//   ..           sections (captions int32, image rows int32, features float32/float64, PCA
//                float64), each 8-aligned, at the offsets the header gives (from the first section)
//   end−4 u32    CRC-32 (IEEE) of every byte before it
//
// Decoding checks everything before returning (magic, version, checksum, header, section
// bounds, shapes, word ids in [0, V), image rows in [0, Ni), finite features) and wraps the
// sections without copying when they are aligned in the given bytes, so reading is one pass of
// the checksum plus one of the checks.
import { SectionWriter, isLittleEndian } from '../core/sections.js';
import { FormatError, fail } from '../core/errors.js';
import { Tensor } from '../core/tensor.js';
import { crc32 } from '../core/crc32.js';
import { SPECIAL_TOKENS } from './karpathy.js';
import type { CaptionData } from './types.js';

export const RECAPDATA_VERSION = 1;
const MAGIC = 'RCAPDATA';

/** A PCA projection fitted on the training features: x → (x − mean)·components. */
export interface PcaProjection {
  /** float64 (D0): the training features' mean. */
  mean: Tensor;
  /** float64 (D0, K): the top K eigenvectors of the covariance, one per column, by decreasing variance. */
  components: Tensor;
  /** float64 (K): the variance along each component (the covariance's eigenvalues). */
  variances: Tensor;
}

/** What a `.recapdata` file holds. */
export interface PreparedData {
  /** The captions and features (test split and image ids included when present). */
  data: CaptionData;
  /** The projection applied to the features (null: raw features). */
  pca: PcaProjection | null;
  /** Prepro's options, statistics and sources (JSON values). */
  info: Record<string, unknown>;
}

type Split = 'train' | 'val' | 'test';
const SPLIT_NAMES: readonly Split[] = ['train', 'val', 'test'];
type SecType = 'int32' | 'float32' | 'float64';
interface Section { offset: number; length: number; dtype: SecType }
interface SplitHeader {
  captions: Section; captionShape: [number, number];
  imageIdxs: Section;
  features: Section; featureShape: [number, number];
  imageIds: string[] | null;
}
interface Header {
  format: 'recap-data';
  version: number;
  idxToWord: string[];
  splits: Partial<Record<Split, SplitHeader>>;
  pca: null | { mean: Section; components: Section; variances: Section; inputDim: number; dim: number };
  info: Record<string, unknown>;
}

const BYTES: Record<SecType, number> = { int32: 4, float32: 4, float64: 8 };
type Arr = Int32Array | Float32Array | Float64Array;

function splitTensors(d: CaptionData, s: Split): { captions?: Tensor; imageIdxs?: Tensor; features?: Tensor; imageIds?: string[] } {
  if (s === 'train') return { captions: d.trainCaptions, imageIdxs: d.trainImageIdxs, features: d.trainFeatures, imageIds: d.trainImageIds };
  if (s === 'val') return { captions: d.valCaptions, imageIdxs: d.valImageIdxs, features: d.valFeatures, imageIds: d.valImageIds };
  return { captions: d.testCaptions, imageIdxs: d.testImageIdxs, features: d.testFeatures, imageIds: d.testImageIds };
}

/** Checks a split's tensors against each other and the vocabulary (shared by encode and decode). */
function checkSplit(what: (m: string) => never, s: Split, captions: Tensor, imageIdxs: Tensor, features: Tensor, imageIds: string[] | undefined | null, V: number, D: number | null): void {
  if (captions.dtype !== 'int32' || captions.shape.length !== 2 || captions.shape[1] < 2) what(`${s} captions: expected int32 (Nc, L) with L >= 2, got ${captions.dtype} [${captions.shape}]`);
  const nc = captions.shape[0];
  if (imageIdxs.dtype !== 'int32' || imageIdxs.shape.length !== 1 || imageIdxs.shape[0] !== nc) what(`${s} image rows: expected int32 (${nc}), got ${imageIdxs.dtype} [${imageIdxs.shape}]`);
  if ((features.dtype !== 'float32' && features.dtype !== 'float64') || features.shape.length !== 2 || (D !== null && features.shape[1] !== D)) {
    what(`${s} features: expected float32/float64 (Ni, ${D ?? 'D'}), got ${features.dtype} [${features.shape}]`);
  }
  const ni = features.shape[0];
  if (imageIds != null && (!Array.isArray(imageIds) || imageIds.length !== ni || imageIds.some((x) => typeof x !== 'string'))) what(`${s} image ids: expected ${ni} strings (one per feature row)`);
  const c = captions.data;
  for (let i = 0; i < c.length; i++) if (c[i] < 0 || c[i] >= V) what(`${s} captions[${Math.floor(i / captions.shape[1])}, ${i % captions.shape[1]}]: word id ${c[i]} outside the ${V}-word vocabulary`);
  const r = imageIdxs.data;
  for (let i = 0; i < r.length; i++) if (r[i] < 0 || r[i] >= ni) what(`${s} image rows[${i}] = ${r[i]} outside [0, ${ni}) (the feature rows)`);
  const f = features.data;
  for (let i = 0; i < f.length; i++) {
    const v = f[i];
    if (v - v !== 0) {
      const row = Math.floor(i / features.shape[1]);
      what(`${s} features[${row}, ${i % features.shape[1]}] = ${v}${imageIds ? ` (image ${imageIds[row]})` : ''} is not finite`);
    }
  }
}

/** Serialises prepared data. Checks the data first (RecapError naming the field). */
export function encodeRecapData(prepared: PreparedData): Uint8Array {
  if (prepared === null || typeof prepared !== 'object' || prepared.data === null || typeof prepared.data !== 'object') fail('prepared', 'a PreparedData { data, pca, info }', prepared);
  const { data, pca } = prepared;
  const info = prepared.info ?? {};
  if (!Array.isArray(data.idxToWord) || SPECIAL_TOKENS.some((w, i) => data.idxToWord[i] !== w)) fail('data.idxToWord', `a vocabulary starting ${SPECIAL_TOKENS.join(' ')}`, data.idxToWord?.slice?.(0, 4));
  const V = data.idxToWord.length;
  const w = new SectionWriter();
  const add = (a: Arr): Section => w.add(a) as Section; // Arr has no uint32: the dtype is a SecType
  const splits: Header['splits'] = {};
  let D: number | null = null;
  for (const s of SPLIT_NAMES) {
    const t = splitTensors(data, s);
    if (s === 'test' && t.captions === undefined) continue;
    const bad = (m: string): never => fail(`data (${s} split)`, 'consistent captions, image rows and features', m);
    if (!(t.captions instanceof Tensor) || !(t.imageIdxs instanceof Tensor) || !(t.features instanceof Tensor)) bad('a missing tensor');
    checkSplit(bad, s, t.captions!, t.imageIdxs!, t.features!, t.imageIds, V, D);
    D = t.features!.shape[1];
    if (t.features!.dtype !== data.trainFeatures.dtype) bad(`${s} features are ${t.features!.dtype}, train features ${data.trainFeatures.dtype}`);
    splits[s] = {
      captions: add(t.captions!.data as Int32Array), captionShape: [t.captions!.shape[0], t.captions!.shape[1]],
      imageIdxs: add(t.imageIdxs!.data as Int32Array),
      features: add(t.features!.data as Float32Array | Float64Array), featureShape: [t.features!.shape[0], t.features!.shape[1]],
      imageIds: t.imageIds ?? null,
    };
  }
  let pcaHeader: Header['pca'] = null;
  if (pca) {
    const { mean, components, variances } = pca;
    const ok = mean instanceof Tensor && components instanceof Tensor && variances instanceof Tensor &&
      mean.dtype === 'float64' && components.dtype === 'float64' && variances.dtype === 'float64' &&
      components.shape.length === 2 && mean.shape.length === 1 && mean.shape[0] === components.shape[0] &&
      variances.shape.length === 1 && variances.shape[0] === components.shape[1] && components.shape[1] === D;
    if (!ok) fail('pca', `float64 mean (D0), components (D0, ${D}), variances (${D})`, 'other shapes or dtypes');
    pcaHeader = { mean: add(mean.data as Float64Array), components: add(components.data as Float64Array), variances: add(variances.data as Float64Array), inputDim: mean.shape[0], dim: components.shape[1] };
  }
  const header: Header = { format: 'recap-data', version: RECAPDATA_VERSION, idxToWord: data.idxToWord, splits, pca: pcaHeader, info };
  return w.seal(MAGIC, RECAPDATA_VERSION, header);
}

const hex = (n: number) => `0x${n.toString(16).padStart(8, '0')}`;

/**
 * Parses `.recapdata` bytes. Every check runs before anything is returned; errors are
 * FormatErrors naming `name` (the file) and what is wrong. Sections aligned in `bytes` are
 * wrapped without a copy (the tensors then share `bytes`' buffer).
 */
export function decodeRecapData(bytes: Uint8Array | ArrayBuffer, name = 'data.recapdata'): PreparedData {
  const buf = bytes instanceof ArrayBuffer ? new Uint8Array(bytes) : bytes;
  if (!(buf instanceof Uint8Array)) fail('bytes', 'a Uint8Array or ArrayBuffer', typeof bytes);
  const bad = (m: string): never => {
    throw new FormatError(name, m);
  };
  if (buf.length < 20) bad(`truncated: ${buf.length} bytes is too short for a recap data file`);
  const magic = String.fromCharCode(...buf.subarray(0, 8));
  if (magic !== MAGIC) bad(`not a recap data file (magic ${JSON.stringify(magic)}, expected "${MAGIC}"; write one with recap prepro)`);
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const version = dv.getUint32(8, true);
  const stored = dv.getUint32(buf.length - 4, true);
  const actual = crc32(buf.subarray(0, buf.length - 4));
  if (version > RECAPDATA_VERSION) {
    bad(`format version ${version} is newer than this recap reads (${RECAPDATA_VERSION})${stored === actual ? '; upgrade recap to read it' : `, and the checksum does not match (stored ${hex(stored)}, computed ${hex(actual)})`}`);
  }
  if (stored !== actual) bad(`checksum mismatch (stored ${hex(stored)}, computed ${hex(actual)}): the file is truncated or corrupt`);
  if (version < 1) bad(`unknown format version ${version}`);
  const headerLength = dv.getUint32(12, true);
  if (16 + headerLength > buf.length - 4) bad('truncated header');
  let header: Header;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(buf.subarray(16, 16 + headerLength)));
  } catch (e) {
    return bad(`unreadable header (${(e as Error).message})`);
  }
  const isObj = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
  if (!isObj(header) || header.format !== 'recap-data' || !Array.isArray(header.idxToWord) || !isObj(header.splits)) bad('malformed header: not a recap data header');
  const idxToWord = header.idxToWord;
  if (idxToWord.some((w) => typeof w !== 'string') || SPECIAL_TOKENS.some((w, i) => idxToWord[i] !== w)) bad(`malformed header: the vocabulary must be strings starting ${SPECIAL_TOKENS.join(' ')}`);
  const wordToIdx: Record<string, number> = {};
  idxToWord.forEach((w, i) => {
    if (Object.hasOwn(wordToIdx, w)) bad(`malformed header: the word ${JSON.stringify(w)} appears twice in the vocabulary`);
    wordToIdx[w] = i;
  });
  const dataStart = Math.ceil((16 + headerLength) / 8) * 8;
  const dataEnd = buf.length - 4;
  const read = (s: unknown, want: SecType | 'float', count: number, what: string): Arr => {
    if (!isObj(s) || typeof s.dtype !== 'string' || !Object.hasOwn(BYTES, s.dtype) || !Number.isSafeInteger(s.offset) || !Number.isSafeInteger(s.length) || (s.offset as number) < 0) bad(`bad section descriptor for ${what}`);
    const sec = s as unknown as Section;
    if (want === 'float' ? sec.dtype === 'int32' : sec.dtype !== want) bad(`${what}: expected ${want === 'float' ? 'float32 or float64' : want}, got ${sec.dtype}`);
    if (sec.length !== count) bad(`${what}: ${sec.length} values for ${count} expected by its shape`);
    const start = dataStart + sec.offset;
    const nbytes = sec.length * BYTES[sec.dtype];
    if (start + nbytes > dataEnd) bad(`section ${what} runs past the end of the file`);
    const Ctor = sec.dtype === 'int32' ? Int32Array : sec.dtype === 'float32' ? Float32Array : Float64Array;
    const at = buf.byteOffset + start;
    if (isLittleEndian && at % BYTES[sec.dtype] === 0) return new Ctor(buf.buffer as ArrayBuffer, at, sec.length);
    const out = new Ctor(sec.length);
    for (let i = 0; i < sec.length; i++) {
      const o = start + i * BYTES[sec.dtype];
      out[i] = sec.dtype === 'int32' ? dv.getInt32(o, true) : sec.dtype === 'float32' ? dv.getFloat32(o, true) : dv.getFloat64(o, true);
    }
    return out;
  };
  const shape2 = (v: unknown, what: string): [number, number] => {
    if (!Array.isArray(v) || v.length !== 2 || !v.every((x) => Number.isSafeInteger(x) && x >= 0)) bad(`malformed header: ${what} shape`);
    return v as [number, number];
  };
  const parts: Partial<Record<Split, { captions: Tensor; imageIdxs: Tensor; features: Tensor; imageIds: string[] | null }>> = {};
  let D: number | null = null;
  let fdtype: string | null = null;
  for (const s of SPLIT_NAMES) {
    const h = (header.splits as Record<string, unknown>)[s];
    if (h === undefined && s === 'test') continue;
    if (!isObj(h)) bad(`malformed header: the ${s} split is missing`);
    const sh = h as unknown as SplitHeader;
    const cs = shape2(sh.captionShape, `${s} captions`);
    const fs = shape2(sh.featureShape, `${s} features`);
    const captions = new Tensor(read(sh.captions, 'int32', cs[0] * cs[1], `${s} captions`), cs);
    const imageIdxs = new Tensor(read(sh.imageIdxs, 'int32', cs[0], `${s} image rows`), [cs[0]]);
    const features = new Tensor(read(sh.features, 'float', fs[0] * fs[1], `${s} features`), fs);
    if (fdtype !== null && features.dtype !== fdtype) bad(`${s} features are ${features.dtype}, train features ${fdtype}`);
    fdtype = features.dtype;
    const imageIds = sh.imageIds ?? null;
    checkSplit(bad, s, captions, imageIdxs, features, imageIds, idxToWord.length, D);
    D = fs[1];
    parts[s] = { captions, imageIdxs, features, imageIds };
  }
  const { train, val, test } = parts as Required<typeof parts>;
  const data: CaptionData = {
    trainCaptions: train.captions, trainImageIdxs: train.imageIdxs, trainFeatures: train.features,
    valCaptions: val.captions, valImageIdxs: val.imageIdxs, valFeatures: val.features,
    idxToWord, wordToIdx,
  };
  if (train.imageIds) data.trainImageIds = train.imageIds;
  if (val.imageIds) data.valImageIds = val.imageIds;
  if (test) {
    data.testCaptions = test.captions;
    data.testImageIdxs = test.imageIdxs;
    data.testFeatures = test.features;
    if (test.imageIds) data.testImageIds = test.imageIds;
  }
  let pca: PcaProjection | null = null;
  if (header.pca != null) {
    const p = header.pca;
    if (!isObj(p) || !Number.isSafeInteger(p.inputDim) || !Number.isSafeInteger(p.dim) || p.dim !== D) bad(`malformed header: the PCA projection must map inputDim to D = ${D}`);
    pca = {
      mean: new Tensor(read(p.mean, 'float64', p.inputDim, 'PCA mean'), [p.inputDim]),
      components: new Tensor(read(p.components, 'float64', p.inputDim * p.dim, 'PCA components'), [p.inputDim, p.dim]),
      variances: new Tensor(read(p.variances, 'float64', p.dim, 'PCA variances'), [p.dim]),
    };
  }
  return { data, pca, info: isObj(header.info) ? header.info : {} };
}
