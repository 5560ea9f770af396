import { describe, expect, it } from 'vitest';
import { extractFeatures, extractFeaturesBatch, FEATURE_DIM, FEATURE_SIZE, type RgbImage } from '../src/data/features.js';
import { makeShapesScenes, renderScene, SHAPES, type Scene } from '../src/data/shapes.js';
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
    expect(FEATURE_DIM).toBe(96);
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

  it('lays out one block of 16 per hue as documented: presence, shape evidence, size, position', () => {
    // One big red square up-left of the centre, nothing else.
    const scene: Scene = { background: 240, objects: [{ shape: 'square', colour: 'red', size: 'big', x: 0.3, y: 0.3, r: 0.2, rgb: [220, 40, 40] }] };
    const block = (f: Float32Array, u: number) => Array.from(f.slice(16 * u, 16 * u + 16));
    const argmax = (b: number[]) => SHAPES[b.slice(1, 6).indexOf(Math.max(...b.slice(1, 6)))];
    const f = extractFeatures(renderScene(scene, 32));
    const red = block(f, 0); // hue 0 = red
    expect(red[0]).toBe(1);
    expect(argmax(red)).toBe('square');
    expect(red[6]).toBeGreaterThan(0.5); // big
    expect(red[8]).toBeCloseTo(4 * (0.3 - 0.5), 1); // x̄
    expect(red[9]).toBeCloseTo(4 * (0.3 - 0.5), 1); // ȳ
    // every other hue is absent: exactly zero
    expect(Array.from(f.slice(16))).toEqual(new Array(80).fill(0));
    for (const shape of SHAPES) {
      for (const [size, r] of [['small', 0.1], ['big', 0.2]] as const) {
        const g = extractFeatures(renderScene({ ...scene, objects: [{ ...scene.objects[0], colour: 'blue', rgb: [40, 80, 220], shape, size, r }] }, 32));
        const blue = block(g, 4); // hue 4 = blue
        expect(argmax(blue), `${size} ${shape}`).toBe(shape);
        expect(Math.sign(blue[6]), `${size} ${shape}`).toBe(size === 'big' ? 1 : -1);
        expect(g[0]).toBe(0);
      }
    }
  });

  it('binds shape, size and position to each colour in held-out multi-object scenes', () => {
    const hueOf: Record<string, number> = { red: 0, yellow: 1, green: 2, blue: 4, purple: 5 };
    let objects = 0, shapeOk = 0, sizeOk = 0, xErr = 0;
    for (const s of makeShapesScenes(1000, 77)) {
      const f = extractFeatures(renderScene(s, 32));
      for (const o of s.objects) {
        const b = Array.from(f.slice(16 * hueOf[o.colour], 16 * hueOf[o.colour] + 16));
        const e = b.slice(1, 6);
        objects++;
        if (SHAPES[e.indexOf(Math.max(...e))] === o.shape) shapeOk++;
        if ((b[6] > 0) === (o.size === 'big')) sizeOk++;
        xErr = Math.max(xErr, Math.abs(b[8] / 4 + 0.5 - o.x));
      }
    }
    console.log(`held-out objects: shape ${shapeOk}/${objects}, size ${sizeOk}/${objects}, max centroid error ${xErr.toFixed(3)}`);
    expect(objects).toBeGreaterThan(1500);
    expect(shapeOk / objects).toBeGreaterThanOrEqual(0.998);
    expect(sizeOk / objects).toBeGreaterThanOrEqual(0.998);
    expect(xErr).toBeLessThan(0.05);
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
        // … and says the same about every colour: present or not, which shape, small or big
        for (let u = 0; u < 6; u++) {
          expect(f[16 * u], `scene ${i} hue ${u} at ${size}`).toBe(base[i][16 * u]);
          if (f[16 * u] === 0) continue;
          const e = Array.from(f.slice(16 * u + 1, 16 * u + 6)), e0 = Array.from(base[i].slice(16 * u + 1, 16 * u + 6));
          expect(e.indexOf(Math.max(...e)), `scene ${i} hue ${u} at ${size}`).toBe(e0.indexOf(Math.max(...e0)));
          expect(Math.sign(f[16 * u + 6])).toBe(Math.sign(base[i][16 * u + 6]));
        }
      });
      // measured: ≈ 0.05 on average (max 0.26), while two different scenes are ≈ 1.4 apart
      expect(relSum / many.length).toBeLessThan(0.1);
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
