// Image files → features (Node): what `recap features` and `recap prepro --images` share. Images
// are read (readImage: PNG/JPEG), encoded in batches over the runtime's threads and either kept
// (one array) or written one `{id}.npy` per image into a folder, which makes a folder run
// resumable: an image whose .npy is already there is not encoded again. Memory stays flat in
// folder mode (each batch's features are written, then dropped).
import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, stat } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import { FormatError, RecapError, fail } from '../core/errors.js';
import { writeFileAtomic } from '../core/files.node.js';
import { Tensor } from '../core/tensor.js';
import { readNpy, writeNpy } from '../interop/npy.js';
import { checkRecipe, parseRecipe } from '../data/recipe.js';
import type { EncodeOptions, ImageEncoder } from './encoder.js';
import type { ImageInput } from './image.js';
import { readImage } from './read-image.node.js';

/** One image file and the id its features are stored under. */
export interface ImageFile { id: string; path: string }

export interface EncodeFilesOptions extends EncodeOptions {
  /** Images per encode call (default 8; 1 when there is no crop, as images may then differ in size). */
  batch?: number;
  /** Write `{id}.npy` per image here (created if missing); existing ones are skipped (resume). */
  dir?: string;
  /** Keep the features in memory and return them as one array (default: true without `dir`). */
  keep?: boolean;
  /** Leave out images that cannot be read (listed in `bad`) instead of throwing. */
  skipBad?: boolean;
  onProgress?: (done: number, total: number) => void;
}

export interface EncodedFiles {
  /** The ids of the images encoded or found, in input order (bad images left out). */
  ids: string[];
  /** (n, ...) features of `ids` when kept, else null. */
  features: Tensor | null;
  /** Images that could not be read (with skipBad). */
  bad: { path: string; reason: string }[];
  /** Images whose features were already in `dir`. */
  skipped: number;
}

export const IMAGE_EXTENSIONS = ['.png', '.jpg', '.jpeg'];

/**
 * The image files a command line names: files as given, folders expanded to their PNG/JPEG files
 * (sorted by name), `*` and `?` patterns in the last path component, and `.txt` list files (one
 * path per line, relative to the list's folder). The id of a file is its name without extension;
 * two files with one id are refused.
 */
