#!/usr/bin/env node
// The `recap` command line: train, sample, eval. See `recap --help` and docs/cli.md.
//
// `main(argv, io)` runs one command and resolves to the exit code (0 ok, 1 runtime error,
// 2 usage error, 130 interrupted); it never calls process.exit, so tests can call it in-process.
// User errors (UsageError, RecapError, FormatError, DivergenceError, file-system errors) are
// printed as one line; anything else is a bug and keeps its stack trace.
import type { UpdateRuleName } from '../nn/update-rules.js';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { realpathSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  UsageError, flagName, formatData, helpText, parseCommandLine,
  type DataSpec, type EvalOptions, type SampleOptions, type TrainOptions,
} from './args.js';
import {
  CaptioningRNN, CaptioningSolver, DivergenceError, FormatError, LegacyRandom, RecapError, Tensor,
  checkSameVocabulary, corpusBleu, decodeCaptions, describesSingleObject, init, meanCs231nBleu, renderScene,
  sampleCocoMinibatch, shapesData, stripSpecialTokens, threads,
  type CaptionData, type Checkpoint, type ShapesData, type StepInfo,
} from '../index.js';
import * as recap from '../index.js';
import { loadCheckpointFile, loadCocoData, saveCheckpointFile } from '../node.js';
import { encodePng, lossCurveSvg, pngDataUrl, samplesHtml, type SampleEntry, type ScoreRow } from './report.js';

/** Where a run's output goes, and hooks for tests. Everything is optional. */
export interface CliIO {
  stdout?: (text: string) => void;
  stderr?: (text: string) => void;
  /** Draw a progress bar (else plain lines every `progressInterval` ms). Default: process.stderr.isTTY. */
  stderrIsTTY?: boolean;
  columns?: number;
  /** Milliseconds between plain progress lines (default 5000). */
  progressInterval?: number;
  /** Aborting it stops `recap train` after the current step, as SIGINT does. */
  signal?: AbortSignal;
  /** Install a SIGINT handler during training (the real CLI does). */
  handleSigint?: boolean;
  /** Called after every training step. */
  onStep?: (info: StepInfo) => void;
}

interface Out {
  out: (text: string) => void;
  err: (text: string) => void;
}

/** The train options as resolved and stored in the checkpoint's meta (JSON). */
export interface RunOptions {
  data: string;
  maxTrain: number | null;
  numVal: number | null;
  dataSeed: number;
  cell: 'rnn' | 'lstm';
  hidden: number;
  wordvec: number;
  update: UpdateRuleName;
  lr: number;
  lrDecay: number;
  epochs: number;
  batch: number;
  threads: number;
  seed: number;
  out: string;
}

const SHAPES_DEFAULTS = { maxTrain: 4000, numVal: 500, dataSeed: 0 };
const COCO_DATA_SEED = 231; // the notebooks' np.random.seed(231) before load_coco_data(max_train=...)
const SAMPLES_PER_SPLIT = 8;
const HTML_BEAM = 3;

export async function main(argv: readonly string[], io: CliIO = {}): Promise<number> {
  const o: Out = {
    out: io.stdout ?? ((s) => void process.stdout.write(s)),
    err: io.stderr ?? ((s) => void process.stderr.write(s)),
  };
  let commandName: string | null = null;
  try {
    const cmd = parseCommandLine(argv);
    if (cmd.command === 'help') {
      o.out(helpText(cmd.topic));
      return 0;
    }
    if (cmd.command === 'version') {
      o.out(`recap ${await version()}\n`);
      return 0;
    }
    commandName = cmd.command;
    if (cmd.command === 'train') return await train(cmd.options, cmd.given, io, o);
    if (cmd.command === 'sample') return await sample(cmd.options, cmd.given, o);
    return await evaluate(cmd.options, cmd.given, o);
  } catch (e) {
    if (e instanceof UsageError) {
      const c = e.command ?? commandName;
      o.err(`recap${c ? ` ${c}` : ''}: ${e.message} (see 'recap ${c ? `${c} ` : ''}--help')\n`);
      return 2;
    }
    const line = userErrorLine(e);
    if (line !== null) {
      o.err(`recap${commandName ? ` ${commandName}` : ''}: ${line}\n`);
      return 1;
    }
    throw e;
  }
}

