// Report helpers of the CLI (Node): a PNG encoder (node:zlib deflate + CRC-32), the loss curve
// as a hand-written SVG, and the samples page as one self-contained HTML file.
import { deflateSync } from 'node:zlib';
import { crc32 } from '../train/checkpoint.js';
import type { AccuracyCount } from '../eval/scene.js';

// ---------------------------------------------------------------------------------------------
// PNG (ISO/IEC 15948): signature, IHDR, one IDAT (zlib stream of filter-type-0 scanlines), IEND.
// Every chunk is length (u32 BE), type, data, CRC-32 of type + data (u32 BE).

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, data.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(data, 8);
  dv.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}

/**
 * Encodes 8-bit RGBA (channels 4) or RGB (channels 3) pixels, row-major, as a PNG file.
 */
export function encodePng(pixels: ArrayLike<number>, width: number, height: number, channels: 3 | 4 = 4): Uint8Array {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new RangeError(`encodePng: bad size ${width}x${height}`);
  }
  if (pixels.length !== width * height * channels) {
    throw new RangeError(`encodePng: ${pixels.length} values for ${width}x${height}x${channels}`);
  }
  const ihdr = new Uint8Array(13);
  const dv = new DataView(ihdr.buffer);
  dv.setUint32(0, width);
  dv.setUint32(4, height);
  ihdr[8] = 8; // bit depth
  ihdr[9] = channels === 4 ? 6 : 2; // colour type: truecolour with alpha / truecolour
  // [10] compression 0 (deflate), [11] filter method 0, [12] interlace 0: all zero
  const stride = width * channels;
  const raw = new Uint8Array(height * (stride + 1));
  for (let y = 0; y < height; y++) {
    raw[y * (stride + 1)] = 0; // filter type None
    for (let x = 0; x < stride; x++) raw[y * (stride + 1) + 1 + x] = pixels[y * stride + x];
  }
  const parts = [Uint8Array.from(PNG_SIGNATURE), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw, { level: 9 })), chunk('IEND', new Uint8Array(0))];
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

export function pngDataUrl(png: Uint8Array): string {
  return `data:image/png;base64,${Buffer.from(png.buffer, png.byteOffset, png.byteLength).toString('base64')}`;
}

// ---------------------------------------------------------------------------------------------
// Escaping

export function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

// ---------------------------------------------------------------------------------------------
// Loss curve (SVG)

/** "Nice" tick values (1, 2, 5 × 10^k steps) covering [lo, hi], about `count` of them. */
export function niceTicks(lo: number, hi: number, count = 6): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / Math.max(1, count - 1);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const norm = raw / mag;
  const step = (norm <= 1 ? 1 : norm <= 2 ? 2 : norm <= 2.5 ? 2.5 : norm <= 5 ? 5 : 10) * mag;
  const ticks: number[] = [];
  for (let v = Math.ceil(lo / step - 1e-9) * step; v <= hi + step * 1e-9; v += step) ticks.push(Number(v.toPrecision(12)));
  return ticks;
}

/** Ticks of a log axis over [lo, hi] (lo > 0): 1, 2, 5 × 10^k, or every decade when the range is wide; one tick beyond each end. */
export function logTicks(lo: number, hi: number): number[] {
  const steps = Math.log10(hi / lo) > 4 ? [1] : [1, 2, 5];
  const all: number[] = [];
  for (let e = Math.floor(Math.log10(lo)) - 1; e <= Math.ceil(Math.log10(hi)) + 1; e++) for (const m of steps) all.push(Number((m * 10 ** e).toPrecision(12)));
  const first = Math.max(0, all.findIndex((t) => t > lo) - 1);
  let last = all.findIndex((t) => t >= hi);
  if (last < 0) last = all.length - 1;
  return all.slice(first, last + 1);
}

export function tickLabel(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e4 && Number.isInteger(v)) return v % 1000 === 0 ? `${v / 1000}k` : String(v);
  if (a >= 100) return String(Math.round(v));
  return String(Number(v.toPrecision(3)));
}

