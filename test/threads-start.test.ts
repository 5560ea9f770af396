// When worker threads cannot start, init() still resolves on 1 thread and the one warning says
// why and which worker script failed. Provoked in Node with the permission model (no
// --allow-worker), so the Worker constructor itself refuses.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const dist = fileURLToPath(new URL('../dist/index.js', import.meta.url));
const flag = process.allowedNodeEnvironmentFlags.has('--permission') ? '--permission' : '--experimental-permission';

it('a refused worker: 1 thread, and one warning with the reason and the worker script URL', () => {
  const out = execFileSync(process.execPath, [flag, '--allow-fs-read=*', '--no-warnings', '--input-type=module', '-e', `
    import { init, threads } from ${JSON.stringify(dist)};
    const warnings = [];
    console.warn = (m) => warnings.push(m);
    await init({ threads: 2 });
    console.log(JSON.stringify({ threads: threads(), warnings }));
  `], { encoding: 'utf8' });
  const { threads, warnings } = JSON.parse(out.trim().split('\n').pop()!) as { threads: number; warnings: string[] };
  expect(threads).toBe(1);
  expect(warnings).toHaveLength(1);
  expect(warnings[0]).toMatch(/^recap: could not start worker threads \(worker_threads refused the worker \(.+\); worker script data:text\/javascript,.+…\); using 1 thread$/);
});
