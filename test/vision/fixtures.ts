// The image fixtures of scripts/make-image-fixtures.py (test/fixtures/images/): sources, and what
// PIL + torchvision 0.14 made of them. Shared by the Node tests (the browser test reads them
// through the dev server).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const IMAGES = new URL('../fixtures/images/', import.meta.url);

export interface ImageCase {
  name: string;
  source: string;
  resize: number | [number, number] | null;
  crop: number | null;
  shape: [number, number];
  dtypes: ('f32' | 'f64')[];
  pil_differs: boolean;
}
export interface JpegCase { source: string; shape: [number, number]; mode: string }
export interface Manifest {
  mean: number[]; std: number[]; cases: ImageCase[]; jpeg: JpegCase[];
  sweep: { source: string; sizes: [number, number][] };
}

export const manifest: Manifest = JSON.parse(readFileSync(new URL('manifest.json', IMAGES), 'utf8'));
export const fixturePath = (name: string) => fileURLToPath(new URL(name, IMAGES));
export const fixtureBytes = (name: string) => new Uint8Array(readFileSync(new URL(name, IMAGES)));
export function fixtureF32(name: string): Float32Array {
  const b = fixtureBytes(name);
  return new Float32Array(b.buffer, b.byteOffset, b.length / 4);
}
export function fixtureF64(name: string): Float64Array {
  const b = fixtureBytes(name).slice();
  return new Float64Array(b.buffer, 0, b.length / 8);
}

/** Largest |a − b| over two byte arrays of one length, and how many differ. */
export function byteDiff(a: ArrayLike<number>, b: ArrayLike<number>): { max: number; count: number } {
  let max = 0, count = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (d) count++;
    if (d > max) max = d;
  }
  return { max, count };
}
