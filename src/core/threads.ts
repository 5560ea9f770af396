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
//
// A job goes to the workers through a shared mailbox (mailbox.ts): a worker that finished a job
// waits on a shared cell for the next one for a while, and the calling thread waits on another
// for the workers' parts to finish (Atomics.wait; a browser's main thread, which may not block,
// watches it for a millisecond), so the many short phases of a plan (network layers, decoding
// steps) cost no message round trip each. A job too large for the
// mailbox, or naming a kernel the module lacks, is posted whole instead (the same results).
import { runCalls, runQueued, type Call, type Kernels } from './calls.js';
import { CELL, MAX_PARTS, awakeCell, canBlock, cellCount, claimQueued, encodeJob, runPart, waitChange } from './mailbox.js';
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

/**
 * The mailbox's size in doubles (8 MB of address space, touched only as far as jobs reach; the
 * largest plans, a COCO-sized training step's, take a few percent of it). A larger job is posted.
 */
const MAIL_DOUBLES = 1 << 20;
/** How long the calling thread waits on the workers' parts before it awaits a message (ms): blocking, or (a browser's main thread) spinning. */
const BLOCK_MS = 4, SPIN_MS = 1;

/** Messages about mailbox jobs, by job number: the last part finished, a part's error. */
interface JobNews { fin?: () => void; errors: string[]; onError?: () => void }

export class Pool {
  /** Worker count (the calling thread is one more partition). */
  readonly size: number;
  private workers: WorkerLike[] = [];
  private pending = new Map<number, Pending>();
  private nextId = 1;
  private broken: Error | null = null;
  private disposed = false;
  // the mailbox channel (mailbox.ts)
  private readonly cells: Int32Array;
  private mail = new Float64Array(new SharedArrayBuffer(8 * MAIL_DOUBLES));
  private ids = new Map<string, number>();
  private fns: ((...args: number[]) => unknown)[] = [];
  private fnsOf: Kernels | null = null;
  private gen = 0;
  private news = new Map<number, JobNews>();
  private busy: Promise<void> | null = null;
  private readonly mayBlock = canBlock();
  /** Jobs run through the mailbox, jobs posted whole, and wake-up messages sent to idle workers. */
  readonly stats = { mailbox: 0, posted: 0, wakes: 0 };

  private constructor(size: number, private readonly names: string[]) {
    this.size = size;
    this.cells = new Int32Array(new SharedArrayBuffer(4 * cellCount(size)));
    names.forEach((n, i) => this.ids.set(n, i));
  }

