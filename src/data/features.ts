// A fixed, hand-designed image feature extractor for the shapes world (src/data/shapes.ts),
// in the spirit of CS231n assignment 1's `features.py` (colour histogram + HOG), extended with
// colour-conditioned shape statistics so a captioning model can tell WHICH colour has WHICH
// shape and WHERE it is.
//
// Determinism: only + - * /, Math.sqrt, Math.floor/min/max/abs and comparisons are used, so the
// same image gives bit-identical features in every JavaScript engine (no atan2/exp/log: the
// orientation bins are found by comparing gx, gy against fixed sin/cos constants).
//
// Pipeline for an image of any size (RGB or RGBA, 0..255, row-major):
//   1. Alpha-composite over white (v = (c·a + 255·(255−a)) / 255), then resample to the canonical
//      S×S = 32×32 grid with a box filter: output pixel (i, j) averages the input rows
//      [⌊i·H/S⌋, max(⌊(i+1)·H/S⌋, ⌊i·H/S⌋+1)) and the same columns (nearest neighbour when
//      upsampling; the identity when the image is already 32×32).
//   2. Colour class per pixel, from max/min of (r, g, b) and chroma c = max − min:
//        c < 40:  0 = light neutral (max ≥ 128) or 1 = dark neutral;
//        else the hue sextant h ∈ [0, 6) (h = (g−b)/c, 2 + (b−r)/c or 4 + (r−g)/c for max = r, g, b),
//        class 2 + (⌊h + 0.5⌋ mod 6): 2 red, 3 yellow, 4 green, 5 cyan, 6 blue, 7 magenta/purple.
//   3. Gradients by central differences [−1, 0, 1] (borders clamped) in each channel; the channel
//      with the largest gx² + gy² wins (Dalal & Triggs 2005); magnitude = √(gx² + gy²) / 255.
//      Unsigned orientation in 8 bins of 22.5° centred on 0°, 22.5°, …, 157.5° (image x right,
//      y down): (gx, gy) is flipped into the half-plane gy > 0 (or gy = 0, gx ≥ 0) and the bin is
//      the number of boundaries φ_k = 11.25° + 22.5°·k it has passed (gy·cos φ_k − gx·sin φ_k ≥ 0),
//      mod 8.
//
// Feature vector layout (FEATURE_DIM = 400, float32). Grid cells are 8×8 pixels, 4×4 of them,
// cell index q = 4·cellRow + cellCol; o = orientation bin 0..7; k = colour class 0..7;
// hue u = 0..5 (= colour class 2 + u: red, yellow, green, cyan, blue, purple).
//   [  0, 128)  colour histogram:   q·8 + k = fraction of the cell's 64 pixels of
//                                   class k, then (v − COLOUR_MEAN[k]) / COLOUR_SCALE[k].
//   [128, 256)  HOG:                128 + q·8 + o = Σ magnitude in cell q with orientation o,
//                                   L2-normalised over the 3×3 neighbourhood of cells around q
//                                   (clipped at the border): v / √(HOG_EPS + Σ_{cells, bins} v²),
//                                   then (v − HOG_MEAN) / HOG_SCALE.
//   [256, 304)  hue × orientation:  256 + u·8 + o = Σ magnitude of edge pixels attributed to hue u
//                                   (the pixel's own hue, else that of its most chromatic
//                                   4-neighbour), divided by √(pixels of hue u) — so it measures
//                                   edge length per √area, independent of the object's size —
//                                   then (v − HUE_EDGE_MEAN) / HUE_EDGE_SCALE.
//   [304, 352)  hue statistics:     304 + u·8 + j, over the pixels of hue u (raw values all 0
//                                   when there are fewer than 3 of them):
//                                   j=0 mass = pixels / S²,  j=1 cx, j=2 cy = centroid / S − 0.5,
//                                   j=3 sdx, j=4 sdy = standard deviation / S,
//                                   j=5 fill = pixels / bounding-box area,
//                                   j=6 edge = Σ edge magnitude of hue u / √pixels,
//                                   j=7 skew = (cy − bounding-box centre y) / box height
//                                   (≈ +1/6 for an upward triangle, 0 for symmetric shapes),
//                                   then (v − STAT_MEAN[j]) / STAT_SCALE[j].
//   [352, 400)  hue shape moments:  352 + u·8 + j, from the central moments μ_pq of the pixels of
//                                   hue u about their centroid (pixel units), normalised as
//                                   η_pq = μ_pq / n^(1 + (p+q)/2) so they ignore position and size:
//                                   j=0 η20 + η02 (spread: 1/2π disc, 1/6 square), j=1 η20 − η02,
//                                   j=2 η11, j=3 η30, j=4 η03 (vertical skew: triangles),
//                                   j=5 η40 + η04, j=6 η22 (4th order: square vs diamond vs cross),
//                                   j=7 η40 − η04; then (v − MOMENT_MEAN[j]) / MOMENT_SCALE[j]
//                                   clamped to [−4, 4]; exactly 0 for an absent hue (< 3 pixels).
// The means and scales are fixed constants (measured once on `shapesData()` and rounded) so the
// features are roughly zero-mean and unit-scale; they never depend on the data being processed.
import { fail } from '../core/errors.js';
import { Tensor } from '../core/tensor.js';

