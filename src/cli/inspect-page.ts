// The HTML page of `recap inspect`: each figure drawn from the numbers of inspect.ts (also
// embedded as JSON), with a sentence on how to read it (docs/inspect.md has the formulas).
import type { InspectNumbers } from './inspect.js';
import { escapeXml as esc } from './report.js';
import { PALETTE, barsSvg, heatmapSvg, lineChartSvg, scatterSvg, type Series } from './svg.js';

const KNOCKOUT_TEXT: Record<string, string> = {
  none: 'nothing (the model as trained)', f: 'forget gate f ≡ 1 (the cell never forgets)', i: 'input gate i ≡ 1 (every candidate written)',
  o: 'output gate o ≡ 1 (the whole cell shown)', h0: 'initial state h0 = 0 (the image never enters)', features: 'image features zeroed (h0 = b_proj)',
};

function figure(svg: string, caption: string): string {
  return `<figure>${svg}<figcaption>${caption}</figcaption></figure>`;
}

const steps = (a: ArrayLike<number>, from = 0): [number, number][] => Array.from(a, (v, t) => [t + from, v]);

export function inspectPage(n: InspectNumbers): string {
  const flow: Series[] = [];
  const jac: Series[] = [];
  n.models.forEach((m, k) => {
    const color = PALETTE[k * 3 % PALETTE.length];
    const who = n.models.length > 1 ? `${m.cell.toUpperCase()} H=${m.hidden}: ` : '';
    flow.push({ label: `${who}‖∂L/∂h_t‖, whole loss`, points: steps(m.all.dh), color });
    flow.push({ label: `${who}‖∂L_T/∂h_t‖, last step's loss`, points: steps(m.last.dh), color, dashed: true });
    if (m.all.dc) flow.push({ label: `${who}‖∂L/∂c_t‖, whole loss`, points: steps(m.all.dc), color: PALETTE[(k * 3 + 1) % PALETTE.length] });
    jac.push({ label: `${who}σ_max(∂s_t/∂s_t−1), batch mean (‖W_h‖₂ = ${m.all.whNorm.toPrecision(3)})`, points: steps(m.all.jacobianNorm, 1), color });
  });
  const T = n.batch.T;
  const g = n.gates;
  const gateSeries: Series[] = g.h
    ? [{ label: 'tanh units h (h < −0.8 / h > 0.8)', points: Array.from(g.h.left, (l, j) => [l, g.h!.right[j]] as [number, number]) }]
    : (['i', 'f', 'o'] as const).map((k) => ({ label: `${k} gate`, points: Array.from(g[k]!.left, (l, j) => [l, g[k]!.right[j]] as [number, number]) }));
  const words = n.trace.words;
  const unitLabels = n.trace.units.map((j) => `unit ${j}`);
  const heat = [figure(heatmapSvg(n.trace.h, { title: 'Hidden state h_t of the most active units', xLabel: 'input word at step t', yLabel: 'unit (by Σ_t |h_t|)', rowLabels: unitLabels, colLabels: words, unit: 'h (−1…1)' }),
    'Rows: the 12 units with the largest Σ_t |h_t| along the caption; columns: the word fed at each step.')];
  if (n.trace.c) heat.push(figure(heatmapSvg(n.trace.c, { title: 'Cell state c_t of the same units', xLabel: 'input word at step t', yLabel: 'unit', rowLabels: unitLabels, colLabels: words, unit: 'c' }), 'A cell that keeps its value across words is memory; one that flips at a word has learned that word.'));
  if (n.trace.f) heat.push(figure(heatmapSvg(n.trace.f, { title: 'Forget gate f_t of the same units', xLabel: 'input word at step t', yLabel: 'unit', rowLabels: unitLabels, colLabels: words, unit: 'f (0…1)' }), 'f near 1 keeps the cell, near 0 erases it.'));
  const targets = n.trace.targets.map((w, t) => `${t}: ${w}`);
  const ko = n.knockout;
  const base = ko[0];
  const koRows = ko.map((r) => `<tr><td>${esc(r.component)}</td><td>${esc(KNOCKOUT_TEXT[r.component] ?? r.component)}</td><td>${r.loss.toFixed(4)}</td><td>${r === base ? '–' : `${r.loss >= base.loss ? '+' : ''}${(r.loss - base.loss).toFixed(4)}`}</td><td>${r.sceneAccuracy === null ? '–' : `${(100 * r.sceneAccuracy).toFixed(1)}%`}</td></tr>`).join('\n');
  const tr = n.training;
  const sections = [
    `<h2>Gradient flow</h2>`,
    figure(lineChartSvg(flow, { title: 'Gradient reaching each step', xLabel: 'step t (word position)', yLabel: '‖∂L/∂h_t‖₂ (nats per unit of state), log scale', logY: true, cls: 'gradient-flow' }),
      `Solid: the whole loss; dashed: only the last step's term L_T, so the curve shows how much of it survives the way back to step t. A vanishing gradient falls by decades towards t = 0. ${n.models.map((m) => `${esc(m.cell.toUpperCase())}: ‖∂L_T/∂h_1‖ / ‖∂L_T/∂h_T‖ = ${m.ratio.toPrecision(3)}`).join('; ')} (${n.batch.captions} val captions of ${T} steps).`),
    figure(lineChartSvg(jac, { title: 'Largest singular value of the state Jacobian', xLabel: 'step t', yLabel: 'σ_max(∂s_t/∂s_t−1)', hLines: [{ y: 1, label: 'σ = 1' }], cls: 'jacobian' }),
      'Above 1 a step can amplify a gradient on its way back, below 1 it must shrink it (Pascanu et al. 2013); s = h for the RNN, (h, c) for the LSTM.'),
    `<h2>Gate saturation</h2>`,
    figure(scatterSvg(gateSeries, { title: g.h ? 'Saturation of the tanh units' : 'Gate saturation (Karpathy et al. 2015)', xLabel: 'fraction of steps left-saturated (< 0.1)', yLabel: 'fraction right-saturated (> 0.9)' }),
      `One point per unit over ${g.steps} unmasked steps. Points near the top-left corner are gates that are almost always open (a forget gate there keeps its cell: long memory); near the diagonal's far end, units that switch; at the origin, units that never saturate.`),
    `<h2>Activations along a caption</h2>`,
    `<p class="caption">${words.map((w) => `<span>${esc(w)}</span>`).join(' ')} → ${esc(n.trace.targets.at(-1) ?? '')}</p>`,
    ...heat,
    `<h2>Attributions (integrated gradients, ${n.attribution.steps} Simpson intervals)</h2>`,
    figure(heatmapSvg(n.attribution.words, { title: 'Connectivity: which earlier words each word comes from', xLabel: 'earlier input word s', yLabel: 'predicted word t', rowLabels: targets, colLabels: words, unit: 'Δ log p (nats)' }),
      'Row t: the integrated gradient of log p(word t) with respect to the word vector fed at each step s ≤ t (zero baseline). Red raised the probability, blue lowered it.'),
    figure(barsSvg(targets, [{ label: 'image features', values: n.attribution.image }, { label: 'earlier words', values: n.attribution.fromWords }], { title: 'Where each word\'s log-probability comes from', xLabel: 'predicted word', yLabel: 'attribution (nats)' }),
      'For each word, the two sums of its attributions; together they equal log p(word) − log p(word | zero inputs) (completeness).'),
    `<h2>Knockouts</h2>`,
    `<table class="knockout"><thead><tr><th>forced</th><th>meaning</th><th>val loss (nats/caption)</th><th>Δ loss</th><th>scene accuracy</th></tr></thead><tbody>\n${koRows}\n</tbody></table>`,
    `<h2>Training</h2>`,
    figure(lineChartSvg([{ label: 'training loss', points: tr.loss.map((v, i) => [(i + 1) * tr.lossEvery, v]) }], { title: 'Training loss', xLabel: 'iteration', yLabel: 'loss (nats per caption)', cls: 'loss' }), 'The minibatch loss the solver recorded.'),
    figure(lineChartSvg(tr.gradNorm ? [{ label: 'global ‖g‖₂ before clipping', points: tr.gradNorm.map((v, i) => [i + 1, v]) }] : [], { title: `Gradient norm over training${tr.clipCount !== null ? ` (clipping fired ${tr.clipCount} times)` : ''}`, xLabel: 'iteration', yLabel: '‖g‖₂, log scale', logY: true, cls: 'grad-norm' }),
      tr.gradNorm ? 'Spikes are the exploding gradients clipping exists for.' : 'Not recorded: this checkpoint\'s solver kept no gradient-norm history.'),
  ];
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(`recap inspect: ${n.title}`)}</title>
<style>
body { font-family: system-ui, -apple-system, Segoe UI, Helvetica, Arial, sans-serif; margin: 24px auto; max-width: 1100px; color: #222; }
figure { margin: 12px 0 24px; } figcaption { font-size: 13px; color: #444; max-width: 760px; }
svg.figure { display: block; max-width: 100%; height: auto; border: 1px solid #eee; }
table.knockout { border-collapse: collapse; } table.knockout td, table.knockout th { border: 1px solid #ddd; padding: 4px 10px; text-align: left; }
p.caption span { background: #f1f4f9; padding: 1px 4px; border-radius: 3px; }
</style></head><body>
<h1>${esc(n.title)}</h1>
${sections.join('\n')}
<script type="application/json" id="numbers">${JSON.stringify(n, (_, v) => (v instanceof Float64Array ? Array.from(v) : v)).replace(/</g, '\\u003c')}</script>
</body></html>
`;
}
