// The shapes world's rasteriser: 4×4 point samples per pixel (coverage n/16 blends the object
// colour over what is below), + − * / only, so every engine produces the same bytes. Shape
// geometry: see shapes.ts.
import { fail } from '../core/errors.js';
import { SHAPES, type Scene, type RgbaImage } from './shapes-base.js';

/**
 * Fast path of `coverage`: +1 when all 16 samples of the pixel whose centre is at (dx, dy) from
 * the shape's centre are inside, −1 when all are outside, 0 when undecided. The samples lie
 * within ±0.375 px of the centre in x and y; the margins below exceed the largest change of each
 * test over that square (with ≥ 0.005 px to spare, far above rounding error), so the fast path
 * never disagrees with the 16 point tests.
 */
function pixelState(kind: number, dx: number, dy: number, r: number): number {
  const ax = Math.abs(dx), ay = Math.abs(dy);
  if (kind === 0) {
    // circle: the distance to the centre changes by ≤ 0.375·√2 < 0.54
    const d2 = dx * dx + dy * dy;
    const lo = r - 0.54, hi = r + 0.54;
    if (lo > 0 && d2 <= lo * lo) return 1;
    return d2 >= hi * hi ? -1 : 0;
  }
  if (kind === 1) return boxState(ax, ay, 0.85 * r, 0.85 * r);
  if (kind === 2) {
    // triangle: f = (dy + 1.1r)·1.1 − |dx|·1.9 changes by ≤ 0.375·(1.1 + 1.9) < 1.13
    const f = (dy + 1.1 * r) * 1.1 - ax * 1.9;
    if (f <= -1.13 || dy >= 0.8 * r + 0.38 || dy <= -1.1 * r - 0.38) return -1;
    return f >= 1.13 && dy <= 0.8 * r - 0.38 && dy >= -1.1 * r + 0.38 ? 1 : 0;
  }
  if (kind === 3) {
    // diamond: |dx| + |dy| changes by ≤ 0.75
    const f = ax + ay - 1.15 * r;
    return f <= -0.76 ? 1 : f >= 0.76 ? -1 : 0;
  }
  const a = boxState(ax, ay, 0.34 * r, r), b = boxState(ax, ay, r, 0.34 * r);
  if (a > 0 || b > 0) return 1;
  return a < 0 && b < 0 ? -1 : 0;
}

/** `pixelState` of the box |dx| ≤ hx, |dy| ≤ hy given |dx|, |dy| of the pixel centre. */
function boxState(ax: number, ay: number, hx: number, hy: number): number {
  if (ax >= hx + 0.38 || ay >= hy + 0.38) return -1;
  return ax <= hx - 0.38 && ay <= hy - 0.38 ? 1 : 0;
}

/** Sub-pixel coverage (0..16) of pixel (px, py) by a shape of kind `kind` (index in SHAPES). */
function coverage(kind: number, px: number, py: number, cx: number, cy: number, r: number): number {
  let n = 0;
  for (let sy = 0; sy < 4; sy++) {
    const dy = py + (sy + 0.5) / 4 - cy;
    const ay = Math.abs(dy);
    for (let sx = 0; sx < 4; sx++) {
      const dx = px + (sx + 0.5) / 4 - cx;
      const ax = Math.abs(dx);
      let hit: boolean;
      if (kind === 0) hit = dx * dx + dy * dy <= r * r; // circle
      else if (kind === 1) hit = ax <= 0.85 * r && ay <= 0.85 * r; // square
      // triangle: apex (0, −1.1r), base y = 0.8r, half-width 1.1r: |dx|·1.9 ≤ (dy + 1.1r)·1.1
      else if (kind === 2) hit = dy <= 0.8 * r && dy >= -1.1 * r && ax * 1.9 <= (dy + 1.1 * r) * 1.1;
      else if (kind === 3) hit = ax + ay <= 1.15 * r; // diamond
      else hit = (ax <= 0.34 * r && ay <= r) || (ay <= 0.34 * r && ax <= r); // cross
      if (hit) n++;
    }
  }
  return n;
}

/** @internal checks a scene argument (its objects, their fields and ranges) */
export function checkScene(scene: Scene, name: string): void {
  if (!scene || !Array.isArray(scene.objects)) fail(name, 'a Scene { objects, background }', scene);
  scene.objects.forEach((o, i) => {
    if (!SHAPES.includes(o?.shape)) fail(`${name}.objects[${i}].shape`, `one of ${SHAPES.join(', ')}`, o?.shape);
    for (const key of ['x', 'y', 'r'] as const) {
      if (typeof o[key] !== 'number' || !Number.isFinite(o[key])) fail(`${name}.objects[${i}].${key}`, 'a finite number', o[key]);
    }
  });
}

/**
 * Renders a scene as a size×size RGBA image (alpha 255). Writes into `out` (size·size·4 bytes)
 * when given. Each pixel takes 4×4 point samples per object; coverage n/16 blends the object's
 * colour over the pixel: v = (v·(16 − n) + rgb·n) / 16, rounded by Uint8ClampedArray.
 */
export function renderScene(scene: Scene, size = 32, out?: Uint8ClampedArray): RgbaImage {
  checkScene(scene, 'scene');
  if (!Number.isInteger(size) || size < 4 || size > 4096) fail('size', 'an integer in [4, 4096]', size);
  if (out === undefined) out = new Uint8ClampedArray(size * size * 4);
  else if (!(out instanceof Uint8ClampedArray) || out.length !== size * size * 4) {
    fail('out', `a Uint8ClampedArray of ${size * size * 4} bytes`, out instanceof Uint8ClampedArray ? out.length : typeof out);
  }
  const bg = scene.background;
  for (let p = 0; p < out.length; p += 4) {
    out[p] = bg;
    out[p + 1] = bg;
    out[p + 2] = bg;
    out[p + 3] = 255;
  }
  for (const o of scene.objects) {
    const cx = o.x * size, cy = o.y * size, r = o.r * size;
    const ext = 1.3 * r;
    const x0 = Math.max(0, Math.floor(cx - ext)), x1 = Math.min(size - 1, Math.floor(cx + ext));
    const y0 = Math.max(0, Math.floor(cy - ext)), y1 = Math.min(size - 1, Math.floor(cy + ext));
    const [cr, cg, cb] = o.rgb;
    const kind = SHAPES.indexOf(o.shape);
    for (let py = y0; py <= y1; py++) {
      for (let px = x0; px <= x1; px++) {
        const state = pixelState(kind, px + 0.5 - cx, py + 0.5 - cy, r);
        const n = state > 0 ? 16 : state < 0 ? 0 : coverage(kind, px, py, cx, cy, r);
        if (n === 0) continue;
        const p = (py * size + px) * 4;
        out[p] = (out[p] * (16 - n) + cr * n) / 16;
        out[p + 1] = (out[p + 1] * (16 - n) + cg * n) / 16;
        out[p + 2] = (out[p + 2] * (16 - n) + cb * n) / 16;
      }
    }
  }
  return { data: out, width: size, height: size, channels: 4 };
}
