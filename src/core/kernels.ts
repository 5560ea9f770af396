// The typed kernel surface. kernels.generated.ts (from assembly/index.ts, by
// scripts/kernel-types.mjs at build time) gives every export's name and parameters; here are the
// two ways callers reach them, both checked by the compiler: a planned call [name, ...args]
// (what the threads run), and the kernels of one precision by plain name.
import type { Kernels } from './kernels.generated.js';
import type { Precision } from './tensor.js';

export type { Kernels };

/** Every kernel export name. */
export type KernelName = keyof Kernels;

/**
 * One planned kernel call: the export name, then exactly its arguments. A literal such as
 * [`${f}zero_rows`, ptr, R, C] with f: Precision type-checks against both precisions' exports.
 */
export type Call = { [K in KernelName]: [K, ...Parameters<Kernels[K]>] }[KernelName];

/** The kernels exported in both precisions, by their name without the f32_/f64_ prefix. */
export type FloatKernelName = {
  [K in KernelName]: K extends `f32_${infer B}` ? (`f64_${B}` extends KernelName ? B : never) : never;
}[KernelName];

/** The kernels of one precision by plain name (f32_<name> and f64_<name> share one signature). */
export type FloatKernels = { [K in FloatKernelName]: Kernels[`f32_${K}`] };

const byPrecision = new WeakMap<Kernels, Record<Precision, FloatKernels>>();

/** The kernels of precision `p` of a loaded module by plain name: ofPrecision(ks, 'f64_').gemm_nn is ks.f64_gemm_nn. */
export function ofPrecision(ks: Kernels, p: Precision): FloatKernels {
  let both = byPrecision.get(ks);
  if (!both) {
    const pick = (prefix: Precision) => {
      const out: Record<string, unknown> = {};
      for (const [name, fn] of Object.entries(ks)) {
        const plain = name.slice(prefix.length);
        if (name.startsWith(prefix) && `f32_${plain}` in ks && `f64_${plain}` in ks) out[plain] = fn;
      }
      return out as FloatKernels;
    };
    both = { f32_: pick('f32_'), f64_: pick('f64_') };
    byPrecision.set(ks, both);
  }
  return both[p];
}

/**
 * A call whose arguments come from data (the update rules' table), checked when it is built:
 * the export must exist and take exactly `args.length` arguments (a wasm export's `length`).
 */
export function checkedCall(ks: Kernels, name: KernelName, args: readonly number[]): Call {
  const fn = (ks as unknown as Record<string, { length: number } | undefined>)[name];
  if (typeof fn !== 'function') throw new Error(`recap: no kernel ${name}`);
  if (fn.length !== args.length) throw new Error(`recap: kernel ${name} takes ${fn.length} arguments, not ${args.length}`);
  return [name, ...args] as unknown as Call;
}