/** Centred moving average over `window` points (the window shrinks at the ends; no lag). */
export function movingAverage(values: readonly number[], window: number): number[] {
  const half = Math.max(0, Math.floor(window / 2));
  const prefix = new Float64Array(values.length + 1);
  for (let i = 0; i < values.length; i++) prefix[i + 1] = prefix[i] + values[i];
  return values.map((_, i) => {
    const a = Math.max(0, i - half), b = Math.min(values.length, i + half + 1);
    return (prefix[b] - prefix[a]) / (b - a);
  });
}

export interface LossPlotOptions {
  title?: string;
  width?: number;
  height?: number;
  /** Iteration number of lossHistory[0] (default 1). */
  firstIteration?: number;
  /** Iterations per epoch: draws faint epoch boundaries when given. */
  iterationsPerEpoch?: number;
  /**
   * A logarithmic loss axis, so the slow late part of training is not flat at the bottom.
   * Default: when every loss is positive and the largest is more than 4 times the smallest.
   */
  logY?: boolean;
  /** Val losses (mean per caption, the training loss's unit) drawn as points at their iterations. */
  valLoss?: readonly { iteration: number; loss: number }[];
}

/**
 * The training loss as a standalone SVG: axes with ticks and labels, the raw loss per iteration
 * (thin, light; min/max envelope per pixel column when there are more points than pixels) and
 * its centred moving average, plus a legend.
 */
