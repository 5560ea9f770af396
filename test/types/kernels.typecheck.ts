// Compiled (not run) by test/types/kernels.test.ts with tsc --noEmit: the typed kernel surface
// accepts well-formed calls and rejects a misspelt kernel, a missing or extra argument and a
// removed kernel. Each @ts-expect-error line must fail to compile, or tsc reports it unused.
import type { Call, FloatKernels, Kernels } from '../../src/core/kernels.js';
import type { Precision } from '../../src/core/tensor.js';

declare const ks: Kernels;
declare const k: FloatKernels;
declare const f: Precision;
const plan: Call[] = [];

// planned calls, as the model's plans write them, in either precision
plan.push([`${f}zero_rows`, 0, 4, 8]);
plan.push([`${f}lstm_cell_backward`, 0, 0, 0, 0, 1, 0, 1, 0, 0, 0, 0, 0, 1, 4, 8]);
plan.push(['f64_gemm_nt', 0, 0, 0, 1, 1, 1, 1, 1, 1, 0]);
plan.push(['heap_base']);
// @ts-expect-error misspelt kernel name
plan.push([`${f}zero_row`, 0, 4, 8]);
// @ts-expect-error missing argument (the LSTM cell backward takes 15)
plan.push([`${f}lstm_cell_backward`, 0, 0, 0, 0, 1, 0, 1, 0, 0, 0, 0, 0, 1, 4]);
// @ts-expect-error extra argument (gemm_nt takes no scratch)
plan.push([`${f}gemm_nt`, 0, 0, 0, 1, 1, 1, 1, 1, 1, 0, 0]);
// @ts-expect-error a removed kernel
plan.push(['f64_add_to', 0, 0, 2]);
// @ts-expect-error a non-number argument
plan.push([`${f}zero_rows`, 0, '4', 8]);

// direct calls: by plain name for one precision, or through the full export name
k.affine_forward(0, 0, 0, 0, 1, 1, 1, 0);
ks[`${f}argmax_rows`](0, 0, 1, 1, 1);
const total: number = ks.f64_sum_squares(0, 4);
// @ts-expect-error missing argument (the scratch pointer)
k.affine_forward(0, 0, 0, 0, 1, 1, 1);
// @ts-expect-error misspelt kernel name
k.afine_forward(0, 0, 0, 0, 1, 1, 1, 0);
// @ts-expect-error missing argument (ldx)
ks[`${f}argmax_rows`](0, 0, 1, 1);
// @ts-expect-error a void kernel returns nothing
const none: number = ks.f32_zero_rows(0, 1, 1);

export { plan, total, none };
