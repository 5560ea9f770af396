// The encoders give the same bits on 1, 2 and 3 threads: layers split by output pixels (large
// maps) or output channels (small maps, fully connected), every element computed by one call in
// one order (test/shared/encoder-run.mjs runs dist/ in a child process per thread count).
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { MAX_PARTS } from '../../src/core/mailbox.js';
import { layerParts } from '../../src/vision/network.js';

const script = new URL('../shared/encoder-run.mjs', import.meta.url).pathname;
const run = (threads: number, arch: string, dtype: string, size: number, batch: number) =>
  JSON.parse(execFileSync(process.execPath, [script, String(threads), arch, dtype, String(size), String(batch)], { encoding: 'utf8' }).trim().split('\n').pop()!);

describe.each([
  ['resnet18', 'float32', 72, 3], ['mobilenet_v2', 'float32', 64, 2], ['resnet50', 'float64', 40, 1],
] as const)('%s %s at %i², batch %i', (arch, dtype, size, batch) => {
  it('gives the same pooled and grid bits on 1, 2 and 3 threads', () => {
    const one = run(1, arch, dtype, size, batch);
    const two = run(2, arch, dtype, size, batch);
    const three = run(3, arch, dtype, size, batch);
    expect([one.threads, two.threads, three.threads]).toEqual([1, 2, 3]);
    expect(one.norm).toBeGreaterThan(0);
    expect(two.pooled).toBe(one.pooled);
    expect(two.grid).toBe(one.grid);
    expect(three.pooled).toBe(one.pooled);
    expect(three.grid).toBe(one.grid);
  });
});

it('a layer is cut into four parts a thread, never more than the mailbox takes', () => {
  expect([1, 2, 3, 8].map(layerParts)).toEqual([1, 8, 12, 32]);
  expect(layerParts(64)).toBe(MAX_PARTS); // 256 parts would be posted whole, a message per worker
  expect(layerParts(1024)).toBe(MAX_PARTS);
});