/** An image: row-major pixels, 3 (RGB) or 4 (RGBA) channels of 0..255. `ImageData` qualifies. */
export interface RgbImage {
  data: ArrayLike<number>;
  width: number;
  height: number;
  /** 3 or 4; inferred from data.length / (width·height) when omitted. */
  channels?: number;
}

/** Side of the canonical grid every image is resampled to. */
export const FEATURE_SIZE = 32;
/** Length of the feature vector. */
export const FEATURE_DIM = 400;

const S = FEATURE_SIZE;
const GRID = 4; // cells per side
const CELL = S / GRID; // 8 pixels
const NCOL = 8; // colour classes
const NORI = 8; // orientation bins
const NHUE = 6;
const CHROMA_MIN = 40;
const MIN_HUE_PIXELS = 3;

// Offsets of the five blocks.
const OFF_COLOUR = 0;
const OFF_HOG = OFF_COLOUR + GRID * GRID * NCOL; // 128
const OFF_HUE_EDGE = OFF_HOG + GRID * GRID * NORI; // 256
const OFF_STATS = OFF_HUE_EDGE + NHUE * NORI; // 304
const OFF_MOMENTS = OFF_STATS + NHUE * 8; // 352

// Normalisation constants (see the layout above).
const COLOUR_MEAN = [0.86, 0, 0.03, 0.03, 0.03, 0, 0.03, 0.03];
const COLOUR_SCALE = [0.4, 0.2, 0.2, 0.2, 0.2, 0.2, 0.2, 0.2];
const HOG_EPS = 1;
const HOG_MEAN = 0.04;
const HOG_SCALE = 0.2;
const HUE_EDGE_MEAN = 0.2;
const HUE_EDGE_SCALE = 0.35;
const STAT_MEAN = [0.02, 0, 0, 0.02, 0.02, 0.2, 1.7, 0.01];
const STAT_SCALE = [0.04, 0.11, 0.11, 0.04, 0.04, 0.34, 2.6, 0.035];
const MOMENT_MEAN = [0.17, 0, 0, 0, 0, 0.032, 0.0046, 0];
const MOMENT_SCALE = [0.012, 0.01, 0.003, 0.0015, 0.0065, 0.008, 0.0018, 0.0036];
const MOMENT_CLAMP = 4;

// cos φ_k, sin φ_k for the orientation boundaries φ_k = 11.25° + 22.5°·k (k = 0..7).
const C1 = 0.9807852804032304;
const S1 = 0.19509032201612825;
const C2 = 0.8314696123025452;
const S2 = 0.5555702330196022;
const BCOS = [C1, C2, S2, S1, -S1, -S2, -C2, -C1];
const BSIN = [S1, S2, C2, C1, C1, C2, S2, S1];

