// recap train: trains a model on --data, checkpoints it (resumable), and reports scores, a loss
// plot and sample captions.
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  CaptioningRNN, CaptioningSolver, EncoderPart, FormatError, SmallCnn, init, saveCheckpoint, sceneEvalExtra, threads, type Checkpoint, type EvalRecord, type KeepBestMetric,
} from '../index.js';
import { loadCheckpointFile, saveCheckpointFile } from '../node.js';
import type { UpdateRuleName } from '../nn/update-rules.js';
import { writeFileAtomic } from '../core/files.node.js';
import { UsageError, flagName, formatData, type TrainOptions } from './args.js';
import { type CliIO, type Out, clock, shellQuote, version } from './common.js';
import { PhaseProgress } from './prepro.js';
import { type DataChoice, SHAPES_DEFAULTS, caption, checkFits, chooseData, loadData, maxLengthOf, pickImages, referencesByImage } from './data.js';
import { Progress } from './progress.js';
import { checkInitFlags, loadInit } from './train-init.js';
import { ENCODER_EPOCHS, cnnSpec, checkEncoderData, encoderImages, withEncoderFeatures } from './encoder.js';
import { iterationsPerEpoch } from '../train/minibatch.js';
import { cnnRecipe } from '../nn/cnn.js';
import { encodeImages } from '../nn/cnn-plan.js';
import { lossCurveSvg, samplesHtml, type SampleEntry } from './report.js';
import { evalCurvesSvg } from './eval-plot.js';
import { accuracy, sampleEntries, sceneSummary, score, scoreTable, worstImages } from './scores.js';

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
  /** Iterations between evaluations: null = each epoch, 0 = never. */
  evalEvery: number | null;
  evalImages: number;
  keepBest: KeepBestMetric;
  patience: number | null;
  out: string;
  /** 'scst' runs start from `init` (absent in checkpoints of older recap: 'xe'). */
  objective?: 'xe' | 'scst';
  init?: string | null;
  scstSamples?: number;
  scstBaseline?: 'greedy' | 'mean';
  /** 'cnn': features learnt from pixels by a CNN trained with the model (absent in older checkpoints: null). */
  encoder?: 'cnn' | null;
  encoderLr?: number;
  finetuneAfter?: number;
  /** Absent in checkpoints from before the warm-up and the word loss: 0. */
  encoderWarmup?: number;
  encoderWordLoss?: number;
  /** Absent in checkpoints from before the concept loss: 0. */
  encoderConceptLoss?: number;
  encoderLead?: number;
}

const SAMPLES_PER_SPLIT = 8;
const HTML_BEAM = 3;
const RESUMABLE_CHANGES = new Set(['out', 'resume', 'epochs', 'threads', 'help']);

function runOptionsFrom(flags: TrainOptions, data: DataChoice): RunOptions {
  return {
    ...data, cell: flags.cell, hidden: flags.hidden, wordvec: flags.wordvec, update: flags.update, lr: flags.lr,
    lrDecay: flags.lrDecay, epochs: flags.epochs, batch: flags.batch, threads: threads(), seed: flags.seed,
    evalEvery: flags.evalEvery ?? null, evalImages: flags.evalImages, keepBest: flags.keepBest, patience: flags.patience ?? null, out: flags.out,
    objective: flags.objective, init: flags.init ?? null, scstSamples: flags.scstSamples, scstBaseline: flags.scstBaseline,
    encoder: flags.encoder ?? null, encoderLr: flags.encoderLr, finetuneAfter: flags.finetuneAfter, encoderWarmup: flags.encoderWarmup, encoderWordLoss: flags.encoderWordLoss,
    encoderConceptLoss: flags.encoderConceptLoss, encoderLead: flags.encoderLead ?? 0,
  };
}