  /** Starts `size` workers on `memory` with `module`; resolves when all have instantiated. */
  static async start(size: number, module: WebAssembly.Module, memory: WebAssembly.Memory): Promise<Pool> {
    const names = WebAssembly.Module.exports(module).filter((e) => e.kind === 'function').map((e) => e.name);
    const pool = new Pool(size, names);
    const ready: Promise<void>[] = [];
    for (let i = 0; i < size; i++) {
      const w = await spawn((msg) => pool.onMessage(msg), (err) => pool.fail(err));
      pool.workers.push(w);
      const id = pool.nextId++;
      ready.push(new Promise((resolve, reject) => pool.pending.set(id, { resolve, reject })));
      w.postMessage({ type: 'init', id, module, memory, cells: pool.cells, mail: pool.mail, index: i, workers: size });
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

  private onMessage(msg: { id?: number; gen?: number; fin?: boolean; error?: string }): void {
    if (msg.gen !== undefined) {
      const n = this.news.get(msg.gen);
      if (!n) return; // a job already settled
      if (msg.error !== undefined) { n.errors.push(msg.error); n.onError?.(); }
      if (msg.fin) n.fin?.();
      return;
    }
    const p = this.pending.get(msg.id!);
    if (!p) return;
    this.pending.delete(msg.id!);
    if (msg.error !== undefined) p.reject(new Error(`recap worker: ${msg.error}`));
    else p.resolve();
  }

  /** A worker threw outside a call or died: every pending and future run fails with this error. */
  private fail(err: Error): void {
    if (this.disposed) return;
    this.broken = err;
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
    for (const n of this.news.values()) { n.errors.push(err.message); n.onError?.(); n.fin?.(); }
  }

  /**
   * Runs parts[0] on this thread and parts[i] on worker i-1, and resolves when all are done.
   * A worker error rejects (after this thread's part finished), never hangs.
   */
  async run(kernels: Kernels, parts: readonly (readonly Call[])[]): Promise<void> {
    if (parts.length - 1 > this.size) throw new Error(`recap: ${parts.length} partitions for ${this.size + 1} threads`);
    if (await this.viaMailbox(kernels, parts, false)) return;
    await this.fanOut((i, id) => (parts[i + 1]?.length ? { type: 'run', id, calls: parts[i + 1] } : null), () => runCalls(kernels, parts[0]));
  }

  /**
   * Runs the independent call lists `parts` on this thread and the workers, each list taken by
   * whichever thread is free next (a shared counter), so a thread whose core is busy elsewhere
   * does fewer of them; resolves when all are done. Each list must give the same results on any
   * thread (its own scratch region, no shared outputs). A failing list rejects, never hangs.
   */
  async runQueue(kernels: Kernels, parts: readonly (readonly Call[])[]): Promise<void> {
    if (await this.viaMailbox(kernels, parts, true)) return;
    const counter = new Int32Array(new SharedArrayBuffer(4));
    await this.fanOut((_i, id) => ({ type: 'queue', id, parts, counter }), () => runQueued(kernels, parts, counter));
  }

  /**
   * Runs a job through the mailbox (queued: parts taken by whichever thread is free; else part 0
   * here and part i on worker i − 1). Returns false, having run nothing, when the job does not
   * fit the mailbox or names a kernel the module lacks: the caller posts it instead.
   */
  private async viaMailbox(kernels: Kernels, parts: readonly (readonly Call[])[], queued: boolean): Promise<boolean> {
    this.usable();
    while (this.busy) await this.busy; // one job at a time (a caller may post one and await it later)
    if (parts.length > MAX_PARTS || !encodeJob(this.mail, this.ids, parts)) return false;
    let release!: () => void;
    this.busy = new Promise((resolve) => { release = resolve; });
    const cells = this.cells, W = this.workers.length;
    const gen = this.gen = (this.gen % 32767) + 1;
    const news: JobNews = { errors: [] };
    this.news.set(gen, news);
    try {
      Atomics.store(cells, CELL.FIN, 0);
      Atomics.store(cells, CELL.ERR, 0);
      Atomics.store(cells, CELL.WAITING, 0);
      Atomics.store(cells, CELL.GEN, gen);
      const mine = (w: number) => queued || (parts[w + 1]?.length ?? 0) > 0;
      const total = queued ? parts.length : parts.filter((p) => p.length > 0).length; // run() allows at most W + 1 parts
      Atomics.store(cells, CELL.TOTAL, total);
      // publish: the job's writes happen before these stores
      for (let w = 0; w < W; w++) if (!queued && mine(w)) Atomics.store(cells, CELL.OWN + w, gen);
      Atomics.store(cells, CELL.CLAIM, (gen << 16) | ((queued ? parts.length : 0) << 8));
      Atomics.add(cells, CELL.BELL, 1);
      Atomics.notify(cells, CELL.BELL);
      for (let w = 0; w < W; w++) {
        this.workers[w].ref?.(); // keep the process alive while workers compute
        if (mine(w) && Atomics.load(cells, awakeCell(W, w)) === 0) {
          this.workers[w].postMessage({ type: 'wake' });
          this.stats.wakes++;
        }
      }
      let err: unknown = null;
      const fns = this.kernelFns(kernels);
      const local = (p: number) => {
        if (err === null) {
          try { runPart(fns, this.mail, p); } catch (e) { err = e; }
        }
        Atomics.add(cells, CELL.FIN, 1);
      };
      if (queued) for (let p; (p = claimQueued(cells)) >= 0;) local(p);
      else if (parts[0].length > 0) local(0);
      // wait for the workers' parts (not when this thread had nothing to do: its caller may have other work)
      if (queued || parts[0].length > 0) {
        const until = performance.now() + (this.mayBlock ? BLOCK_MS : SPIN_MS);
        for (let v, left; (v = Atomics.load(cells, CELL.FIN)) < total && (left = until - performance.now()) > 0;) {
          if (this.mayBlock) waitChange(cells, CELL.FIN, v, left);
        }
      }
      if (Atomics.load(cells, CELL.FIN) < total) {
        Atomics.store(cells, CELL.WAITING, 1);
        if (Atomics.load(cells, CELL.FIN) < total) await new Promise<void>((resolve) => { news.fin = resolve; });
      }
      if (Atomics.load(cells, CELL.ERR) === 1 && news.errors.length === 0) await new Promise<void>((resolve) => { news.onError = resolve; });
      if (err) throw err;
      if (news.errors.length) throw new Error(`recap worker: ${news.errors[0]}`);
      this.stats.mailbox++;
      return true;
    } finally {
      for (const w of this.workers) w.unref?.();
      this.news.delete(gen);
      this.busy = null;
      release();
    }
  }

  /** The kernels as the mailbox's ids index them. */
  private kernelFns(kernels: Kernels): ((...args: number[]) => unknown)[] {
    if (this.fnsOf !== kernels) {
      const byName = kernels as unknown as Record<string, (...args: number[]) => unknown>;
      this.fns = this.names.map((n) => byName[n]);
      this.fnsOf = kernels;
    }
    return this.fns;
  }

  /** Throws when the pool can run nothing. */
  private usable(): void {
    if (this.disposed) throw new Error('recap: the thread pool has been disposed');
    if (this.broken) throw new Error(`recap: a worker thread failed earlier (${this.broken.message}); call dispose() and init() again`);
  }

  /**
   * The body of run and runQueue: posts worker i the message `message(i, id)` (none when null),
   * runs `local` on this thread, then waits for every posted one; this thread's error first.
   */
  private async fanOut(message: (i: number, id: number) => object | null, local: () => void): Promise<void> {
    this.usable();
    this.stats.posted++;
    Atomics.add(this.cells, CELL.YIELD, 1); // workers waiting on the mailbox return to their event loop for the message
    Atomics.add(this.cells, CELL.BELL, 1);
    Atomics.notify(this.cells, CELL.BELL);
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
    for (const n of this.news.values()) { n.errors.push(err.message); n.onError?.(); n.fin?.(); }
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
