// The scalar build (no v128 instruction) gives PIL's and torchvision's bits too: the SIMD
// vertical pass and its scalar twin agree on real images.
import { beforeAll, expect, it } from 'vitest';
import { backend, init } from '../../src/index.js';
import { runPilChecks } from './pil-checks.js';

beforeAll(() => init({ wasm: 'scalar' }));

it('loads the scalar build', () => expect(backend()).toBe('scalar'));
runPilChecks();