/** One line for errors that are the user's (bad input, files), null for bugs. */
function userErrorLine(e: unknown): string | null {
  if (e instanceof RecapError || e instanceof FormatError || e instanceof DivergenceError) return oneLine(e.message);
  const err = e as NodeJS.ErrnoException;
  if (err instanceof Error && typeof err.code === 'string' && /^E[A-Z]+$/.test(err.code)) return oneLine(err.message);
  return null;
}

function oneLine(s: string): string {
  return s.replace(/\s*\n\s*/g, ' ').trim();
}

async function version(): Promise<string> {
  try {
    return JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8')).version;
  } catch {
    return 'unknown';
  }
}

// ---------------------------------------------------------------------------------------------
// Data

interface DataChoice {
  data: string;
  maxTrain: number | null;
  numVal: number | null;
  dataSeed: number;
}

interface Loaded {
  data: CaptionData;
  shapes: ShapesData | null;
  choice: DataChoice;
  description: string;
}

/** The data flags, falling back to `saved` (a checkpoint's meta) for flags not given. */
function chooseData(
  flags: { data?: DataSpec; maxTrain?: number; numVal?: number; dataSeed?: number },
  given: ReadonlySet<string>, saved: Partial<DataChoice> | null, command: string,
): DataChoice {
  const savedData = typeof saved?.data === 'string' ? saved.data : null;
  const data = given.has('data') && flags.data ? formatData(flags.data) : (savedData ?? 'shapes');
  const inherit = savedData !== null && savedData === data;
  const pick = <K extends 'maxTrain' | 'numVal' | 'dataSeed'>(k: K, dflt: DataChoice[K]): DataChoice[K] => {
    if (given.has(k)) return flags[k] as DataChoice[K];
    if (inherit && saved && saved[k] !== undefined) return saved[k] as DataChoice[K];
    return dflt;
  };
  if (data === 'shapes') {
    return { data, maxTrain: pick('maxTrain', SHAPES_DEFAULTS.maxTrain), numVal: pick('numVal', SHAPES_DEFAULTS.numVal), dataSeed: pick('dataSeed', SHAPES_DEFAULTS.dataSeed) };
  }
  if (given.has('numVal')) throw new UsageError('--num-val applies to --data shapes only (COCO has its own val split)', command);
  return { data, maxTrain: pick('maxTrain', null), numVal: null, dataSeed: pick('dataSeed', COCO_DATA_SEED) };
}

async function loadData(choice: DataChoice): Promise<Loaded> {
  if (choice.data === 'shapes') {
    const shapes = shapesData({ numTrain: choice.maxTrain ?? SHAPES_DEFAULTS.maxTrain, numVal: choice.numVal ?? SHAPES_DEFAULTS.numVal, seed: choice.dataSeed });
    return {
      data: shapes, shapes, choice,
      description: `shapes world: ${shapes.trainFeatures.shape[0]} train images (${shapes.trainCaptions.shape[0]} captions), ${shapes.valFeatures.shape[0]} val images, V=${shapes.idxToWord.length}, D=${shapes.trainFeatures.shape[1]}`,
    };
  }
  const dir = choice.data.slice('coco:'.length);
  const data = await loadCocoData(dir, { maxTrain: choice.maxTrain ?? undefined, seed: choice.dataSeed });
  return {
    data, shapes: null, choice,
    description: `COCO ${dir}: ${data.trainCaptions.shape[0]} train captions (${data.trainFeatures.shape[0]} images), ${data.valCaptions.shape[0]} val captions (${data.valFeatures.shape[0]} images), V=${data.idxToWord.length}, D=${data.trainFeatures.shape[1]}`,
  };
}

