// `recap prepro`: a Karpathy-split JSON and image features → one .recapdata file, with progress
// bars on the long reads and a summary of what prepro_labels.py would print (vocabulary, UNKs,
// truncated captions). Also the loader behind `--data karpathy:JSON --features PATH`.
import { stat } from 'node:fs/promises';
import { init } from '../index.js';
import { preproKarpathy, writeRecapDataFile, type PreproInfo, type PreproPhase } from '../node.js';
import type { PreproOptions } from './args.js';
import { type CliIO, type Out, clock } from './common.js';

const LABELS: Record<PreproPhase, string> = {
  features: 'features', 'pca-covariance': 'PCA covariance', 'pca-eigen': 'PCA eigenvectors', 'pca-project': 'PCA projection',
};

/** A progress bar per phase (TTY) or a plain line every `interval` ms, with rate and ETA. */
export class PhaseProgress {
  private phase: PreproPhase | null = null;
  private start = 0;
  private lastDraw = 0;
  constructor(private err: (s: string) => void, private tty: boolean, private interval: number) {}

  update = (phase: PreproPhase, done: number, total: number): void => {
    const now = performance.now();
    if (phase !== this.phase) {
      this.finish();
      this.phase = phase;
      this.start = now;
      this.lastDraw = -Infinity;
    }
    const last = done >= total;
    if (!last && now - this.lastDraw < (this.tty ? 100 : this.interval)) return;
    this.lastDraw = now;
    const secs = (now - this.start) / 1000;
    const rate = secs > 0 ? done / secs : 0;
    const unit = phase === 'pca-eigen' ? 'steps' : 'rows';
    const stats = `${done}/${total} ${unit}  ${rate >= 1 ? `${rate.toFixed(0)}/s  ` : ''}${last ? clock(secs) : `ETA ${rate > 0 ? clock((total - done) / rate) : '--:--'}`}`;
    if (this.tty) {
      const width = 30;
      const fill = Math.round((width * done) / Math.max(1, total));
      this.err(`\r\x1b[2K${LABELS[phase].padEnd(16)} [${'#'.repeat(fill)}${'.'.repeat(width - fill)}] ${stats}`);
    } else this.err(`${LABELS[phase]}: ${stats}\n`);
  };

  finish(): void {
    if (this.tty && this.phase !== null) this.err('\n');
    this.phase = null;
  }
}

const pct = (a: number, b: number) => `${b > 0 ? ((100 * a) / b).toFixed(2) : '0.00'}%`;

/** The summary lines of a prepro run. */
export function describePrepro(i: PreproInfo): string[] {
  const V = i.keptWords + 4;
  return [
    `captions: ${i.captions}${i.dataset ? ` (${i.dataset})` : ''}; images train ${i.images.train}${i.restvalImages ? ` (incl. ${i.restvalImages} restval)` : ''}, val ${i.images.val}, test ${i.images.test}; captions ${i.captionsPerSplit.train} / ${i.captionsPerSplit.val} / ${i.captionsPerSplit.test}`,
    `vocabulary: V=${V} (${i.keptWords} of ${i.distinctWords} training words occur more than ${i.wordCountThreshold} times, plus <NULL> <START> <END> <UNK>); <UNK> tokens in train: ${i.unkTokens}/${i.trainTokens} = ${pct(i.unkTokens, i.trainTokens)}`,
    `max length ${i.maxLength} words: truncated ${i.truncated.train} train, ${i.truncated.val} val, ${i.truncated.test} test captions`,
    `features: ${i.features}, D=${i.featureDim}${i.pca !== null ? ` -> PCA ${i.pca} (keeps ${((i.pcaVarianceKept ?? 0) * 100).toFixed(1)}% of the training variance)` : ''}`,
  ];
}

export async function prepro(flags: PreproOptions, io: CliIO, o: Out): Promise<number> {
  await init(); // PCA runs in wasm
  const t0 = performance.now();
  const bar = new PhaseProgress(o.err, io.stderrIsTTY ?? process.stderr.isTTY === true, io.progressInterval ?? 5000);
  let p;
  try {
    p = await preproKarpathy(flags.captions, {
      features: flags.features, featureIds: flags.featureIds, featureKey: flags.featureKey, pca: flags.pca,
      dtype: flags.dtype, wordCountThreshold: flags.wordCountThreshold, maxLength: flags.maxLength, restvalInTrain: !flags.noRestval,
      onProgress: bar.update,
    });
  } finally {
    bar.finish();
  }
  await writeRecapDataFile(flags.out, { ...p, info: { ...p.info, createdBy: 'recap prepro' } });
  const size = (await stat(flags.out)).size;
  for (const line of describePrepro(p.info)) o.err(`${line}\n`);
  o.out(`wrote ${flags.out} (${(size / 2 ** 20).toFixed(1)} MB) in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
  return 0;
}
