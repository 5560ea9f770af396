// Where recap runs, and Node built-ins reached without naming them to bundlers.
//
// The browser entry must not contain a literal `node:` specifier: esbuild (--platform=browser)
// fails on one and other bundlers try to polyfill it. Node, Deno and Bun all set
// `process.versions.node` and serve `node:` built-ins, so they share the Node paths.

/** Node, Deno or Bun (anything with Node's built-ins); false in browsers and their workers. */
export const isNode: boolean =
  typeof process !== 'undefined' && !!(process as { versions?: { node?: string } }).versions?.node;

/**
 * A Node built-in module (`name` without the `node:` prefix), loaded by a specifier no bundler
 * sees: `process.getBuiltinModule` where it exists (Node >= 20.16), else a dynamic import of a
 * computed specifier, which bundlers leave alone. Only called when `isNode`.
 */
export async function nodeBuiltin<T>(name: string): Promise<T> {
  const get = (process as { getBuiltinModule?: (id: string) => unknown }).getBuiltinModule;
  const mod = typeof get === 'function' ? get(`node:${name}`) : undefined;
  if (mod) return mod as T;
  const specifier = ['node', name].join(':');
  return (await import(/* webpackIgnore: true */ /* @vite-ignore */ specifier)) as T;
}