/** Scratch buffers reused between calls (single-threaded; nothing escapes a call). */
const rgb = new Float64Array(S * S * 3);
const cls = new Uint8Array(S * S);
const chroma = new Float64Array(S * S);
const mag = new Float64Array(S * S);
const ori = new Uint8Array(S * S);
const hog = new Float64Array(GRID * GRID * NORI);
const colour = new Float64Array(GRID * GRID * NCOL);
const hueEdge = new Float64Array(NHUE * NORI);
// Per hue: pixel count, Σx, Σy, Σx², Σy², Σ edge magnitude, bounding box.
const hn = new Float64Array(NHUE), hsx = new Float64Array(NHUE), hsy = new Float64Array(NHUE);
const hsxx = new Float64Array(NHUE), hsyy = new Float64Array(NHUE), hedge = new Float64Array(NHUE);
const bx0 = new Int32Array(NHUE), bx1 = new Int32Array(NHUE), by0 = new Int32Array(NHUE), by1 = new Int32Array(NHUE);
const stat = new Float64Array(8);
// Per hue central moments μ_pq (p + q = 2..4) of the hue's pixels, and the 8 shape invariants.
const mom = new Float64Array(NHUE * 12);
const inv = new Float64Array(8);
/** Cell index q of every canonical pixel. */
const cellOf = new Uint8Array(S * S);
for (let y = 0; y < S; y++) for (let x = 0; x < S; x++) cellOf[y * S + x] = Math.floor(y / CELL) * GRID + Math.floor(x / CELL);

function channelsOf(image: RgbImage, name: string): number {
  if (image === null || typeof image !== 'object') fail(name, 'an image { data, width, height, channels? }', image);
  const { width, height, data } = image;
  if (!Number.isInteger(width) || width < 1) fail(`${name}.width`, 'a positive integer', width);
  if (!Number.isInteger(height) || height < 1) fail(`${name}.height`, 'a positive integer', height);
  if (!data || typeof data.length !== 'number') fail(`${name}.data`, 'an array of pixel values', typeof data);
  const n = width * height;
  const ch = image.channels ?? data.length / n;
  if (ch !== 3 && ch !== 4) fail(`${name}.channels`, '3 (RGB) or 4 (RGBA)', ch);
  if (data.length !== n * ch) fail(`${name}.data`, `${n * ch} values (${width}×${height}×${ch})`, data.length);
  if (!(data instanceof Uint8ClampedArray) && !(data instanceof Uint8Array)) {
    for (let i = 0; i < data.length; i++) {
      const v = data[i];
      if (!(v >= 0 && v <= 255)) fail(`${name}.data[${i}]`, 'a value in [0, 255]', v);
    }
  }
  return ch;
}

/** Step 1: alpha-composite over white and box-resample into `rgb` (S×S×3, 0..255 floats). */
function resample(image: RgbImage, ch: number): void {
  const { data, width: W, height: H } = image;
  if (W === S && H === S) {
    // Identity (the common case): composite only.
    for (let p = 0, q = 0; p < S * S * 3; p += 3, q += ch) {
      const a = ch === 4 ? data[q + 3] : 255;
      if (a === 255) {
        rgb[p] = data[q];
        rgb[p + 1] = data[q + 1];
        rgb[p + 2] = data[q + 2];
      } else {
        const w = 255 * (255 - a);
        rgb[p] = (data[q] * a + w) / 255;
        rgb[p + 1] = (data[q + 1] * a + w) / 255;
        rgb[p + 2] = (data[q + 2] * a + w) / 255;
      }
    }
    return;
  }
  for (let i = 0; i < S; i++) {
    const y0 = Math.floor((i * H) / S);
    const y1 = Math.max(Math.floor(((i + 1) * H) / S), y0 + 1);
    for (let j = 0; j < S; j++) {
      const x0 = Math.floor((j * W) / S);
      const x1 = Math.max(Math.floor(((j + 1) * W) / S), x0 + 1);
      let r = 0, g = 0, b = 0;
      for (let y = y0; y < y1; y++) {
        let p = (y * W + x0) * ch;
        for (let x = x0; x < x1; x++, p += ch) {
          if (ch === 4) {
            const a = data[p + 3];
            const w = 255 * (255 - a);
            r += (data[p] * a + w) / 255;
            g += (data[p + 1] * a + w) / 255;
            b += (data[p + 2] * a + w) / 255;
          } else {
            r += data[p];
            g += data[p + 1];
            b += data[p + 2];
          }
        }
      }
      const count = (y1 - y0) * (x1 - x0);
      const o = (i * S + j) * 3;
      rgb[o] = r / count;
      rgb[o + 1] = g / count;
      rgb[o + 2] = b / count;
    }
  }
}

