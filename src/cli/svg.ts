// Small standalone SVG figures for the inspection report and `recap compare`: line charts
// (linear or log y), a scatter with its diagonal, a heat-map, grouped bars and parallel
// coordinates. Each takes only numbers and labels; every figure has a title, axis labels and a legend.
import { escapeXml as esc, logTicks, niceTicks, tickLabel } from './report.js';

export const PALETTE = ['#1f5fa8', '#c0392b', '#27ae60', '#8e44ad', '#d35400', '#16a085', '#7f8c8d', '#2c3e50'];
const FONT = 'font-family="system-ui, -apple-system, Segoe UI, Helvetica, Arial, sans-serif" font-size="12"';
const f1 = (v: number) => v.toFixed(1);
/** 1e-3, 2e-3, 0.01 … 100, 1e3: short labels of a log axis. */
const logLabel = (t: number) => (t >= 0.01 && t < 1000 ? String(Number(t.toPrecision(3))) : t.toExponential(0).replace('e+', 'e'));

export interface Series {
  label: string;
  points: readonly (readonly [number, number])[];
  color?: string;
  dashed?: boolean;
}

interface Frame {
  title: string;
  xLabel: string;
  yLabel: string;
  width?: number;
  height?: number;
}

function open(cls: string, W: number, H: number, title: string): string[] {
  return [
    `<svg class="figure ${cls}" xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" ${FONT}>`,
    `  <title>${esc(title)}</title>`,
    `  <rect x="0" y="0" width="${W}" height="${H}" fill="#ffffff"/>`,
    `  <text x="16" y="22" font-size="15" font-weight="600" fill="#111111">${esc(title)}</text>`,
  ];
}

function legend(out: string[], x: number, y: number, items: { label: string; color: string; dashed?: boolean; dot?: boolean }[]): void {
  if (items.length === 0) return;
  const w = Math.max(...items.map((i) => i.label.length)) * 6.5 + 48;
  out.push(`  <g class="legend" transform="translate(${f1(x - w)} ${y})">`);
  out.push(`    <rect x="0" y="0" width="${f1(w)}" height="${10 + 17 * items.length}" fill="#ffffff" fill-opacity="0.9" stroke="#dddddd"/>`);
  items.forEach((s, i) => {
    const yy = 14 + 17 * i;
    out.push(s.dot
      ? `    <circle cx="22" cy="${yy}" r="4" fill="${s.color}"/>`
      : `    <line x1="10" y1="${yy}" x2="34" y2="${yy}" stroke="${s.color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="5 3"' : ''}/>`);
    out.push(`    <text x="42" y="${yy + 4}" fill="#333333">${esc(s.label)}</text>`);
  });
  out.push('  </g>');
}

/** A legend in a band below the plot (from y), so it never hides data; returns the band's height. */
function legendBelow(out: string[], x: number, y: number, items: { label: string; color: string; dashed?: boolean; box?: boolean }[]): void {
  out.push(`  <g class="legend" transform="translate(${x} ${y})">`);
  items.forEach((s, i) => {
    const yy = 8 + 17 * i;
    out.push(s.box
      ? `    <rect x="10" y="${yy - 6}" width="24" height="11" fill="${s.color}"/>`
      : `    <line x1="10" y1="${yy}" x2="34" y2="${yy}" stroke="${s.color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="5 3"' : ''}/>`);
    out.push(`    <text x="42" y="${yy + 4}" fill="#333333">${esc(s.label)}</text>`);
  });
  out.push('  </g>');
}

