// Loading the wasm kernels and owning their linear memory.
//
// The kernels allocate nothing: every buffer lives in memory laid out here, in TypeScript,
// by a first-fit allocator over the pages above the module's static data (`heap_base()`).
// The memory is created here and imported by the module, so a threads build can later share it.
import { RecapError } from './errors.js';
import { simdWasm, scalarWasm, relaxedWasm, threadsWasm } from './embedded.js';
import { Pool } from './threads.js';
import { type FloatKernels, type Kernels, ofPrecision } from './kernels.js';
import { type DType, precision } from './tensor.js';
import { type NodeOs, isNode, nodeBuiltin } from './platform.js';

export type WasmKind = 'simd' | 'scalar' | 'relaxed';
export interface InitOptions {
  /** Which build to run, or the bytes / compiled module of one you host yourself. */
  wasm?: WasmKind | BufferSource | WebAssembly.Module;
  /**
   * Threads for training steps (data-parallel over the batch rows, then over weight columns).
   * Default: every core in Node; in browsers every core when crossOriginIsolated, else 1.
   * Results are bit-identical for any thread count. Needs the 'simd' build and shared memory.
   */
  threads?: number;
}

interface Runtime {
  kind: WasmKind | 'custom';
  kernels: Kernels;
  memory: WebAssembly.Memory;
  heap: Heap;
  /** Threads in use (1 = no workers). */
  threads: number;
  pool: Pool | null;
  /**
   * GEMM packing scratch, one region per partition of a planned call list (QUEUE_PER_THREAD per
   * thread when threaded: a training step is planned in that many parts, taken by whichever
   * thread is free; 0 = the calling thread's), passed as the trailing argument of the
   * gemm/affine/rnn/lstm kernels; 0 where the module has none (a custom build without
   * `scratch_bytes`), which selects the unpacked path.
   */
  scratch: number[];
}

let runtime: Runtime | null = null;
let loading: Promise<void> | null = null;
let loadingKind: string | null = null;

const PAGE = 65536;
const ALIGN = 16;