/** Step 2: colour class and chroma of every canonical pixel. */
function classify(): void {
  for (let p = 0; p < S * S; p++) {
    const r = rgb[p * 3], g = rgb[p * 3 + 1], b = rgb[p * 3 + 2];
    const mx = Math.max(r, g, b);
    const mn = Math.min(r, g, b);
    const c = mx - mn;
    chroma[p] = c;
    if (c < CHROMA_MIN) {
      cls[p] = mx >= 128 ? 0 : 1;
      continue;
    }
    let h: number;
    if (mx === r) h = (g - b) / c;
    else if (mx === g) h = 2 + (b - r) / c;
    else h = 4 + (r - g) / c;
    if (h < 0) h += 6;
    cls[p] = 2 + (Math.floor(h + 0.5) % 6);
  }
}

/** Step 3: gradient magnitude and orientation bin of every canonical pixel. */
function gradients(): void {
  for (let y = 0; y < S; y++) {
    const up = y > 0 ? y - 1 : 0;
    const dn = y < S - 1 ? y + 1 : S - 1;
    for (let x = 0; x < S; x++) {
      const lf = x > 0 ? x - 1 : 0;
      const rt = x < S - 1 ? x + 1 : S - 1;
      const r0 = (y * S + lf) * 3, r1 = (y * S + rt) * 3, c0 = (up * S + x) * 3, c1 = (dn * S + x) * 3;
      // The channel with the largest gx² + gy² wins (ties: the first).
      let bgx = rgb[r1] - rgb[r0], bgy = rgb[c1] - rgb[c0];
      let best = bgx * bgx + bgy * bgy;
      for (let c = 1; c < 3; c++) {
        const gx = rgb[r1 + c] - rgb[r0 + c];
        const gy = rgb[c1 + c] - rgb[c0 + c];
        const m2 = gx * gx + gy * gy;
        if (m2 > best) {
          best = m2;
          bgx = gx;
          bgy = gy;
        }
      }
      const p = y * S + x;
      mag[p] = Math.sqrt(best) / 255;
      if (bgy < 0 || (bgy === 0 && bgx < 0)) {
        bgx = -bgx;
        bgy = -bgy;
      }
      let k = 0;
      while (k < NORI && bgy * BCOS[k] - bgx * BSIN[k] >= 0) k++;
      ori[p] = k % NORI;
    }
  }
}

/** Hue (0..5) an edge pixel is attributed to, or −1: its own, else its most chromatic 4-neighbour's. */
function edgeHue(p: number, x: number, y: number): number {
  if (cls[p] >= 2) return cls[p] - 2;
  let best = CHROMA_MIN - 1, q = -1;
  if (x > 0 && chroma[p - 1] > best) { best = chroma[p - 1]; q = p - 1; }
  if (x < S - 1 && chroma[p + 1] > best) { best = chroma[p + 1]; q = p + 1; }
  if (y > 0 && chroma[p - S] > best) { best = chroma[p - S]; q = p - S; }
  if (y < S - 1 && chroma[p + S] > best) { best = chroma[p + S]; q = p + S; }
  return q >= 0 && cls[q] >= 2 ? cls[q] - 2 : -1;
}

