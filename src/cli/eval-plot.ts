// The validation metrics over training (CIDEr-D, BLEU-4, ROUGE-L of each evaluation) as a
// standalone SVG, drawn beside the loss curve in samples.html.
import type { EvalRecord } from '../index.js';
import { escapeXml, niceTicks, tickLabel } from './report.js';

const SERIES = [
  { key: 'cider', label: 'CIDEr-D (right axis)', color: '#c0392b', right: true },
  { key: 'bleu4', label: 'BLEU-4', color: '#1f5fa8', right: false },
  { key: 'rougeL', label: 'ROUGE-L', color: '#27ae60', right: false },
] as const;

function valueOf(r: EvalRecord, key: (typeof SERIES)[number]['key']): number {
  return key === 'cider' ? r.cider : key === 'bleu4' ? r.bleu[3] : r.rougeL;
}

/**
 * Lines of CIDEr-D (right axis, 0 to its nice maximum) and BLEU-4 and ROUGE-L (left axis, 0 to 1)
 * against the iteration of each evaluation; the best evaluation is ringed.
 */
export function evalCurvesSvg(history: readonly EvalRecord[], options: { title?: string; width?: number; height?: number; numIterations?: number } = {}): string {
  const W = options.width ?? 720, H = options.height ?? 400;
  const m = { left: 64, right: 64, top: 40, bottom: 52 };
  const pw = W - m.left - m.right, ph = H - m.top - m.bottom;
  const title = options.title ?? 'Validation metrics';
  const xMax = Math.max(options.numIterations ?? 0, ...history.map((r) => r.iteration), 1);
  const cMax = Math.max(1, ...history.map((r) => r.cider)); // CIDEr-D axis: at least 0..1
  const cTicks = niceTicks(0, cMax, 5);
  if (cTicks.at(-1)! < cMax) cTicks.push(Number((cTicks.at(-1)! + cTicks[1] - cTicks[0]).toPrecision(12)));
  const lTicks = niceTicks(0, 1, 6);
  const xTicks = niceTicks(0, xMax, 7).filter((t) => t <= xMax);
  const sx = (it: number) => m.left + (it / xMax) * pw;
  const syL = (v: number) => m.top + (1 - v) * ph;
  const syR = (v: number) => m.top + (1 - v / cTicks.at(-1)!) * ph;
  const f = (v: number) => v.toFixed(1);
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="system-ui, -apple-system, Segoe UI, Helvetica, Arial, sans-serif" font-size="12">`);
  out.push(`  <title>${escapeXml(title)}</title>`);
  out.push(`  <rect x="0" y="0" width="${W}" height="${H}" fill="#ffffff"/>`);
  out.push('  <g class="grid" stroke="#e6e6e6" stroke-width="1">');
  for (const t of lTicks) out.push(`    <line x1="${m.left}" y1="${f(syL(t))}" x2="${m.left + pw}" y2="${f(syL(t))}"/>`);
  for (const t of xTicks) out.push(`    <line x1="${f(sx(t))}" y1="${m.top}" x2="${f(sx(t))}" y2="${m.top + ph}"/>`);
  out.push('  </g>');
  out.push('  <g class="axes" stroke="#333333" stroke-width="1">');
  out.push(`    <line x1="${m.left}" y1="${m.top + ph}" x2="${m.left + pw}" y2="${m.top + ph}"/>`);
  out.push(`    <line x1="${m.left}" y1="${m.top}" x2="${m.left}" y2="${m.top + ph}"/>`);
  out.push(`    <line x1="${m.left + pw}" y1="${m.top}" x2="${m.left + pw}" y2="${m.top + ph}"/>`);
  out.push('  </g>');
  out.push('  <g class="tick-labels" fill="#333333">');
  for (const t of lTicks) out.push(`    <text x="${m.left - 8}" y="${f(syL(t) + 4)}" text-anchor="end">${tickLabel(t)}</text>`);
  for (const t of cTicks) out.push(`    <text x="${m.left + pw + 8}" y="${f(syR(t) + 4)}" text-anchor="start">${tickLabel(t)}</text>`);
  for (const t of xTicks) out.push(`    <text x="${f(sx(t))}" y="${m.top + ph + 19}" text-anchor="middle">${tickLabel(t)}</text>`);
  out.push('  </g>');
  out.push(`  <text x="${m.left + pw / 2}" y="${H - 10}" text-anchor="middle" fill="#333333">iteration</text>`);
  out.push(`  <text x="${m.left}" y="24" font-size="15" font-weight="600" fill="#111111">${escapeXml(title)}</text>`);
  for (const s of SERIES) {
    const pts = history.map((r) => `${f(sx(r.iteration))},${f((s.right ? syR : syL)(valueOf(r, s.key)))}`);
    if (pts.length === 0) continue;
    out.push(`  <polyline class="${s.key}" fill="none" stroke="${s.color}" stroke-width="2" stroke-linejoin="round" points="${pts.join(' ')}"/>`);
    out.push(`  <g fill="${s.color}">${history.map((r) => `<circle cx="${f(sx(r.iteration))}" cy="${f((s.right ? syR : syL)(valueOf(r, s.key)))}" r="2.5"/>`).join('')}</g>`);
  }
  const best = [...history].reverse().find((r) => r.improved);
  if (best) out.push(`  <circle class="best" cx="${f(sx(best.iteration))}" cy="${f(syR(best.cider))}" r="7" fill="none" stroke="#111111" stroke-width="1.5"/>`);
  // bottom right: the metrics rise during training, so the lower part is usually empty
  out.push(`  <g class="legend" transform="translate(${m.left + pw - 180} ${m.top + ph - 22 - 17 * SERIES.length})">`);
  out.push(`    <rect x="0" y="0" width="170" height="${12 + 17 * SERIES.length}" fill="#ffffff" fill-opacity="0.85" stroke="#dddddd"/>`);
  SERIES.forEach((s, i) => {
    out.push(`    <line x1="10" y1="${15 + 17 * i}" x2="34" y2="${15 + 17 * i}" stroke="${s.color}" stroke-width="2"/>`);
    out.push(`    <text x="42" y="${19 + 17 * i}" fill="#333333">${escapeXml(s.label)}</text>`);
  });
  out.push('  </g>');
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
