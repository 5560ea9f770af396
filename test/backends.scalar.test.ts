// The scalar build (fallback and oracle) and, in its own file, the relaxed-SIMD build pass the
// same reference checks as the default SIMD build.
import { beforeAll, expect, it } from 'vitest';
import { backend, init } from '../src/index.js';
import { runReferenceChecks } from './reference-checks.js';

beforeAll(() => init({ wasm: 'scalar' }));

it('loads the scalar build', () => expect(backend()).toBe('scalar'));
runReferenceChecks();
