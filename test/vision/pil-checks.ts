// The fixture comparisons against PIL + torchvision 0.14, shared by the SIMD and scalar builds'
// test files: every case's uint8 pixels and normalised tensors bit for bit, and the resize sweep.
import { expect, it } from 'vitest';
import { preprocessImages, resizeAndCrop, type ImageInput } from '../../src/index.js';
import { readImage } from '../../src/node.js';
import { byteDiff, fixtureBytes, fixtureF32, fixtureF64, fixturePath, manifest } from './fixtures.js';

export function runPilChecks(): void {
  const decoded = new Map<string, Promise<ImageInput>>();
  const source = (name: string) => {
    if (!decoded.has(name)) decoded.set(name, readImage(fixturePath(name)));
    return decoded.get(name)!;
  };

  for (const c of manifest.cases) {
    it(`${c.name}: ${c.source}, resize ${JSON.stringify(c.resize)}, crop ${c.crop}: PIL's uint8 pixels and torchvision's tensor, bit for bit`, async () => {
      const img = await source(c.source);
      const px = resizeAndCrop(img, { resize: c.resize, crop: c.crop });
      expect([px.height, px.width]).toEqual(c.shape);
      const want = fixtureBytes(`${c.name}.u8`);
      // the issue asks for one uint8 level; Pillow's fixed-point arithmetic reproduced gives none
      expect(byteDiff(px.data, want)).toEqual({ max: 0, count: 0 });
      for (const d of c.dtypes) {
        const t = preprocessImages([img], { resize: c.resize, crop: c.crop, dtype: d === 'f32' ? 'float32' : 'float64' });
        expect(t.shape).toEqual([1, 3, ...c.shape]);
        const ref = d === 'f32' ? fixtureF32(`${c.name}.f32`) : fixtureF64(`${c.name}.f64`);
        let bad = 0;
        for (let i = 0; i < ref.length; i++) if (!Object.is(ref[i], t.data[i])) bad++;
        expect(bad, `${d} elements that differ from torchvision`).toBe(0);
      }
    });
  }

  it("Image.resize(size, BILINEAR) over a sweep of sizes (one pass, both, 1 pixel, strong down/up scaling)", async () => {
    const img = await source(manifest.sweep.source);
    const all = fixtureBytes('sweep.u8');
    let at = 0;
    for (const [h, w] of manifest.sweep.sizes) {
      const px = resizeAndCrop(img, { resize: [h, w], crop: null });
      expect(byteDiff(px.data, all.subarray(at, at + h * w * 3)), `${h} × ${w}`).toEqual({ max: 0, count: 0 });
      at += h * w * 3;
    }
    expect(at).toBe(all.length);
  });
}
