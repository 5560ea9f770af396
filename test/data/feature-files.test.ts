// Features from files: a folder of per-image .npy, one .npy with ids, an .npz with ids, HDF5;
// checked against the images wanted (missing ids, wrong shapes, NaN) with errors naming the file
// and the record.
import { mkdtempSync, mkdirSync, writeFileSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FormatError, tensor, writeNpy, writeNpz } from '../../src/index.js';
import { readFeatures } from '../../src/node.js';
import { loadH5wasm } from '../../src/data/coco.node.js';
import { makeKarpathyFixture, writeKarpathyFixture } from '../support/karpathy-fixture.js';

const fx = makeKarpathyFixture({ train: 6, val: 2, test: 2, restval: 0, D: 5 });
const ids = [...fx.features.keys()];
const want = [{ id: '7' }, { id: '0' }, { id: '3' }];
const expected = want.flatMap((w) => Array.from(fx.features.get(w.id)!));
const matrix = (order: string[]) => tensor(order.flatMap((id) => Array.from(fx.features.get(id)!)), [order.length, 5], 'float32');

async function formatError(p: Promise<unknown>): Promise<FormatError> {
  const e = await p.then(() => null, (err) => err);
  expect(e).toBeInstanceOf(FormatError);
  return e as FormatError;
}

describe('readFeatures', () => {
  const dir = mkdtempSync(join(tmpdir(), 'feats-'));

  it('a folder of {id}.npy files (and {file stem}.npy)', async () => {
    const { feats } = await writeKarpathyFixture(dir, fx);
    const t = await readFeatures(feats, want);
    expect(t.shape).toEqual([3, 5]);
    expect(Array.from(t.data)).toEqual(expected);
    writeFileSync(join(feats, 'photo_a.npy'), writeNpy(tensor(fx.features.get('1')!, [1, 5], 'float32')));
    const byStem = await readFeatures(feats, [{ id: 'nope', filename: 'imgs/photo_a.jpg' }], { dtype: 'float64' });
    expect(byStem.dtype).toBe('float64');
    expect(Array.from(byStem.data)).toEqual(Array.from(fx.features.get('1')!));
    let seen = 0;
    await readFeatures(feats, want, { onProgress: (d, total) => { seen = d; expect(total).toBe(3); } });
    expect(seen).toBe(3);
  });

  it('folder errors: missing ids named, wrong shapes expected vs actual, NaN naming file and image', async () => {
    const { feats } = await writeKarpathyFixture(join(dir, 'bad'), fx);
    const many = Array.from({ length: 9 }, (_, i) => ({ id: `x${i}` }));
    const e1 = await formatError(readFeatures(feats, [{ id: '1' }, ...many]));
    expect(e1.message).toMatch(/no features for 9 of 10 images \(ids x0, x1, x2, x3, x4 and 4 more\)/);
    writeFileSync(join(feats, '3.npy'), writeNpy(tensor([1, 2, 3], [3], 'float32')));
    const e2 = await formatError(readFeatures(feats, want));
    expect(e2.file).toBe(join(feats, '3.npy'));
    expect(e2.message).toMatch(/image 3: expected shape \(5\) like .*7\.npy, got \(3\)/);
    writeFileSync(join(feats, '3.npy'), writeNpy(tensor([1, 2, NaN, 4, 5], [5], 'float32')));
    const e3 = await formatError(readFeatures(feats, want));
    expect(e3.message).toMatch(/3\.npy: image 3: element 2 is NaN/);
    writeFileSync(join(feats, '3.npy'), writeNpy(tensor([[1, 2], [3, 4]], [2, 2], 'float32')));
    expect((await formatError(readFeatures(feats, want))).message).toMatch(/expected a float32\/float64 array of shape \(5\) or \(1, 5\), got float32 \(2, 2\)/);
  });

  it('one .npy (N, D) with row ids given or in JSON order', async () => {
    const path = join(dir, 'all.npy');
    const order = [...ids].reverse();
    writeFileSync(path, writeNpy(matrix(order)));
    expect(Array.from((await readFeatures(path, want, { rowIds: order })).data)).toEqual(expected);
    expect(Array.from((await readFeatures(path, want, { defaultRowIds: ids, rowIds: order })).data)).toEqual(expected);
    writeFileSync(path, writeNpy(matrix(ids)));
    expect(Array.from((await readFeatures(path, want, { defaultRowIds: ids })).data)).toEqual(expected);
    expect((await formatError(readFeatures(path, want))).message).toMatch(/the array has no ids/);
    expect((await formatError(readFeatures(path, want, { rowIds: ids.slice(1) }))).message).toMatch(/has 10 rows but the given row ids name 9 images/);
    expect((await formatError(readFeatures(path, [{ id: '99' }], { rowIds: ids }))).message).toMatch(/no features for 1 of 1 images \(ids 99/);
    const bad = matrix(ids);
    bad.data[3 * 5 + 1] = Infinity;
    writeFileSync(path, writeNpy(bad));
    expect((await formatError(readFeatures(path, want, { rowIds: ids }))).message).toMatch(/all\.npy: row 3 \(image 3\): element 1 is Infinity/);
  });

  it('an .npz with an ids array; a named key; refusals', async () => {
    const path = join(dir, 'f.npz');
    const order = [3, 1, 0, 2, 4, 5, 6, 7, 8, 9].map(String);
    writeFileSync(path, writeNpz({ feats: matrix(order), ids: tensor(order.map(Number), [10], 'int32') }));
    expect(Array.from((await readFeatures(path, want)).data)).toEqual(expected);
    writeFileSync(path, writeNpz({ a: matrix(order), b: matrix(order) }));
    expect((await formatError(readFeatures(path, want))).message).toMatch(/cannot tell which array holds the features \(a, b\)/);
    expect(Array.from((await readFeatures(path, want, { key: 'b', rowIds: order })).data)).toEqual(expected);
    expect((await formatError(readFeatures(path, want, { key: 'c' }))).message).toMatch(/no array named "c"/);
  });

  it('an HDF5 file with features and ids datasets', async () => {
    const h5 = await loadH5wasm();
    const path = join(dir, 'f.h5');
    const order = [...ids].reverse();
    const f = new h5.File(path, 'w');
    f.create_dataset({ name: 'features', data: Float64Array.from(matrix(order).data), shape: [10, 5], dtype: '<d' });
    f.create_dataset({ name: 'ids', data: Int32Array.from(order.map(Number)), shape: [10], dtype: '<i' });
    f.close();
    const t = await readFeatures(path, want);
    expect(Array.from(t.data)).toEqual(expected);
  });

  it('unknown paths and types', async () => {
    expect((await formatError(readFeatures(join(dir, 'none'), want))).message).toMatch(/no such features file or folder/);
    writeFileSync(join(dir, 'x.csv'), '1,2');
    expect((await formatError(readFeatures(join(dir, 'x.csv'), want))).message).toMatch(/unknown features file type ".csv"/);
    unlinkSync(join(dir, 'x.csv'));
    mkdirSync(join(dir, 'empty'));
    expect((await formatError(readFeatures(join(dir, 'empty'), want))).message).toMatch(/no features for 3 of 3/);
  });
});
