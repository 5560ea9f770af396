// Pool.runQueue (the training step's parts, taken by whichever thread is free): every part runs
// exactly once, a failing part rejects the run instead of hanging, and the pool stays usable.
import { execFileSync } from 'node:child_process';
import { expect, it } from 'vitest';

it('runQueue runs every part once, rejects on a failing part, and keeps working', () => {
  const script = new URL('./shared/queue-run.mjs', import.meta.url).pathname;
  const out = JSON.parse(execFileSync(process.execPath, [script], { encoding: 'utf8' }).trim().split('\n').pop()!);
  expect(out.copied).toBe(true);
  expect(out.rejected).toMatch(/no kernel no_such_kernel/);
  expect(out.again).toBe(true);
});
