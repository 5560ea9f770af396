// A bit-exact port of numpy's legacy global RNG (np.random.seed / randn / rand / randint /
// choice), so `seed: 231` reproduces the CS231n notebooks' draws. MT19937 per Matsumoto &
// Nishimura (1998), init_genrand seeding; randn is numpy's Marsaglia polar method with a
// cached second value. Integer arithmetic only, except the polar method's log, which runs in
// wasm (`math_log`) so the stream is identical in every engine.
import { kernels } from './runtime.js';
import { fail } from './errors.js';

const N = 624;
const M = 397;

export class LegacyRandom {
  private mt = new Uint32Array(N);
  private mti = N;
  private gauss = 0;
  private hasGauss = false;

  constructor(seed = 0) {
    this.seed(seed);
  }

  /** Re-seeds as `np.random.seed(seed)` (seed in [0, 2^32)). */
  seed(seed: number): void {
    if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) fail('seed', 'an integer in [0, 2^32)', seed);
    const mt = this.mt;
    mt[0] = seed >>> 0;
    for (let i = 1; i < N; i++) {
      const prev = mt[i - 1] ^ (mt[i - 1] >>> 30);
      // 1812433253 * prev + i, modulo 2^32, without losing bits to float rounding
      mt[i] = (Math.imul(1812433253, prev) + i) >>> 0;
    }
    this.mti = N;
    this.hasGauss = false;
    this.gauss = 0;
  }

  /** The next raw 32-bit output. */
  nextU32(): number {
    const mt = this.mt;
    if (this.mti >= N) {
      for (let k = 0; k < N; k++) {
        const y = (mt[k] & 0x80000000) | (mt[(k + 1) % N] & 0x7fffffff);
        mt[k] = mt[(k + M) % N] ^ (y >>> 1) ^ (y & 1 ? 0x9908b0df : 0);
      }
      this.mti = 0;
    }
    let y = mt[this.mti++];
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }

  /** Uniform double in [0, 1) with 53 random bits (numpy's random_sample). */
  rand(): number {
    const a = this.nextU32() >>> 5;
    const b = this.nextU32() >>> 6;
    return (a * 67108864 + b) / 9007199254740992;
  }

  /** Standard normal (numpy's legacy_gauss). */
  randn(): number {
    if (this.hasGauss) {
      this.hasGauss = false;
      return this.gauss;
    }
    let x1: number, x2: number, r2: number;
    do {
      x1 = 2 * this.rand() - 1;
      x2 = 2 * this.rand() - 1;
      r2 = x1 * x1 + x2 * x2;
    } while (r2 >= 1 || r2 === 0);
    const f = Math.sqrt((-2 * kernels().math_log(r2)) / r2);
    this.gauss = f * x1;
    this.hasGauss = true;
    return f * x2;
  }

  /** Integer in [0, n) by masked rejection (numpy's legacy randint / choice with replacement). */
  randint(n: number): number {
    if (!Number.isInteger(n) || n < 1 || n > 0xffffffff) fail('n', 'an integer in [1, 2^32]', n);
    const max = n - 1;
    if (max === 0) return 0;
    let mask = max;
    mask |= mask >>> 1;
    mask |= mask >>> 2;
    mask |= mask >>> 4;
    mask |= mask >>> 8;
    mask |= mask >>> 16;
    mask >>>= 0;
    let v: number;
    do v = (this.nextU32() & mask) >>> 0;
    while (v > max);
    return v;
  }

  /** `count` draws of randn into a new Float64Array (C order). */
  randnArray(count: number): Float64Array {
    const out = new Float64Array(count);
    for (let i = 0; i < count; i++) out[i] = this.randn();
    return out;
  }

  /** `count` draws of randint(n) into a new Int32Array. */
  randintArray(n: number, count: number): Int32Array {
    const out = new Int32Array(count);
    for (let i = 0; i < count; i++) out[i] = this.randint(n);
    return out;
  }

  /** A permutation of 0..n-1 (Fisher-Yates from the top, as numpy's legacy shuffle). */
  permutation(n: number): Int32Array {
    const out = new Int32Array(n);
    for (let i = 0; i < n; i++) out[i] = i;
    for (let i = n - 1; i > 0; i--) {
      const j = this.randint(i + 1);
      const t = out[i];
      out[i] = out[j];
      out[j] = t;
    }
    return out;
  }

  /** The full state, for checkpoints. */
  getState(): { key: Uint32Array; pos: number; hasGauss: boolean; gauss: number } {
    return { key: this.mt.slice(), pos: this.mti, hasGauss: this.hasGauss, gauss: this.gauss };
  }

  /** Throws RecapError unless `s` is a state from getState(). */
  static checkState(s: unknown, name = 'state'): void {
    const o = s as { key: unknown; pos: unknown; hasGauss: unknown; gauss: unknown };
    if (!o || typeof o !== 'object') fail(name, 'an MT19937 state { key, pos, hasGauss, gauss }', o);
    if (!(o.key instanceof Uint32Array) || o.key.length !== N) {
      fail(`${name}.key`, `a Uint32Array of ${N} words`, o.key instanceof Uint32Array ? `${o.key.length} words` : o.key);
    }
    if (!Number.isInteger(o.pos) || (o.pos as number) < 0 || (o.pos as number) > N) fail(`${name}.pos`, `an integer in [0, ${N}]`, o.pos);
    if (typeof o.hasGauss !== 'boolean') fail(`${name}.hasGauss`, 'a boolean', o.hasGauss);
    if (typeof o.gauss !== 'number' || !Number.isFinite(o.gauss)) fail(`${name}.gauss`, 'a finite number', o.gauss);
  }

  setState(s: { key: Uint32Array; pos: number; hasGauss: boolean; gauss: number }): void {
    LegacyRandom.checkState(s);
    this.mt.set(s.key);
    this.mti = s.pos;
    this.hasGauss = s.hasGauss;
    this.gauss = s.gauss;
  }
}
