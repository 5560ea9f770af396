// Beam search on worker threads: sampleAsync / sampleTopKAsync split the images over the threads
// and give exactly sample() / sampleTopK()'s captions and scores, for any thread count, with and
// without the decoding options.
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

const script = new URL('./shared/beam-run.mjs', import.meta.url).pathname;
const run = (threads: number, cell: string, dtype: string) =>
  JSON.parse(execFileSync(process.execPath, [script, String(threads), cell, dtype], { encoding: 'utf8' }).trim().split('\n').pop()!);

describe.each([['lstm', 'float32'], ['rnn', 'float64']])('%s %s beam search', (cell, dtype) => {
  it('sampleAsync and sampleTopKAsync on 1, 2 and 3 threads equal sample() and sampleTopK() (23 images)', () => {
    const one = run(1, cell, dtype);
    expect(one.threads).toBe(1);
    for (const name of ['plain', 'options']) {
      const c = one[name];
      expect(c.sync.length).toBe(23);
      expect(c.async).toEqual(c.sync);
      expect(c.topAsync).toEqual(c.top);
      expect(c.scoresAsync).toEqual(c.scores);
      // captions differ between images, and some end early (<NULL> padding after <END>)
      expect(new Set(c.sync.map((r: number[]) => r.join())).size).toBeGreaterThan(1);
      expect(c.sync.some((r: number[]) => r[r.length - 1] === 0)).toBe(true);
    }
    expect(one.options.top).not.toEqual(one.plain.top);
    for (const t of [2, 3]) {
      const r = run(t, cell, dtype);
      expect(r.threads).toBe(t);
      for (const name of ['plain', 'options']) {
        expect(r[name].sync).toEqual(one[name].sync);
        expect(r[name].async).toEqual(one[name].sync);
        expect(r[name].top).toEqual(one[name].top);
        expect(r[name].topAsync).toEqual(one[name].top);
        expect(r[name].scoresAsync).toEqual(one[name].scores);
      }
    }
  });
});
