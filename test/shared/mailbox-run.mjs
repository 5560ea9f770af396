// The pool's mailbox channel (src/core/mailbox.ts) on 2 threads, printing one JSON line (used by
// test/threads-mailbox.test.ts): many back-to-back jobs, queued and fixed, each part ADDING a row
// into dst so that a part run twice or skipped shows; jobs after pauses (the worker has gone back
// to its event loop and is woken by a message); a job whose caller does other work before
// awaiting it, and a second job started before the first was awaited; a part that traps, on the
// worker and on this thread, after which the pool keeps working; a job too large for the
// mailbox (posted whole instead).
import { init } from '../../dist/index.js';
import { kernels, rt } from '../../dist/core/runtime.js';
import { WasmBuffer } from '../../dist/core/memory.js';

await init({ threads: 2 });
const { pool } = rt();
const ks = kernels();
const len = 32, rows = 4;
const src = new WasmBuffer('float32', rows * len), dst = new WasmBuffer('float32', rows * len);
src.view().set(Float32Array.from({ length: rows * len }, (_, i) => i + 1));
const add = (p) => ['f32_colsum', dst.ptr + p * len * 4, src.ptr + p * len * 4, 1, len, len]; // dst row p += src row p
const times = (k) => Array.from(dst.view()).every((v, i) => v === k * (i + 1));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const out = {};

dst.zero();
const before = { ...pool.stats };
const queued = [0, 1, 2, 3].map((p) => [add(p)]);
for (let j = 0; j < 2000; j++) await pool.runQueue(ks, queued);
out.queued = times(2000);
const fixed = [[add(0), add(1)], [add(2), add(3)]];
for (let j = 0; j < 1000; j++) await pool.run(ks, fixed);
out.fixed = times(3000);
out.viaMailbox = pool.stats.mailbox - before.mailbox;
out.posted = pool.stats.posted - before.posted;

dst.zero();
for (let j = 0; j < 20; j++) {
  await sleep(8); // longer than the worker watches: it sleeps and must be woken
  await pool.runQueue(ks, queued);
  await pool.run(ks, fixed);
}
out.afterPauses = times(40);

dst.zero();
const pending = pool.run(ks, [[], [add(0), add(1), add(2), add(3)]]); // this thread has no part: it returns to its caller
let busyWork = 0;
for (let i = 0; i < 1e5; i++) busyWork += i;
const second = pool.runQueue(ks, queued); // started before the first was awaited: runs after it
await Promise.all([pending, second]);
out.overlapped = times(2) && busyWork > 0;

const trap = ['f32_copy_rows', 0x7ffffff0, src.ptr, 1, 1 << 20]; // out of bounds of the memory
out.workerTrap = await pool.run(ks, [[add(0)], [trap]]).then(() => null, (e) => String(e.message));
out.localTrap = await pool.run(ks, [[trap], [add(1)]]).then(() => null, (e) => String(e.message));
out.queuedTrap = await pool.runQueue(ks, [[add(0)], [trap], [add(1)], [add(2)]]).then(() => null, (e) => String(e.message));
dst.zero();
await pool.runQueue(ks, queued);
await pool.run(ks, fixed);
out.afterTraps = times(2);

dst.zero();
const postedBefore = pool.stats.posted;
const many = Array.from({ length: 180000 }, () => ['f32_colsum', dst.ptr, src.ptr, 1, 1, 1]); // 7 doubles each: over the mailbox's 2^20
await pool.runQueue(ks, [many, [add(1)]]);
out.largeJob = dst.view()[0] === 180000 && dst.view()[len] === len + 1 && pool.stats.posted === postedBefore + 1;
console.log(JSON.stringify(out));
process.exit(0);