/** The checkpoint's model must fit the data: same vocabulary, same feature width. */
function checkFits(path: string, ckpt: Checkpoint, loaded: Loaded): void {
  checkSameVocabulary(path, ckpt.model.wordToIdx, loaded.data.wordToIdx);
  const D = loaded.data.trainFeatures.shape[1];
  if (ckpt.model.config.inputDim !== D) {
    throw new FormatError(path, `the model takes ${ckpt.model.config.inputDim}-dim features but --data ${loaded.choice.data} has ${D}`);
  }
}

type Split = 'train' | 'val';

function splitOf(data: CaptionData, split: Split) {
  return split === 'train'
    ? { captions: data.trainCaptions, imageIdxs: data.trainImageIdxs, features: data.trainFeatures, urls: data.trainUrls }
    : { captions: data.valCaptions, imageIdxs: data.valImageIdxs, features: data.valFeatures, urls: data.valUrls };
}

/** Ground-truth captions (special tokens stripped) of every image that has some. */
function referencesByImage(data: CaptionData, split: Split): Map<number, string[][]> {
  const s = splitOf(data, split);
  const decoded = decodeCaptions(s.captions, data.idxToWord) as string[];
  const refs = new Map<number, string[][]>();
  for (let r = 0; r < decoded.length; r++) {
    const img = s.imageIdxs.data[r];
    let list = refs.get(img);
    if (!list) refs.set(img, (list = []));
    list.push(stripSpecialTokens(decoded[r]));
  }
  return refs;
}

function featureRows(features: Tensor, rows: readonly number[]): Tensor {
  const D = features.shape[1];
  const out = new Float32Array(rows.length * D);
  rows.forEach((img, i) => out.set(features.data.subarray(img * D, (img + 1) * D), i * D));
  return new Tensor(out, [rows.length, D]);
}

/** Captions (words, special tokens stripped) for feature rows `rows`, in chunks of 500 images. */
function caption(model: CaptioningRNN, features: Tensor, rows: readonly number[], maxLength: number, opts: { beamSize?: number; temperature?: number; seed?: number } = {}): string[][] {
  const out: string[][] = [];
  for (let a = 0; a < rows.length; a += 500) {
    const chunk = rows.slice(a, a + 500);
    const tokens = model.sample(featureRows(features, chunk), { maxLength, ...opts });
    for (const c of decodeCaptions(tokens, model.idxToWord) as string[]) out.push(stripSpecialTokens(c));
  }
  return out;
}

function maxLengthOf(data: CaptionData): number {
  return data.trainCaptions.shape[1] - 1;
}

/** Corpus BLEU (greedy vs all references), CS231n BLEU and, for shapes, single-object accuracy. */
function score(model: CaptioningRNN, loaded: Loaded, split: Split, maxImages: number): ScoreRow & { captions: Map<number, string[]> } {
  const { data, shapes } = loaded;
  const refs = referencesByImage(data, split);
  const images = [...refs.keys()].sort((a, b) => a - b).slice(0, maxImages);
  const s = splitOf(data, split);
  const hyps = caption(model, s.features, images, maxLengthOf(data));
  const bleu = corpusBleu(images.map((i) => refs.get(i)!), hyps);
  // CS231n's evaluate_model: 1000 random captions of the split, unigram BLEU against each one's own caption
  const mb = sampleCocoMinibatch(data, { batchSize: 1000, split, seed: 0 });
  const gt = decodeCaptions(mb.captions, data.idxToWord) as string[];
  const gen = decodeCaptions(model.sample(mb.features, { maxLength: maxLengthOf(data) }), data.idxToWord) as string[];
  const row: ScoreRow & { captions: Map<number, string[]> } = {
    split, images: images.length, bleu: [bleu.bleu1, bleu.bleu2, bleu.bleu3, bleu.bleu4],
    cs231n: meanCs231nBleu(gt, gen), captions: new Map(images.map((img, i) => [img, hyps[i]])),
  };
  if (shapes) {
    const scenes = split === 'train' ? shapes.trainScenes : shapes.valScenes;
    let correct = 0, total = 0;
    images.forEach((img, i) => {
      if (scenes[img].objects.length !== 1) return;
      total++;
      if (describesSingleObject(hyps[i], scenes[img])) correct++;
    });
    row.singleObject = { correct, total };
  }
  return row;
}

