// One encoder forward on N threads; prints a JSON line with FNV-1a hashes of the pooled and grid
// outputs' bytes. Used by test/vision/encoder-threads.test.ts. Weights: a deterministic pattern of
// the table's shapes (any values do for bitwise comparisons).
import { init, threads, loadEncoder, Tensor } from '../../dist/index.js';
import { network, paramSpecs } from '../../dist/vision/arch.js';

const [want, arch, dtype, size, batch] = [Number(process.argv[2]), process.argv[3], process.argv[4], Number(process.argv[5]), Number(process.argv[6])];
await init({ threads: want });
const sd = {};
for (const { name, shape, optional } of paramSpecs(network(arch))) {
  if (optional) continue;
  const n = shape.reduce((a, b) => a * b, 1);
  const v = new Float32Array(n);
  for (let i = 0; i < n; i++) v[i] = name.endsWith('running_var') ? 0.5 + ((i * 13) % 7) / 7 : Math.sin(i * 0.7 + n) / Math.sqrt(n / shape[0]);
  sd[name] = new Tensor(v, shape);
}
const enc = await loadEncoder(sd, { arch, dtype });
const x = new Tensor(Float32Array.from({ length: batch * 3 * size * size }, (_, i) => Math.cos(i * 0.37)), [batch, 3, size, size]);
function fnv(t, h = 0x811c9dc5) {
  const bytes = new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
  for (let i = 0; i < bytes.length; i++) h = Math.imul(h ^ bytes[i], 0x01000193) >>> 0;
  return h;
}
const pooled = await enc.encode(x);
const grid = await enc.encode(x, { output: 'grid' });
console.log(JSON.stringify({ threads: threads(), pooled: fnv(pooled), grid: fnv(grid), norm: pooled.data.reduce((a, b) => a + Math.abs(b), 0) }));
