// The pretrained checkpoint shipped with the package: an LSTM trained on the shapes world
// (scripts/pretrain.mjs), exported as `recap/models/shapes-lstm.recap` (the file
// assets/shapes-lstm.recap). Browser-safe: Node reads the file, browsers fetch it.
import { FormatError, fail } from '../core/errors.js';
import { type NodeFsPromises, isNode, nodeBuiltin } from '../core/platform.js';
import { loadCheckpoint, type Checkpoint } from './checkpoint.js';

/**
 * Where the shipped checkpoint is, beside this module in the installed package. Bundlers that
 * follow `new URL(…, import.meta.url)` (Vite, webpack 5) emit the file and rewrite this URL;
 * with others (esbuild, rollup) serve `recap/models/shapes-lstm.recap` yourself and pass its URL
 * to `loadPretrained`.
 */
export function pretrainedUrl(): URL {
  return new URL('../../assets/shapes-lstm.recap', import.meta.url);
}

/**
 * Loads the shipped pretrained shapes-world LSTM as a Checkpoint (`.model` is ready to caption
 * `extractFeatures` of a rendered scene; `model.idxToWord` decodes its tokens). `source`: the checkpoint's bytes, or a URL to
 * fetch (http(s):, blob:, data:; file: in Node), or nothing: the package's own file (read from
 * disk in Node, Deno and Bun; fetched from `pretrainedUrl()` in browsers).
 */
export async function loadPretrained(source?: string | URL | Uint8Array | ArrayBuffer): Promise<Checkpoint> {
  const name = 'shapes-lstm.recap';
  if (source instanceof Uint8Array || source instanceof ArrayBuffer) return loadCheckpoint(source, { name });
  if (source !== undefined && typeof source !== 'string' && !(source instanceof URL)) {
    fail('source', 'the checkpoint bytes (Uint8Array, ArrayBuffer) or its URL (string, URL)', typeof source);
  }
  let where: URL;
  try {
    where = source === undefined ? pretrainedUrl() : new URL(source, (globalThis as { location?: { href: string } }).location?.href);
  } catch {
    fail('source', 'an absolute URL (or one relative to the page)', source);
  }
  if (where.protocol === 'file:' && isNode) {
    const { readFile } = await nodeBuiltin<NodeFsPromises>('fs/promises');
    let bytes: Uint8Array;
    try {
      bytes = await readFile(where);
    } catch (e) {
      throw new FormatError(where.href, `cannot read the pretrained checkpoint (${(e as Error).message})`);
    }
    return loadCheckpoint(bytes, { name });
  }
  let res: Response;
  try {
    res = await fetch(where);
  } catch (e) {
    throw new FormatError(where.href, `cannot fetch the pretrained checkpoint (${(e as Error).message}); serve recap/models/shapes-lstm.recap and pass its URL to loadPretrained(url)`);
  }
  if (!res.ok) {
    throw new FormatError(where.href, `cannot fetch the pretrained checkpoint: HTTP ${res.status}; serve recap/models/shapes-lstm.recap and pass its URL to loadPretrained(url)`);
  }
  return loadCheckpoint(new Uint8Array(await res.arrayBuffer()), { name });
}