function scoreTable(rows: ScoreRow[]): string {
  const hasAcc = rows.some((r) => r.singleObject);
  const head = `${'split'.padEnd(7)}${'images'.padStart(7)}${['BLEU-1', 'BLEU-2', 'BLEU-3', 'BLEU-4', 'CS231n BLEU'].map((h) => h.padStart(h.length > 6 ? 13 : 8)).join('')}${hasAcc ? '  single-object colour+shape' : ''}`;
  const lines = rows.map((r) => `${r.split.padEnd(7)}${String(r.images).padStart(7)}${r.bleu.map((b) => b.toFixed(3).padStart(8)).join('')}${r.cs231n.toFixed(3).padStart(13)}${hasAcc && r.singleObject ? `  ${accuracy(r.singleObject)}` : ''}`);
  return `${[head, ...lines].join('\n')}\n`;
}

function accuracy(a: { correct: number; total: number }): string {
  return a.total === 0 ? 'no single-object scenes' : `${((100 * a.correct) / a.total).toFixed(1)}% (${a.correct}/${a.total})`;
}

/** `count` distinct images of the split that have captions, in a seeded random order. */
function pickImages(data: CaptionData, split: Split, count: number, seed: number): number[] {
  const images = [...referencesByImage(data, split).keys()].sort((a, b) => a - b);
  const perm = new LegacyRandom(seed).permutation(images.length);
  return Array.from(perm.subarray(0, Math.min(count, images.length)), (i) => images[i]);
}

function imageUrl(loaded: Loaded, split: Split, img: number): string | null {
  if (loaded.shapes) {
    const scene = (split === 'train' ? loaded.shapes.trainScenes : loaded.shapes.valScenes)[img];
    const im = renderScene(scene, 96);
    return pngDataUrl(encodePng(im.data, im.width, im.height, 4));
  }
  const urls = splitOf(loaded.data, split).urls;
  return urls ? urls[img] : null;
}

// ---------------------------------------------------------------------------------------------
// Progress

