// The pool's shared-memory channel (src/core/mailbox.ts, Pool in src/core/threads.ts): jobs go
// to the workers without a message each, run every part exactly once, report traps from either
// thread, and keep working after them; a job too large for the mailbox is posted whole.
import { execFileSync } from 'node:child_process';
import { expect, it } from 'vitest';

it('mailbox jobs run every part once, back to back and after pauses, report traps and fall back to posting', () => {
  const script = new URL('./shared/mailbox-run.mjs', import.meta.url).pathname;
  const out = JSON.parse(execFileSync(process.execPath, [script], { encoding: 'utf8' }).trim().split('\n').pop()!);
  expect(out.queued).toBe(true);
  expect(out.fixed).toBe(true);
  expect(out.viaMailbox).toBe(3000);
  expect(out.posted).toBe(0);
  expect(out.afterPauses).toBe(true);
  expect(out.overlapped).toBe(true);
  expect(out.workerTrap).toMatch(/^recap worker: .*out of bounds/);
  expect(out.localTrap).toMatch(/out of bounds/);
  expect(out.queuedTrap).toMatch(/out of bounds/);
  expect(out.afterTraps).toBe(true);
  expect(out.largeJob).toBe(true);
}, 60_000);
