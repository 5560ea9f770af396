// NpyFile (recap/node): a large .npy read by rows without loading it whole.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FormatError, RecapError, readNpy, tensor, writeNpy } from '../../src/index.js';
import { NpyFile } from '../../src/node.js';

const dir = mkdtempSync(join(tmpdir(), 'recap-npyfile-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const FIXTURES = new URL('../fixtures/interop/readers/', import.meta.url);

describe('NpyFile', () => {
  const rows = tensor(Array.from({ length: 7 * 5 }, (_, i) => i * 0.5 - 3), [7, 5], 'float64');
  const path = join(dir, 'rows.npy');
  writeFileSync(path, writeNpy(rows));

  it('reads the header, then any run of rows, equal to the whole array read at once', () => {
    const f = NpyFile.open(path);
    try {
      expect(f.header.shape).toEqual([7, 5]);
      expect(f.header.dtype).toBe('float64');
      expect(f.rowBytes).toBe(40);
      const part = f.readRows(2, 3);
      expect(part.shape).toEqual([3, 5]);
      expect(Array.from(part.data)).toEqual(Array.from(rows.data.subarray(10, 25)));
      expect(f.readRows(7, 0).shape).toEqual([0, 5]);
      expect(f.readAll().data).toEqual(rows.data);
      expect(() => f.readRows(5, 3)).toThrow(RecapError);
      expect(() => f.readRows(-1, 1)).toThrow(/^start: expected an integer in \[0, 7\]/);
    } finally {
      f.close();
    }
    expect(() => f.readRows(0, 1)).toThrow(/NpyFile: expected an open file/);
  });

  it('big-endian rows and Fortran-order files written by numpy', () => {
    const be = NpyFile.open(new URL('i8_be_v1.npy', FIXTURES).pathname);
    expect(Array.from(be.readRows(1, 1).data)).toEqual([1, 8, 15]);
    be.close();
    const fo = NpyFile.open(new URL('fortran_f8.npy', FIXTURES).pathname);
    expect(() => fo.readRows(0, 1)).toThrow(FormatError);
    expect(fo.readAll().data).toEqual(readNpy(readFileSync(new URL('fortran_f8.npy', FIXTURES))).data);
    fo.close();
  });

  it('a truncated file or one with trailing bytes is refused when opened', () => {
    const bytes = readFileSync(path);
    writeFileSync(join(dir, 'short.npy'), bytes.subarray(0, bytes.length - 1));
    expect(() => NpyFile.open(join(dir, 'short.npy'))).toThrow(/short\.npy: truncated data: shape \(7, 5\) of <f8 needs 280 bytes, 279 present/);
    writeFileSync(join(dir, 'long.npy'), Buffer.concat([bytes, Buffer.from([0])]));
    expect(() => NpyFile.open(join(dir, 'long.npy'))).toThrow(/1 unexpected bytes after the data/);
    writeFileSync(join(dir, 'head.npy'), bytes.subarray(0, 30));
    expect(() => NpyFile.open(join(dir, 'head.npy'))).toThrow(/truncated header/);
  });
});
