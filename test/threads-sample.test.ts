// Greedy sampling on worker threads: sampleAsync splits the batch rows over the threads and
// gives exactly sample()'s captions, for any thread count.
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

const script = new URL('./shared/sample-run.mjs', import.meta.url).pathname;
const run = (threads: number, cell: string, dtype: string) =>
  JSON.parse(execFileSync(process.execPath, [script, String(threads), cell, dtype], { encoding: 'utf8' }).trim().split('\n').pop()!);

describe.each([['lstm', 'float32'], ['rnn', 'float64']])('%s %s greedy sampling', (cell, dtype) => {
  it('sampleAsync on 1, 2 and 3 threads equals sample() (23 images, uneven row split)', () => {
    const one = run(1, cell, dtype);
    expect(one.threads).toBe(1);
    expect(one.sync.length).toBe(23);
    expect(one.sync[0].length).toBe(9);
    expect(one.par).toEqual(one.sync);
    expect(one.parFirst).toEqual(one.sync);
    expect(one.again).toEqual(one.sync.map((r: number[]) => r.slice(0, 5)));
    // not all one word: the comparison can tell captions apart
    expect(new Set(one.sync.flat()).size).toBeGreaterThan(1);
    for (const t of [2, 3]) {
      const r = run(t, cell, dtype);
      expect(r.threads).toBe(t);
      expect(r.sync).toEqual(one.sync);
      expect(r.par).toEqual(one.sync);
      expect(r.parFirst).toEqual(one.sync); // the folded table built on t threads
      expect(r.again).toEqual(one.again);
    }
  });
});
