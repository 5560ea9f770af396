// convForward/Backward and reluForward/Backward (CS231n conv_forward_naive, relu_*): every case of
// test/fixtures/conv/conv.json and relu.json (scripts/make-conv-fixtures.py: CS231n's naive layers
// in numpy), forward and backward, in float64 (1e-9 scale-relative) and float32 (10x the error
// numpy's float32 run showed, at least 1e-5); the notebook's printed digits; centred-difference
// gradient checks in float64; bad input.
// Kernel specs: assembly/__tests__/conv.spec.ts, pool.spec.ts; fuzzing: test/fuzz/layers.test.ts; index: test/README.md.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { RecapError, evalNumericalGradientArray, init, layers, tensor, type DType } from '../../src/index.js';
import { GRAD_H as H, GRAD_O4 as O4, arr, checkAll, checkGrads, loadCases, type Case } from '../helpers.js';

beforeAll(() => init());

const convCases = loadCases('conv/conv.json');
const reluCases = loadCases('conv/relu.json');
const byName = (cases: Case[], name: string) => cases.find((c) => c.name === name)!;

describe.each(['float64', 'float32'] as DType[])('reference vectors in %s', (dtype) => {
  it.each(convCases.map((c) => [c.name, c]))('conv %s', (_n, c: Case) => {
    const i = c.inputs;
    const { out, cache } = layers.convForward(arr(i.x, dtype), arr(i.w, dtype), arr(i.b, dtype), c.params);
    const back = layers.convBackward(arr(i.dout, dtype), cache);
    for (const t of [out, back.dx, back.dw, back.db]) expect(t.dtype).toBe(dtype);
    checkAll(c, dtype, { out, ...back }, { out: 'out', dx: 'dx', dw: 'dw', db: 'db' });
  });
  it.each(reluCases.map((c) => [c.name, c]))('relu %s', (_n, c: Case) => {
    const { out, cache } = layers.reluForward(arr(c.inputs.x, dtype));
    const { dx } = layers.reluBackward(arr(c.inputs.dout, dtype), cache);
    checkAll(c, dtype, { out, dx }, { out: 'out', dx: 'dx' });
  });
});

describe('the notebook', () => {
  it('conv_forward_naive check: out[0, 0] = [[-0.08759809, -0.10987781], [-0.18387192, -0.2109216]] (and the rest within 1e-8)', () => {
    const lin = (a: number, b: number, n: number) => Array.from({ length: n }, (_, k) => a + ((b - a) * k) / (n - 1));
    const x = tensor(lin(-0.1, 0.5, 2 * 3 * 4 * 4), [2, 3, 4, 4], 'float64');
    const w = tensor(lin(-0.2, 0.3, 3 * 3 * 4 * 4), [3, 3, 4, 4], 'float64');
    const b = tensor(lin(-0.1, 0.2, 3), [3], 'float64');
    const { out } = layers.convForward(x, w, b, { stride: 2, pad: 1 });
    expect(out.shape).toEqual([2, 3, 2, 2]);
    const digits = [-0.08759809, -0.10987781, -0.18387192, -0.2109216];
    digits.forEach((d, k) => expect(Math.abs(out.data[k] - d), `out[0,0] element ${k}`).toBeLessThan(1e-8));
    const correct = byName(convCases, 'notebook_linspace').notebook_correct_out.flat(3) as number[];
    correct.forEach((d, k) => expect(Math.abs(out.data[k] - d)).toBeLessThan(1e-8));
  });
});

describe('gradient checks (float64, order-4 centred differences)', () => {
  it.each(['notebook_seed231_backward', '3x3_stride2_pad0', '7x7_stride2_pad3', '1x1_stride1_pad0', 'odd_2x3_stride1_pad1'])('convBackward on %s', (name) => {
    const c = byName(convCases, name);
    const i = c.inputs;
    const [x, w, b, dout] = [i.x, i.w, i.b, i.dout].map((v) => arr(v));
    const f = () => layers.convForward(x, w, b, c.params).out;
    const g = layers.convBackward(dout, layers.convForward(x, w, b, c.params).cache);
    checkGrads(g, {
      dx: () => evalNumericalGradientArray(f, x, dout, H, O4), dw: () => evalNumericalGradientArray(f, w, dout, H, O4),
      db: () => evalNumericalGradientArray(f, b, dout, H, O4),
    });
  });
  it('reluBackward (no input within 2h of the kink)', () => {
    const c = byName(reluCases, 'rank4');
    const x = arr(c.inputs.x);
    const dout = arr(c.inputs.dout);
    expect(Array.from(x.data).every((v) => Math.abs(v) > 4 * H)).toBe(true);
    const g = layers.reluBackward(dout, layers.reluForward(x).cache);
    checkGrads(g, { dx: () => evalNumericalGradientArray(() => layers.reluForward(x).out, x, dout, H, O4) });
  });
});

describe('relu (layers.py)', () => {
  it('gives +0 for zeros and negatives, any rank, and routes dout only where x > 0', () => {
    const x = tensor([[-1, 0, 2], [-0, 3, -4]], undefined, 'float64');
    const { out, cache } = layers.reluForward(x);
    expect(Array.from(out.data)).toEqual([0, 0, 2, 0, 3, 0]);
    expect(Object.is(out.data[3], 0)).toBe(true);
    expect(Array.from(layers.reluBackward(tensor([[1, 2, 3], [4, 5, 6]], undefined, 'float64'), cache).dx.data)).toEqual([0, 0, 3, 0, 5, 0]);
    expect(layers.reluForward(tensor(-2, [], 'float32')).out.data[0]).toBe(0);
  });
});