export async function listImageFiles(args: readonly string[], what = 'images'): Promise<ImageFile[]> {
  const paths: string[] = [];
  const isImage = (p: string) => IMAGE_EXTENSIONS.includes(extname(p).toLowerCase());
  const folder = async (dir: string, filter: (name: string) => boolean) =>
    (await readdir(dir)).filter(filter).sort().map((n) => join(dir, n));
  for (const arg of args) {
    const slash = arg.lastIndexOf('/');
    const dir = slash >= 0 ? arg.slice(0, slash) || '/' : '.';
    const last = arg.slice(slash + 1);
    if (/[*?]/.test(last)) {
      const re = new RegExp(`^${last.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
      const found = existsSync(dir) ? await folder(dir, (n) => re.test(n)) : [];
      if (found.length === 0) fail(what, 'a pattern that matches image files', arg);
      paths.push(...found);
      continue;
    }
    let st;
    try {
      st = await stat(arg);
    } catch {
      throw new FormatError(arg, 'no such image file or folder');
    }
    if (st.isDirectory()) {
      const found = await folder(arg, isImage);
      if (found.length === 0) throw new FormatError(arg, `no image files (${IMAGE_EXTENSIONS.join(', ')}) in this folder`);
      paths.push(...found);
    } else if (extname(arg).toLowerCase() === '.txt') {
      const lines = (await readFile(arg, 'utf8')).split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'));
      if (lines.length === 0) throw new FormatError(arg, 'the list names no image');
      const base = slash >= 0 ? arg.slice(0, slash) : '.';
      paths.push(...lines.map((l) => (l.startsWith('/') ? l : join(base, l))));
    } else paths.push(arg);
  }
  // a path named twice is taken once (the map keeps the first); two paths with one id are refused
  const byId = new Map<string, string>();
  for (const path of paths) {
    const id = basename(path, extname(path));
    const prev = byId.get(id);
    if (prev !== undefined && prev !== path) throw new RecapError(what, 'images with distinct names (their id is the name without extension)', `${prev} and ${path}`);
    byId.set(id, path);
  }
  return [...byId].map(([id, path]) => ({ id, path }));
}

/** Reads and encodes `files` in batches; see EncodeFilesOptions. Checks every argument before reading any file. */
export async function encodeImageFiles(files: readonly ImageFile[], encoder: ImageEncoder, options: EncodeFilesOptions = {}): Promise<EncodedFiles> {
  if (!Array.isArray(files) || files.length === 0) fail('files', 'at least one image file', files);
  const { dir, skipBad = false, onProgress } = options;
  const keep = options.keep ?? dir === undefined;
  const batch = options.batch ?? (options.crop === null ? 1 : 8);
  if (!Number.isSafeInteger(batch) || batch < 1) fail('options.batch', 'a positive integer', batch);
  if (options.crop === null && batch > 1) fail('options.batch', '1 when there is no crop (images may differ in size)', batch);
  const encode: EncodeOptions = { output: options.output, resize: options.resize, crop: options.crop };
  if (dir !== undefined) {
    // a folder holds the features of one recipe: resuming with other options or weights is refused
    await mkdir(dir, { recursive: true });
    const recipe = { encoder: encoder.recipe(encode), pca: null };
    const path = join(dir, 'recipe.json');
    if (existsSync(path)) checkRecipe('--out', `the folder ${dir}`, parseRecipe(path, JSON.parse(await readFile(path, 'utf8'))), recipe);
    else await writeFileAtomic(path, new TextEncoder().encode(`${JSON.stringify(recipe, null, 1)}\n`));
  }
  const ids: string[] = [];
  const rows: (Tensor | null)[] = [];
  const bad: { path: string; reason: string }[] = [];
  let skipped = 0;
  let done = 0;
  const flush = async (pending: { file: ImageFile; image: ImageInput }[]) => {
    if (pending.length === 0) return;
    const feats = await encoder.encode(pending.map((p) => p.image), encode);
    const per = feats.size / pending.length;
    const shape = feats.shape.slice(1);
    for (let i = 0; i < pending.length; i++) {
      const row = new Tensor(feats.data.slice(i * per, (i + 1) * per), shape);
      if (dir !== undefined) await writeFileAtomic(join(dir, `${pending[i].file.id}.npy`), writeNpy(row));
      ids.push(pending[i].file.id);
      rows.push(keep ? row : null);
    }
    done += pending.length;
    onProgress?.(done, files.length);
  };
  let pending: { file: ImageFile; image: ImageInput }[] = [];
  for (const file of files) {
    const cached = dir !== undefined ? join(dir, `${file.id}.npy`) : null;
    if (cached && existsSync(cached)) {
      await flush(pending);
      pending = [];
      ids.push(file.id);
      rows.push(keep ? readNpy(await readFile(cached), { name: cached }) : null);
      skipped++;
      onProgress?.(++done, files.length);
      continue;
    }
    let image: ImageInput;
    try {
      image = await readImage(file.path);
    } catch (e) {
      if (!skipBad) throw e;
      bad.push({ path: file.path, reason: (e as Error).message });
      onProgress?.(++done, files.length);
      continue;
    }
    pending.push({ file, image });
    if (pending.length === batch) {
      await flush(pending);
      pending = [];
    }
  }
  await flush(pending);
  let features: Tensor | null = null;
  if (keep && rows.length > 0) {
    const shape = rows[0]!.shape;
    const per = rows[0]!.size;
    for (const [i, r] of rows.entries()) {
      if (r!.size !== per || r!.dtype !== rows[0]!.dtype) throw new FormatError(join(dir ?? '.', `${ids[i]}.npy`), `features of shape [${r!.shape}] ${r!.dtype}, expected [${shape}] ${rows[0]!.dtype} as the others (made with other options?)`);
    }
    const out = rows[0]!.dtype === 'float64' ? new Float64Array(rows.length * per) : new Float32Array(rows.length * per);
    rows.forEach((r, i) => out.set(r!.data as Float32Array | Float64Array, i * per));
    features = new Tensor(out, [rows.length, ...shape]);
  }
  return { ids, features, bad, skipped };
}
