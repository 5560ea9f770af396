import { describe, expect, it } from 'vitest';
import { extractFeatures, extractFeaturesBatch, FEATURE_DIM, FEATURE_SIZE, type RgbImage } from '../src/data/features.js';
import { makeShapesScenes, renderScene, type Scene } from '../src/data/shapes.js';
import { RecapError } from '../src/core/errors.js';

function sqDist(a: Float32Array, b: Float32Array): number {
  let d = 0;
  for (let i = 0; i < a.length; i++) d += (a[i] - b[i]) * (a[i] - b[i]);
  return d;
}

function toRgb(img: RgbImage): RgbImage {
  const n = img.width * img.height;
  const data = new Uint8Array(n * 3);
  for (let i = 0; i < n; i++) for (let c = 0; c < 3; c++) data[i * 3 + c] = img.data[i * 4 + c];
  return { data, width: img.width, height: img.height, channels: 3 };
}

describe('extractFeatures', () => {
  const scenes = makeShapesScenes(40, 21);

  it('gives FEATURE_DIM finite float32 values, identical across runs', () => {
    expect(FEATURE_DIM).toBe(400);
    expect(FEATURE_SIZE).toBe(32);
    const img = renderScene(scenes[0], 32);
    const a = extractFeatures(img);
    expect(a).toBeInstanceOf(Float32Array);
    expect(a).toHaveLength(FEATURE_DIM);
    expect(a.every(Number.isFinite)).toBe(true);
    // other images in between must not leak through the scratch buffers
    for (const s of scenes.slice(1, 10)) extractFeatures(renderScene(s, 32));
    const b = extractFeatures(renderScene(scenes[0], 32));
    expect(b).toEqual(a);
    expect(Buffer.from(b.buffer).equals(Buffer.from(a.buffer))).toBe(true);
  });

  it('is roughly zero-mean and unit-scale over the shapes world', () => {
    const batch = extractFeaturesBatch(makeShapesScenes(400, 2).map((s) => renderScene(s, 32)));
    const x = batch.data;
    let sum = 0, sq = 0;
    for (let i = 0; i < x.length; i++) { sum += x[i]; sq += x[i] * x[i]; }
    const mean = sum / x.length, rms = Math.sqrt(sq / x.length);
    expect(Math.abs(mean)).toBeLessThan(0.3);
    expect(rms).toBeGreaterThan(0.3);
    expect(rms).toBeLessThan(2);
  });

  it('treats RGB and opaque RGBA alike and composites transparency over white', () => {
    const img = renderScene(scenes[3], 32);
    expect(extractFeatures(toRgb(img))).toEqual(extractFeatures(img));
    const clear = { data: new Uint8ClampedArray(32 * 32 * 4), width: 32, height: 32 };
    const white = { data: new Uint8ClampedArray(32 * 32 * 3).fill(255), width: 32, height: 32, channels: 3 };
    expect(extractFeatures(clear)).toEqual(extractFeatures(white));
    // plain number arrays work too
    expect(extractFeatures({ ...white, data: Array.from(white.data) })).toEqual(extractFeatures(white));
  });

  it('lays out colour, HOG, hue-edge and hue statistics as documented', () => {
    // One big red square in the top-left cell area (centre at 8, 8 px), nothing else.
    const scene: Scene = { background: 240, objects: [{ shape: 'square', colour: 'red', size: 'big', x: 0.25, y: 0.25, r: 0.2, rgb: [220, 40, 40] }] };
    const f = extractFeatures(renderScene(scene, 32));
    // colour block: cell 0 (top-left) is mostly red (class 2); cell 15 (bottom-right) is all background (class 0)
    expect(f[0 * 8 + 2]).toBeGreaterThan(f[15 * 8 + 2]);
    expect(f[15 * 8 + 0]).toBeGreaterThan(f[0 * 8 + 0]);
    // hue stats: red (u = 0) present with centroid left/up of centre; blue (u = 4) absent → its mass slot is (0 − mean) / scale
    const red = f.slice(304, 312), blue = f.slice(304 + 4 * 8, 312 + 4 * 8);
    expect(red[0]).toBeGreaterThan(blue[0]);
    expect(red[1]).toBeLessThan(blue[1]);
    expect(red[2]).toBeLessThan(blue[2]);
    // square edges are horizontal/vertical: hue-edge bins 0° and 90° dominate the diagonal ones for red
    const edge = f.slice(256, 264);
    expect(Math.min(edge[0], edge[4])).toBeGreaterThan(Math.max(edge[2], edge[6]));
    // a diamond flips that
    const diamondF = extractFeatures(renderScene({ ...scene, objects: [{ ...scene.objects[0], shape: 'diamond' }] }, 32));
    const diamond = diamondF.slice(256, 264);
    expect(Math.min(diamond[2], diamond[6])).toBeGreaterThan(Math.max(diamond[0], diamond[4]));
    // moments: η22 (slot 6) is larger for the square than for the diamond; absent hues are exactly 0
    expect(f[352 + 6]).toBeGreaterThan(diamondF[352 + 6]);
    expect(Array.from(f.slice(352 + 8, 400))).toEqual(new Array(40).fill(0));
    // a triangle (apex up) has its mass below the centroid line: η03 (slot 4) < 0 is… measured in y-down pixels,
    // the long tail points up (negative y), so η03 < 0
    const tri = extractFeatures(renderScene({ ...scene, objects: [{ ...scene.objects[0], shape: 'triangle' }] }, 32));
    expect(tri[352 + 4]).toBeLessThan(f[352 + 4]);
    expect(tri[304 + 7]).toBeGreaterThan(f[304 + 7]); // skew statistic: centroid below the box centre
  });

  it('recovers colour + shape of held-out single-object scenes by nearest neighbour (≥ 90%)', () => {
    const singles = makeShapesScenes(5000, 7).filter((s) => s.objects.length === 1);
    const feats = singles.map((s) => extractFeatures(renderScene(s, 32)));
    const nTrain = Math.floor(singles.length * 0.8);
    let correct = 0, colourOk = 0;
    for (let i = nTrain; i < singles.length; i++) {
      let best = Infinity, bi = -1;
      for (let j = 0; j < nTrain; j++) {
        const d = sqDist(feats[i], feats[j]);
        if (d < best) { best = d; bi = j; }
      }
      const a = singles[i].objects[0], b = singles[bi].objects[0];
      if (a.colour === b.colour) colourOk++;
      if (a.colour === b.colour && a.shape === b.shape) correct++;
    }
    const n = singles.length - nTrain;
    console.log(`1-NN on ${nTrain} train / ${n} held-out single-object scenes: colour+shape ${(correct / n * 100).toFixed(1)}%, colour ${(colourOk / n * 100).toFixed(1)}%`);
    expect(n).toBeGreaterThan(300);
    expect(correct / n).toBeGreaterThanOrEqual(0.9);
    expect(colourOk / n).toBeGreaterThanOrEqual(0.98);
  });

  it('gives nearly the same features for a scene drawn at 2× or 3× the size', () => {
    const many = makeShapesScenes(150, 11);
    const base = many.map((s) => extractFeatures(renderScene(s, 32)));
    for (const size of [64, 96]) {
      let relSum = 0;
      many.forEach((s, i) => {
        const f = extractFeatures(renderScene(s, size));
        const rel = Math.sqrt(sqDist(f, base[i]) / sqDist(base[i], new Float32Array(FEATURE_DIM)));
        relSum += rel;
        expect(rel).toBeLessThan(0.6);
        // … and closer to its own canonical features than to any other scene's
        let best = Infinity, bi = -1;
        base.forEach((g, j) => { const d = sqDist(f, g); if (d < best) { best = d; bi = j; } });
        expect(bi).toBe(i);
      });
      // measured: ≈ 0.14 on average, while two different scenes are ≈ 1.4 apart
      expect(relSum / many.length).toBeLessThan(0.2);
    }
    let other = 0;
    for (let i = 1; i < many.length; i++) other += Math.sqrt(sqDist(base[i], base[i - 1]) / sqDist(base[i - 1], new Float32Array(FEATURE_DIM)));
    expect(other / (many.length - 1)).toBeGreaterThan(1);
  });

  it('resamples non-square and smaller images deterministically', () => {
    const wide = renderScene(scenes[5], 64);
    // crop to 64×40 (rows 0..39): a valid non-square image
    const crop = { data: wide.data.slice(0, 64 * 40 * 4), width: 64, height: 40 };
    const f = extractFeatures(crop);
    expect(f.every(Number.isFinite)).toBe(true);
    expect(extractFeatures(crop)).toEqual(f);
    const small = renderScene(scenes[5], 20);
    expect(extractFeatures(small).every(Number.isFinite)).toBe(true);
  });

  it('batches into a (N, FEATURE_DIM) float32 tensor equal to single calls', () => {
    const imgs = scenes.slice(0, 5).map((s) => renderScene(s, 32));
    const t = extractFeaturesBatch(imgs);
    expect(t.shape).toEqual([5, FEATURE_DIM]);
    expect(t.dtype).toBe('float32');
    imgs.forEach((img, i) => expect(t.data.slice(i * FEATURE_DIM, (i + 1) * FEATURE_DIM)).toEqual(extractFeatures(img)));
  });

  it('rejects malformed images with RecapError', () => {
    const ok = renderScene(scenes[0], 32);
    expect(() => extractFeatures({ ...ok, width: 0 })).toThrow(/image.width/);
    expect(() => extractFeatures({ data: new Uint8Array(10), width: 2, height: 2 })).toThrow(/image.channels/);
    expect(() => extractFeatures({ data: new Uint8Array(12), width: 2, height: 2, channels: 4 })).toThrow(/image.data.*16 values/);
    expect(() => extractFeatures({ data: [0, 0, 300], width: 1, height: 1 })).toThrow(RecapError);
    expect(() => extractFeatures(ok, new Float32Array(10))).toThrow(/out/);
    expect(() => extractFeaturesBatch([ok, { ...ok, height: 3 }])).toThrow(/images\[1\]/);
  });
});