/** Axes, grid, ticks and labels of a plot area; returns the mapping of data to pixels. */
function axes(out: string[], o: Frame & { W: number; H: number; x: [number, number]; y: [number, number]; logY?: boolean; xTicks?: number[]; xTickLabels?: string[]; rotateX?: boolean }) {
  const m = { left: 70, right: 20, top: 36, bottom: o.rotateX ? 100 : 52 };
  const pw = o.W - m.left - m.right, ph = o.H - m.top - m.bottom;
  const [x0, x1] = o.x;
  let [y0, y1] = o.y;
  const yTicks = o.logY ? logTicks(y0, y1) : niceTicks(y0, y1, 6);
  if (o.logY) [y0, y1] = [Math.min(y0, yTicks[0]), Math.max(y1, yTicks.at(-1)!)];
  const ty = (v: number) => (o.logY ? Math.log10(v) : v);
  const sx = (v: number) => m.left + (x1 === x0 ? 0.5 : (v - x0) / (x1 - x0)) * pw;
  const sy = (v: number) => m.top + (1 - (ty(v) - ty(y0)) / (ty(y1) - ty(y0) || 1)) * ph;
  const xTicks = o.xTicks ?? niceTicks(x0, x1, 8).filter((t) => t >= x0 && t <= x1);
  out.push('  <g class="grid" stroke="#e6e6e6" stroke-width="1">');
  for (const t of yTicks) if (t >= y0 && t <= y1) out.push(`    <line x1="${m.left}" y1="${f1(sy(t))}" x2="${m.left + pw}" y2="${f1(sy(t))}"/>`);
  out.push('  </g>');
  out.push(`  <g class="axes" stroke="#333333" stroke-width="1"><line x1="${m.left}" y1="${m.top + ph}" x2="${m.left + pw}" y2="${m.top + ph}"/><line x1="${m.left}" y1="${m.top}" x2="${m.left}" y2="${m.top + ph}"/></g>`);
  out.push('  <g class="tick-labels" fill="#333333">');
  for (const t of yTicks) if (t >= y0 && t <= y1) out.push(`    <text x="${m.left - 6}" y="${f1(sy(t) + 4)}" text-anchor="end">${o.logY ? logLabel(t) : tickLabel(t)}</text>`);
  xTicks.forEach((t, i) => out.push(o.rotateX
    ? `    <text transform="translate(${f1(sx(t) + 4)} ${m.top + ph + 8}) rotate(-60)" text-anchor="end">${esc(o.xTickLabels?.[i] ?? tickLabel(t))}</text>`
    : `    <text x="${f1(sx(t))}" y="${m.top + ph + 17}" text-anchor="middle">${esc(o.xTickLabels?.[i] ?? tickLabel(t))}</text>`));
  out.push('  </g>');
  out.push(`  <text class="x-label" x="${m.left + pw / 2}" y="${o.H - 12}" text-anchor="middle" fill="#333333">${esc(o.xLabel)}</text>`);
  out.push(`  <text class="y-label" transform="translate(16 ${m.top + ph / 2}) rotate(-90)" text-anchor="middle" fill="#333333">${esc(o.yLabel)}</text>`);
  return { sx, sy, m, pw, ph, y0, y1 };
}

