// readImage / decodeImage: PNG (fast-png) and JPEG (@jsquash/jpeg, libjpeg-turbo in wasm) as PIL
// decodes them, and every bad file a RecapError naming it (fuzzed: mutated and truncated files
// give an image or a RecapError, nothing else).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { RecapError, checkImageInput } from '../../src/index.js';
import { decodeImage, readImage } from '../../src/node.js';
import { byteDiff, fixtureBytes, fixturePath, manifest } from './fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'recap-images-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function refused(p: Promise<unknown>, argument: string, pattern: RegExp): Promise<RecapError> {
  const err = await p.then(() => null, (e: unknown) => e);
  expect(err).toBeInstanceOf(RecapError);
  expect((err as RecapError).argument).toBe(argument);
  expect((err as RecapError).message).toMatch(pattern);
  return err as RecapError;
}

/** A PNG chunk with its CRC recomputed (for hand-made headers). */
function crc32(b: Uint8Array): number {
  let c = ~0;
  for (const v of b) {
    c ^= v;
    for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0xedb88320 & -(c & 1));
  }
  return ~c >>> 0;
}
function withIhdr(png: Uint8Array, width: number, height: number): Uint8Array {
  const out = png.slice();
  const view = new DataView(out.buffer);
  view.setUint32(16, width);
  view.setUint32(20, height);
  view.setUint32(29, crc32(out.subarray(12, 29)));
  return out;
}

describe('decoding as PIL does', () => {
  const expected: Record<string, [number, number, number]> = { // width, height, channels
    'grey.png': [53, 41, 1], 'grey_alpha.png': [31, 29, 4], 'rgba.png': [39, 50, 4], 'palette.png': [47, 35, 4],
    'rgb16.png': [29, 33, 3], 'grey16.png': [37, 26, 1], 'interlaced.png': [23, 19, 3], 'interlaced_rgba16.png': [13, 11, 4],
    'land_rgb.png': [401, 277, 3], 'photo420.jpg': [97, 71, 4],
  };
  for (const [file, [w, h, c]] of Object.entries(expected)) {
    it(`${file}: ${w} × ${h}, ${c} channels`, async () => {
      const img = await readImage(fixturePath(file));
      expect([img.width, img.height, img.channels]).toEqual([w, h, c]);
      expect(checkImageInput('img', img)).toBe(c);
    });
  }

  it('16-bit PNGs keep the high byte of each sample (as PIL for RGB, RGBA, LA), Adam7-interlaced too', async () => {
    // interlaced_rgba16.png holds v·257 per sample; the fixture is PIL's convert('RGB') of it
    const a = await readImage(fixturePath('interlaced_rgba16.png'));
    const want = fixtureBytes('interlaced_rgba16.u8');
    for (let i = 0; i < 13 * 11; i++) expect([...a.data.subarray(i * 4, i * 4 + 3)]).toEqual([...want.subarray(i * 3, i * 3 + 3)]);
  });

  for (const j of manifest.jpeg) {
    it(`${j.source} (${j.mode}): the same pixels as PIL's libjpeg-turbo`, async () => {
      const img = await readImage(fixturePath(j.source));
      const rgb = new Uint8Array(img.width * img.height * 3);
      for (let i = 0; i < img.width * img.height; i++) rgb.set(img.data.subarray(i * 4, i * 4 + 3), i * 3);
      const diff = byteDiff(rgb, fixtureBytes(`${j.source.slice(0, -4)}.decoded.u8`));
      expect(diff).toEqual({ max: 0, count: 0 }); // measured: 0 levels on 4:2:0, 4:4:4, progressive, grey
    });
  }

  it('decodeImage takes the bytes, told by their magic, whatever the file is called', async () => {
    const a = await decodeImage(fixtureBytes('photo444.jpg'), 'upload');
    const path = join(dir, 'photo.png'); // a JPEG named .png
    writeFileSync(path, fixtureBytes('photo444.jpg'));
    const b = await readImage(path);
    expect(b.data).toEqual(a.data);
  });
});