function clock(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '--:--';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${String(r).padStart(2, '0')}` : `${m}:${String(r).padStart(2, '0')}`;
}

/** Remaining time at the run's average speed (unknown for the first few steps, which warm up). */
function eta(info: StepInfo): string {
  const done = info.iteration + 1;
  if (done < info.numIterations && info.iteration < 5) return '--:--';
  return clock((info.numIterations - done) / info.itersPerSecond);
}

class Progress {
  private lastDraw = 0;
  private lastLine = -Infinity;
  private drawn = false;
  constructor(private err: (s: string) => void, private tty: boolean, private columns: number, private interval: number, private epochs: number) {}

  update(info: StepInfo): void {
    const now = performance.now();
    const last = info.iteration + 1 === info.numIterations;
    if (this.tty) {
      if (!last && now - this.lastDraw < 100) return;
      this.lastDraw = now;
      const done = info.iteration + 1;
      const stats = ` ${done}/${info.numIterations}  epoch ${this.epochOf(info)}/${this.epochs}  loss ${info.loss.toFixed(3)}  ${info.itersPerSecond.toFixed(1)} it/s  ETA ${eta(info)} `;
      const width = Math.max(10, Math.min(30, this.columns - 80)); // fixed per run: the bar does not jitter
      const fill = Math.round((width * done) / info.numIterations);
      this.err(`\r\x1b[2Ktrain [${'#'.repeat(fill)}${'.'.repeat(width - fill)}]${stats}`);
      this.drawn = true;
    } else {
      if (!last && now - this.lastLine < this.interval) return;
      this.lastLine = now;
      this.err(`iteration ${info.iteration + 1}/${info.numIterations} (epoch ${this.epochOf(info)}/${this.epochs}): loss ${info.loss.toFixed(4)}, ${info.itersPerSecond.toFixed(1)} it/s, ETA ${eta(info)}\n`);
    }
  }

  /** 1-based epoch of the step just run (info.epoch already counts an epoch that just ended). */
  private epochOf(info: StepInfo): number {
    const perEpoch = info.numIterations / this.epochs;
    return Math.min(this.epochs, Math.floor(info.iteration / perEpoch) + 1);
  }

  finish(): void {
    if (this.tty && this.drawn) this.err('\n');
    this.drawn = false;
  }
}

// ---------------------------------------------------------------------------------------------
// train

const RESUMABLE_CHANGES = new Set(['out', 'resume', 'epochs', 'threads', 'help']);

function runOptionsFrom(flags: TrainOptions, data: DataChoice): RunOptions {
  return {
    ...data, cell: flags.cell, hidden: flags.hidden, wordvec: flags.wordvec, update: flags.update, lr: flags.lr,
    lrDecay: flags.lrDecay, epochs: flags.epochs, batch: flags.batch, threads: threads(), seed: flags.seed, out: flags.out,
  };
}

/** On --resume: the saved options, with --epochs/--threads/--out as given; other flags must agree. */
function resumeOptions(flags: TrainOptions, given: ReadonlySet<string>, meta: Record<string, unknown>, path: string): RunOptions {
  const saved = meta as Partial<RunOptions>;
  const keys: (keyof RunOptions)[] = ['data', 'maxTrain', 'numVal', 'dataSeed', 'cell', 'hidden', 'wordvec', 'update', 'lr', 'lrDecay', 'epochs', 'batch', 'threads', 'seed'];
  for (const k of keys) {
    if (saved[k] === undefined) throw new FormatError(path, `was not written by recap train (its options lack ${k}); cannot resume`);
  }
  const opts = { ...saved, out: flags.out } as RunOptions;
  for (const k of given) {
    if (RESUMABLE_CHANGES.has(k)) continue;
    const mine = k === 'data' ? formatData(flags.data!) : (flags as Record<string, unknown>)[k];
    const theirs = saved[k as keyof RunOptions];
    if (mine !== theirs) {
      throw new UsageError(`${flagName(k)} ${String(mine)} differs from the checkpoint's ${String(theirs ?? 'default')}; drop it to resume (only --epochs and --threads may change)`, 'train');
    }
  }
  if (given.has('epochs')) opts.epochs = flags.epochs;
  return opts;
}