// The options every recap train checkpoint has, and those added later (with the value runs saved before them had).
const REQUIRED_KEYS: (keyof RunOptions)[] = ['data', 'maxTrain', 'numVal', 'dataSeed', 'cell', 'hidden', 'wordvec', 'update', 'lr', 'lrDecay', 'epochs', 'batch', 'threads', 'seed'];
const LATER_KEYS: Partial<RunOptions> = {
  evalEvery: null, evalImages: 500, keepBest: 'cider', patience: null, objective: 'xe', init: null, scstSamples: 5, scstBaseline: 'greedy',
  encoder: null, encoderLr: 1e-3, finetuneAfter: 0, encoderWarmup: 0, encoderWordLoss: 0, encoderConceptLoss: 0, encoderLead: 0,
};

/** On --resume: the saved options, with --epochs/--threads/--out as given; other flags must agree. */
function resumeOptions(flags: TrainOptions, given: ReadonlySet<string>, meta: Record<string, unknown>, path: string): RunOptions {
  const saved = meta as Partial<RunOptions>;
  for (const k of REQUIRED_KEYS) {
    if (saved[k] === undefined) throw new FormatError(path, `was not written by recap train (its options lack ${k}); cannot resume`);
  }
  const opts = { ...LATER_KEYS, out: flags.out } as RunOptions;
  for (const k of [...REQUIRED_KEYS, ...Object.keys(LATER_KEYS) as (keyof RunOptions)[]]) if (saved[k] !== undefined) (opts as unknown as Record<string, unknown>)[k] = saved[k];
  for (const k of given) {
    if (RESUMABLE_CHANGES.has(k)) continue;
    const mine = k === 'data' ? formatData(flags.data!) : (flags as Record<string, unknown>)[k];
    const theirs = opts[k as keyof RunOptions];
    if (mine !== theirs) {
      throw new UsageError(`${flagName(k)} ${String(mine)} differs from the checkpoint's ${String(theirs ?? 'default')}; drop it to resume (only --epochs and --threads may change)`, 'train');
    }
  }
  if (given.has('epochs')) opts.epochs = flags.epochs;
  return opts;
}

