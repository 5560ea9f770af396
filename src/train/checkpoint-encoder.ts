// The trainable encoder in a checkpoint (checkpoint.ts): the CNN's architecture, parameters and
// batchnorm running statistics (header `encoder`), and the encoder part's optimizer state
// (header `solver.encoder`), and the CNN of the best evaluation (header
// `solver.validation.best.encoder`), as sections like the model's.
import { FormatError } from '../core/errors.js';
import type { Section, SectionArray } from '../core/sections.js';
import { SmallCnn, checkCnnSpec, type CnnSpec } from '../nn/cnn.js';
import { isUpdateRule, resolveHyper } from '../nn/update-rules.js';
import type { EncoderState } from './encoder-part.js';

export interface EncoderHeader {
  arch: 'cnn';
  spec: CnnSpec;
  arrays: Record<string, Section>;
}

export type EncoderStateHeader = Omit<EncoderState, 'blocks' | 'words'> & { blocks: Record<string, Section>; words?: { w: Section; b: Section } };

type Add = (a: SectionArray) => Section;
type Read = (s: Section, what: string) => SectionArray;

export function encoderHeader(cnn: SmallCnn, add: Add): EncoderHeader {
  const arrays: Record<string, Section> = {};
  for (const [k, a] of Object.entries(cnn.arrays())) arrays[k] = add(a);
  return { arch: 'cnn', spec: cnn.spec, arrays };
}

/** The CNN of a checkpoint's header (every array checked); FormatError naming the file otherwise. */
export function readEncoder(name: string, h: unknown, read: Read): SmallCnn {
  const e = h as Partial<EncoderHeader>;
  if (!e || typeof e !== 'object' || e.arch !== 'cnn' || !e.arrays || typeof e.arrays !== 'object') {
    throw new FormatError(name, "malformed header: encoder must be null or { arch: 'cnn', spec, arrays }");
  }
  try {
    const cnn = new SmallCnn(checkCnnSpec('encoder.spec', e.spec));
    const arrays: Record<string, SectionArray> = {};
    for (const [k, s] of Object.entries(e.arrays)) arrays[k] = read(s, `encoder ${k}`);
    cnn.setArrays(arrays, 'encoder');
    return cnn;
  } catch (err) {
    if (err instanceof FormatError) throw err;
    throw new FormatError(name, `invalid encoder: ${(err as Error).message}`);
  }
}

export function encoderStateHeader(s: EncoderState, add: Add): EncoderStateHeader {
  const blocks: Record<string, Section> = {};
  for (const [k, b] of Object.entries(s.blocks)) blocks[k] = add(b);
  return {
    updateRule: s.updateRule, optimConfig: s.optimConfig, finetuneAfter: s.finetuneAfter, ...(s.warmup ? { warmup: s.warmup } : {}),
    ...(s.words ? { wordLoss: s.wordLoss, words: { w: add(s.words.w), b: add(s.words.b) } } : {}), ...(s.conceptLoss ? { conceptLoss: s.conceptLoss } : {}), ...(s.lead ? { lead: s.lead } : {}), blocks,
  };
}

export function readEncoderState(name: string, h: unknown, read: Read): EncoderState {
  const e = h as Partial<EncoderStateHeader>;
  if (!e || typeof e !== 'object' || !isUpdateRule(e.updateRule) || !Number.isInteger(e.finetuneAfter) || !e.blocks || typeof e.blocks !== 'object') {
    throw new FormatError(name, 'malformed header: solver.encoder must be null or { updateRule, optimConfig, finetuneAfter, blocks }');
  }
  try {
    resolveHyper(e.updateRule, e.optimConfig ?? {}, 'solver.encoder.optimConfig');
  } catch (err) {
    throw new FormatError(name, `malformed header: ${(err as Error).message}`);
  }
  const blocks: EncoderState['blocks'] = {};
  for (const [k, s] of Object.entries(e.blocks)) {
    const a = read(s, `encoder optimizer ${k}`);
    if (!(a instanceof Float32Array || a instanceof Float64Array)) throw new FormatError(name, `encoder optimizer ${k} must be float32 or float64`);
    blocks[k] = a;
  }
  if (e.warmup !== undefined && (!Number.isInteger(e.warmup) || e.warmup < 0)) throw new FormatError(name, 'malformed header: solver.encoder.warmup must be an integer >= 0');
  if (e.conceptLoss !== undefined && (typeof e.conceptLoss !== 'number' || !(e.conceptLoss > 0) || !Number.isFinite(e.conceptLoss))) {
    throw new FormatError(name, 'malformed header: solver.encoder.conceptLoss must be a number > 0');
  }
  if (e.lead !== undefined && (!Number.isInteger(e.lead) || e.lead < 0)) throw new FormatError(name, 'malformed header: solver.encoder.lead must be an integer >= 0');
  let words: EncoderState['words'];
  if (e.words !== undefined) {
    if (!e.words || typeof e.words !== 'object' || typeof e.wordLoss !== 'number' || !(e.wordLoss > 0)) throw new FormatError(name, 'malformed header: solver.encoder.words needs wordLoss > 0 and { w, b } sections');
    const w = read(e.words.w, 'encoder word head w'), b = read(e.words.b, 'encoder word head b');
    if (!(w instanceof Float32Array || w instanceof Float64Array) || !(b instanceof Float32Array || b instanceof Float64Array)) throw new FormatError(name, 'encoder word head must be float32 or float64');
    words = { w, b };
  }
  return {
    updateRule: e.updateRule, optimConfig: { ...e.optimConfig! }, finetuneAfter: e.finetuneAfter!, ...(e.warmup ? { warmup: e.warmup } : {}),
    ...(words ? { wordLoss: e.wordLoss, words } : {}), ...(e.conceptLoss ? { conceptLoss: e.conceptLoss } : {}), ...(e.lead ? { lead: e.lead } : {}), blocks,
  };
}

/** The best evaluation's CNN arrays (solver.validation.best.encoder) as sections; {} when there are none. */
export function arraySections(arrays: Record<string, SectionArray> | undefined, add: Add): { encoder?: Record<string, Section> } {
  if (!arrays) return {};
  const out: Record<string, Section> = {};
  for (const [k, a] of Object.entries(arrays)) out[k] = add(a);
  return { encoder: out };
}

/** The arrays of arraySections read back (float32 or float64 each); {} when the file has none. */
export function readArraySections(name: string, h: Record<string, Section> | undefined, read: Read): { encoder?: Record<string, Float32Array | Float64Array> } {
  if (!h) return {};
  const out: Record<string, Float32Array | Float64Array> = {};
  for (const [k, s] of Object.entries(h)) {
    const a = read(s, `best encoder ${k}`);
    if (!(a instanceof Float32Array || a instanceof Float64Array)) throw new FormatError(name, `best encoder ${k} must be float32 or float64`);
    out[k] = a;
  }
  return { encoder: out };
}
