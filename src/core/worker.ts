// A recap worker thread: instantiates the wasm module on the shared memory it is given, then
// executes kernel call lists (see parallel.ts). Runs under Node worker_threads and as a module
// Web Worker.
import { runCalls, runQueued } from './threads.js';
import type { Call, Kernels } from './kernels.js';

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

const isNode = typeof process !== 'undefined' && !!(process as { versions?: { node?: string } }).versions?.node;
if (isNode) {
  const { parentPort } = await import('node:worker_threads');
  parentPort!.on('message', (msg: Message) => void handle(msg, (m) => parentPort!.postMessage(m)));
} else {
  const scope = self as unknown as { onmessage: (e: MessageEvent) => void; postMessage: (m: unknown) => void };
  scope.onmessage = (e: MessageEvent) => void handle(e.data as Message, (m) => scope.postMessage(m));
}
