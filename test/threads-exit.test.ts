// An idle thread pool never keeps Node alive: a script that calls init({ threads: 2 }) and then
// only samples (no threaded step ever runs) must exit by itself, without dispose().
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const dist = new URL('../dist/index.js', import.meta.url).href;
const script = `
import { init, threads, CaptioningRNN, tensor } from ${JSON.stringify(dist)};
await init({ threads: 2 });
const m = new CaptioningRNN({ wordToIdx: { '<NULL>': 0, '<START>': 1, '<END>': 2, a: 3 }, inputDim: 4, wordvecDim: 3, hiddenDim: 5, cellType: 'lstm' });
const s = m.sample(tensor([[0.1, 0.2, 0.3, 0.4]]), { maxLength: 3 });
console.log(JSON.stringify({ threads: threads(), shape: s.shape }));
`;

describe('worker threads and process exit', () => {
  it('a process with an idle pool exits on its own (exit code 0, well before the timeout)', () => {
    // a file, not -e: workers inherit the parent's execArgv
    const file = join(mkdtempSync(join(tmpdir(), 'recap-exit-')), 'idle-pool.mjs');
    writeFileSync(file, script);
    const r = spawnSync(process.execPath, [file], { encoding: 'utf8', timeout: 20_000 });
    expect(r.signal, `killed by the timeout: the idle pool kept the process alive (${r.stderr})`).toBeNull();
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toBe("");
    expect(JSON.parse(r.stdout.trim())).toEqual({ threads: 2, shape: [1, 3] });
  });
});
