// A recap worker thread: instantiates the wasm module on the shared memory it is given, then
// executes kernel call lists (see threads.ts): jobs taken from the shared mailbox (mailbox.ts)
// from a 'wake' message until none came for a while, and jobs posted whole (a job too large for
// the mailbox). Runs under Node worker_threads (also Deno's and Bun's) and as a module Web Worker.
//
// Not loaded from a file: scripts/build-worker.mjs bundles this file and what it imports into
// one self-contained script, embedded as a string in worker-source.ts, which threads.ts starts
// from a Blob URL (browsers: it inherits the page's cross-origin isolation, and no bundler has
// to find, copy or rewrite a worker file) or a data: URL (Node). Keep its imports to
// calls.ts, mailbox.ts and platform.ts, which import nothing.
import { runCalls, runQueued, type Call, type Kernels } from './calls.js';
import { CELL, IDLE_MS, awakeCell, claimOwn, claimQueued, runPart, waitChange } from './mailbox.js';
import { type NodeWorkerThreads, isNode, nodeBuiltin } from './platform.js';

type Message =
  | { type: 'init'; id: number; module: WebAssembly.Module; memory: WebAssembly.Memory; cells: Int32Array; mail: Float64Array; index: number; workers: number }
  | { type: 'wake' }
  | { type: 'run'; id: number; calls: Call[] }
  | { type: 'queue'; id: number; parts: Call[][]; counter: Int32Array };

let kernels: Kernels | null = null;
let fns: ((...args: number[]) => unknown)[] = [];
let cells: Int32Array, mail: Float64Array, index = 0, workers = 0;
let reply: (m: unknown) => void = () => {};

/** Runs part p of the current job; reports an error; counts the part finished (and says so when it was the last and the caller waits). */
function runAndFinish(p: number): void {
  const gen = Atomics.load(cells, CELL.GEN);
  try {
    runPart(fns, mail, p);
  } catch (e) {
    Atomics.store(cells, CELL.ERR, 1);
    reply({ gen, error: (e as Error)?.message ?? String(e) });
  }
  const done = Atomics.add(cells, CELL.FIN, 1) + 1;
  Atomics.notify(cells, CELL.FIN);
  if (done === Atomics.load(cells, CELL.TOTAL) && Atomics.load(cells, CELL.WAITING) === 1) reply({ gen, fin: true });
}

/** This worker's part of the current job (its own, else a queued one), or -1. */
const claim = () => {
  const p = claimOwn(cells, index);
  return p >= 0 ? p : claimQueued(cells);
};

/** Takes jobs from the mailbox, waiting on the bell between them, until none came for IDLE_MS; then returns to the event loop. */
function serve(): void {
  const awake = awakeCell(workers, index);
  const yielded = Atomics.load(cells, CELL.YIELD);
  for (;;) {
    Atomics.store(cells, awake, 1);
    for (;;) {
      const bell = Atomics.load(cells, CELL.BELL);
      const p = claim();
      if (p >= 0) { runAndFinish(p); continue; }
      if (Atomics.load(cells, CELL.YIELD) !== yielded || waitChange(cells, CELL.BELL, bell, IDLE_MS) === 'timed-out') break;
    }
    Atomics.store(cells, awake, 0);
    // a job published before that store is seen here (the caller reads the cell after publishing)
    const p = claim();
    if (p < 0) return;
    runAndFinish(p);
  }
}

async function handle(msg: Message): Promise<void> {
  if (msg.type === 'wake') return serve();
  try {
    if (msg.type === 'init') {
      const instance = await WebAssembly.instantiate(msg.module, {
        env: {
          memory: msg.memory,
          abort(_m: number, _f: number, line: number, col: number) {
            throw new Error(`wasm abort at ${line}:${col}`);
          },
        },
      });
      kernels = instance.exports as unknown as Kernels;
      const exports = instance.exports as unknown as Record<string, (...args: number[]) => unknown>;
      fns = WebAssembly.Module.exports(msg.module).filter((e) => e.kind === 'function').map((e) => exports[e.name]);
      ({ cells, mail, index, workers } = msg);
    } else if (!kernels) {
      throw new Error('worker used before init');
    } else if (msg.type === 'queue') {
      runQueued(kernels, msg.parts, msg.counter);
    } else {
      runCalls(kernels, msg.calls);
    }
    reply({ id: msg.id });
  } catch (e) {
    reply({ id: msg.id, error: (e as Error)?.message ?? String(e) });
  }
}

if (isNode) {
  const { parentPort } = await nodeBuiltin<NodeWorkerThreads>('worker_threads');
  reply = (m) => parentPort!.postMessage(m);
  parentPort!.on('message', (msg: Message) => void handle(msg));
} else {
  const scope = self as unknown as { onmessage: (e: MessageEvent) => void; postMessage: (m: unknown) => void };
  reply = (m) => scope.postMessage(m);
  scope.onmessage = (e: MessageEvent) => void handle(e.data as Message);
}
