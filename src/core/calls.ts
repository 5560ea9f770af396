// Executing planned kernel calls. Imports types only (erased): the worker thread (worker.ts) is
// bundled from this file alone into one self-contained script (scripts/build-worker.mjs).
import type { Call, Kernels } from './kernels.js';

export type { Call, Kernels };

/** Executes a call list (on this thread). */
export function runCalls(kernels: Kernels, calls: readonly Call[]): void {
  for (const call of calls) {
    const fn = kernels[call[0]] as ((...args: number[]) => unknown) | undefined;
    if (!fn) throw new Error(`recap: no kernel ${call[0]}`);
    fn(...(call.slice(1) as number[]));
  }
}

/** Takes call lists from `parts` by the shared counter and executes them, until none is left. */
export function runQueued(kernels: Kernels, parts: readonly (readonly Call[])[], counter: Int32Array): void {
  for (;;) {
    const i = Atomics.add(counter, 0, 1);
    if (i >= parts.length) return;
    runCalls(kernels, parts[i]);
  }
}