export async function train(flags: TrainOptions, given: ReadonlySet<string>, io: CliIO, o: Out): Promise<number> {
  const outDir = flags.out;
  const ckptPath = join(outDir, 'model.recap');
  let ckpt: Checkpoint | null = null;
  let opts: RunOptions;
  let priorSeconds = 0;
  // the runtime first: loading a checkpoint creates a model. Threads do not change results, so
  // --threads always comes from the command line (also on --resume).
  checkInitFlags(flags, given);
  await init({ threads: flags.threads });
  if (flags.resume && flags.force) throw new UsageError('--force starts a new run over --out DIR; it cannot be combined with --resume', 'train');
  let initCkpt: Checkpoint | null = null;
  if (flags.resume) {
    ckpt = await loadCheckpointFile(ckptPath);
    if (!ckpt.solverState) throw new FormatError(ckptPath, 'has no solver state (saved without a solver); cannot resume');
    opts = resumeOptions(flags, given, ckpt.meta, ckptPath);
    priorSeconds = typeof ckpt.meta.trainSeconds === 'number' ? ckpt.meta.trainSeconds : 0;
  } else if (flags.init !== undefined) {
    const r = await loadInit(flags, given);
    initCkpt = r.init;
    opts = runOptionsFrom(r.flags, r.choice);
  } else {
    opts = runOptionsFrom(flags, chooseData(flags, given, null, 'train'));
  }
  // --encoder cnn's lead (the CNN alone on its concepts, one epoch unless given) comes before the model's training: a longer run unless --epochs says
  if (!flags.resume && opts.encoder) {
    const perEpoch = iterationsPerEpoch((opts.maxTrain ?? SHAPES_DEFAULTS.maxTrain) * SHAPES_DEFAULTS.captionsPerImage, opts.batch);
    if (!opts.encoderConceptLoss) opts.encoderLead = 0;
    else if (!given.has('encoderLead')) opts.encoderLead = perEpoch;
    if (opts.encoderLead && !given.has('epochs')) opts.epochs = ENCODER_EPOCHS;
    const iterations = opts.epochs * perEpoch;
    if (opts.encoderLead! >= iterations) {
      throw new UsageError(`--encoder-lead ${opts.encoderLead} leaves none of the run's ${iterations} iterations to the model: give more --epochs or a shorter --encoder-lead`, 'train');
    }
  }
  if (!flags.resume && !flags.force && existsSync(ckptPath) && !(await sameFinishedRun(ckptPath, opts))) {
    throw new UsageError(`${ckptPath} already holds a run${await runState(ckptPath)}; pass --resume to continue it or --force to start over`, 'train');
  }
  opts.threads = threads(); // what init chose (every core unless --threads says)
  if (initCkpt?.encoder && !opts.encoder) throw new UsageError(`--init ${opts.init} holds a model trained with --encoder cnn (it reads its CNN's features); add --encoder cnn`, 'train');
  if (opts.encoder) {
    checkEncoderData(opts.data, 'train');
    if (opts.objective === 'scst') throw new UsageError('--encoder cnn trains with cross-entropy (--objective xe)', 'train');
  } else {
    const k = (['encoderLr', 'finetuneAfter', 'encoderWarmup', 'encoderWordLoss', 'encoderConceptLoss', 'encoderLead'] as const).find((x) => given.has(x));
    if (k) throw new UsageError(`${flagName(k)} applies with --encoder cnn only`, 'train');
  }
  await mkdir(outDir, { recursive: true });

  const tLoad = performance.now();
  const bar = new PhaseProgress(o.err, io.stderrIsTTY ?? process.stderr.isTTY === true, io.progressInterval ?? 5000);
  const raw = await loadData(opts, bar.update).finally(() => bar.finish());
  // --encoder cnn: the checkpoint's CNN (on resume; with --init, the init model's), else a fresh one; the data's features become its outputs
  const cnn = opts.encoder ? ckpt?.encoder ?? initCkpt?.encoder ?? new SmallCnn(cnnSpec(raw.data, opts.encoderConceptLoss!), opts.seed) : null;
  if (opts.encoder && ckpt && !ckpt.encoder) throw new FormatError(ckptPath, 'has no encoder; cannot resume an --encoder cnn run');
  const loaded = cnn ? withEncoderFeatures(raw, cnn) : raw;
  const { data } = loaded;
  o.err(`data: ${loaded.description} (${((performance.now() - tLoad) / 1000).toFixed(1)} s)\n`);

  let model: CaptioningRNN;
  if (ckpt) {
    checkFits(ckptPath, ckpt, loaded);
    model = ckpt.model;
  } else if (initCkpt) {
    checkFits(opts.init!, initCkpt, loaded);
    model = initCkpt.model;
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
  const bestPath = join(outDir, 'best.recap');
  let bestWrite: Promise<void> = Promise.resolve();
  const evalEvery = opts.evalEvery === null ? iterationsPerEpoch(data.trainCaptions.shape[0], opts.batch) : opts.evalEvery;
  const onEval = (r: EvalRecord) => {
    progress.finish();
    o.err(`${evalLine(r, solver.numIterations, opts.keepBest)}${r.improved ? `; saved ${bestPath}` : ''}\n`);
    if (r.improved) {
      // the model holds the best parameters right now: serialise them now, write in order
      const bytes = saveCheckpoint(model, null, { ...opts, iteration: r.iteration, best: { metric: opts.keepBest, record: r }, recapVersion, maxLength: maxLengthOf(data) },
        cnn ? { recipe: cnnRecipe(cnn), pca: null } : loaded.features ?? null, cnn);
      bestWrite = bestWrite.then(() => writeFileAtomic(bestPath, bytes));
    }
  };
  const recapVersion = await version();
  const progress = new Progress(o.err, io.stderrIsTTY ?? process.stderr.isTTY === true, io.columns ?? (process.stderr.columns || 80), io.progressInterval ?? 5000, opts.epochs);
  const solver = new CaptioningSolver(model, data, {
    updateRule: opts.update, optimConfig: { learningRate: opts.lr }, lrDecay: opts.lrDecay, batchSize: opts.batch,
    numEpochs: opts.epochs, seed: opts.seed, verbose: false, signal: controller.signal,
    objective: opts.objective, scstSamples: opts.scstSamples, scstBaseline: opts.scstBaseline,
    ...(cnn ? { encoder: new EncoderPart(cnn, encoderImages(loaded, cnn.spec.imageSize), { optimConfig: { learningRate: opts.encoderLr! }, finetuneAfter: opts.finetuneAfter, warmup: opts.encoderWarmup, wordLoss: opts.encoderWordLoss, conceptLoss: opts.encoderConceptLoss, lead: opts.encoderLead }) } : {}),
    ...(evalEvery > 0 ? { evalEvery, evalImages: opts.evalImages, keepBest: opts.keepBest, patience: opts.patience ?? undefined, onEval } : {}),
    ...(evalEvery > 0 && loaded.shapes ? { evalExtra: sceneEvalExtra(loaded.shapes.valScenes) } : {}),
    onStep: (info) => {
      progress.update(info);
      io.onStep?.(info);
    },
  });
  if (ckpt) {
    solver.setState(ckpt.solverState!);
    o.err(`resuming ${ckptPath} at iteration ${solver.iteration}/${solver.numIterations}\n`);
  }
  if (cnn) o.err(`encoder: CNN ${cnn.spec.imageSize}x${cnn.spec.imageSize} pixels, blocks of ${cnn.spec.channels.join('-')} filters (conv 3x3, batchnorm, ReLU, max pool 2x2), ${cnn.spec.head === 'max' ? 'max over positions, ' : ''}affine to ${cnn.spec.outputDim}; ${Object.values(cnn.params).reduce((a, t) => a + t.size, 0)} parameters; adam lr=${opts.encoderLr}, ${opts.encoderConceptLoss && opts.encoderLead ? `alone for ${opts.encoderLead} iterations, then ` : ''}${opts.finetuneAfter! >= 0 ? `fine-tuned with the model from iteration ${opts.finetuneAfter}` : 'frozen'}${opts.encoderWarmup ? `, warm-up ${opts.encoderWarmup} iterations` : ''}${opts.encoderWordLoss ? `; word loss ×${opts.encoderWordLoss}` : ''}${opts.encoderConceptLoss ? `; concept loss ×${opts.encoderConceptLoss} (${cnn.spec.outputDim} concepts)` : ''}\n`);
  o.err(`model: ${opts.cell.toUpperCase()} H=${opts.hidden} W=${opts.wordvec}, ${model.params.length} parameters; ${opts.update} lr=${opts.lr} decay=${opts.lrDecay}, batch ${opts.batch}, ${opts.epochs} epochs = ${solver.numIterations} iterations; ${opts.threads} thread${opts.threads > 1 ? "s" : ""}\n`);
  if (opts.objective === 'scst') {
    o.err(`objective: self-critical sequence training from ${opts.init ?? 'the checkpoint'}: ${opts.scstSamples} sampled captions per image, ${opts.scstBaseline} baseline, CIDEr-D reward against the training references\n`);
  }

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
    await bestWrite;
  }
  const seconds = (performance.now() - started) / 1000;
  const trainSeconds = priorSeconds + seconds;
  const finished = solver.iteration >= solver.numIterations || solver.stoppedEarly;
  const meta = { ...opts, maxLength: maxLengthOf(data), trainSeconds, iteration: solver.iteration, finished, stoppedEarly: solver.stoppedEarly, recapVersion };
  await saveCheckpointFile(ckptPath, model, solver, meta, cnn ? { recipe: cnnRecipe(cnn), pca: null } : loaded.features ?? null, cnn);

  if (!finished) {
    o.err(`interrupted at iteration ${solver.iteration}/${solver.numIterations}; saved ${ckptPath}\n`);
    o.err(`resume with: npx recap train --resume --out ${shellQuote(outDir)}\n`);
    solver.dispose();
    model.dispose();
    return 130;
  }
  const history = solver.lossHistory;
  const ran = solver.iteration - startIter;
  if (ran === 0 && !solver.stoppedEarly) o.err(`the checkpoint had already run its ${solver.numIterations} iterations (pass a larger --epochs to train longer)\n`);
  if (solver.stoppedEarly) o.err(`stopped early at iteration ${solver.iteration}/${solver.numIterations}: ${opts.patience} evaluations without a better ${opts.keepBest}\n`);

  // report
  const tEval = performance.now();
  if (cnn) {
    const images = encoderImages(loaded, cnn.spec.imageSize);
    data.trainFeatures.data.set((await encodeImages(cnn, images.train)).data);
    data.valFeatures.data.set((await encodeImages(cnn, images.val)).data);
  }
  const rows = [score(model, loaded, 'train', 1000), score(model, loaded, 'val', 1000)];
  const evals = solver.evalHistory;
  const lossSvg = lossCurveSvg(history, {
    title: `Training loss: ${opts.cell.toUpperCase()} H=${opts.hidden} on ${opts.data}`, iterationsPerEpoch: solver.iterationsPerEpoch,
    valLoss: evals.map((r) => ({ iteration: r.iteration, loss: r.valLoss })),
  });
  await writeFile(join(outDir, 'loss.svg'), lossSvg);
  const splits: { name: string; samples: SampleEntry[] }[] = [];
  for (const split of ['train', 'val'] as const) {
    splits.push({ name: `${split} samples`, samples: sampleEntries(model, loaded, split, pickImages(data, split, SAMPLES_PER_SPLIT, opts.seed), HTML_BEAM, rows[split === 'train' ? 0 : 1]) });
  }
  splits.push({ name: 'val samples, lowest CIDEr-D first', samples: sampleEntries(model, loaded, 'val', worstImages(rows[1], SAMPLES_PER_SPLIT), HTML_BEAM, rows[1]) });
  await writeFile(join(outDir, 'samples.html'), samplesHtml({
    title: `recap: ${opts.cell.toUpperCase()} captioning on ${opts.data}`,
    subtitle: `H=${opts.hidden}, W=${opts.wordvec}, ${opts.update} lr=${opts.lr} decay=${opts.lrDecay}, batch ${opts.batch}, ${solver.numIterations} iterations (${opts.epochs} epochs), seed ${opts.seed}; trained ${clock(trainSeconds)}; final loss ${history[history.length - 1]?.toFixed(3)}`,
    beamSize: HTML_BEAM, scores: rows, splits, lossSvg,
    evalSvg: evals.length > 0 ? evalCurvesSvg(evals, { title: `Validation (${evals[0].images} images)`, numIterations: solver.numIterations }) : undefined,
  }));
  const evalSeconds = (performance.now() - tEval) / 1000;

  const smoothedLoss = history.slice(-50).reduce((s, v) => s + v, 0) / Math.max(1, Math.min(50, history.length));
  o.out(`trained ${opts.cell.toUpperCase()} H=${opts.hidden} W=${opts.wordvec} on ${opts.data}: ${solver.numIterations} iterations in ${clock(trainSeconds)}`
    + `${ran > 0 ? ` (${(ran / seconds).toFixed(1)} it/s)` : ''}, final loss ${history[history.length - 1]?.toFixed(3)} (mean of last 50: ${smoothedLoss.toFixed(3)})\n\n`);
  const rewards = solver.getState().scst?.rewardHistory;
  if (rewards && rewards.length > 0) {
    const mean = (a: number[]) => a.reduce((x, y) => x + y, 0) / a.length;
    o.out(`mean CIDEr-D reward of the sampled captions: first 50 iterations ${mean(rewards.slice(0, 50)).toFixed(3)}, last 50 ${mean(rewards.slice(-50)).toFixed(3)}\n\n`);
  }
  o.out(scoreTable(rows));
  const val = rows[1];
  o.out(`\nval corpus BLEU-4: ${val.bleu[3].toFixed(3)}${val.singleObject ? `   single-object val scenes named correctly (colour and shape): ${accuracy(val.singleObject)}` : ''}\n`);
  if (val.scene) o.out(`val scenes named exactly (every object by colour and shape): ${sceneSummary(val.scene)}\n`);
  o.out('\nval captions (greedy | ground truth):\n');
  const valRefs = referencesByImage(data, 'val');
  const shown = pickImages(data, 'val', 6, opts.seed + 1).map((img) => ({
    img, got: (val.captions.get(img) ?? caption(model, data.valFeatures, [img], maxLengthOf(data))[0]).join(' '),
  }));
  const width = Math.min(60, Math.max(...shown.map((s) => s.got.length)));
  for (const { img, got } of shown) o.out(`  ${String(img).padStart(5)}  ${got.padEnd(width)} | ${valRefs.get(img)![0].join(' ')}\n`);
  o.out(`\nwrote ${ckptPath}${existsSync(bestPath) && solver.evalHistory.length > 0 ? `, ${bestPath}` : ''}, ${join(outDir, 'loss.svg')}, ${join(outDir, 'samples.html')} (evaluation ${evalSeconds.toFixed(1)} s)\n`);
  solver.dispose();
  model.dispose();
  return 0;
}