async function train(flags: TrainOptions, given: ReadonlySet<string>, io: CliIO, o: Out): Promise<number> {
  const outDir = flags.out;
  const ckptPath = join(outDir, 'model.recap');
  let ckpt: Checkpoint | null = null;
  let opts: RunOptions;
  let priorSeconds = 0;
  // the runtime first: loading a checkpoint creates a model. Threads do not change results, so
  // --threads always comes from the command line (also on --resume).
  await init({ threads: flags.threads });
  if (flags.resume) {
    ckpt = await loadCheckpointFile(ckptPath);
    if (!ckpt.solverState) throw new FormatError(ckptPath, 'has no solver state (saved without a solver); cannot resume');
    opts = resumeOptions(flags, given, ckpt.meta, ckptPath);
    priorSeconds = typeof ckpt.meta.trainSeconds === 'number' ? ckpt.meta.trainSeconds : 0;
  } else {
    opts = runOptionsFrom(flags, chooseData(flags, given, null, 'train'));
  }
  opts.threads = threads(); // what init chose (every core unless --threads says)
  await mkdir(outDir, { recursive: true });

  const tLoad = performance.now();
  const loaded = await loadData(opts);
  const { data } = loaded;
  o.err(`data: ${loaded.description} (${((performance.now() - tLoad) / 1000).toFixed(1)} s)\n`);

  let model: CaptioningRNN;
  if (ckpt) {
    checkFits(ckptPath, ckpt, loaded);
    model = ckpt.model;
  } else {
    model = new CaptioningRNN({
      wordToIdx: data.wordToIdx, inputDim: data.trainFeatures.shape[1], wordvecDim: opts.wordvec, hiddenDim: opts.hidden,
      cellType: opts.cell, seed: opts.seed,
    });
  }
  const controller = new AbortController();
  const onExternalAbort = () => controller.abort();
  io.signal?.addEventListener('abort', onExternalAbort);
  if (io.signal?.aborted) controller.abort();
  const progress = new Progress(o.err, io.stderrIsTTY ?? process.stderr.isTTY === true, io.columns ?? (process.stderr.columns || 80), io.progressInterval ?? 5000, opts.epochs);
  const solver = new CaptioningSolver(model, data, {
    updateRule: opts.update, optimConfig: { learningRate: opts.lr }, lrDecay: opts.lrDecay, batchSize: opts.batch,
    numEpochs: opts.epochs, seed: opts.seed, verbose: false, signal: controller.signal,
    onStep: (info) => {
      progress.update(info);
      io.onStep?.(info);
    },
  });
  if (ckpt) {
    solver.setState(ckpt.solverState!);
    o.err(`resuming ${ckptPath} at iteration ${solver.iteration}/${solver.numIterations}\n`);
  }
  o.err(`model: ${opts.cell.toUpperCase()} H=${opts.hidden} W=${opts.wordvec}, ${model.params.length} parameters; ${opts.update} lr=${opts.lr} decay=${opts.lrDecay}, batch ${opts.batch}, ${opts.epochs} epochs = ${solver.numIterations} iterations; ${opts.threads} thread${opts.threads > 1 ? "s" : ""}\n`);

  let interrupts = 0;
  const onSigint = () => {
    interrupts++;
    if (interrupts === 1) {
      progress.finish();
      o.err('interrupt: stopping after the current step to save the checkpoint (Ctrl-C again to quit without saving)\n');
      controller.abort();
    } else {
      o.err('interrupt: quitting without saving\n');
      process.exit(130);
    }
  };
  if (io.handleSigint) process.on('SIGINT', onSigint);
  const started = performance.now();
  const startIter = solver.iteration;
  try {
    await solver.train();
  } finally {
    if (io.handleSigint) process.off('SIGINT', onSigint);
    io.signal?.removeEventListener('abort', onExternalAbort);
    progress.finish();
  }
  const seconds = (performance.now() - started) / 1000;
  const trainSeconds = priorSeconds + seconds;
  const finished = solver.iteration >= solver.numIterations;
  const meta = { ...opts, trainSeconds, iteration: solver.iteration, finished, recapVersion: await version() };
  await saveCheckpointFile(ckptPath, model, solver, meta);

  if (!finished) {
    o.err(`interrupted at iteration ${solver.iteration}/${solver.numIterations}; saved ${ckptPath}\n`);
    o.err(`resume with: recap train --resume --out ${shellQuote(outDir)}\n`);
    solver.dispose();
    model.dispose();
    return 130;
  }
  const history = solver.lossHistory;
  const ran = solver.iteration - startIter;
  if (ran === 0) o.err(`the checkpoint had already run its ${solver.numIterations} iterations (pass a larger --epochs to train longer)\n`);

  // report
  const tEval = performance.now();
  const rows = [score(model, loaded, 'train', 1000), score(model, loaded, 'val', 1000)];
  const lossSvg = lossCurveSvg(history, {
    title: `Training loss: ${opts.cell.toUpperCase()} H=${opts.hidden} on ${opts.data}`, iterationsPerEpoch: solver.iterationsPerEpoch,
  });
  await writeFile(join(outDir, 'loss.svg'), lossSvg);
  const splits: { name: string; samples: SampleEntry[] }[] = [];
  for (const split of ['train', 'val'] as const) {
    splits.push({ name: `${split} samples`, samples: sampleEntries(model, loaded, split, pickImages(data, split, SAMPLES_PER_SPLIT, opts.seed), HTML_BEAM) });
  }
  await writeFile(join(outDir, 'samples.html'), samplesHtml({
    title: `recap: ${opts.cell.toUpperCase()} captioning on ${opts.data}`,
    subtitle: `H=${opts.hidden}, W=${opts.wordvec}, ${opts.update} lr=${opts.lr} decay=${opts.lrDecay}, batch ${opts.batch}, ${solver.numIterations} iterations (${opts.epochs} epochs), seed ${opts.seed}; trained ${clock(trainSeconds)}; final loss ${history[history.length - 1]?.toFixed(3)}`,
    beamSize: HTML_BEAM, scores: rows, splits, lossSvg,
  }));
  const evalSeconds = (performance.now() - tEval) / 1000;

  const smoothedLoss = history.slice(-50).reduce((s, v) => s + v, 0) / Math.max(1, Math.min(50, history.length));
  o.out(`trained ${opts.cell.toUpperCase()} H=${opts.hidden} W=${opts.wordvec} on ${opts.data}: ${solver.numIterations} iterations in ${clock(trainSeconds)}`
    + `${ran > 0 ? ` (${(ran / seconds).toFixed(1)} it/s)` : ''}, final loss ${history[history.length - 1]?.toFixed(3)} (mean of last 50: ${smoothedLoss.toFixed(3)})\n\n`);
  o.out(scoreTable(rows));
  const val = rows[1];
  o.out(`\nval corpus BLEU-4: ${val.bleu[3].toFixed(3)}${val.singleObject ? `   single-object val scenes named correctly (colour and shape): ${accuracy(val.singleObject)}` : ''}\n`);
  o.out('\nval captions (greedy | ground truth):\n');
  const valRefs = referencesByImage(data, 'val');
  const shown = pickImages(data, 'val', 6, opts.seed + 1).map((img) => ({
    img, got: (val.captions.get(img) ?? caption(model, data.valFeatures, [img], maxLengthOf(data))[0]).join(' '),
  }));
  const width = Math.min(60, Math.max(...shown.map((s) => s.got.length)));
  for (const { img, got } of shown) o.out(`  ${String(img).padStart(5)}  ${got.padEnd(width)} | ${valRefs.get(img)![0].join(' ')}\n`);
  o.out(`\nwrote ${ckptPath}, ${join(outDir, 'loss.svg')}, ${join(outDir, 'samples.html')} (evaluation ${evalSeconds.toFixed(1)} s)\n`);
  solver.dispose();
  model.dispose();
  return 0;
}

