// Fuzz: evaluateCaptions with random corpora, mismatched id sets, empty or non-string
// references and candidates, junk options. Each call works (scores finite and in range, inputs
// untouched) or throws RecapError; never a TypeError from inside.
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { init, RecapError } from '../../src/index.js';
import { evaluateCaptions } from '../../src/eval/evaluate.js';
import { PROTO_NAMES, attempt, check } from './fuzz.js';

beforeAll(() => init());

const WORDS = ['a', 'the', 'red', 'dog', 'cat', 'on', 'two', 'Big', "dog's", 'isn\'t', '(old)', 'x-ray', '<START>', '<END>', '<UNK>', ',', '.', '!!', '', ' '];
const caption = fc.array(fc.constantFrom(...WORDS), { maxLength: 12 }).map((w) => w.join(' '));
const anyString = fc.oneof({ weight: 4, arbitrary: caption }, { weight: 1, arbitrary: fc.string({ maxLength: 20 }) });
const imageId = fc.oneof(fc.constantFrom('1', '2', '391895', 'img', ...PROTO_NAMES), fc.string({ minLength: 1, maxLength: 6 }));
const junk = fc.constantFrom(null, undefined, 0, 1.5, true, {}, [] as unknown, ['a'] as unknown, Symbol('s') as unknown, (() => 'a') as unknown);

/** A valid corpus: one candidate and 1..4 references per id. */
const corpus = fc.uniqueArray(imageId, { minLength: 1, maxLength: 8 }).chain((ids) => fc.tuple(
  fc.constant(ids),
  fc.array(anyString, { minLength: ids.length, maxLength: ids.length }),
  fc.array(fc.array(anyString, { minLength: 1, maxLength: 4 }), { minLength: ids.length, maxLength: ids.length }),
)).map(([ids, cands, refs]) => {
  const c: Record<string, unknown> = {}, r: Record<string, unknown> = {};
  ids.forEach((id, i) => {
    Object.defineProperty(c, id, { value: cands[i], enumerable: true, writable: true, configurable: true });
    Object.defineProperty(r, id, { value: refs[i], enumerable: true, writable: true, configurable: true });
  });
  return { c, r, ids };
});

/** Mutations that must be rejected with RecapError. */
const mutation = fc.oneof(
  fc.constant({ kind: 'none' as const }),
  fc.record({ kind: fc.constant('extraCandidate' as const), id: fc.string({ minLength: 1, maxLength: 4 }) }),
  fc.record({ kind: fc.constant('extraReference' as const), id: fc.string({ minLength: 1, maxLength: 4 }) }),
  fc.record({ kind: fc.constant('emptyReferences' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('candidateNotString' as const), at: fc.nat(), value: junk }),
  fc.record({ kind: fc.constant('referenceNotString' as const), at: fc.nat(), value: junk }),
  fc.record({ kind: fc.constant('referencesNotArray' as const), at: fc.nat(), value: junk }),
  fc.record({ kind: fc.constant('wholeArgument' as const), which: fc.constantFrom(0, 1), value: junk }),
);
const options = fc.oneof(
  { weight: 4, arbitrary: fc.constant(undefined) },
  { weight: 4, arbitrary: fc.record({
    metrics: fc.oneof(fc.constant(undefined), fc.subarray(['bleu', 'rouge', 'cider'], { minLength: 1 }), junk, fc.constant(['meteor'])),
    tokenize: fc.oneof(fc.constant(undefined), fc.boolean(), junk),
  }, { requiredKeys: [] }) },
  { weight: 1, arbitrary: junk },
);

describe('fuzz: evaluateCaptions', () => {
  it('scores in range or throws RecapError', () => {
    check('evaluateCaptions', fc.tuple(corpus, mutation, options), ([{ c, r, ids }, m, opts]) => {
      let valid = true;
      const id = ids[('at' in m ? m.at : 0) % ids.length];
      let args: [unknown, unknown] = [c, r];
      switch (m.kind) {
        case 'extraCandidate': if (!Object.prototype.hasOwnProperty.call(r, m.id)) { Object.defineProperty(c, m.id, { value: 'a dog', enumerable: true }); valid = false; } break;
        case 'extraReference': if (!Object.prototype.hasOwnProperty.call(c, m.id)) { Object.defineProperty(r, m.id, { value: ['a dog'], enumerable: true }); valid = false; } break;
        case 'emptyReferences': r[id] = []; valid = false; break;
        case 'candidateNotString': c[id] = m.value; valid = false; break;
        case 'referenceNotString': (r[id] as unknown[])[0] = m.value; valid = false; break;
        case 'referencesNotArray': r[id] = m.value; valid = Array.isArray(m.value) && m.value.length > 0 && m.value.every((x) => typeof x === 'string'); break;
        case 'wholeArgument': args = m.which === 0 ? [m.value, r] : [c, m.value]; valid = false; break;
      }
      const o = opts as Record<string, unknown> | undefined;
      const optsValid = o === undefined || (typeof o === 'object' && o !== null && !Array.isArray(o)
        && (o.metrics === undefined || (Array.isArray(o.metrics) && o.metrics.length > 0 && o.metrics.every((x) => ['bleu', 'rouge', 'cider'].includes(x as string))))
        && (o.tokenize === undefined || typeof o.tokenize === 'boolean'));
      const before = JSON.stringify([args, opts]);
      const res = attempt(() => evaluateCaptions(args[0] as never, args[1] as never, opts as never));
      expect(JSON.stringify([args, opts])).toBe(before); // inputs untouched
      expect(res.ok, res.ok ? '' : res.error.message).toBe(valid && optsValid);
      if (!res.ok) return;
      const out = res.value;
      const want = new Set((o?.metrics as string[] | undefined) ?? ['bleu', 'rouge', 'cider']);
      expect(Object.keys(out.perImage).sort()).toEqual([...ids].sort());
      for (const s of [out, ...Object.values(out.perImage)]) {
        if (want.has('bleu')) for (const b of s.bleu) expect(b >= 0 && b <= 1, `bleu ${b}`).toBe(true);
        if (want.has('rouge')) expect(s.rougeL >= 0 && s.rougeL <= 1, `rouge ${s.rougeL}`).toBe(true);
        if (want.has('cider')) expect(Number.isFinite(s.cider) && s.cider >= 0, `cider ${s.cider}`).toBe(true);
      }
    });
  });

  it('names the argument in the error', () => {
    expect(() => evaluateCaptions({ a: 'x' }, { b: ['x'] })).toThrow(RecapError);
    expect(() => evaluateCaptions({ a: 'x' }, { b: ['x'] })).toThrow(/references\["a"\]/);
    expect(() => evaluateCaptions({ a: 'x' }, { a: [] })).toThrow(/references\["a"\]: expected a non-empty array/);
    expect(() => evaluateCaptions({ a: 3 } as never, { a: ['x'] })).toThrow(/candidates\["a"\]: expected a caption string/);
    expect(() => evaluateCaptions({}, {})).toThrow(/at least one image/);
  });
});
