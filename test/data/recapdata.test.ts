// .recapdata: round trip, and typed errors on corruption; the file helpers never leave a
// half-written file.
import { mkdtempSync, readFileSync, writeFileSync, existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FormatError, RecapError, crc32, decodeRecapData, encodeRecapData, parseKarpathy, prepareCaptions, tensor, toCaptionData, type PreparedData } from '../../src/index.js';
import { readRecapDataFile, writeRecapDataFile } from '../../src/node.js';
import { makeKarpathyFixture } from '../support/karpathy-fixture.js';

function prepared(dtype: 'float32' | 'float64' = 'float32', withPca = false): PreparedData {
  const fx = makeKarpathyFixture();
  const p = prepareCaptions(parseKarpathy(JSON.stringify(fx.json)));
  const feat = (ids: string[]) => tensor(ids.flatMap((id) => Array.from(fx.features.get(id)!)), [ids.length, 12], dtype);
  const data = toCaptionData(p, { train: feat(p.train.imageIds), val: feat(p.val.imageIds), test: feat(p.test.imageIds) });
  const pca = withPca ? { mean: tensor(Array.from({ length: 20 }, (_, i) => i / 3), [20], 'float64'),
    components: tensor(Array.from({ length: 240 }, (_, i) => Math.sin(i)), [20, 12], 'float64'),
    variances: tensor(Array.from({ length: 12 }, (_, i) => 12 - i), [12], 'float64') } : null;
  return { data, pca, info: { wordCountThreshold: 5, source: 'fixture' } };
}