function sampleEntries(model: CaptioningRNN, loaded: Loaded, split: Split, images: number[], beam: number): SampleEntry[] {
  const { data } = loaded;
  const feats = splitOf(data, split).features;
  const T = maxLengthOf(data);
  const greedy = caption(model, feats, images, T);
  const beamed = beam > 1 ? caption(model, feats, images, T, { beamSize: beam }) : null;
  const refs = referencesByImage(data, split);
  return images.map((img, i) => ({
    image: imageUrl(loaded, split, img), label: `${split} image ${img}`, greedy: greedy[i].join(' '),
    beam: beamed ? beamed[i].join(' ') : undefined, truth: (refs.get(img) ?? []).map((w) => w.join(' ')),
  }));
}

function shellQuote(s: string): string {
  return /^[\w./:=@%+-]+$/.test(s) ? s : `'${s.replace(/'/g, "'\\''")}'`;
}

// ---------------------------------------------------------------------------------------------
// sample, eval

async function loadForInference(flags: SampleOptions | EvalOptions, given: ReadonlySet<string>, command: string): Promise<{ ckpt: Checkpoint; loaded: Loaded; o: string }> {
  await init();
  const ckpt = await loadCheckpointFile(flags.checkpoint);
  const choice = chooseData(flags, given, ckpt.meta as Partial<DataChoice>, command);
  const loaded = await loadData(choice);
  checkFits(flags.checkpoint, ckpt, loaded);
  const c = ckpt.model.config;
  const it = typeof ckpt.meta.iteration === 'number' ? `, iteration ${ckpt.meta.iteration}` : ckpt.solverState ? `, iteration ${ckpt.solverState.iteration}` : '';
  return { ckpt, loaded, o: `${flags.checkpoint}: ${c.cellType.toUpperCase()} H=${c.hiddenDim} W=${c.wordvecDim}${it}; ${loaded.description}` };
}