/** " (stopped at iteration 359, resumable)" or " (finished, 2000 iterations)" from a checkpoint's meta; '' when unreadable. */
/**
 * Whether the checkpoint is a finished run of exactly these options: running them again gives
 * the same bits (any thread count), so repeating a command (`npm start` twice) loses nothing.
 */
async function sameFinishedRun(path: string, opts: RunOptions): Promise<boolean> {
  try {
    const ck = await loadCheckpointFile(path);
    ck.model.dispose();
    if (ck.meta.finished !== true) return false;
    const saved = ck.meta as Record<string, unknown>;
    return (Object.keys(opts) as (keyof RunOptions)[]).every((k) => k === 'threads' || saved[k] === opts[k]);
  } catch {
    return false;
  }
}

async function runState(path: string): Promise<string> {
  try {
    const ck = await loadCheckpointFile(path);
    ck.model.dispose();
    const it = typeof ck.meta.iteration === 'number' ? ck.meta.iteration : ck.solverState?.iteration;
    if (it === undefined) return '';
    return ck.meta.finished === true ? ` (finished, ${it} iterations)` : ` (stopped at iteration ${it}, resumable)`;
  } catch {
    return '';
  }
}

/** One line per evaluation. */
function evalLine(r: EvalRecord, numIterations: number, keepBest: KeepBestMetric): string {
  const b = r.bleu.map((v) => v.toFixed(3)).join(' ');
  const pct = (v: number | undefined) => (v === undefined || Number.isNaN(v) ? '–' : `${(100 * v).toFixed(1)}%`);
  const x = r.extra;
  const extra = x && 'scene' in x ? `, exact scenes ${pct(x.scene)} (1/2/3 objects: ${pct(x.scene1)} / ${pct(x.scene2)} / ${pct(x.scene3)})` : '';
  return `eval at iteration ${r.iteration}/${numIterations}: val loss ${r.valLoss.toFixed(4)}, BLEU-1..4 ${b}, ROUGE-L ${r.rougeL.toFixed(3)}, CIDEr-D ${r.cider.toFixed(3)}${extra} (${r.images} images)${r.improved ? ` best ${keepBest}` : ''}`;
}
