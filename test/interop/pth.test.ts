// PyTorch .pth files: readPth and readStateDict on files torch.save wrote (test/fixtures/pth, made
// by scripts/make-pth-fixtures.py): zip and legacy formats, protocols 2/4/5, views, half /
// bfloat16 / double / integer tensors, wrappers; the same bits as the same tensors in
// safetensors and .npz; malicious pickles refused; damaged files FormatErrors naming the entry;
// and, where Debian's python3-torchvision is installed, a real resnet18() state dict.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { FormatError, Tensor, readNpz, readPth, readSafetensors, readStateDict } from '../../src/index.js';
import { P, dictPickle, f32bytes, legacyPth, pickle, tensorOps, zipPth } from './pickle-builder.js';

const DIR = new URL('../fixtures/pth/', import.meta.url);
const file = (name: string) => new Uint8Array(readFileSync(new URL(name, DIR)));
interface Want { shape: number[]; dtype: string; data: number[] }
const manifest: { state_dict: Record<string, Want>; files: Record<string, { tensors?: string; error?: string }> } = JSON.parse(readFileSync(new URL('manifest.json', DIR), 'utf8'));
const holding = Object.keys(manifest.files).filter((f) => manifest.files[f].tensors);
const pths = holding.filter((f) => f.endsWith('.pth'));
// state_dict() order, as torch.save keeps it (manifest.json's keys are sorted)
const ORDER = ['0.weight', '0.bias', '1.weight', '1.bias', '1.running_mean', '1.running_var', '1.num_batches_tracked', 'half', 'bfloat16', 'double',
  'int32', 'uint8', 'bool', 'param', 'base', 'rows', 'columns', 'transposed', 'element', 'expanded', 'empty'];
const bits = (t: Tensor) => Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength);
/** Whether two tensors hold the same bytes (Buffer.equals: vitest's toEqual on megabytes of elements is far too slow). */
const sameBits = (a: Tensor, b: Tensor) => bits(a).equals(bits(b));

function error(fn: () => unknown): FormatError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(FormatError);
    return e as FormatError;
  }
  throw new Error('no error thrown');
}

describe('.pth files torch.save wrote', () => {
  it('the fixtures cover zip, legacy and tar formats, protocols 2, 4 and 5, both wrappers, and refusals', () => {
    expect(pths).toEqual(expect.arrayContaining(['small_zip.pth', 'small_legacy.pth', 'small_tar.pth', 'small_protocol4.pth', 'small_legacy_protocol5.pth', 'wrapped_state_dict.pth', 'wrapped_model_legacy.pth']));
    expect(Object.keys(manifest.state_dict).sort()).toEqual([...ORDER].sort());
  });

  it.each(holding)('readStateDict(%s) gives the state dict: names, shapes, dtypes, values', (name) => {
    const sd = readStateDict(file(name), name);
    expect(Object.keys(sd).sort()).toEqual([...ORDER].sort());
    for (const [k, want] of Object.entries(manifest.state_dict)) {
      expect(sd[k].shape, k).toEqual(want.shape);
      expect(sd[k].dtype, k).toBe(want.dtype);
      expect(Array.from(sd[k].data), k).toEqual(want.dtype === 'float32' ? Array.from(Float32Array.from(want.data)) : want.data);
    }
  });

  it.each(pths)('readPth(%s) keeps state_dict() order and gives the same bits as safetensors and .npz', (name) => {
    const sd = readPth(file(name), { name });
    expect(Object.keys(sd)).toEqual(ORDER);
    const st = readSafetensors(file('small.safetensors')).tensors;
    const npz = readNpz(file('small.npz'));
    for (const k of ORDER) {
      expect(sameBits(sd[k], st[k]), k).toBe(true);
      expect(sameBits(sd[k], npz[k]), k).toBe(true);
    }
  });

  it('views are copied out: a storage offset, transposed and strided views, a zero stride', () => {
    const sd = readPth(file('small_legacy.pth'));
    const base = Array.from(sd.base.data);
    expect(Array.from(sd.rows.data)).toEqual(base.slice(5, 15));
    expect(Array.from(sd.columns.data)).toEqual([1, 3, 6, 8, 11, 13, 16, 18].map((i) => base[i]));
    expect(sd.transposed.data[4 * 4 + 3]).toBe(sd.base.data[3 * 5 + 4]);
    expect(sd.transposed.data[1 * 4 + 2]).toBe(sd.base.data[2 * 5 + 1]);
    expect(sd.element.data[0]).toBe(base[19]);
    expect(Array.from(sd.expanded.data)).toEqual([2.5, 2.5, 2.5, 2.5, 2.5, 2.5]);
    expect(sd['1.num_batches_tracked'].shape).toEqual([]);
    expect(sd['1.num_batches_tracked'].data[0]).toBe(7);
  });
});