/** Lines over x; `logY` draws y on a log axis (non-positive values are left out and said so). */
export function lineChartSvg(series: readonly Series[], o: Frame & { logY?: boolean; hLines?: { y: number; label: string }[]; xTicks?: number[]; xTickLabels?: string[]; cls?: string }): string {
  const W = o.width ?? 720, H = o.height ?? 360, band = 8 + 17 * series.length;
  const keep = (p: readonly [number, number]) => Number.isFinite(p[1]) && (!o.logY || p[1] > 0);
  const pts = series.flatMap((s) => s.points.filter(keep));
  const hl = (o.hLines ?? []).map((h) => h.y).filter((y) => !o.logY || y > 0);
  const ys = [...pts.map((p) => p[1]), ...hl];
  const xs = [...pts.map((p) => p[0]), ...(o.xTicks ?? [])];
  if (pts.length === 0) {
    const out = open(o.cls ?? 'line-chart', W, 120, o.title);
    out.push(`  <text class="empty" x="${W / 2}" y="70" text-anchor="middle" fill="#666666">not recorded</text>`);
    out.push('</svg>');
    return `${out.join('\n')}\n`;
  }
  const out = open(o.cls ?? 'line-chart', W, H + band, o.title);
  let lo = Math.min(...ys), hi = Math.max(...ys);
  if (!o.logY) [lo, hi] = [Math.min(0, lo), hi === lo ? lo + 1 : hi];
  else if (hi === lo) [lo, hi] = [lo / 2, hi * 2];
  const a = axes(out, { ...o, W, H, x: [Math.min(...xs), Math.max(...xs)], y: [lo, hi], logY: o.logY });
  for (const h of o.hLines ?? []) {
    if (o.logY && h.y <= 0) continue;
    out.push(`  <line class="reference" x1="${a.m.left}" y1="${f1(a.sy(h.y))}" x2="${a.m.left + a.pw}" y2="${f1(a.sy(h.y))}" stroke="#999999" stroke-dasharray="2 3"/>`);
    out.push(`  <text x="${a.m.left + a.pw - 4}" y="${f1(a.sy(h.y) - 4)}" text-anchor="end" fill="#777777">${esc(h.label)}</text>`);
  }
  series.forEach((s, i) => {
    const color = s.color ?? PALETTE[i % PALETTE.length];
    const p = s.points.filter(keep);
    if (p.length === 0) return;
    out.push(`  <polyline class="series" fill="none" stroke="${color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="5 3"' : ''} points="${p.map(([x, y]) => `${f1(a.sx(x))},${f1(a.sy(y))}`).join(' ')}"/>`);
    if (p.length <= 40) out.push(`  <g fill="${color}">${p.map(([x, y]) => `<circle cx="${f1(a.sx(x))}" cy="${f1(a.sy(y))}" r="2.5"/>`).join('')}</g>`);
  });
  const dropped = series.reduce((n, s) => n + s.points.length - s.points.filter(keep).length, 0);
  if (dropped > 0) out.push(`  <text x="${W - 20}" y="${H - 12}" text-anchor="end" fill="#777777">${dropped} point(s) ≤ 0 not drawn on the log axis</text>`);
  legendBelow(out, a.m.left - 10, H, series.map((s, i) => ({ label: s.label, color: s.color ?? PALETTE[i % PALETTE.length], dashed: s.dashed })));
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}

/** Points in [0,1]² with the diagonal y = x (Karpathy et al.'s gate-saturation plot). */
export function scatterSvg(series: readonly Series[], o: Frame): string {
  const W = o.width ?? 420, H = o.height ?? 420;
  const out = open('scatter', W, H, o.title);
  const a = axes(out, { ...o, W, H, x: [0, 1], y: [0, 1], xTicks: [0, 0.2, 0.4, 0.6, 0.8, 1] });
  out.push(`  <line class="diagonal" x1="${f1(a.sx(0))}" y1="${f1(a.sy(0))}" x2="${f1(a.sx(1))}" y2="${f1(a.sy(1))}" stroke="#999999" stroke-dasharray="4 3"/>`);
  series.forEach((s, i) => {
    const color = s.color ?? PALETTE[i % PALETTE.length];
    out.push(`  <g class="points" fill="${color}" fill-opacity="0.6">${s.points.map(([x, y]) => `<circle cx="${f1(a.sx(x))}" cy="${f1(a.sy(y))}" r="3"/>`).join('')}</g>`);
  });
  legend(out, W - 24, 40, series.map((s, i) => ({ label: s.label, color: s.color ?? PALETTE[i % PALETTE.length], dot: true })));
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}

