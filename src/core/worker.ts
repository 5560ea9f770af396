// A recap worker thread: instantiates the wasm module on the shared memory it is given, then
// executes kernel call lists (see threads.ts). Runs under Node worker_threads (also Deno's and
// Bun's) and as a module Web Worker.
//
// Not loaded from a file: scripts/build-worker.mjs bundles this file and what it imports into
// one self-contained script, embedded as a string in worker-source.ts, which threads.ts starts
// from a Blob URL (browsers: it inherits the page's cross-origin isolation, and no bundler has
// to find, copy or rewrite a worker file) or a data: URL (Node). Keep its imports to
// calls.ts and platform.ts, which import nothing.
import { runCalls, runQueued, type Call, type Kernels } from './calls.js';
import { type NodeWorkerThreads, isNode, nodeBuiltin } from './platform.js';

type Message =
  | { type: 'init'; id: number; module: WebAssembly.Module; memory: WebAssembly.Memory }
  | { type: 'run'; id: number; calls: Call[] }
  | { type: 'queue'; id: number; parts: Call[][]; counter: Int32Array };

let kernels: Kernels | null = null;

async function handle(msg: Message, reply: (m: unknown) => void): Promise<void> {
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
  parentPort!.on('message', (msg: Message) => void handle(msg, (m) => parentPort!.postMessage(m)));
} else {
  const scope = self as unknown as { onmessage: (e: MessageEvent) => void; postMessage: (m: unknown) => void };
  scope.onmessage = (e: MessageEvent) => void handle(e.data as Message, (m) => scope.postMessage(m));
}