describe('.pth files that would run code are refused, nothing executed', () => {
  const refused = Object.keys(manifest.files).filter((f) => manifest.files[f].error);
  it.each(refused)('%s', (name) => {
    const probe = '/tmp/recap-pth-pwned';
    rmSync(probe, { force: true });
    const e = error(() => readStateDict(file(name), name));
    expect(e.message).toContain(name);
    expect(e.message).toContain(`global ${manifest.files[name].error}, which recap does not allow: refused, nothing was executed`);
    expect(existsSync(probe)).toBe(false);
  });

  it('a whole pickled module gets a hint to save its state_dict()', () => {
    expect(error(() => readPth(file('whole_module.pth'))).message).toMatch(/Save model\.state_dict\(\) instead/);
  });

  it('a storage type recap does not read, a persistent id that is not a storage, a TorchScript archive', () => {
    const complex = dictPickle([['w', tensorOps('0', 1, 0, [1], [1], 'ComplexFloatStorage')]]);
    expect(error(() => readPth(zipPth(complex, { 0: new Uint8Array(8) }), { name: 'c.pth' })).message).toMatch(/torch\.ComplexFloatStorage.*recap reads float, double, half/);
    const module = dictPickle([['w', [...P.mark, ...P.str('module'), ...P.none, ...P.tuple, ...P.binpersid]]]);
    expect(error(() => readPth(zipPth(module, {}))).message).toMatch(/nn\.Module class/);
    const script = zipPth(dictPickle([]), {}, { 'archive/constants.pkl': pickle(P.none) });
    expect(error(() => readPth(script)).message).toMatch(/TorchScript/);
  });
});

