// Pool.runQueue on 2 threads: 9 independent call lists, the first one slow (so the worker takes
// most of the rest); every list must run exactly once (each ADDS its row into dst, so a list run
// twice or skipped shows). Then a list naming no kernel must reject
// the run, and the pool must keep working. Prints one JSON line. Used by test/threads-queue.test.ts.
import { init } from '../../dist/index.js';
import { kernels, rt } from '../../dist/core/runtime.js';
import { WasmBuffer } from '../../dist/core/memory.js';

await init({ threads: 2 });
const { pool } = rt();
const ks = kernels();
const n = 9, len = 64;
const src = new WasmBuffer('float32', n * len), dst = new WasmBuffer('float32', n * len);
src.view().set(Float32Array.from({ length: n * len }, (_, i) => i + 1));
dst.zero();
const big = new WasmBuffer('float32', 512 * 512);
big.zero();
const parts = [];
for (let p = 0; p < n; p++) {
  const c = [['f32_colsum', dst.ptr + p * len * 4, src.ptr + p * len * 4, 1, len, len]]; // dst row p += src row p
  if (p === 0) for (let r = 0; r < 20; r++) c.push(['f32_gemm_nn', big.ptr, big.ptr, big.ptr, 256, 256, 256, 512, 512, 512, 0, 0]);
  parts.push(c);
}
await pool.runQueue(ks, parts);
const copied = Array.from(dst.view()).every((v, i) => v === i + 1);
let rejected = null;
try { await pool.runQueue(ks, [[['f32_copy_rows', dst.ptr, src.ptr, 1, 1]], [['no_such_kernel']], [], []]); } catch (e) { rejected = String(e.message); }
dst.zero();
await pool.runQueue(ks, parts);
const again = Array.from(dst.view()).every((v, i) => v === i + 1);
console.log(JSON.stringify({ copied, rejected, again }));
process.exit(0);
