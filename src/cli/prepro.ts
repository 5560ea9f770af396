// `recap prepro`: a Karpathy-split JSON and image features → one .recapdata file, with progress
// bars on the long reads and a summary of what prepro_labels.py would print (vocabulary, UNKs,
// truncated captions). Also the loader behind `--data karpathy:JSON --features PATH`.
import { rm, stat } from 'node:fs/promises';
import { init, loadEncoder, type Arch, type ImageEncoder } from '../index.js';
import { readFileNamed } from '../core/files.node.js';
import { preproKarpathy, writeRecapDataFile, type PreproInfo, type PreproPhase } from '../node.js';
import type { PreproOptions } from './args.js';
import { type CliIO, type Out, clock } from './common.js';

const LABELS: Record<PreproPhase, string> = {
  images: 'encoding images', features: 'features', 'pca-covariance': 'PCA covariance', 'pca-eigen': 'PCA eigenvectors', 'pca-project': 'PCA projection',
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
    const unit = phase === 'pca-eigen' ? 'steps' : phase === 'images' ? 'images' : 'rows';
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
    ...(i.badImages?.length ? [`left out ${i.badImages.length} unreadable images (--skip-bad)`] : []),
    `features: ${i.features}${i.recipe ? ` (${i.recipe.encoder.arch} ${i.recipe.encoder.output}, resize ${i.recipe.encoder.resize ?? 'none'}, crop ${i.recipe.encoder.crop ?? 'none'})` : ''}, D=${i.featureDim}${i.pca !== null ? ` -> PCA ${i.pca} (keeps ${((i.pcaVarianceKept ?? 0) * 100).toFixed(1)}% of the training variance)` : ''}`,
  ];
}

export async function prepro(flags: PreproOptions, io: CliIO, o: Out): Promise<number> {
  await init({ threads: flags.threads }); // PCA and the encoder run in wasm
  const t0 = performance.now();
  const bar = new PhaseProgress(o.err, io.stderrIsTTY ?? process.stderr.isTTY === true, io.progressInterval ?? 5000);
  let encoder: ImageEncoder | null = null;
  const cacheDir = `${flags.out}.cache`;
  let p;
  try {
    if (flags.images !== undefined) {
      encoder = await loadEncoder(await readFileNamed(flags.encoder!, 'no such encoder weights file'), { arch: flags.arch as Arch, dtype: flags.dtype });
    }
    p = await preproKarpathy(flags.captions, {
      features: flags.features, featureIds: flags.featureIds, featureKey: flags.featureKey, pca: flags.pca,
      images: encoder ? {
        dir: flags.images!, encoder, resize: flags.resize || null, crop: flags.crop || null, batch: flags.crop === 0 ? 1 : flags.batch,
        cacheDir, skipBad: flags.skipBad, onBad: (path, reason) => o.err(`skipped ${path}: ${reason}\n`),
      } : undefined,
      dtype: flags.dtype, wordCountThreshold: flags.wordCountThreshold, maxLength: flags.maxLength, restvalInTrain: !flags.noRestval,
      onProgress: bar.update,
    });
  } finally {
    bar.finish();
    encoder?.dispose();
  }
  await writeRecapDataFile(flags.out, { ...p, info: { ...p.info, createdBy: 'recap prepro' } });
  if (flags.images !== undefined) await rm(cacheDir, { recursive: true, force: true });
  const size = (await stat(flags.out)).size;
  for (const line of describePrepro(p.info)) o.err(`${line}\n`);
  o.out(`wrote ${flags.out} (${(size / 2 ** 20).toFixed(1)} MB) in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
  return 0;
}