describe('bad files: a RecapError naming the file', () => {
  it('missing, empty, unknown format', async () => {
    await refused(readImage(join(dir, 'nope.png')), join(dir, 'nope.png'), /got ENOENT: the file cannot be read/);
    const empty = join(dir, 'empty.jpg');
    writeFileSync(empty, new Uint8Array(0));
    await refused(readImage(empty), empty, /not a PNG or JPEG file \(first bytes: none/);
    const gif = join(dir, 'a.gif');
    writeFileSync(gif, new TextEncoder().encode('GIF89a\x01\x00\x01\x00'));
    await refused(readImage(gif), gif, /not a PNG or JPEG file \(first bytes: 47 49 46 38 39 61/);
    await refused(readImage(''), 'path', /file path/);
  });

  it('truncated PNG and JPEG, a PNG with a damaged CRC', async () => {
    const png = fixtureBytes('land_rgb.png');
    await refused(decodeImage(png.subarray(0, 20), 'a.png'), 'a.png', /truncated PNG/);
    await refused(decodeImage(png.subarray(0, 5000), 'a.png'), 'a.png', /corrupt or truncated PNG/);
    const bad = png.slice();
    bad[100] ^= 0xff;
    await refused(decodeImage(bad, 'crc.png'), 'crc.png', /corrupt or truncated PNG/);
    const jpg = fixtureBytes('photo420.jpg');
    await refused(decodeImage(jpg.subarray(0, jpg.length >> 1), 'half.jpg'), 'half.jpg', /truncated JPEG \(Premature end/);
    await refused(decodeImage(jpg.subarray(0, 100), 'head.jpg'), 'head.jpg', /no frame header/);
  });

  it('a CMYK JPEG (4 components) is refused by name', async () => {
    const jpg = fixtureBytes('photo420.jpg').slice();
    let i = 2;
    while (!(jpg[i] === 0xff && jpg[i + 1] === 0xc0)) i += 2 + ((jpg[i + 2] << 8) | jpg[i + 3]);
    jpg[i + 9] = 4;
    await refused(decodeImage(jpg, 'cmyk.jpg'), 'cmyk.jpg', /4 components \(CMYK\/YCCK is not supported\)/);
  });

  it('zero-sized and absurdly large images are refused from the header, before decoding', async () => {
    const png = fixtureBytes('small.png');
    await refused(decodeImage(withIhdr(png, 0, 7), 'zero.png'), 'zero.png', /zero-sized/);
    const err = await refused(decodeImage(withIhdr(png, 50_000, 50_000), 'bomb.png'), 'bomb.png', /50000 × 50000 pixels/);
    expect(err.expected).toMatch(/89478485 pixels/);
    // a JPEG whose SOF0 claims 60000 × 60000
    const jpg = fixtureBytes('photo420.jpg').slice();
    let i = 2;
    while (!(jpg[i] === 0xff && jpg[i + 1] === 0xc0)) i += 2 + ((jpg[i + 2] << 8) | jpg[i + 3]);
    jpg.set([0xea, 0x60, 0xea, 0x60], i + 5);
    await refused(decodeImage(jpg, 'bomb.jpg'), 'bomb.jpg', /60000 × 60000 pixels/);
  });
});

describe('fuzz: mutated and truncated files give an image or a RecapError, nothing else', () => {
  let seed = 12345;
  const rnd = (n: number) => (seed = (seed * 1103515245 + 12345) >>> 0) % n;
  const files = ['grey.png', 'palette.png', 'rgb16.png', 'interlaced.png', 'grey_alpha.png', 'photo420.jpg', 'photo_progressive.jpg', 'grey.jpg'];
  for (const file of files) {
    it(file, async () => {
      const src = fixtureBytes(file);
      let images = 0, errors = 0;
      for (let t = 0; t < 60; t++) {
        let b = src.slice();
        const kind = t % 3;
        if (kind === 0) b = b.subarray(0, rnd(b.length));
        else for (let k = 0, n = 1 + rnd(8); k < n; k++) b[rnd(b.length)] = rnd(256);
        if (kind === 2) b = b.subarray(0, b.length - rnd(64));
        try {
          const img = await decodeImage(b, `fuzz-${t}`);
          checkImageInput('decoded', img);
          images++;
        } catch (e) {
          if (!(e instanceof RecapError)) throw new Error(`${file} case ${t}: ${(e as Error)?.constructor?.name}: ${(e as Error)?.message}`);
          expect(e.argument).toBe(`fuzz-${t}`);
          errors++;
        }
      }
      expect(errors).toBeGreaterThan(0);
      expect(images + errors).toBe(60);
    });
  }

  it('concurrent decodes each see only their own warnings (a truncated file beside good ones)', async () => {
    const good = fixtureBytes('photo444.jpg'), half = good.subarray(0, good.length >> 1);
    const results = await Promise.allSettled(Array.from({ length: 12 }, (_, i) => decodeImage(i % 3 ? good : half, `f${i}`)));
    results.forEach((r, i) => {
      expect(r.status, `f${i}`).toBe(i % 3 ? 'fulfilled' : 'rejected');
      if (r.status === 'rejected') expect((r.reason as RecapError).argument).toBe(`f${i}`);
    });
  });

  it('the JPEG decoder still works after every failure', async () => {
    const img = await readImage(fixturePath('photo444.jpg'));
    expect([img.width, img.height]).toEqual([97, 71]);
  });
});
