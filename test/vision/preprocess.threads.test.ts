// With worker threads (the 'threads' build on a shared memory) the preprocessing gives the same
// bits: PIL's pixels and torchvision's tensors, as on one thread.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { dispose, init, threads } from '../../src/index.js';
import { runPilChecks } from './pil-checks.js';

beforeAll(() => init({ threads: 2 }));
afterAll(() => dispose());

it('runs with 2 threads', () => {
  expect(threads()).toBe(2);
});
runPilChecks();