describe('bad input', () => {
  const x = tensor(Array.from({ length: 50 }, (_, k) => k / 10), [2, 1, 5, 5], 'float64');
  const w = tensor(Array.from({ length: 4 }, (_, k) => k - 1), [1, 1, 2, 2], 'float64');
  const b = tensor([0.5], [1], 'float64');
  const refused = (fn: () => unknown, argument: string, text?: RegExp) => {
    let err: unknown;
    try { fn(); } catch (e) { err = e; }
    expect(err, `expected a RecapError naming ${argument}`).toBeInstanceOf(RecapError);
    expect((err as RecapError).argument).toBe(argument);
    if (text) expect((err as RecapError).message).toMatch(text);
  };

  it('a non-integer output size is a typed error, as CS231n asserts', () => {
    refused(() => layers.convForward(x, w, b, { stride: 2 }), 'convParam', /integer output size.*1 \+ \(5 \+ 0 − 2\) \/ 2 = 2\.5/);
    refused(() => layers.convForward(x, w, b, { stride: 2, pad: 1 }), 'convParam', /= 3\.5/);
    expect(layers.convForward(x, w, b, { stride: 3 }).out.shape).toEqual([2, 1, 2, 2]); // (5 − 2) / 3 + 1 = 2
    const w7 = tensor(new Array(49).fill(1), [1, 1, 7, 7], 'float64');
    refused(() => layers.convForward(x, w7, b), 'convParam', /integer output size/); // the window does not fit
    expect(layers.convForward(x, w7, b, { pad: 1 }).out.shape).toEqual([2, 1, 1, 1]);
  });
  it('bad conv parameters', () => {
    refused(() => layers.convForward(x, w, b, { stride: 0 }), 'convParam.stride');
    refused(() => layers.convForward(x, w, b, { stride: 1.5 }), 'convParam.stride');
    refused(() => layers.convForward(x, w, b, { pad: -1 }), 'convParam.pad');
    refused(() => layers.convForward(x, w, b, { pad: '1' as never }), 'convParam.pad');
    refused(() => layers.convForward(x, w, b, 3 as never), 'convParam');
  });
  it('wrong ranks and shapes name the argument', () => {
    refused(() => layers.convForward(x.reshape([2, 5, 5]), w, b), 'x', /rank 4/);
    refused(() => layers.convForward(x, w.reshape([1, 2, 2]), b), 'w', /rank 4/);
    refused(() => layers.convForward(x, tensor(new Array(8).fill(1), [1, 2, 2, 2], 'float64'), b), 'w', /C=1 \(from x\)/);
    refused(() => layers.convForward(x, w, tensor([1, 2], [2], 'float64')), 'b', /F=1 \(from w\)/);
    const { cache } = layers.convForward(x, w, b);
    refused(() => layers.convBackward(tensor(new Array(2 * 16).fill(1), [2, 1, 4, 4], 'float64').reshape([2, 16]), cache), 'dout', /rank 4/);
    refused(() => layers.convBackward(tensor(new Array(2 * 25).fill(1), [2, 1, 5, 5], 'float64'), cache), 'dout', /Ho=4/);
    refused(() => layers.reluBackward(tensor([1, 2], [2], 'float64'), layers.reluForward(tensor([1, 2, 3], [3], 'float64')).cache), 'dout');
  });
  it('mixed dtypes and non-finite values', () => {
    refused(() => layers.convForward(x, w.clone('float32'), b), 'w', /float64/);
    refused(() => layers.convForward(x.clone('int32'), w, b), 'x', /float32 or float64/);
    const { cache } = layers.convForward(x, w, b);
    refused(() => layers.convBackward(tensor(new Array(32).fill(1), [2, 1, 4, 4], 'float32'), cache), 'x', /float32/);
    const bad = x.clone();
    bad.data[7] = NaN;
    refused(() => layers.convForward(bad, w, b), 'x[7]');
  });
  it('a cache from another layer, or one made by hand, is refused', () => {
    const relu = layers.reluForward(x).cache;
    const conv = layers.convForward(x, w, b).cache;
    refused(() => layers.convBackward(x, relu), 'cache', /convForward.*reluForward/);
    refused(() => layers.reluBackward(x, conv), 'cache', /reluForward.*convForward/);
    refused(() => layers.convBackward(x, { kind: 'convForward' }), 'cache', /made elsewhere/);
    refused(() => layers.convBackward(x, undefined as never), 'cache');
  });
});

describe('docs/conv-layers.md', () => {
  it('its example runs as written and prints what it says', async () => {
    const doc = readFileSync(new URL('../../docs/conv-layers.md', import.meta.url), 'utf8');
    const blocks = [...doc.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]);
    expect(blocks.length).toBe(1);
    const dir = new URL('../generated/', import.meta.url);
    mkdirSync(dir, { recursive: true });
    const file = new URL('conv-layers-doc.ts', dir);
    const logs: string[] = [];
    writeFileSync(file, `${blocks[0].replace(/from 'recap'/g, "from '../../src/index.js'").replace(/console\.log/g, 'globalThis.__log')}\nexport {};\n`);
    (globalThis as { __log?: (...a: unknown[]) => void }).__log = (...a) => logs.push(a.map((v) => JSON.stringify(v)).join(' '));
    await import(file.href);
    const printed = blocks[0].match(/\/\/ (\[2,4,4,4\].*)\n/)![1];
    expect(logs).toEqual([printed]);
  });
});
