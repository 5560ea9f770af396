// Relaxed SIMD (fused multiply-add in the GEMMs): opt-in; results differ from the default build
// in the last bits, so it is held to the reference tolerances, never to bitwise equality.
import { beforeAll, expect, it } from 'vitest';
import { backend, init } from '../src/index.js';
import { runReferenceChecks } from './reference-checks.js';

beforeAll(() => init({ wasm: 'relaxed' }));

it('loads the relaxed-SIMD build (vitest runs Node with --experimental-wasm-relaxed-simd)', () => expect(backend()).toBe('relaxed'));
runReferenceChecks();