describe('.recapdata encode/decode', () => {
  for (const [dtype, withPca] of [['float32', false], ['float64', true]] as const) {
    it(`round-trips every field (${dtype}${withPca ? ', PCA' : ''})`, () => {
      const p = prepared(dtype, withPca);
      const bytes = encodeRecapData(p);
      const q = decodeRecapData(bytes);
      for (const k of ['trainCaptions', 'trainImageIdxs', 'trainFeatures', 'valCaptions', 'valImageIdxs', 'valFeatures', 'testCaptions', 'testImageIdxs', 'testFeatures'] as const) {
        expect(q.data[k]!.shape, k).toEqual(p.data[k]!.shape);
        expect(q.data[k]!.dtype, k).toBe(p.data[k]!.dtype);
        expect(Array.from(q.data[k]!.data), k).toEqual(Array.from(p.data[k]!.data));
      }
      expect(q.data.idxToWord).toEqual(p.data.idxToWord);
      expect(q.data.wordToIdx).toEqual(p.data.wordToIdx);
      expect(q.data.testImageIds).toEqual(p.data.testImageIds);
      expect(q.info).toEqual(p.info);
      if (withPca) expect(Array.from(q.pca!.components.data)).toEqual(Array.from(p.pca!.components.data));
      else expect(q.pca).toBeNull();
      // the same bytes at an odd offset take the copying path
      const shifted = new Uint8Array(bytes.length + 1);
      shifted.set(bytes, 1);
      expect(Array.from(decodeRecapData(shifted.subarray(1)).data.valFeatures.data)).toEqual(Array.from(p.data.valFeatures.data));
    });
  }

  it('corruption, truncation, foreign files and newer versions are FormatErrors naming the file', () => {
    const bytes = encodeRecapData(prepared());
    const flip = bytes.slice();
    flip[bytes.length >> 1] ^= 1;
    expect(() => decodeRecapData(flip, 'x.recapdata')).toThrow(/x\.recapdata: checksum mismatch/);
    expect(() => decodeRecapData(bytes.subarray(0, bytes.length - 9), 'x.recapdata')).toThrow(FormatError);
    expect(() => decodeRecapData(new Uint8Array(10), 'x.recapdata')).toThrow(/truncated/);
    const ckpt = bytes.slice();
    ckpt.set(new TextEncoder().encode('RCAPCKPT'));
    expect(() => decodeRecapData(ckpt, 'x.recapdata')).toThrow(/not a recap data file/);
    const newer = bytes.slice();
    new DataView(newer.buffer).setUint32(8, 2, true);
    expect(() => decodeRecapData(newer, 'x.recapdata')).toThrow(/version 2 is newer/);
  });

  it('any single flipped byte or truncation is a FormatError, never another error', () => {
    const bytes = encodeRecapData(prepared('float64', true));
    let s = 7;
    for (let k = 0; k < 300; k++) {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
      const at = s % bytes.length;
      const b = bytes.slice();
      b[at] ^= 1 << (k % 8);
      expect(() => decodeRecapData(b, 'f'), `flip at ${at}`).toThrow(FormatError);
      expect(() => decodeRecapData(bytes.subarray(0, at), 'f'), `cut at ${at}`).toThrow(FormatError);
    }
  });

  it('a consistent checksum over a damaged header or section table is still a FormatError', () => {
    const bytes = encodeRecapData(prepared('float32', true));
    const dv = new DataView(bytes.buffer);
    const hlen = dv.getUint32(12, true);
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(16, 16 + hlen)));
    const sections = bytes.subarray(Math.ceil((16 + hlen) / 8) * 8, bytes.length - 4);
    const rebuild = (h: unknown): Uint8Array => {
      const json = new TextEncoder().encode(JSON.stringify(h));
      const start = Math.ceil((16 + json.length) / 8) * 8;
      const out = new Uint8Array(start + sections.length + 4);
      out.set(bytes.subarray(0, 12));
      new DataView(out.buffer).setUint32(12, json.length, true);
      out.set(json, 16);
      out.set(sections, start);
      new DataView(out.buffer).setUint32(out.length - 4, crc32(out.subarray(0, out.length - 4)), true);
      return out;
    };
    expect(decodeRecapData(rebuild(header)).data.idxToWord).toEqual(header.idxToWord); // the rebuild itself is sound
    const paths: Array<[string, (h: any) => void]> = [
      ['captions offset past the end', (h) => { h.splits.train.captions.offset = 1e9; }],
      ['captions dtype', (h) => { h.splits.val.captions.dtype = 'float32'; }],
      ['feature shape', (h) => { h.splits.val.featureShape = [6, 13]; }],
      ['negative shape', (h) => { h.splits.test.captionShape = [-1, 18]; }],
      ['image rows pointing at the captions', (h) => { h.splits.train.imageIdxs = h.splits.train.captions; }],
      ['vocabulary without <UNK>', (h) => { h.idxToWord[3] = 'unk'; }],
      ['vocabulary too short for the ids', (h) => { h.idxToWord = h.idxToWord.slice(0, 6); }],
      ['duplicate word', (h) => { h.idxToWord[5] = h.idxToWord[4]; }],
      ['missing val', (h) => { delete h.splits.val; }],
      ['PCA width', (h) => { h.pca.dim = 3; }],
      ['not our header', (h) => { h.format = 'other'; }],
      ['ids count', (h) => { h.splits.val.imageIds.pop(); }],
    ];
    for (const [what, mutate] of paths) {
      const h = JSON.parse(JSON.stringify(header));
      mutate(h);
      expect(() => decodeRecapData(rebuild(h), 'f'), what).toThrow(FormatError);
    }
  });

  it('refuses to write inconsistent data: NaN features (naming the image), ids outside the vocabulary', () => {
    const p = prepared();
    (p.data.valFeatures.data as Float32Array)[12 * 2 + 5] = NaN;
    expect(() => encodeRecapData(p)).toThrow(new RegExp(`val features\\[2, 5\\] = NaN \\(image ${p.data.valImageIds![2]}\\) is not finite`));
    const q = prepared();
    (q.data.trainCaptions.data as Int32Array)[3] = q.data.idxToWord.length;
    expect(() => encodeRecapData(q)).toThrow(RecapError);
  });
});

describe('.recapdata files (recap/node)', () => {
  it('write then read; a failed write leaves the previous file whole and no temp file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'recapdata-'));
    const path = join(dir, 'd.recapdata');
    await writeRecapDataFile(path, prepared());
    const before = readFileSync(path);
    expect((await readRecapDataFile(path)).data.trainCaptions.shape).toEqual([165, 18]);
    const bad = prepared();
    (bad.data.trainFeatures.data as Float32Array)[0] = Infinity;
    await expect(writeRecapDataFile(path, bad)).rejects.toThrow(/train features\[0, 0\]/);
    expect(readFileSync(path).equals(before)).toBe(true);
    expect(readdirSync(dir)).toEqual(['d.recapdata']);
    await expect(readRecapDataFile(join(dir, 'none.recapdata'))).rejects.toThrow(/none\.recapdata: no such data file/);
    writeFileSync(join(dir, 'junk'), 'hello world, not a file of ours');
    await expect(readRecapDataFile(join(dir, 'junk'))).rejects.toThrow(FormatError);
    expect(existsSync(path)).toBe(true);
  });
});