async function sample(flags: SampleOptions, given: ReadonlySet<string>, o: Out): Promise<number> {
  const { ckpt, loaded, o: about } = await loadForInference(flags, given, 'sample');
  o.err(`${about}\n`);
  const { data } = loaded;
  const split = flags.split as Split;
  const images = pickImages(data, split, flags.n, flags.seed);
  const entries = sampleEntries(ckpt.model, loaded, split, images, flags.beam);
  const feats = splitOf(data, split).features;
  const warm = flags.temperature > 0 ? caption(ckpt.model, feats, images, maxLengthOf(data), { temperature: flags.temperature, seed: flags.seed }) : null;
  const urls = splitOf(data, split).urls;
  entries.forEach((e, i) => {
    o.out(`${e.label}${urls ? `  ${urls[images[i]]}` : ''}\n`);
    o.out(`  greedy   ${e.greedy}\n`);
    if (e.beam !== undefined) o.out(`  beam ${String(flags.beam).padEnd(3)} ${e.beam}\n`);
    if (warm) o.out(`  T=${flags.temperature}${' '.repeat(Math.max(1, 6 - String(flags.temperature).length))} ${warm[i].join(' ')}\n`);
    e.truth.forEach((t, j) => o.out(`  ${j === 0 ? 'truth ' : '      '}   ${t}\n`));
    if (i < entries.length - 1) o.out('\n');
  });
  ckpt.model.dispose();
  return 0;
}

async function evaluate(flags: EvalOptions, given: ReadonlySet<string>, o: Out): Promise<number> {
  const { ckpt, loaded, o: about } = await loadForInference(flags, given, 'eval');
  o.err(`${about}\n`);
  const row = score(ckpt.model, loaded, flags.split as Split, flags.maxEval);
  o.out(scoreTable([row]));
  o.out('\nBLEU-n: corpus BLEU of the greedy captions against all ground-truth captions of each image (special tokens stripped).\n');
  o.out('CS231n BLEU: the assignment\'s unigram BLEU, mean over 1000 random captions of the split.\n');
  if (row.singleObject) o.out(`single-object scenes named correctly (colour and shape): ${accuracy(row.singleObject)}\n`);
  ckpt.model.dispose();
  return 0;
}

// ---------------------------------------------------------------------------------------------
// Entry

function isEntry(): boolean {
  if (!process.argv[1]) return false;
  try {
    return realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isEntry()) {
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  });
  main(process.argv.slice(2), { handleSigint: true }).then(
    (code) => {
      process.exitCode = code;
      // end worker threads, if the runtime has any, so they cannot keep the process alive
      (recap as unknown as { dispose?: () => void }).dispose?.();
    },
    (e) => {
      process.stderr.write(`recap: internal error (please report): ${(e as Error)?.stack ?? String(e)}\n`);
      process.exitCode = 1;
    },
  );
}
