// `recap compare A B ...`: several checkpoints side by side — training-loss curves, validation
// metrics and scene accuracy of their last evaluation, and hyperparameters as parallel coordinates.
import { mkdir } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { init, trainingHistory, type Checkpoint } from '../index.js';
import { loadCheckpointFile, writeFileAtomic } from '../node.js';
import type { CompareOptions } from './commands.js';
import type { Out } from './common.js';
import { escapeXml as esc } from './report.js';
import { lineChartSvg, parallelSvg } from './svg.js';

export interface RunSummary {
  name: string;
  cell: string;
  hidden: number;
  wordvec: number;
  params: Record<string, number | string | null>;
  loss: number[];
  lossEvery: number;
  /** The last evaluation's metrics (CIDEr-D, BLEU-4, ROUGE-L, scene accuracy), when the run evaluated. */
  metrics: Record<string, number>;
}

/** Short distinct names: the file's folder and name. */
function runName(file: string): string {
  return join(basename(dirname(file)), basename(file));
}

/** The run's initial learning rate: recap train's --lr (meta.lr), a pretrain script's meta.solver, else the solver's current rate. */
function initialRate(ckpt: Checkpoint): number | null {
  const m = ckpt.meta as { lr?: unknown; solver?: { optimConfig?: { learningRate?: unknown } } };
  const v = m.lr ?? m.solver?.optimConfig?.learningRate ?? ckpt.solverState?.optimConfig.learningRate;
  return typeof v === 'number' ? v : null;
}

export function summarize(file: string, ckpt: Checkpoint): RunSummary {
  const c = ckpt.model.config;
  const s = ckpt.solverState;
  const h = trainingHistory(ckpt);
  const curve = ckpt.meta.lossCurve as { every?: number; values?: number[] } | undefined;
  const useMeta = h.loss.length === 0 && Array.isArray(curve?.values);
  const metrics: Record<string, number> = {};
  const last = s?.validation?.history?.at(-1);
  if (last) {
    metrics['CIDEr-D'] = last.cider;
    metrics['BLEU-4'] = last.bleu[3];
    metrics['ROUGE-L'] = last.rougeL;
    metrics['val loss'] = last.valLoss;
    for (const [k, v] of Object.entries(last.extra ?? {})) if (typeof v === 'number') metrics[k === 'scene' ? 'scene accuracy' : k] = v;
  }
  return {
    name: runName(file), cell: c.cellType, hidden: c.hiddenDim, wordvec: c.wordvecDim,
    params: {
      'learning rate': initialRate(ckpt), 'lr decay': s ? s.lrDecay : null, batch: s ? s.batchSize : null,
      hidden: c.hiddenDim, wordvec: c.wordvecDim, iterations: s ? s.iteration : null,
    },
    loss: useMeta ? curve!.values! : h.loss, lossEvery: useMeta ? curve!.every ?? 1 : 1, metrics,
  };
}

export function comparePage(runs: RunSummary[]): string {
  const loss = lineChartSvg(runs.map((r) => ({ label: `${r.name} (${r.cell.toUpperCase()} H=${r.hidden})`, points: r.loss.map((v, i) => [(i + 1) * r.lossEvery, v] as [number, number]) })),
    { title: 'Training loss', xLabel: 'iteration', yLabel: 'loss (nats per caption)', logY: true, cls: 'loss' });
  const keys = [...new Set(runs.flatMap((r) => Object.keys(r.metrics)))];
  const table = `<table class="metrics"><thead><tr><th>run</th><th>cell</th>${keys.map((k) => `<th>${esc(k)}</th>`).join('')}<th>final training loss</th></tr></thead><tbody>${runs.map((r) => `<tr><td>${esc(r.name)}</td><td>${r.cell.toUpperCase()} H=${r.hidden}</td>${keys.map((k) => `<td>${r.metrics[k] === undefined ? '–' : r.metrics[k].toFixed(4)}</td>`).join('')}<td>${r.loss.length ? r.loss.at(-1)!.toFixed(4) : '–'}</td></tr>`).join('')}</tbody></table>`;
  const axes = Object.keys(runs[0].params).map((k) => ({ label: k, values: runs.map((r) => (typeof r.params[k] === 'number' && Number.isFinite(r.params[k]) ? r.params[k] as number : null)) }));
  for (const k of ['CIDEr-D', 'val loss', 'scene accuracy']) if (keys.includes(k)) axes.push({ label: k, values: runs.map((r) => r.metrics[k] ?? null) });
  const par = parallelSvg(axes, runs.map((r) => r.name), { title: 'Hyperparameters and results (parallel coordinates)' });
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>recap compare</title>
<style>body { font-family: system-ui, sans-serif; margin: 24px auto; max-width: 1100px; } svg.figure { display: block; max-width: 100%; height: auto; margin: 12px 0 24px; }
table { border-collapse: collapse; } td, th { border: 1px solid #ddd; padding: 4px 10px; }</style></head><body>
<h1>recap compare: ${runs.length} runs</h1>
${loss}
<h2>Metrics of the last evaluation</h2>
${table}
<h2>Hyperparameters</h2>
${par}
<script type="application/json" id="numbers">${JSON.stringify(runs).replace(/</g, '\\u003c')}</script>
</body></html>
`;
}

export async function compare(files: string[], flags: CompareOptions, o: Out): Promise<number> {
  await init();
  const runs: RunSummary[] = [];
  for (const f of files) {
    const ckpt = await loadCheckpointFile(f);
    runs.push(summarize(f, ckpt));
    ckpt.model.dispose();
  }
  await mkdir(flags.out, { recursive: true });
  const file = join(flags.out, 'compare.html');
  await writeFileAtomic(file, new TextEncoder().encode(comparePage(runs)));
  for (const r of runs) o.out(`${r.name}: ${r.cell.toUpperCase()} H=${r.hidden}, final training loss ${r.loss.length ? r.loss.at(-1)!.toFixed(4) : '–'}${Object.entries(r.metrics).map(([k, v]) => `, ${k} ${v.toFixed(4)}`).join('')}\n`);
  o.out(`wrote ${file}\n`);
  return 0;
}