function decodeBase64(b64: string): Uint8Array {
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

const embedded: Record<WasmKind, string> = { simd: simdWasm, scalar: scalarWasm, relaxed: relaxedWasm };

function kindName(wasm: InitOptions['wasm']): string {
  return typeof wasm === 'string' || wasm === undefined ? (wasm ?? 'simd') : 'custom';
}

/**
 * Loads the wasm kernels. Idempotent: concurrent and repeated calls share one load. The default
 * build is 'simd', falling back to 'scalar' with a one-line warning where SIMD is unsupported.
 */
export function init(options: InitOptions = {}): Promise<void> {
  const wanted = kindName(options.wasm);
  if (options.threads !== undefined && (!Number.isInteger(options.threads) || options.threads < 1)) {
    throw new RecapError('options.threads', 'a positive integer', String(options.threads));
  }
  if (loading) {
    if (options.wasm !== undefined && wanted !== loadingKind && !(loadingKind === 'simd' && runtime?.kind === 'scalar')) {
      throw new RecapError('options.wasm', `the build already loaded ('${loadingKind}')`, `'${wanted}'`,
        'recap loads one wasm build per process; start a new process (or worker) for another');
    }
    return loading;
  }
  loadingKind = wanted;
  loading = load(options).catch((e) => {
    loading = null;
    loadingKind = null;
    throw e;
  });
  return loading;
}

async function load(options: InitOptions): Promise<void> {
  const wasm = options.wasm ?? 'simd';
  let module: WebAssembly.Module;
  let kind: Runtime['kind'];
  if (typeof wasm === 'string') {
    if (!(wasm in embedded)) throw new RecapError('options.wasm', "'simd', 'scalar', 'relaxed', bytes or a WebAssembly.Module", `'${wasm}'`);
    let bytes = decodeBase64(embedded[wasm as WasmKind]);
    kind = wasm as WasmKind;
    if (!WebAssembly.validate(bytes as BufferSource)) {
      if (wasm === 'simd') {
        console.warn('recap: WebAssembly SIMD is not supported here; using the scalar build (slower, same results up to summation order)');
        bytes = decodeBase64(embedded.scalar);
        kind = 'scalar';
      } else if (wasm === 'relaxed') {
        throw new RecapError('options.wasm', 'an engine with relaxed SIMD (Node needs --experimental-wasm-relaxed-simd)', "'relaxed'");
      }
    }
    module = await WebAssembly.compile(bytes as BufferSource);
  } else if (wasm instanceof WebAssembly.Module) {
    module = wasm;
    kind = 'custom';
  } else {
    module = await WebAssembly.compile(wasm);
    kind = 'custom';
  }
  let threads = await threadCount(options.threads, kind);
  let shared = false;
  if (threads > 1) {
    module = await WebAssembly.compile(decodeBase64(threadsWasm) as BufferSource);
    shared = true;
  }
  const memory = shared
    ? new WebAssembly.Memory({ initial: 16, maximum: MAX_SHARED_PAGES, shared: true })
    : new WebAssembly.Memory({ initial: 16 });
  const instance = await WebAssembly.instantiate(module, {
    env: {
      memory,
      abort(_msg: number, _file: number, line: number, col: number) {
        throw new Error(`recap: wasm abort at ${line}:${col}`);
      },
    },
  });
  const kernels = instance.exports as unknown as Kernels;
  const base = kernels.heap_base();
  let pool: Pool | null = null;
  if (threads > 1) {
    try {
      pool = await Pool.start(threads - 1, module, memory);
    } catch (e) {
      console.warn(`recap: could not start worker threads (${(e as Error).message}); using 1 thread`);
      threads = 1;
    }
  }
  const heap = new Heap(memory, base, shared ? MAX_SHARED_PAGES * PAGE : 4 * 1024 * 1024 * 1024);
  const scratchBytes = typeof kernels.scratch_bytes === 'function' ? kernels.scratch_bytes() : 0;
  const scratch = Array.from({ length: queueParts(threads) }, () => (scratchBytes > 0 ? heap.alloc(scratchBytes) : 0));
  runtime = { kind, kernels, memory, heap, threads, pool, scratch };
}

/** Shared memory is reserved up front: 1 GiB (16384 pages) in threaded mode. */
const MAX_SHARED_PAGES = 16384;

async function threadCount(requested: number | undefined, kind: Runtime['kind']): Promise<number> {
  const g = globalThis as unknown as { crossOriginIsolated?: boolean; navigator?: { hardwareConcurrency?: number } };
  let cores = 1;
  if (isNode) {
    const os = await nodeBuiltin<NodeOs>('os');
    cores = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
  } else {
    cores = g.navigator?.hardwareConcurrency ?? 1;
  }
  const canShare = typeof SharedArrayBuffer !== 'undefined' && (isNode || g.crossOriginIsolated === true);
  const wanted = requested ?? (isNode || canShare ? cores : 1);
  if (requested === undefined && !canShare && cores > 1) {
    console.info(`recap: 1 thread (this page is not cross-origin isolated; serve it with COOP/COEP headers to train on ${cores} threads)`);
  }
  if (wanted <= 1) return 1;
  if (kind !== 'simd') {
    if (requested !== undefined) console.warn(`recap: threads need the 'simd' build (running '${kind}'); using 1 thread`);
    return 1;
  }
  if (!canShare) {
    console.warn('recap: threads need shared memory (serve the page with COOP/COEP so it is crossOriginIsolated); using 1 thread');
    return 1;
  }
  return wanted;
}

/** Is the runtime loaded? */
export function isInitialized(): boolean {
  return runtime !== null;
}

/** The loaded runtime; throws a clear error before `init()` has resolved. */
export function rt(): Runtime {
  if (!runtime) throw new RecapError('recap', 'a loaded runtime: call `await init()` before using the library', 'none loaded');
  return runtime;
}

/** Which build is running: 'simd', 'scalar', 'relaxed' or 'custom'. */
export function backend(): string {
  return rt().kind;
}

/** Threads in use (1 when no worker threads run). */
export function threads(): number {
  return rt().threads;
}

/**
 * Ends the worker threads and unloads the runtime; models made before are unusable after.
 * `init()` may be called again afterwards (with other options).
 */
export function dispose(): void {
  if (!runtime) return;
  runtime.pool?.dispose();
  runtime = null;
  loading = null;
  loadingKind = null;
}

/**
 * Parts a training step is planned in on `threads` threads: QUEUE_PER_THREAD per thread, so a
 * thread whose core is busy (another process, a browser tab) takes fewer of them (Pool.runQueue).
 * Results do not depend on the number of parts.
 */
const QUEUE_PER_THREAD = 2;
export function queueParts(threads: number): number {
  return threads > 1 ? QUEUE_PER_THREAD * threads : 1;
}

/** The GEMM packing scratch of partition `p` (0: the calling thread's), or 0 where there is none. */
export function scratch(p = 0): number {
  return rt().scratch[p] ?? 0;
}

/** The kernel exports (typed from assembly/index.ts: kernels.generated.ts). */
export function kernels(): Kernels {
  return rt().kernels;
}

/** The kernels of a float dtype's precision by plain name: floatKernels('float64').gemm_nn is f64_gemm_nn. */
export function floatKernels(dtype: DType): FloatKernels {
  return ofPrecision(rt().kernels, precision(dtype));
}

/**
 * First-fit allocator over wasm linear memory. Blocks are 16-byte aligned; freed blocks are
 * coalesced with their neighbours. Grows the memory when no free block is large enough.
 */
export class Heap {
  private free: Array<{ ptr: number; size: number }> = [];
  private sizes = new Map<number, number>();
  private top: number;
  constructor(private memory: WebAssembly.Memory, base: number, private limit: number) {
    this.top = align(base);
  }

  alloc(bytes: number): number {
    const size = align(Math.max(bytes, ALIGN));
    for (let i = 0; i < this.free.length; i++) {
      const block = this.free[i];
      if (block.size >= size) {
        const ptr = block.ptr;
        if (block.size === size) this.free.splice(i, 1);
        else { block.ptr += size; block.size -= size; }
        this.sizes.set(ptr, size);
        return ptr;
      }
    }
    const ptr = this.top;
    const end = ptr + size;
    if (end > this.limit - PAGE) {
      throw new RecapError('memory', `at most ${(this.limit / 2 ** 30).toFixed(0)} GiB of wasm memory in all`, `${(end / 2 ** 30).toFixed(2)} GiB needed`);
    }
    const have = this.memory.buffer.byteLength;
    if (end > have) {
      const pages = Math.ceil((end - have) / PAGE);
      try {
        this.memory.grow(pages);
      } catch {
        throw new RecapError('memory', `${((end - have) / 2 ** 20).toFixed(1)} MiB more wasm memory`, 'the engine refused to grow it');
      }
    }
    this.top = end;
    this.sizes.set(ptr, size);
    return ptr;
  }

  release(ptr: number): void {
    const size = this.sizes.get(ptr);
    if (size === undefined) return;
    this.sizes.delete(ptr);
    if (ptr + size === this.top) {
      this.top = ptr;
      // fold free blocks that now touch the top
      let last = this.free[this.free.length - 1];
      while (last && last.ptr + last.size === this.top) {
        this.top = last.ptr;
        this.free.pop();
        last = this.free[this.free.length - 1];
      }
      return;
    }
    let i = 0;
    while (i < this.free.length && this.free[i].ptr < ptr) i++;
    this.free.splice(i, 0, { ptr, size });
    const next = this.free[i + 1];
    if (next && ptr + size === next.ptr) {
      this.free[i].size += next.size;
      this.free.splice(i + 1, 1);
    }
    const prev = this.free[i - 1];
    if (prev && prev.ptr + prev.size === ptr) {
      prev.size += this.free[i].size;
      this.free.splice(i, 1);
    }
  }

  /** Bytes currently handed out (for leak tests). */
  get inUse(): number {
    let n = 0;
    for (const s of this.sizes.values()) n += s;
    return n;
  }
}

function align(n: number): number {
  return Math.ceil(n / ALIGN) * ALIGN;
}

/** Bytes of wasm memory handed out to live buffers and the memory's total size. */
export function memoryStats(): { inUse: number; memoryBytes: number } {
  const r = rt();
  return { inUse: r.heap.inUse, memoryBytes: r.memory.buffer.byteLength };
}