/** A (rows × cols) grid of values, diverging blue–white–red over [−max|v|, max|v|] (or [0, max] when all ≥ 0). */
export function heatmapSvg(values: readonly (readonly number[])[], o: Frame & { rowLabels: readonly string[]; colLabels: readonly string[]; unit: string }): string {
  const rows = values.length, cols = values[0]?.length ?? 0;
  const cell = Math.max(12, Math.min(34, Math.floor(640 / Math.max(cols, 1))));
  const left = 120, top = 40, bottom = 90;
  const W = o.width ?? left + cols * cell + 110, H = top + rows * cell + bottom;
  const out = open('heatmap', W, H, o.title);
  let max = 0, min = 0;
  for (const r of values) for (const v of r) if (Number.isFinite(v)) [max, min] = [Math.max(max, v), Math.min(min, v)];
  const span = Math.max(max, -min) || 1;
  const colour = (v: number) => {
    if (!Number.isFinite(v)) return '#eeeeee';
    const t = Math.min(1, Math.abs(v) / span);
    const [r, g, b] = v >= 0 ? [255, 255 - 200 * t, 255 - 220 * t] : [255 - 220 * t, 255 - 160 * t, 255];
    return `rgb(${Math.round(r)},${Math.round(g)},${Math.round(b)})`;
  };
  out.push('  <g class="cells">');
  values.forEach((r, i) => r.forEach((v, j) => out.push(`    <rect x="${left + j * cell}" y="${top + i * cell}" width="${cell}" height="${cell}" fill="${colour(v)}"><title>${esc(`${o.rowLabels[i]} × ${o.colLabels[j]}: ${Number.isFinite(v) ? v.toPrecision(3) : '–'}`)}</title></rect>`)));
  out.push('  </g>');
  out.push('  <g class="tick-labels" fill="#333333">');
  o.rowLabels.forEach((l, i) => out.push(`    <text x="${left - 6}" y="${top + i * cell + cell / 2 + 4}" text-anchor="end">${esc(l)}</text>`));
  o.colLabels.forEach((l, j) => out.push(`    <text transform="translate(${left + j * cell + cell / 2 + 4} ${top + rows * cell + 6}) rotate(-60)" text-anchor="end">${esc(l)}</text>`));
  out.push('  </g>');
  out.push(`  <text class="x-label" x="${left + (cols * cell) / 2}" y="${H - 8}" text-anchor="middle" fill="#333333">${esc(o.xLabel)}</text>`);
  out.push(`  <text class="y-label" transform="translate(14 ${top + (rows * cell) / 2}) rotate(-90)" text-anchor="middle" fill="#333333">${esc(o.yLabel)}</text>`);
  // colour bar
  const bx = left + cols * cell + 24, bh = Math.max(60, rows * cell);
  out.push('  <g class="legend">');
  const low = min < 0 ? -span : 0;
  for (let k = 0; k < 20; k++) out.push(`    <rect x="${bx}" y="${f1(top + (k * bh) / 20)}" width="14" height="${f1(bh / 20 + 0.5)}" fill="${colour(span - ((k + 0.5) / 20) * (span - low))}"/>`);
  out.push(`    <text x="${bx + 18}" y="${top + 8}" fill="#333333">${tickLabel(Number(span.toPrecision(3)))}</text>`);
  out.push(`    <text x="${bx + 18}" y="${top + bh}" fill="#333333">${tickLabel(Number(low.toPrecision(3)))}</text>`);
  out.push(`    <text x="${bx}" y="${top + bh + 18}" fill="#333333">${esc(o.unit)}</text>`);
  out.push('  </g>');
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}