/**
 * Features of one image (any size, RGB or RGBA): a float32 vector of FEATURE_DIM laid out as
 * documented at the top of this file. Writes into `out` (length ≥ offset + FEATURE_DIM) at
 * `offset` when given.
 */
export function extractFeatures(image: RgbImage, out?: Float32Array, offset = 0): Float32Array {
  const ch = channelsOf(image, 'image');
  if (out === undefined) out = new Float32Array(FEATURE_DIM);
  else if (!(out instanceof Float32Array) || out.length < offset + FEATURE_DIM) {
    fail('out', `a Float32Array of at least ${offset + FEATURE_DIM} values`, out instanceof Float32Array ? out.length : typeof out);
  }
  resample(image, ch);
  classify();
  gradients();

  // Colour histogram and HOG per cell; per-hue accumulators.
  hog.fill(0);
  colour.fill(0);
  hueEdge.fill(0);
  hn.fill(0); hsx.fill(0); hsy.fill(0); hsxx.fill(0); hsyy.fill(0); hedge.fill(0);
  bx0.fill(S); bx1.fill(-1); by0.fill(S); by1.fill(-1);
  for (let y = 0; y < S; y++) {
    for (let x = 0; x < S; x++) {
      const p = y * S + x;
      const q = cellOf[p];
      const k = cls[p];
      colour[q * NCOL + k] += 1;
      const m = mag[p];
      if (m > 0) {
        hog[q * NORI + ori[p]] += m;
        const u = edgeHue(p, x, y);
        if (u >= 0) {
          hueEdge[u * NORI + ori[p]] += m;
          hedge[u] += m;
        }
      }
      if (k >= 2) {
        const u = k - 2;
        const fx = x + 0.5, fy = y + 0.5;
        hn[u] += 1;
        hsx[u] += fx;
        hsy[u] += fy;
        hsxx[u] += fx * fx;
        hsyy[u] += fy * fy;
        if (x < bx0[u]) bx0[u] = x;
        if (x > bx1[u]) bx1[u] = x;
        if (y < by0[u]) by0[u] = y;
        if (y > by1[u]) by1[u] = y;
      }
    }
  }

  const cellPixels = CELL * CELL;
  for (let q = 0; q < GRID * GRID; q++) {
    for (let k = 0; k < NCOL; k++) {
      out[offset + OFF_COLOUR + q * NCOL + k] = (colour[q * NCOL + k] / cellPixels - COLOUR_MEAN[k]) / COLOUR_SCALE[k];
    }
  }

  for (let cy = 0; cy < GRID; cy++) {
    for (let cx = 0; cx < GRID; cx++) {
      let ss = HOG_EPS;
      for (let ny = Math.max(cy - 1, 0); ny <= Math.min(cy + 1, GRID - 1); ny++) {
        for (let nx = Math.max(cx - 1, 0); nx <= Math.min(cx + 1, GRID - 1); nx++) {
          const base = (ny * GRID + nx) * NORI;
          for (let o = 0; o < NORI; o++) ss += hog[base + o] * hog[base + o];
        }
      }
      const norm = Math.sqrt(ss);
      const base = (cy * GRID + cx) * NORI;
      for (let o = 0; o < NORI; o++) {
        out[offset + OFF_HOG + base + o] = (hog[base + o] / norm - HOG_MEAN) / HOG_SCALE;
      }
    }
  }

  // Second pass: central moments about each hue's centroid (offsets in pixels).
  mom.fill(0);
  for (let y = 0; y < S; y++) {
    for (let x = 0; x < S; x++) {
      const k = cls[y * S + x];
      if (k < 2) continue;
      const u = k - 2;
      const dx = x + 0.5 - hsx[u] / hn[u], dy = y + 0.5 - hsy[u] / hn[u];
      const dx2 = dx * dx, dy2 = dy * dy, b = u * 12;
      mom[b] += dx2; // μ20
      mom[b + 1] += dy2; // μ02
      mom[b + 2] += dx * dy; // μ11
      mom[b + 3] += dx2 * dx; // μ30
      mom[b + 4] += dy2 * dy; // μ03
      mom[b + 5] += dx2 * dx2; // μ40
      mom[b + 6] += dy2 * dy2; // μ04
      mom[b + 7] += dx2 * dy2; // μ22
    }
  }

  for (let u = 0; u < NHUE; u++) {
    const n = hn[u];
    const present = n >= MIN_HUE_PIXELS;
    const root = present ? Math.sqrt(n) : 1;
    for (let o = 0; o < NORI; o++) {
      const v = present ? hueEdge[u * NORI + o] / root : 0;
      out[offset + OFF_HUE_EDGE + u * NORI + o] = (v - HUE_EDGE_MEAN) / HUE_EDGE_SCALE;
    }
    stat.fill(0);
    if (present) {
      const mx = hsx[u] / n, my = hsy[u] / n;
      const bw = bx1[u] - bx0[u] + 1, bh = by1[u] - by0[u] + 1;
      stat[0] = n / (S * S);
      stat[1] = mx / S - 0.5;
      stat[2] = my / S - 0.5;
      stat[3] = Math.sqrt(Math.max(hsxx[u] / n - mx * mx, 0)) / S;
      stat[4] = Math.sqrt(Math.max(hsyy[u] / n - my * my, 0)) / S;
      stat[5] = n / (bw * bh);
      stat[6] = hedge[u] / root;
      stat[7] = (my - (by0[u] + by1[u] + 1) / 2) / bh;
    }
    for (let j = 0; j < 8; j++) {
      out[offset + OFF_STATS + u * 8 + j] = (stat[j] - STAT_MEAN[j]) / STAT_SCALE[j];
    }
    for (let j = 0; j < 8; j++) inv[j] = MOMENT_MEAN[j]; // absent hue → 0 after normalisation
    if (present) {
      // Scale-normalised central moments η_pq = μ_pq / n^(1 + (p+q)/2) (translation and scale invariant).
      const b = u * 12, n2 = n * n, n3 = n2 * n, n25 = n2 * Math.sqrt(n);
      inv[0] = (mom[b] + mom[b + 1]) / n2; // spread: 1/(2π) disc, 1/6 square
      inv[1] = (mom[b] - mom[b + 1]) / n2; // elongation
      inv[2] = mom[b + 2] / n2; // tilt
      inv[3] = mom[b + 3] / n25; // horizontal skew
      inv[4] = mom[b + 4] / n25; // vertical skew (triangle)
      inv[5] = (mom[b + 5] + mom[b + 6]) / n3; // 4th order along the axes
      inv[6] = mom[b + 7] / n3; // 4th order across the axes
      inv[7] = (mom[b + 5] - mom[b + 6]) / n3; // 4th-order anisotropy
    }
    for (let j = 0; j < 8; j++) {
      const v = (inv[j] - MOMENT_MEAN[j]) / MOMENT_SCALE[j];
      out[offset + OFF_MOMENTS + u * 8 + j] = Math.max(-MOMENT_CLAMP, Math.min(MOMENT_CLAMP, v));
    }
  }
  return out;
}

/** Features of many images: a float32 Tensor (N, FEATURE_DIM), row i from images[i]. */
export function extractFeaturesBatch(images: readonly RgbImage[]): Tensor {
  if (!Array.isArray(images)) fail('images', 'an array of images', typeof images);
  const out = new Float32Array(images.length * FEATURE_DIM);
  for (let i = 0; i < images.length; i++) {
    channelsOf(images[i], `images[${i}]`);
    extractFeatures(images[i], out, i * FEATURE_DIM);
  }
  return new Tensor(out, [images.length, FEATURE_DIM]);
}
