// Worker threads sharing one wasm memory. Each worker instantiates the same module on the
// shared memory and executes lists of kernel calls ([name, ...args]) that the main thread
// plans; partition 0 of every phase runs on the calling thread. A training step is planned so
// that its results do not depend on how many partitions there are (src/model/), so any
// thread count gives bit-identical parameters and losses.
//
// Node (and Deno, Bun): worker_threads; browsers: module Web Workers (shared memory needs
// crossOriginIsolated). Either way the worker is one self-contained script embedded in the
// package (worker-source.ts), started from a data: URL (Node) or a Blob URL (browsers), so it
// starts in any bundle without a worker file to locate.
import { runCalls, runQueued, type Call, type Kernels } from './calls.js';
import { type NodeWorkerThreads, isNode, nodeBuiltin } from './platform.js';
import { workerSource } from './worker-source.js';

export { runCalls, runQueued, type Call, type Kernels };

interface WorkerLike {
  postMessage(msg: unknown): void;
  terminate(): unknown;
  /** Node only: whether the worker keeps the process alive. */
  ref?(): void;
  unref?(): void;
}

interface Pending {
  resolve: () => void;
  reject: (e: Error) => void;
}

export class Pool {
  /** Worker count (the calling thread is one more partition). */
  readonly size: number;
  private workers: WorkerLike[] = [];
  private pending = new Map<number, Pending>();
  private nextId = 1;
  private broken: Error | null = null;
  private disposed = false;

  private constructor(size: number) {
    this.size = size;
  }

  /** Starts `size` workers on `memory` with `module`; resolves when all have instantiated. */
  static async start(size: number, module: WebAssembly.Module, memory: WebAssembly.Memory): Promise<Pool> {
    const pool = new Pool(size);
    const ready: Promise<void>[] = [];
    for (let i = 0; i < size; i++) {
      const w = await spawn((msg) => pool.onMessage(msg), (err) => pool.fail(err));
      pool.workers.push(w);
      const id = pool.nextId++;
      ready.push(new Promise((resolve, reject) => pool.pending.set(id, { resolve, reject })));
      w.postMessage({ type: 'init', id, module, memory });
    }
    try {
      await Promise.all(ready);
    } catch (e) {
      pool.dispose();
      throw e;
    }
    // an idle pool never keeps the process alive (unref after the 'message' listeners, which ref)
    for (const w of pool.workers) w.unref?.();
    return pool;
  }

  private onMessage(msg: { id: number; error?: string }): void {
    const p = this.pending.get(msg.id);
    if (!p) return;
    this.pending.delete(msg.id);
    if (msg.error !== undefined) p.reject(new Error(`recap worker: ${msg.error}`));
    else p.resolve();
  }

  /** A worker threw outside a call or died: every pending and future run fails with this error. */
  private fail(err: Error): void {
    if (this.disposed) return;
    this.broken = err;
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
  }

  /**
   * Runs parts[0] on this thread and parts[i] on worker i-1, and resolves when all are done.
   * A worker error rejects (after this thread's part finished), never hangs.
   */
  async run(kernels: Kernels, parts: readonly (readonly Call[])[]): Promise<void> {
    if (parts.length - 1 > this.size) throw new Error(`recap: ${parts.length} partitions for ${this.size + 1} threads`);
    await this.fanOut((i, id) => (parts[i + 1]?.length ? { type: 'run', id, calls: parts[i + 1] } : null), () => runCalls(kernels, parts[0]));
  }

  /**
   * Runs the independent call lists `parts` on this thread and the workers, each list taken by
   * whichever thread is free next (a shared counter), so a thread whose core is busy elsewhere
   * does fewer of them; resolves when all are done. Each list must give the same results on any
   * thread (its own scratch region, no shared outputs). A failing list rejects, never hangs.
   */
  async runQueue(kernels: Kernels, parts: readonly (readonly Call[])[]): Promise<void> {
    const counter = new Int32Array(new SharedArrayBuffer(4));
    await this.fanOut((_i, id) => ({ type: 'queue', id, parts, counter }), () => runQueued(kernels, parts, counter));
  }

  /**
   * The body of run and runQueue: posts worker i the message `message(i, id)` (none when null),
   * runs `local` on this thread, then waits for every posted one; this thread's error first.
   */
  private async fanOut(message: (i: number, id: number) => object | null, local: () => void): Promise<void> {
    if (this.disposed) throw new Error('recap: the thread pool has been disposed');
    if (this.broken) throw new Error(`recap: a worker thread failed earlier (${this.broken.message}); call dispose() and init() again`);
    const waits: Promise<void>[] = [];
    // keep the process alive while workers compute (idle workers are unref'd)
    for (const w of this.workers) w.ref?.();
    this.workers.forEach((w, i) => {
      const id = this.nextId;
      const msg = message(i, id);
      if (!msg) return;
      this.nextId++;
      waits.push(new Promise((resolve, reject) => this.pending.set(id, { resolve, reject })));
      w.postMessage(msg);
    });
    let err: unknown = null;
    try {
      local();
    } catch (e) {
      err = e;
    }
    const results = await Promise.allSettled(waits);
    for (const w of this.workers) w.unref?.();
    if (err) throw err;
    for (const r of results) if (r.status === 'rejected') throw r.reason;
  }

  /** Ends every worker. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    const err = new Error('recap: the thread pool was disposed');
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
    for (const w of this.workers) w.terminate();
    this.workers = [];
  }
}

/** Where a worker is started from: a data: URL (Node), a Blob URL (browsers); made once. */
let workerUrl: string | null = null;
function workerScriptUrl(): string {
  if (workerUrl) return workerUrl;
  workerUrl = isNode
    ? `data:text/javascript,${encodeURIComponent(workerSource)}`
    : URL.createObjectURL(new Blob([workerSource], { type: 'text/javascript' }));
  return workerUrl;
}

/** How a failed worker start is reported: why, and which script URL (shortened) failed. */
function startError(why: string, url: string): Error {
  const shown = url.length > 100 ? `${url.slice(0, 60)}…` : url; // a data: URL carries the whole source
  return new Error(`${why}; worker script ${shown}`);
}

async function spawn(onMessage: (msg: { id: number; error?: string }) => void, onError: (e: Error) => void): Promise<WorkerLike> {
  const url = workerScriptUrl();
  if (isNode) {
    const { Worker } = await nodeBuiltin<NodeWorkerThreads>('worker_threads');
    let w: InstanceType<typeof Worker>;
    try {
      w = new Worker(new URL(url));
    } catch (e) {
      throw startError(`worker_threads refused the worker (${(e as Error).message})`, url);
    }
    w.on('message', onMessage);
    w.on('error', (e: Error) => onError(startError(e.message, url)));
    w.on('exit', (code: number) => onError(new Error(`worker exited with code ${code}`)));
    return w; // ref'd until the pool is ready (Pool.start), then only while a run computes
  }
  let w: Worker;
  try {
    w = new Worker(url, { type: 'module' });
  } catch (e) {
    throw startError(`the browser refused to start a module worker (${(e as Error).message}; a Content-Security-Policy needs worker-src blob:)`, url);
  }
  w.onmessage = (e: MessageEvent) => onMessage(e.data);
  w.onerror = (e: ErrorEvent) => {
    e.preventDefault();
    onError(startError(e.message || 'the worker failed to load or run (blocked by a Content-Security-Policy without worker-src blob:, or no module workers here)', url));
  };
  return w;
}