/** Grouped vertical bars: one group per label, one bar per series (signed values, zero line). */
export function barsSvg(labels: readonly string[], series: readonly { label: string; values: readonly number[]; color?: string }[], o: Frame): string {
  const W = o.width ?? Math.max(480, 120 + labels.length * 22 * Math.max(1, series.length)), H = o.height ?? 400, band = 8 + 17 * series.length;
  const out = open('bars', W, H + band, o.title);
  const all = series.flatMap((s) => s.values).filter(Number.isFinite);
  const lo = Math.min(0, ...all), hi = Math.max(0, ...all, lo + 1e-12);
  const n = labels.length;
  const a = axes(out, { ...o, W, H, x: [-0.5, n - 0.5], y: [lo, hi], xTicks: labels.map((_, i) => i), xTickLabels: [...labels], rotateX: true });
  const gw = a.pw / Math.max(n, 1), bw = (gw * 0.8) / Math.max(series.length, 1);
  out.push(`  <line class="zero" x1="${a.m.left}" y1="${f1(a.sy(0))}" x2="${a.m.left + a.pw}" y2="${f1(a.sy(0))}" stroke="#333333"/>`);
  series.forEach((s, k) => {
    const color = s.color ?? PALETTE[k % PALETTE.length];
    out.push(`  <g class="bar-series" fill="${color}">`);
    s.values.forEach((v, i) => {
      if (!Number.isFinite(v)) return;
      const x = a.sx(i) - gw * 0.4 + k * bw;
      const [y0, y1] = [a.sy(Math.max(v, 0)), a.sy(Math.min(v, 0))];
      out.push(`    <rect x="${f1(x)}" y="${f1(y0)}" width="${f1(bw)}" height="${f1(Math.max(y1 - y0, 0.5))}"><title>${esc(`${labels[i]}, ${s.label}: ${v.toPrecision(3)}`)}</title></rect>`);
    });
    out.push('  </g>');
  });
  legendBelow(out, a.m.left - 10, H, series.map((s, k) => ({ label: s.label, color: s.color ?? PALETTE[k % PALETTE.length], box: true })));
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}

/** Parallel coordinates: one vertical axis per quantity (its own min–max), one polyline per run. */
export function parallelSvg(axesSpec: readonly { label: string; values: readonly (number | null)[] }[], runs: readonly string[], o: { title: string; width?: number; height?: number }): string {
  const W = o.width ?? Math.min(1100, Math.max(560, 110 * axesSpec.length)), H = o.height ?? 340, band = 8 + 17 * runs.length;
  const out = open('parallel', W, H + band, o.title);
  const m = { left: 50, right: 60, top: 62, bottom: 40 };
  const ph = H - m.top - m.bottom;
  const ax = (i: number) => m.left + (axesSpec.length === 1 ? 0 : (i * (W - m.left - m.right)) / (axesSpec.length - 1));
  const ranges = axesSpec.map((a) => {
    const v = a.values.filter((x): x is number => x !== null && Number.isFinite(x));
    const lo = Math.min(...v), hi = Math.max(...v);
    const pad = Math.abs(lo) * 0.1 || 1;
    return v.length === 0 ? [0, 1] : lo === hi ? [lo - pad, hi + pad] : [lo, hi];
  });
  const y = (i: number, v: number) => m.top + (1 - (v - ranges[i][0]) / (ranges[i][1] - ranges[i][0])) * ph;
  out.push('  <g class="axes" stroke="#333333">');
  axesSpec.forEach((_, i) => out.push(`    <line x1="${f1(ax(i))}" y1="${m.top}" x2="${f1(ax(i))}" y2="${m.top + ph}"/>`));
  out.push('  </g>');
  out.push('  <g class="tick-labels" fill="#333333">');
  axesSpec.forEach((a, i) => {
    out.push(`    <text class="axis-label" x="${f1(ax(i))}" y="${m.top - 22}" text-anchor="middle" font-weight="600">${esc(a.label)}</text>`);
    out.push(`    <text x="${f1(ax(i))}" y="${m.top - 6}" text-anchor="middle">${tickLabel(Number(ranges[i][1].toPrecision(3)))}</text>`);
    out.push(`    <text x="${f1(ax(i))}" y="${m.top + ph + 16}" text-anchor="middle">${tickLabel(Number(ranges[i][0].toPrecision(3)))}</text>`);
  });
  out.push('  </g>');
  runs.forEach((r, k) => {
    const pts = axesSpec.map((a, i) => (a.values[k] === null || !Number.isFinite(a.values[k]!) ? null : `${f1(ax(i))},${f1(y(i, a.values[k]!))}`)).filter((p) => p !== null);
    out.push(`  <polyline class="run" fill="none" stroke="${PALETTE[k % PALETTE.length]}" stroke-width="2" points="${pts.join(' ')}"/>`);
  });
  legendBelow(out, m.left - 10, H, runs.map((r, k) => ({ label: r, color: PALETTE[k % PALETTE.length] })));
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
