// Threads: training results are bit-identical for any thread count (rows, then weight columns,
// each partition's sums in one fixed order), and a failing worker fails the step, never hangs.
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { Pool, runCalls } from '../src/core/threads.js';
import { threadsWasm } from '../src/core/embedded.js';

const script = new URL('./shared/threads-run.mjs', import.meta.url).pathname;
const run = (threads: number, cell: string, dtype: string) =>
  JSON.parse(execFileSync(process.execPath, [script, String(threads), cell, dtype], { encoding: 'utf8' }).trim().split('\n').pop()!);

describe.each([['lstm', 'float32'], ['rnn', 'float64']])('%s %s training run', (cell, dtype) => {
  it('gives the same loss history and parameters on 1, 2 and 3 threads', () => {
    const one = run(1, cell, dtype);
    const two = run(2, cell, dtype);
    const three = run(3, cell, dtype);
    expect(one.threads).toBe(1);
    expect(two.threads).toBe(2);
    expect(three.threads).toBe(3);
    expect(one.steps).toBe(24);
    expect(two.losses).toBe(one.losses);
    expect(two.params).toBe(one.params);
    expect(three.losses).toBe(one.losses);
    expect(three.params).toBe(one.params);
  });
});

describe('worker pool', () => {
  const bytes = Uint8Array.from(atob(threadsWasm), (c) => c.charCodeAt(0));
  async function start(workers: number) {
    const module = await WebAssembly.compile(bytes);
    const memory = new WebAssembly.Memory({ initial: 16, maximum: 16384, shared: true });
    const instance = await WebAssembly.instantiate(module, { env: { memory, abort() { throw new Error('abort'); } } });
    const pool = await Pool.start(workers, module, memory);
    return { pool, kernels: instance.exports as never as Record<string, (...a: number[]) => number>, memory };
  }

  it('runs call lists on workers over the shared memory', async () => {
    const { pool, kernels, memory } = await start(2);
    const base = kernels.heap_base();
    const f = new Float64Array(memory.buffer, base, 8);
    f.set([1, 2, 3, 4, 10, 20, 30, 40]);
    // w -= 1·dw on each half, one half per thread
    await pool.run(kernels, [[['f64_sgd', base, base + 32, 2, 1]], [['f64_sgd', base + 16, base + 48, 2, 1]]]);
    expect(Array.from(f.subarray(0, 4))).toEqual([-9, -18, -27, -36]);
    pool.dispose();
  });

  it('a call that throws in a worker rejects the run (no hang); the pool stays usable', async () => {
    const { pool, kernels } = await start(1);
    await expect(pool.run(kernels, [[], [['no_such_kernel', 1]]])).rejects.toThrow(/no kernel no_such_kernel/);
    await pool.run(kernels, [[], [['f64_sgd', kernels.heap_base(), kernels.heap_base(), 0, 1]]]);
    pool.dispose();
    await expect(pool.run(kernels, [[]])).rejects.toThrow(/disposed/);
  });

  it('a worker that dies fails the pending step with an error, and later runs say so', async () => {
    const { pool, kernels } = await start(1);
    const worker = (pool as unknown as { workers: { terminate(): Promise<number> }[] }).workers[0];
    // a trap inside wasm (out-of-bounds) on the worker, then the worker is killed
    const p = pool.run(kernels, [[], [['f64_sgd', 0x7ffffff0, 0x7ffffff0, 1000, 1]]]);
    await expect(p).rejects.toThrow(/out of bounds|memory access/);
    await worker.terminate();
    await new Promise((r) => setTimeout(r, 50));
    await expect(pool.run(kernels, [[], [['f64_sgd', 0, 0, 0, 1]]])).rejects.toThrow(/failed earlier|exited/);
    pool.dispose();
  });

  it('runCalls executes in order on this thread', () => {
    const seen: number[] = [];
    runCalls({ a: (x: number) => (seen.push(x), 0) }, [['a', 1], ['a', 2]]);
    expect(seen).toEqual([1, 2]);
  });
});
