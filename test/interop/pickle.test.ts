// The pickle reader (src/interop/pickle.ts): plain data pickle.dump wrote at protocols 2-5
// (test/fixtures/pth/plain_protocol*.pkl, scripts/make-pth-fixtures.py) read back as the same
// values; every global but OrderedDict and the caller's refused by name before anything is built;
// malformed and truncated pickles are FormatErrors.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { FormatError } from '../../src/index.js';
import { PyDict, readPickle, type PickleOptions } from '../../src/interop/pickle.js';
import { P, pickle } from './pickle-builder.js';

const DIR = new URL('../fixtures/pth/', import.meta.url);
const plain: Record<string, unknown> = JSON.parse(readFileSync(new URL('plain.json', DIR), 'utf8'));

/** The JSON form scripts/make-pth-fixtures.py's norm() gives, from the reader's values. */
function norm(v: unknown): unknown {
  if (v === null || typeof v === 'boolean' || typeof v === 'number' || typeof v === 'string') return v;
  if (typeof v === 'bigint') return { int: String(v) };
  if (v instanceof Uint8Array) return { bytes: Array.from(v) };
  if (Array.isArray(v)) return Object.isFrozen(v) ? { tuple: v.map(norm) } : v.map(norm);
  if (v instanceof Set) return { set: [...v].sort((a, b) => a - b) };
  if (v instanceof PyDict) return { [v.ordered ? 'ordered' : 'dict']: [...v].map(([k, x]) => [norm(k), k === 'many' ? { range: (x as unknown[]).length } : norm(x)]) };
  throw new Error(`unexpected value ${String(v)}`);
}

const read = (bytes: Uint8Array, options: Partial<PickleOptions> = {}) => readPickle(bytes, { file: 'test.pkl', ...options }).value;