describe('damaged .pth files are FormatErrors naming the file and the entry', () => {
  const w = (size: number[], stride: number[], numel = 6, offset = 0, type?: string) => dictPickle([['w', tensorOps('0', numel, offset, size, stride, type)]]);
  const six = f32bytes([0, 1, 2, 3, 4, 5]);

  it('a hand-made zip .pth reads (the builder is right)', () => {
    const sd = readPth(zipPth(w([3, 2], [1, 3]), { 0: six }));
    expect(Array.from(sd.w.data)).toEqual([0, 3, 1, 4, 2, 5]);
  });

  it.each([
    ['missing storage', zipPth(w([6], [1]), {}), 'x.pth/archive/data/0: storage 0 of tensor "w" is missing from the file'],
    ['short storage', zipPth(w([6], [1]), { 0: six.subarray(0, 20) }), 'storage 0 holds 20 bytes, its 6 FloatStorage elements need 24'],
    ['view past the storage', zipPth(w([3, 2], [2, 1], 6, 1), { 0: six }), 'reach element 6 of storage 0, which has 6'],
    ['absurd size', zipPth(w([65536, 65536], [65536, 1]), { 0: six }), 'has 4294967296 elements'],
    ['absurd storage', zipPth(w([6], [1], 2 ** 31 - 1), { 0: six }), 'its 2147483647 FloatStorage elements need'],
    ['zero stride over too much', zipPth(w([4096, 8192], [0, 0]), { 0: six }), 'repeats 1 stored elements 33554432 times'],
    ['size and stride lengths', zipPth(w([6], [1, 1]), { 0: six }), 'size (6) and stride (1,1) have different lengths'],
    ['an int64 beyond int32', zipPth(w([1], [1], 1, 0, 'LongStorage'), { 0: Uint8Array.of(0, 0, 0, 0, 1, 0, 0, 0) }), 'tensor "w"[0] = 4294967296 does not fit int32'],
    ['not a dict', zipPth(pickle(P.emptyList), {}), 'holds a list, not a state dict'],
    ['an entry that is no tensor', zipPth(dictPickle([['w', P.int(3)]]), {}), 'entry "w" is an int, not a tensor'],
    ['no data.pkl', zipSync({ 'a/b.bin': six }), 'a zip archive without data.pkl'],
    ['big-endian', zipPth(w([6], [1]), { 0: six }, { 'archive/byteorder': new TextEncoder().encode('big') }), 'recap reads little-endian files only'],
    ['a storage seen with two types', zipPth(dictPickle([['a', tensorOps('0', 6, 0, [6], [1])], ['b', tensorOps('0', 6, 0, [6], [1], 'IntStorage')]]), { 0: six }),
      'storage 0 appears as 6 FloatStorage and as 6 IntStorage elements'],
  ])('%s', (_, bytes, message) => {
    const e = error(() => readPth(bytes, { name: 'x.pth' }));
    expect(e.message).toMatch(/^x\.pth/);
    expect(e.message).toContain(message);
  });

  it('a CRC mismatch in a storage', () => {
    const bytes = file('small_zip.pth');
    const name = Buffer.from(bytes).indexOf('small_zip/data/0'); // the first is the local header's
    const header = name - 30;
    const data = name + 16 + (bytes[header + 28] | (bytes[header + 29] << 8));
    const bad = bytes.slice();
    bad[data] ^= 1;
    expect(error(() => readPth(bad, { name: 'z.pth' })).message).toMatch(/^z\.pth\/small_zip\/data\/0: CRC-32 mismatch/);
  });

  it('every truncation of a legacy file', () => {
    const bytes = file('small_legacy.pth');
    for (let n = 0; n < bytes.length; n += 3) expect(error(() => readPth(bytes.subarray(0, n), { name: 'l.pth' })).message).toMatch(/^l\.pth: /);
  });

  const legacy = (view: null | [string, number, number], size = [2], stride = [1], offset = 0) => dictPickle([['w', tensorOps('7', 6, offset, size, stride, 'FloatStorage', view)]]);
  it('hand-made legacy files: a storage view, and the storage section checked', () => {
    expect(Array.from(readPth(legacyPth(legacy(null, [3], [2]), [['7', 6, six]])).w.data)).toEqual([0, 2, 4]);
    expect(Array.from(readPth(legacyPth(legacy(['v', 3, 3], [2], [1], 1), [['7', 6, six]])).w.data)).toEqual([4, 5]);
    const cases: Array<[Uint8Array, string]> = [
      [legacyPth(legacy(null), [['7', 5, six.subarray(0, 20)]]), 'storage 7 holds 5 elements, its tensors say 6'],
      [legacyPth(legacy(null), [['7', 6, six.subarray(0, 20)]]), 'truncated: storage 7 needs 24 bytes'],
      [legacyPth(legacy(null), []), 'storage 7 of tensor "w" is missing from the file'],
      [legacyPth(legacy(null), [['7', 6, six], ['8', 6, six]]), 'storage 8 is in the key list but no tensor refers to it'],
      [legacyPth(legacy(['v', 3, 4]), [['7', 6, six]]), 'storage view v [3, 7) lies outside storage 7 of 6 elements'],
      [legacyPth(legacy(['v', 3, 3], [2], [1], 2), [['7', 6, six]]), 'reach element 3 of storage 7, which has 3'],
      [legacyPth(dictPickle([['w', tensorOps('7', 6, 0, [6], [1])]]), [['7', 6, six]]), 'a storage id of 5 items, expected 6'],
    ];
    for (const [bytes, message] of cases) expect(error(() => readPth(bytes, { name: 'h.pth' })).message).toContain(message);
  });

  it('legacy headers: no magic number, another protocol version, big-endian', () => {
    expect(error(() => readPth(pickle(P.int(3)), { name: 'p.pth' })).message).toMatch(/not a PyTorch file/);
    const bytes = file('small_legacy.pth');
    const version = bytes.slice();
    expect(Array.from(version.subarray(15, 21))).toEqual([0x80, 2, 0x4d, 0xe9, 3, 0x2e]); // the magic number's pickle is 15 bytes
    version[18] = 0xea;
    expect(error(() => readPth(version)).message).toMatch(/protocol version 1002, expected 1001/);
    const big = bytes.slice();
    big[big.indexOf(0x88, Buffer.from(bytes).indexOf('little_endian'))] = 0x89; // its NEWTRUE → NEWFALSE
    expect(error(() => readPth(big)).message).toMatch(/does not say little_endian/);
  });

  it('readStateDict: garbage, empty, tar', () => {
    expect(error(() => readStateDict(Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8, 9), 'g.bin')).message).toBe('g.bin: not a .safetensors, .npz or .pth file (it starts with the bytes 01 02 03 04 05 06 07 08)');
    expect(error(() => readStateDict(new Uint8Array(0))).message).toMatch(/^weights: .*empty/);
    const tar = new Uint8Array(1024);
    tar.set(new TextEncoder().encode('ustar'), 257);
    expect(error(() => readStateDict(tar, 't.pth')).message).toMatch(/^t\.pth: tar header checksum "" is not an octal number/);
  });

  it('tar-format files: every truncation, a corrupt header, a member missing', () => {
    const bytes = file('small_tar.pth');
    const last = bytes.findLastIndex((b) => b !== 0); // after it, the archive's zero padding
    for (let n = 0; n <= last; n += 97) expect(error(() => readPth(bytes.subarray(0, n), { name: 't.pth' })).message).toMatch(/^t\.pth/);
    const bad = bytes.slice();
    bad[3] ^= 1; // the first member's name
    expect(error(() => readPth(bad, { name: 't.pth' })).message).toMatch(/checksum mismatch/);
    const renamed = bytes.slice();
    renamed[0] = 0x53; // 'storages' → 'Storages', checksum fixed up
    const sum = renamed.subarray(0, 512).reduce((a, b, i) => a + (i >= 148 && i < 156 ? 0x20 : b), 0);
    renamed.set(new TextEncoder().encode(`${sum.toString(8).padStart(6, '0')}\0 `), 148);
    expect(error(() => readPth(renamed, { name: 't.pth' })).message).toMatch(/without the member "storages"/);
  });

  it('readStateDict: a wrapper is unwrapped only when it is one dict among non-tensors', () => {
    const inner = dictPickle([['w', tensorOps('0', 6, 0, [6], [1])]]);
    const innerOps = [...inner.subarray(2, inner.length - 1)];
    const both = zipPth(dictPickle([['state_dict', innerOps], ['model', innerOps]]), { 0: six });
    expect(error(() => readStateDict(both)).message).toContain('entry "state_dict" is a dict, not a tensor');
    const one = zipPth(dictPickle([['epoch', P.int(3)], ['model', innerOps]]), { 0: six });
    expect(Object.keys(readStateDict(one))).toEqual(['w']);
  });
});

