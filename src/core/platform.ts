// Where recap runs, and Node built-ins reached without naming them to bundlers.
//
// The browser entry must not contain a literal `node:` specifier: esbuild (--platform=browser)
// fails on one and other bundlers try to polyfill it. Node, Deno and Bun all set
// `process.versions.node` and serve `node:` built-ins, so they share the Node paths.

/** The part of Node's `process` recap reads (typed here: browser-safe code has no Node types). */
interface NodeProcess { versions?: { node?: string }; getBuiltinModule?: (id: string) => unknown }
const nodeProcess = (globalThis as { process?: NodeProcess }).process;

/** Node, Deno or Bun (anything with Node's built-ins); false in browsers and their workers. */
export const isNode: boolean = !!nodeProcess?.versions?.node;

// The few Node built-ins recap uses, as far as it uses them.
export interface NodeOs { availableParallelism?(): number; cpus(): unknown[] }
export interface NodeWorker {
  postMessage(msg: unknown): void;
  on(event: 'message', fn: (msg: never) => void): void;
  on(event: 'error', fn: (e: Error) => void): void;
  on(event: 'exit', fn: (code: number) => void): void;
  terminate(): Promise<number>;
  ref(): void;
  unref(): void;
}
export interface NodeWorkerThreads {
  Worker: new (url: URL) => NodeWorker;
  parentPort: { on(event: 'message', fn: (msg: never) => void): void; postMessage(msg: unknown): void } | null;
}
export interface NodeFsPromises { readFile(path: URL): Promise<Uint8Array> }

/**
 * A Node built-in module (`name` without the `node:` prefix), loaded by a specifier no bundler
 * sees: `process.getBuiltinModule` where it exists (Node >= 20.16), else a dynamic import of a
 * computed specifier, which bundlers leave alone. Only called when `isNode`.
 */
export async function nodeBuiltin<T>(name: string): Promise<T> {
  const get = nodeProcess?.getBuiltinModule;
  const mod = typeof get === 'function' ? get.call(nodeProcess, `node:${name}`) : undefined;
  if (mod) return mod as T;
  const specifier = ['node', name].join(':');
  return (await import(/* webpackIgnore: true */ /* @vite-ignore */ specifier)) as T;
}
