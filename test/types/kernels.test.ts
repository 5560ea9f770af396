// The typed kernel surface (src/core/kernels.ts over the generated kernels.generated.ts):
// kernels.typecheck.ts compiles with every misuse rejected; the generated file matches
// assembly/index.ts; the runtime helpers map precisions and check data-driven calls.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error: a plain .mjs build script without type declarations
import { OUT, kernelTypes } from '../../scripts/kernel-types.mjs';
import { checkedCall, ofPrecision } from '../../src/core/kernels.js';
import { init, kernels } from '../../src/core/runtime.js';
import { runCalls } from '../../src/core/threads.js';

describe('typed kernel surface', () => {
  it('tsc accepts the well-formed calls and rejects each misspelt name, missing or extra argument', () => {
    const tsc = spawnSync(process.execPath, ['node_modules/typescript/bin/tsc', '--noEmit', '--strict', '--target', 'ES2022',
      '--module', 'NodeNext', '--moduleResolution', 'NodeNext', '--skipLibCheck', '--types', 'node', 'test/types/kernels.typecheck.ts'],
      { encoding: 'utf8' });
    expect(tsc.stdout + tsc.stderr).toBe('');
    expect(tsc.status).toBe(0);
  }, 60_000);

  it('src/core/kernels.generated.ts is what assembly/index.ts generates now', () => {
    expect(readFileSync(OUT, 'utf8')).toBe(kernelTypes());
  });

  it('the generator follows re-exports, keeps single-precision kernels, and refuses what it cannot type', () => {
    const text = kernelTypes(process.cwd(), 'test/types/fixture/index.ts');
    expect(text).toContain('  f32_scale(x: number, n: number, s: number): void;\n  f64_scale(x: number, n: number, s: number): void;');
    expect(text).toContain('  f64_only(x: number, n: number): number;');
    expect(text).toContain('  heap_base(): number;');
    const refuse = (entry: string) => () => kernelTypes(process.cwd(), `test/types/fixture/${entry}.ts`);
    expect(refuse('twisted')).toThrow(/f32_twisted\(x: number, s: number\): void and f64_twisted\(x: number, n: number, s: number\): void differ/);
    expect(refuse('wide')).toThrow(/f32_wide\(x\): kernel type 'i64' has no TypeScript mapping/);
    expect(refuse('missing')).toThrow(/f32_missing is not an exported non-generic function/);
    expect(refuse('defaulted')).toThrow(/f32_defaulted\(n\): an exported kernel takes every argument/);
  });

  describe('at run time', () => {
    beforeAll(() => init());
    it('ofPrecision maps plain names to the precision’s exports', () => {
      const ks = kernels();
      expect(ofPrecision(ks, 'f64_').gemm_nn).toBe(ks.f64_gemm_nn);
      expect(ofPrecision(ks, 'f32_').zero_rows).toBe(ks.f32_zero_rows);
      expect(Object.keys(ofPrecision(ks, 'f32_'))).toEqual(Object.keys(ofPrecision(ks, 'f64_')));
    });
    it('checkedCall refuses an unknown kernel or a wrong argument count, and builds a runnable call', () => {
      const ks = kernels();
      expect(() => checkedCall(ks, 'f32_sgd', [0, 0, 1])).toThrow(/takes 4 arguments, not 3/);
      expect(() => checkedCall(ks, 'f32_sgd' + 'x' as never, [0, 0, 1, 0])).toThrow(/no kernel f32_sgdx/);
      const call = checkedCall(ks, 'f64_clip_scale', [ks.heap_base(), 0, 2]);
      expect(call).toEqual(['f64_clip_scale', ks.heap_base(), 0, 2]);
      expect(() => runCalls(ks, [call])).not.toThrow();
    });
  });
});