function refuses(bytes: Uint8Array, pattern: RegExp | string, options: Partial<PickleOptions> = {}): void {
  let error: unknown;
  try {
    read(bytes, options);
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(FormatError);
  expect((error as Error).message).toMatch(/^test\.pkl: /);
  expect((error as Error).message).toMatch(pattern);
}

describe('readPickle on pickle.dump output', () => {
  it.each(Object.keys(plain))('%s reads as Python wrote it', (name) => {
    const bytes = new Uint8Array(readFileSync(new URL(name, DIR)));
    const { value, end } = readPickle(bytes, { file: name });
    expect(end).toBe(bytes.length);
    expect(norm(value)).toEqual(plain[name]);
    const d = value as PyDict;
    expect(d.get('many')).toEqual(Array.from({ length: 2500 }, (_, i) => i));
    // the memo gives back the same object, as in Python
    const shared = d.get('shared') as unknown[][];
    expect(shared[0]).toBe(shared[1]);
    expect(d.get('ints')).toContain(2 ** 53 - 1);
    expect(d.get('ints')).toContain(2n ** 70n);
  });

  it('reads pickles one after the other from an offset', () => {
    const two = Uint8Array.from([...pickle(P.int(5)), ...pickle(P.str('x'))]);
    const first = readPickle(two, { file: 'f' });
    expect(first.value).toBe(5);
    expect(readPickle(two, { file: 'f', offset: first.end })).toEqual({ value: 'x', end: two.length });
  });
});

describe('readPickle refuses', () => {
  it.each([
    ['GLOBAL builtins.eval', pickle(P.global('builtins', 'eval'), P.str('1'), [0x85], P.reduce), 'builtins.eval'],
    ['GLOBAL posix.system', pickle(P.global('posix', 'system'), P.str('id'), [0x85], P.reduce), 'posix.system'],
    ['STACK_GLOBAL os.system', Uint8Array.from([0x80, 4, 0x8c, 2, ...Buffer.from('os'), 0x8c, 6, ...Buffer.from('system'), 0x93, 0x2e]), 'os.system'],
    ['INST os.system', Uint8Array.from([0x28, ...Buffer.from("ios\nsystem\nS'id'\n."), 0x2e]), 'os.system'],
    ['GLOBAL torch.load', pickle(P.global('torch', 'load')), 'torch.load'],
    ['GLOBAL _codecs.encode', pickle(P.global('_codecs', 'encode')), '_codecs.encode'],
  ])('%s, naming it', (_, bytes, name) => refuses(bytes, new RegExp(`global ${name.replace('.', '\\.')}, which recap does not allow: refused, nothing was executed`)));

  it('a listed global only as the caller allows it', () => {
    const spec = { 'torch.FloatStorage': {} };
    expect(() => read(pickle(P.global('torch', 'FloatStorage')))).toThrow(/torch\.FloatStorage/);
    expect(read(pickle(P.global('torch', 'FloatStorage')), { globals: spec })).toMatchObject({ name: 'torch.FloatStorage' });
    refuses(pickle(P.global('torch', 'FloatStorage'), P.emptyTuple, P.reduce), /REDUCE of torch\.FloatStorage, which is not callable here/, { globals: spec });
    const called: unknown[] = [];
    const calls = { 'm.f': { call: (a: readonly unknown[]) => called.push(a) } };
    read(pickle(P.global('m', 'f'), P.int(1), [0x85], P.reduce), { globals: calls });
    expect(called).toEqual([[1]]);
  });

  it('REDUCE, NEWOBJ and BUILD on anything else', () => {
    refuses(pickle(P.str('eval'), P.emptyTuple, P.reduce), /REDUCE of something that is not a global/);
    refuses(pickle(P.global('collections', 'OrderedDict'), P.emptyList, P.reduce), /without an argument tuple/);
    refuses(pickle(P.global('collections', 'OrderedDict'), P.int(3), [0x85], P.reduce), /OrderedDict takes/);
    refuses(pickle(P.emptyList, P.emptyDict, P.build), /BUILD on something that is not a dict/);
    refuses(pickle(P.emptyDict, P.int(3), P.build), /BUILD with a state that is not a dict/);
  });

  it('OrderedDict as Python 2 and 3 pickle it, and BUILD setting its attributes', () => {
    const pairs = [P.mark, P.mark, P.str('a'), P.int(1), [0x6c], P.mark, P.str('b'), P.int(2), [0x6c], [0x6c]].flat();
    const od = read(pickle(P.global('collections', 'OrderedDict'), pairs, [0x85], P.reduce)) as PyDict;
    expect(od.ordered).toBe(true);
    expect([...od]).toEqual([['a', 1], ['b', 2]]);
    const built = read(pickle(P.emptyDict, P.emptyDict, P.str('_metadata'), P.int(7), P.setitem, P.build)) as PyDict;
    expect(built.size).toBe(0);
    expect(built.attributes.get('_metadata')).toBe(7);
  });

  it('opcodes it does not read, persistent ids without a handler, a newer protocol', () => {
    refuses(Uint8Array.from([0x80, 2, 0x82, 1, 0x2e]), /EXT1\): an opcode recap does not read/);
    refuses(Uint8Array.from([0x80, 5, 0x97, 0x2e]), /NEXT_BUFFER\): an opcode recap does not read/);
    refuses(Uint8Array.from([0x80, 2, 0xff, 0x2e]), /not a pickle opcode/);
    refuses(pickle(P.str('x'), P.binpersid), /a persistent id, which this pickle may not hold/);
    refuses(Uint8Array.from([0x80, 6, 0x4e, 0x2e]), /protocol 6 is newer than 5/);
    refuses(Uint8Array.from([0x80, 2, 0x8b, 0, 0, 1, 0, 0x2e]), /an integer of 65536 bytes/);
  });

  it('malformed stacks, memo and keys', () => {
    refuses(pickle(P.setitems), /no MARK to pop to/);
    refuses(Uint8Array.from([0x80, 2, 0x2e]), /stack underflow/);
    refuses(pickle(P.mark), /stack underflow/);
    refuses(pickle([0x68, 3]), /memo entry 3 was never stored/);
    refuses(pickle(P.emptyDict, P.emptyList, P.int(1), P.setitem), /unhashable/);
    refuses(pickle(P.int(1), P.int(2), P.append), /APPEND to something that is not a list/);
    refuses(pickle(P.emptyDict, P.mark, P.int(1), P.setitems), /odd number/);
    refuses(Uint8Array.from([0x80, 2, 0x55, 2, 0xc3, 0x28, 0x2e]), /not UTF-8/);
  });

  it('every truncation of a real pickle', () => {
    const bytes = new Uint8Array(readFileSync(new URL('plain_protocol4.pkl', DIR)));
    for (let n = 0; n < bytes.length; n += 7) refuses(bytes.subarray(0, n), /truncated|stack underflow|no end of line/);
  });
});
