// Shared pieces of the property-based fuzz suites (test/fuzz/*.test.ts).
//
// Every property runs with a fixed seed (RECAP_FUZZ_SEED, default below) so a failure in CI
// reproduces; fast-check prints the seed and the shrunk counterexample on failure. The number
// of cases per property is RECAP_FUZZ_RUNS (default 200) times the property's weight.
//
// The contract checked everywhere: a call either works or throws the library's typed error
// (RecapError for bad arguments, FormatError for bad files, UsageError for the CLI,
// DivergenceError for a diverging run). Never a wasm trap (WebAssembly.RuntimeError), a
// TypeError/RangeError from deep inside, or a plain Error.
import fc from 'fast-check';
import { afterAll, expect } from 'vitest';
import { LegacyRandom, RecapError, Tensor, tensor, type DType } from '../../src/index.js';

export const FUZZ_SEED = Number(process.env.RECAP_FUZZ_SEED ?? 0x5eed231);
export const FUZZ_RUNS = Math.max(1, Number(process.env.RECAP_FUZZ_RUNS ?? 200));

const tally = new Map<string, number>();
let announced = false;

/** fc.assert with the suite's seed and run count; counts the cases for the summary line. */
export function check<T>(name: string, arb: fc.Arbitrary<T>, predicate: (v: T) => void, weight = 1): void {
  if (!announced) {
    announced = true;
    console.log(`fuzz: seed ${FUZZ_SEED} (RECAP_FUZZ_SEED), ${FUZZ_RUNS} runs per unit weight (RECAP_FUZZ_RUNS)`);
  }
  const numRuns = Math.max(1, Math.round(FUZZ_RUNS * weight));
  let n = 0;
  fc.assert(fc.property(arb, (v) => {
    n++;
    predicate(v);
  }), { seed: FUZZ_SEED, numRuns, endOnFailure: false });
  tally.set(name, (tally.get(name) ?? 0) + n);
}

/** The async variant (for the solver and file loaders). */
export async function checkAsync<T>(name: string, arb: fc.Arbitrary<T>, predicate: (v: T) => Promise<void>, weight = 1): Promise<void> {
  const numRuns = Math.max(1, Math.round(FUZZ_RUNS * weight));
  let n = 0;
  await fc.assert(fc.asyncProperty(arb, async (v) => {
    n++;
    await predicate(v);
  }), { seed: FUZZ_SEED, numRuns });
  tally.set(name, (tally.get(name) ?? 0) + n);
}

afterAll(() => {
  if (tally.size === 0) return;
  let total = 0;
  for (const v of tally.values()) total += v;
  console.log(`fuzz cases: ${[...tally].map(([k, v]) => `${k} ${v}`).join(', ')}; total ${total}`);
});

type ErrorClass = abstract new (...args: never[]) => Error;

/**
 * Runs `fn`; returns { ok: true, value } or { ok: false, error } where the error must be an
 * instance of one of `allowed` (default RecapError). Anything else fails the property with the
 * error's name and message (a wasm RuntimeError, a TypeError, ...).
 */
export function attempt<R>(fn: () => R, allowed: ErrorClass[] = [RecapError]): { ok: true; value: R } | { ok: false; error: Error } {
  try {
    return { ok: true, value: fn() };
  } catch (e) {
    assertTyped(e, allowed);
    return { ok: false, error: e as Error };
  }
}

export async function attemptAsync<R>(fn: () => Promise<R>, allowed: ErrorClass[] = [RecapError]): Promise<{ ok: true; value: R } | { ok: false; error: Error }> {
  try {
    return { ok: true, value: await fn() };
  } catch (e) {
    assertTyped(e, allowed);
    return { ok: false, error: e as Error };
  }
}

export function assertTyped(e: unknown, allowed: ErrorClass[]): void {
  if (e instanceof WebAssembly.RuntimeError) throw new Error(`wasm trap escaped: ${e.message}\n${e.stack}`);
  if (!allowed.some((C) => e instanceof C)) {
    const err = e as Error;
    throw new Error(`untyped error ${err?.name}: ${err?.message}\n${err?.stack}`);
  }
  // typed errors say what was wrong on one line, naming the argument
  const err = e as Error;
  expect(typeof err.message).toBe('string');
  expect(err.message.length).toBeGreaterThan(0);
  if (e instanceof RecapError) {
    expect(e.argument.length, e.message).toBeGreaterThan(0);
    expect(e.message.startsWith(`${e.argument}: expected `), e.message).toBe(true);
  }
}

/** A tensor filled with seeded normal values (scaled), in `dtype`. */
export function randTensor(shape: number[], dtype: DType, seed: number, scale = 1): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const rng = new LegacyRandom(seed >>> 0);
  const data = new Array<number>(n);
  for (let i = 0; i < n; i++) data[i] = dtype === 'int32' ? Math.floor(rng.rand() * 5) : rng.randn() * scale;
  return tensor(data, shape, dtype);
}

/** Integer tensor of ids in [0, V). */
export function idsTensor(shape: number[], V: number, seed: number): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const rng = new LegacyRandom(seed >>> 0);
  const data = new Array<number>(n);
  for (let i = 0; i < n; i++) data[i] = rng.randint(V);
  return tensor(data, shape, 'int32');
}

/** Values that are not tensors (the "wrong type" mutation). */
export const notATensor = fc.oneof(
  fc.constantFrom(null, undefined, 0, 1.5, NaN, '', 'tensor', true, [] as unknown, [[1, 2]] as unknown, new Float32Array(4) as unknown,
    { shape: [2, 2], data: new Float32Array(4), dtype: 'float32' } as unknown, Symbol('t') as unknown, (() => 1) as unknown),
  fc.anything({ maxDepth: 2 }),
);

/** Strings that are own properties of no plain object but are `in` every object. */
export const PROTO_NAMES = ['toString', 'constructor', '__proto__', 'hasOwnProperty', 'valueOf', 'isPrototypeOf'];

/** Bit-exact copy of every parameter, for "a failed call changes nothing" checks. */
export function snapshot(params: Record<string, Tensor>): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  for (const [k, t] of Object.entries(params)) out[k] = Array.from(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
  return out;
}

export function expectSameSnapshot(a: Record<string, number[]>, b: Record<string, number[]>, what: string): void {
  expect(Object.keys(b)).toEqual(Object.keys(a));
  for (const k of Object.keys(a)) {
    const x = a[k];
    const y = b[k];
    let same = x.length === y.length;
    for (let i = 0; same && i < x.length; i++) same = x[i] === y[i];
    if (!same) throw new Error(`${what}: ${k} changed`);
  }
}

/** Copies of the tensors' data, to check calls do not modify their inputs. */
export function dataCopies(args: unknown[]): Array<number[] | null> {
  return args.map((a) => (a instanceof Tensor ? Array.from(a.data) : null));
}

export function expectUnmodified(args: unknown[], before: Array<number[] | null>): void {
  args.forEach((a, i) => {
    const b = before[i];
    if (b && a instanceof Tensor) {
      const now = Array.from(a.data);
      for (let j = 0; j < b.length; j++) {
        if (!Object.is(now[j], b[j])) throw new Error(`argument ${i} was modified at ${j}: ${b[j]} -> ${now[j]}`);
      }
    }
  });
}
