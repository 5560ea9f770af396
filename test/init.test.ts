// The runtime's loading contract: clear errors before init(), one shared load, one build per process.
import { expect, it } from 'vitest';
import { CaptioningRNN, RecapError, backend, init, isInitialized, layers, tensor } from '../src/index.js';

it('every entry point throws a clear error before init()', () => {
  expect(isInitialized()).toBe(false);
  const x = tensor([[1, 2]], undefined, 'float64');
  expect(() => layers.affineForward(x, tensor([[1], [2]], undefined, 'float64'), tensor([0], undefined, 'float64'))).toThrow(/await init\(\)/);
  expect(() => new CaptioningRNN({ wordToIdx: { '<NULL>': 0 } })).toThrow(/await init\(\)/);
  expect(() => new CaptioningRNN({ wordToIdx: { '<NULL>': 0 } })).toThrow(RecapError); // typed, like every argument error
});

it('concurrent init() calls share one load; a different build later is refused', async () => {
  const a = init();
  const b = init({ wasm: 'simd' });
  expect(a).toBe(b);
  await Promise.all([a, b]);
  expect(isInitialized()).toBe(true);
  expect(backend()).toBe('simd');
  await init(); // idempotent
  expect(() => init({ wasm: 'scalar' })).toThrow(RecapError);
  expect(() => init({ threads: 0 })).toThrow(RecapError);
});