export function lossCurveSvg(losses: readonly number[], options: LossPlotOptions = {}): string {
  const W = options.width ?? 720;
  const H = options.height ?? 400;
  const first = options.firstIteration ?? 1;
  const m = { left: 64, right: 24, top: 40, bottom: 52 };
  const pw = W - m.left - m.right;
  const ph = H - m.top - m.bottom;
  const n = losses.length;
  const val = (options.valLoss ?? []).filter((p) => Number.isFinite(p.loss));
  const finite = [...losses, ...val.map((p) => p.loss)].filter((v) => Number.isFinite(v));
  const lo0 = finite.length ? Math.min(...finite) : 0;
  const hi0 = finite.length ? Math.max(...finite) : 1;
  const logY = options.logY ?? (lo0 > 0 && hi0 > 4 * lo0);
  if (logY && !(lo0 > 0)) throw new RangeError('lossCurveSvg: a log axis needs positive losses');
  const ty = (v: number) => (logY ? Math.log10(v) : v); // value → axis coordinate
  let lo = lo0, hi = hi0;
  let yTicks: number[];
  if (logY) {
    yTicks = logTicks(lo, hi);
  } else {
    if (hi - lo < 1e-9) {
      lo -= 0.5;
      hi += 0.5;
    }
    // the y range snaps outwards to tick multiples, so both ends of the axis are labelled
    yTicks = niceTicks(lo, hi, 6);
    if (yTicks.length >= 2) {
      const step = yTicks[1] - yTicks[0];
      if (yTicks[0] > lo) yTicks.unshift(Number((yTicks[0] - step).toPrecision(12)));
      if (yTicks[yTicks.length - 1] < hi) yTicks.push(Number((yTicks[yTicks.length - 1] + step).toPrecision(12)));
    }
  }
  const y0 = ty(Math.min(yTicks[0], lo));
  const y1 = ty(Math.max(yTicks[yTicks.length - 1], hi));
  const xMax = Math.max(first + n - 1, first + 1);
  const xTicks = niceTicks(first, xMax, 7).filter((t) => t >= first && t <= xMax);
  const sx = (it: number) => m.left + ((it - first) / (xMax - first)) * pw;
  const sy = (v: number) => m.top + (1 - (ty(v) - y0) / (y1 - y0)) * ph;
  const f = (v: number) => v.toFixed(1);

  // raw series: every point, or a min/max envelope per pixel column
  let raw = '';
  if (n <= pw * 2) {
    raw = losses.map((v, i) => `${f(sx(first + i))},${f(sy(v))}`).join(' ');
  } else {
    const cols = Math.floor(pw);
    const pts: string[] = [];
    for (let c = 0; c < cols; c++) {
      const a = Math.floor((c * n) / cols), b = Math.max(a + 1, Math.floor(((c + 1) * n) / cols));
      let mn = Infinity, mx = -Infinity;
      for (let i = a; i < b; i++) {
        mn = Math.min(mn, losses[i]);
        mx = Math.max(mx, losses[i]);
      }
      const x = f(sx(first + (a + b - 1) / 2));
      pts.push(`${x},${f(sy(mx))}`, `${x},${f(sy(mn))}`);
    }
    raw = pts.join(' ');
  }
  const window = Math.max(1, 2 * Math.round(n / 120) + 1);
  const sm = movingAverage(losses, window);
  const step = Math.max(1, Math.floor(n / (pw * 2)));
  const smPts: string[] = [];
  for (let i = 0; i < n; i += step) smPts.push(`${f(sx(first + i))},${f(sy(sm[i]))}`);
  if (n > 0 && (n - 1) % step !== 0) smPts.push(`${f(sx(first + n - 1))},${f(sy(sm[n - 1]))}`);

  const lines: string[] = [];
  lines.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="system-ui, -apple-system, Segoe UI, Helvetica, Arial, sans-serif" font-size="12">`);
  lines.push(`  <title>${escapeXml(options.title ?? 'Training loss')}</title>`);
  lines.push(`  <rect x="0" y="0" width="${W}" height="${H}" fill="#ffffff"/>`);
  // grid and ticks
  lines.push('  <g class="grid" stroke="#e6e6e6" stroke-width="1">');
  for (const t of yTicks) lines.push(`    <line x1="${m.left}" y1="${f(sy(t))}" x2="${m.left + pw}" y2="${f(sy(t))}"/>`);
  for (const t of xTicks) lines.push(`    <line x1="${f(sx(t))}" y1="${m.top}" x2="${f(sx(t))}" y2="${m.top + ph}"/>`);
  lines.push('  </g>');
  const ipe = options.iterationsPerEpoch;
  if (ipe && ipe > 0 && n / ipe <= 60) {
    lines.push('  <g class="epochs" stroke="#c9d7ea" stroke-width="1" stroke-dasharray="3 3">');
    for (let e = ipe; e < n; e += ipe) lines.push(`    <line x1="${f(sx(first + e - 0.5))}" y1="${m.top}" x2="${f(sx(first + e - 0.5))}" y2="${m.top + ph}"/>`);
    lines.push('  </g>');
  }
  lines.push('  <g class="axes" stroke="#333333" stroke-width="1">');
  lines.push(`    <line x1="${m.left}" y1="${m.top + ph}" x2="${m.left + pw}" y2="${m.top + ph}"/>`);
  lines.push(`    <line x1="${m.left}" y1="${m.top}" x2="${m.left}" y2="${m.top + ph}"/>`);
  for (const t of yTicks) lines.push(`    <line x1="${m.left - 5}" y1="${f(sy(t))}" x2="${m.left}" y2="${f(sy(t))}"/>`);
  for (const t of xTicks) lines.push(`    <line x1="${f(sx(t))}" y1="${m.top + ph}" x2="${f(sx(t))}" y2="${m.top + ph + 5}"/>`);
  lines.push('  </g>');
  lines.push('  <g class="tick-labels" fill="#333333">');
  for (const t of yTicks) lines.push(`    <text x="${m.left - 8}" y="${f(sy(t) + 4)}" text-anchor="end">${tickLabel(t)}</text>`);
  for (const t of xTicks) lines.push(`    <text x="${f(sx(t))}" y="${m.top + ph + 19}" text-anchor="middle">${tickLabel(t)}</text>`);
  lines.push('  </g>');
  lines.push(`  <text x="${m.left + pw / 2}" y="${H - 10}" text-anchor="middle" fill="#333333">iteration</text>`);
  lines.push(`  <text x="16" y="${m.top + ph / 2}" text-anchor="middle" fill="#333333" transform="rotate(-90 16 ${m.top + ph / 2})">${logY ? 'loss (log scale)' : 'loss'}</text>`);
  lines.push(`  <text x="${m.left}" y="24" font-size="15" font-weight="600" fill="#111111">${escapeXml(options.title ?? 'Training loss')}</text>`);
  if (n > 0) {
    lines.push(`  <polyline class="raw" fill="none" stroke="#9ec5ee" stroke-width="1" points="${raw}"/>`);
    lines.push(`  <polyline class="smoothed" fill="none" stroke="#1f5fa8" stroke-width="2" stroke-linejoin="round" points="${smPts.join(' ')}"/>`);
  }
  if (val.length > 0) {
    lines.push('  <g class="val-loss" fill="#e07b00">');
    for (const p of val) lines.push(`    <circle cx="${f(sx(p.iteration))}" cy="${f(sy(p.loss))}" r="3.5"/>`);
    lines.push('  </g>');
  }
  // legend
  const lx = m.left + pw - 190;
  lines.push(`  <g class="legend" transform="translate(${lx} ${m.top + 10})">`);
  lines.push(`    <rect x="0" y="0" width="180" height="${val.length > 0 ? 61 : 44}" fill="#ffffff" fill-opacity="0.85" stroke="#dddddd"/>`);
  if (val.length > 0) {
    lines.push('    <circle cx="22" cy="49" r="3.5" fill="#e07b00"/>');
    lines.push('    <text x="42" y="53" fill="#333333">val loss</text>');
  }
  lines.push('    <line x1="10" y1="15" x2="34" y2="15" stroke="#9ec5ee" stroke-width="2"/>');
  lines.push('    <text x="42" y="19" fill="#333333">loss per iteration</text>');
  lines.push('    <line x1="10" y1="32" x2="34" y2="32" stroke="#1f5fa8" stroke-width="2"/>');
  lines.push(`    <text x="42" y="36" fill="#333333">moving average of ${window}</text>`);
  lines.push('  </g>');
  lines.push('</svg>');
  return `${lines.join('\n')}\n`;
}

// ---------------------------------------------------------------------------------------------
// Samples page (HTML)

export interface SampleEntry {
  /** An image URL (COCO) or a data: URL (shapes); null when there is none. */
  image: string | null;
  label: string;
  greedy: string;
  beam?: string;
  /** Ground-truth captions of the image. */
  truth: string[];
  /** CIDEr-D of the greedy caption (within the split's scored images), when it was scored. */
  cider?: number;
  /** Shapes: whether the greedy caption names exactly the scene's objects, when it was scored. */
  sceneCorrect?: boolean;
}

export interface ScoreRow {
  split: string;
  images: number;
  /** coco-caption BLEU-1..4, ROUGE-L and CIDEr-D. */
  bleu: [number, number, number, number];
  rougeL: number;
  cider: number;
  cs231n: number;
  /** Single-object colour+shape accuracy (shapes data only). */
  singleObject?: { correct: number; total: number };
  /** Exact-scene accuracy, overall and by object count (shapes data only). */
  scene?: { all: AccuracyCount; byObjects: Record<1 | 2 | 3, AccuracyCount> };
}

export interface SamplesPage {
  title: string;
  subtitle: string;
  beamSize: number;
  scores: ScoreRow[];
  splits: { name: string; samples: SampleEntry[] }[];
  lossSvg?: string;
  /** The validation metrics over training (evalCurvesSvg), shown beside the loss curve. */
  evalSvg?: string;
}

export function samplesHtml(page: SamplesPage): string {
  const e = escapeXml;
  const pct = (c: number, t: number) => (t === 0 ? '–' : `${((100 * c) / t).toFixed(1)}% (${c}/${t})`);
  const hasAcc = page.scores.some((s) => s.singleObject);
  const hasScene = page.scores.some((s) => s.scene);
  const sceneCells = (s: ScoreRow) => (s.scene ? [s.scene.all, s.scene.byObjects[1], s.scene.byObjects[2], s.scene.byObjects[3]] : [null, null, null, null])
    .map((a) => `<td>${a ? pct(a.correct, a.total) : '–'}</td>`).join('');
  const rows = page.scores.map((s) => `      <tr><td>${e(s.split)}</td><td>${s.images}</td>${[...s.bleu, s.rougeL, s.cider].map((b) => `<td>${b.toFixed(3)}</td>`).join('')}<td>${s.cs231n.toFixed(3)}</td>${hasAcc ? `<td>${s.singleObject ? pct(s.singleObject.correct, s.singleObject.total) : '–'}</td>` : ''}${hasScene ? sceneCells(s) : ''}</tr>`);
  const card = (s: SampleEntry) => [
    '      <figure>',
    s.image ? `        <img src="${e(s.image)}" alt="${e(s.label)}" loading="lazy">` : '        <div class="noimg">no image</div>',
    '        <figcaption>',
    `          <div class="label">${e(s.label)}</div>`,
    `          <div><b>greedy</b> ${e(s.greedy)}${s.cider !== undefined ? ` <span class="score">CIDEr-D ${s.cider.toFixed(3)}</span>` : ''}${s.sceneCorrect !== undefined ? ` <span class="score">${s.sceneCorrect ? 'scene ✓' : 'scene ✗'}</span>` : ''}</div>`,
    s.beam !== undefined ? `          <div><b>beam ${page.beamSize}</b> ${e(s.beam)}</div>` : '',
    `          <div class="gt"><b>GT</b> ${s.truth.map(e).join('<br>')}</div>`,
    '        </figcaption>',
    '      </figure>',
  ].filter((l) => l !== '').join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${e(page.title)}</title>
<style>
  body { font: 14px/1.4 system-ui, -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; margin: 2em; color: #222; max-width: 1200px; }
  h1 { font-size: 1.4em; margin-bottom: 0.2em; } .sub { color: #666; margin-top: 0; }
  table { border-collapse: collapse; margin: 1em 0; } th, td { border: 1px solid #ddd; padding: 4px 10px; text-align: right; }
  th:first-child, td:first-child { text-align: left; } th { background: #f5f5f5; }
  .grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(220px, 1fr)); gap: 16px; }
  figure { margin: 0; border: 1px solid #e3e3e3; border-radius: 6px; padding: 10px; background: #fafafa; }
  figure img { width: 100%; max-height: 240px; object-fit: contain; image-rendering: pixelated; background: #fff; }
  .noimg { height: 120px; display: flex; align-items: center; justify-content: center; color: #999; background: #eee; }
  .plots { display: flex; flex-wrap: wrap; gap: 16px; } .plots svg { max-width: 100%; height: auto; }
  .score { color: #a33; font-size: 12px; white-space: nowrap; }
  figcaption { margin-top: 6px; } .label { color: #888; font-size: 12px; } .gt { color: #555; margin-top: 4px; font-size: 13px; }
</style>
</head>
<body>
<h1>${e(page.title)}</h1>
<p class="sub">${e(page.subtitle)}</p>
<h2>Scores</h2>
<table>
  <thead><tr><th>split</th><th>images</th><th>BLEU-1</th><th>BLEU-2</th><th>BLEU-3</th><th>BLEU-4</th><th>ROUGE-L</th><th>CIDEr-D</th><th>CS231n BLEU</th>${hasAcc ? '<th>single-object colour+shape</th>' : ''}${hasScene ? '<th>exact scene: all</th><th>1 object</th><th>2 objects</th><th>3 objects</th>' : ''}</tr></thead>
  <tbody>
${rows.join('\n')}
  </tbody>
</table>
<p class="sub">COCO caption metrics (as coco-caption computes them: PTB tokenisation, BLEU-1..4, ROUGE-L, CIDEr-D) of the greedy captions against every ground-truth caption of each image; CS231n BLEU is the assignment's unigram BLEU, averaged over 1000 random captions of the split.${hasScene ? ' Exact scene: the greedy caption names every object of the scene by colour and shape and nothing else (any order; sizes and relations not checked), by number of objects.' : ''}</p>
${page.lossSvg || page.evalSvg ? `<h2>Training curves</h2>\n<div class="plots">\n${[page.lossSvg, page.evalSvg].filter((x) => x).map((x) => x!.replace(/^<svg /, '<svg role="img" ')).join('')}</div>` : ''}
${page.splits.map((sp) => `<h2>${e(sp.name)}</h2>\n<div class="grid">\n${sp.samples.map(card).join('\n')}\n</div>`).join('\n')}
</body>
</html>
`;
}