const torchvision = spawnSync('/usr/bin/python3', ['-c', 'import torchvision'], { stdio: 'ignore' }).status === 0;

describe.skipIf(!torchvision)('live: a torchvision resnet18() state dict saved by torch', () => {
  it('zip, legacy and tar .pth give every key, shape and value np.savez wrote', () => {
    const dir = mkdtempSync(join(tmpdir(), 'recap-pth-'));
    try {
      const script = new URL('../../scripts/make-pth-fixtures.py', import.meta.url).pathname;
      const r = spawnSync('/usr/bin/python3', [script, '--live', dir], { encoding: 'utf8', timeout: 300_000 });
      expect(r.status, r.stderr).toBe(0);
      const keys: Array<[string, number[]]> = JSON.parse(readFileSync(join(dir, 'keys.json'), 'utf8'));
      expect(keys.length).toBe(122); // 62 parameters + 20 batch norms × 3 buffers
      const npz = readNpz(new Uint8Array(readFileSync(join(dir, 'resnet18.npz'))));
      for (const f of ['resnet18_zip.pth', 'resnet18_legacy.pth', 'resnet18_tar.pth']) {
        const bytes = new Uint8Array(readFileSync(join(dir, f)));
        const t0 = performance.now();
        const sd = readStateDict(bytes, f);
        console.log(`${f}: ${(bytes.length / 2 ** 20).toFixed(1)} MiB read in ${(performance.now() - t0).toFixed(0)} ms`);
        expect(Object.keys(sd)).toEqual(keys.map(([k]) => k));
        for (const [k, shape] of keys) {
          expect(sd[k].shape, k).toEqual(shape);
          expect(sd[k].dtype, k).toBe(k.endsWith('num_batches_tracked') ? 'int32' : 'float32');
          expect(sameBits(sd[k], npz[k]), `${f} ${k}`).toBe(true);
        }
        expect(sd['bn1.num_batches_tracked'].data[0]).toBe(12);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 600_000);
});
