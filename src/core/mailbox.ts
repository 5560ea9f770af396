// The pool's shared-memory channel: the calling thread writes a job's call lists into a shared
// mailbox, publishes it through a few Int32 cells and rings a bell (Atomics.notify); a worker
// that has finished a job watches the bell for 0.1 ms, then blocks on it (Atomics.wait: a busy
// machine loses little) for a while (IDLE_MS), and takes the next job from the mailbox, and the calling thread
// waits on the finished-parts cell the same way, so a plan of many short phases (a layer, a
// decoding step) costs no message round trip per phase. A worker that has gone back to its
// event loop is woken by a message. Imports nothing: the worker bundle (worker.ts) includes it.
//
// Job layout (Float64Array): [P, off_0 … off_P, calls of part 0, …], a call = [kernel id, n, n args].
// Cells (Int32Array):
//   GEN      the job's number (1 … 32767, then 1 again), sent back with a worker's 'fin' and errors
//   CLAIM    queued jobs: gen << 16 | P << 8 | next part (P ≤ 255), taken by compare-exchange
//   OWN + w  fixed jobs: gen while worker w's part (w + 1) is untaken, then 0
//   FIN      parts finished (every thread adds 1 per part); the job is done at TOTAL
//   TOTAL    parts to finish
//   ERR      1 when a worker's part threw (its message follows by postMessage)
//   WAITING  1 while the calling thread waits for a 'fin' message instead of watching FIN
//   BELL     rung (+1, notify) after each job is published
//   YIELD    +1 (and the bell) before a job is posted whole: waiting workers return to their loop
//   AWAKE + w  1 while worker w watches the cells, 0 once it has returned to its event loop
// The writes of a job happen before the calling thread's seq-cst store of CLAIM/OWN; a worker
// that reads the cells (seq-cst) after that store sees the whole job. A part is taken by one
// compare-exchange, and the calling thread writes the next job only after FIN reached TOTAL, so
// a taken part always reads its own job.

export const CELL = { GEN: 0, CLAIM: 1, FIN: 2, TOTAL: 3, ERR: 4, WAITING: 5, BELL: 6, YIELD: 7, OWN: 8 } as const;
/** Cells for `workers` workers (OWN and AWAKE blocks). */
export const cellCount = (workers: number) => CELL.OWN + 2 * workers;
export const awakeCell = (workers: number, w: number) => CELL.OWN + workers + w;

/** How long a worker waits on the bell for the next job after its last one (ms). */
export const IDLE_MS = 20;
/**
 * How long a thread watches a cell before it blocks on it (ms): a plan's next phase usually comes
 * within tens of microseconds, and waking a blocked thread (a futex, on a VM an idle vCPU) costs
 * about as much again each time.
 */
export const WATCH_MS = 0.1;

/** Waits until cells[i] differs from v: watching it for up to WATCH_MS, then blocking up to `ms` (a thread that may block). */
export function waitChange(cells: Int32Array, i: number, v: number, ms: number): 'ok' | 'not-equal' | 'timed-out' {
  const until = performance.now() + WATCH_MS;
  while (Atomics.load(cells, i) === v) if (performance.now() > until) return Atomics.wait(cells, i, v, ms);
  return 'not-equal';
}
/** Parts a queued job can have (the CLAIM cell's byte). */
export const MAX_PARTS = 255;

type Fn = (...args: number[]) => unknown;

/** Writes a job into `mail`; false when it does not fit or names an unknown kernel (the caller posts it instead). */
export function encodeJob(mail: Float64Array, ids: ReadonlyMap<string, number>, parts: readonly (readonly (readonly (string | number)[])[])[]): boolean {
  const P = parts.length;
  let q = 2 + P;
  if (q > mail.length) return false;
  mail[0] = P;
  for (let p = 0; p < P; p++) {
    mail[1 + p] = q;
    for (const call of parts[p]) {
      const id = ids.get(call[0] as string);
      if (id === undefined || q + 1 + call.length > mail.length) return false;
      mail[q] = id;
      mail[q + 1] = call.length - 1;
      for (let i = 1; i < call.length; i++) mail[q + 1 + i] = call[i] as number;
      q += 1 + call.length;
    }
  }
  mail[1 + P] = q;
  return true;
}

/** Executes part p of the job in `mail`. */
export function runPart(fns: readonly Fn[], mail: Float64Array, p: number): void {
  const end = mail[2 + p];
  for (let q = mail[1 + p]; q < end;) {
    const n = mail[q + 1];
    fns[mail[q]].apply(null, mail.subarray(q + 2, q + 2 + n) as unknown as number[]);
    q += 2 + n;
  }
}

/** Takes the next untaken part of the queued job, or -1 when none is left. */
export function claimQueued(cells: Int32Array): number {
  for (;;) {
    const v = Atomics.load(cells, CELL.CLAIM);
    const next = v & 0xff, P = (v >>> 8) & 0xff;
    if (next >= P) return -1;
    if (Atomics.compareExchange(cells, CELL.CLAIM, v, v + 1) === v) return next;
  }
}

/** Takes worker w's own part of the fixed job (w + 1), or -1 when it has none. */
export function claimOwn(cells: Int32Array, w: number): number {
  const g = Atomics.load(cells, CELL.OWN + w);
  return g !== 0 && Atomics.compareExchange(cells, CELL.OWN + w, g, 0) === g ? w + 1 : -1;
}

/** Whether this thread may block in Atomics.wait (not a browser's main thread). */
export function canBlock(): boolean {
  try {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 1, 0); // 'not-equal' at once where allowed
    return true;
  } catch {
    return false;
  }
}
