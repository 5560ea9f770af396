// The `recap` command line: a small, strict, typed argument parser (no dependencies).
//
//   recap <command> [--flag value | --flag=value | --switch]...
//
// Every flag of a command is declared once in a spec table (kind, range, default, help); the
// parser returns typed values, the set of flags the user actually gave (so `--resume` can tell
// "given" from "defaulted"), and throws UsageError — one line, exit code 2 — for an unknown
// command or flag, a missing or extra value, a non-numeric or out-of-range number, a flag given
// twice, or a stray positional argument. Help text is generated from the same tables.

import { UPDATE_RULE_NAMES } from '../nn/update-rules.js';
import { KEEP_BEST_METRICS } from '../train/validation.js';

/** The update rules `--update` offers: every rule of the table. */
const CLI_UPDATE_RULES = UPDATE_RULE_NAMES;

/** A command-line mistake: the CLI prints `recap <cmd>: <message>` on one line and exits 2. */
export class UsageError extends Error {
  readonly command: string | null;
  constructor(message: string, command: string | null = null) {
    super(message);
    this.name = 'UsageError';
    this.command = command;
  }
}

/** `--data`: the built-in shapes world, or a CS231n coco_captioning directory. */
export type DataSpec = { kind: 'shapes' } | { kind: 'coco'; dir: string };

interface Common { help: string; metavar?: string }
export type FlagSpec =
  | (Common & { kind: 'int'; min: number; max: number; default?: number })
  | (Common & { kind: 'number'; min: number; max: number; minExclusive?: boolean; default?: number })
  | (Common & { kind: 'string'; default?: string })
  | (Common & { kind: 'enum'; values: readonly string[]; default?: string })
  | (Common & { kind: 'data'; default?: DataSpec })
  | (Common & { kind: 'switch' });

type Base<F extends FlagSpec> = F extends { kind: 'int' | 'number' } ? number
  : F extends { kind: 'enum'; values: readonly (infer V)[] } ? V
  : F extends { kind: 'string' } ? string
  : F extends { kind: 'data' } ? DataSpec
  : boolean;
type ValueOf<F extends FlagSpec> = F extends { kind: 'switch' } ? boolean
  : F extends { default: unknown } ? Base<F> : Base<F> | undefined;
/** The typed result of parsing a command's flags against its spec table. */
export type Values<S extends Record<string, FlagSpec>> = { -readonly [K in keyof S]: ValueOf<S[K]> };

const U32_MAX = 0xffffffff;

// The data flags every command shares.
const dataFlags = {
  data: { kind: 'data', metavar: 'shapes|coco:DIR', help: 'training data: the built-in shapes world, or a CS231n coco_captioning directory' },
  maxTrain: { kind: 'int', min: 1, max: 1e9, metavar: 'N', help: 'shapes: training images (5 captions each); coco: training captions, drawn as CS231n max_train' },
  numVal: { kind: 'int', min: 1, max: 1e6, metavar: 'N', help: 'shapes: validation images' },
  dataSeed: { kind: 'int', min: 0, max: U32_MAX, metavar: 'N', help: 'seed of the shapes scenes / of the coco max-train draw' },
} as const satisfies Record<string, FlagSpec>;

export const TRAIN_FLAGS = {
  ...dataFlags,
  cell: { kind: 'enum', values: ['rnn', 'lstm'], default: 'lstm', help: 'recurrent cell' },
  hidden: { kind: 'int', min: 1, max: 8192, default: 128, metavar: 'N', help: 'hidden size H' },
  wordvec: { kind: 'int', min: 1, max: 8192, default: 64, metavar: 'N', help: 'word-vector size W' },
  update: { kind: 'enum', values: CLI_UPDATE_RULES, default: 'adam', help: 'update rule' },
  lr: { kind: 'number', min: 0, minExclusive: true, max: 10, default: 5e-3, metavar: 'X', help: 'learning rate' },
  lrDecay: { kind: 'number', min: 0, minExclusive: true, max: 1, default: 0.95, metavar: 'X', help: 'learning-rate factor applied after each epoch' },
  epochs: { kind: 'int', min: 1, max: 1e6, default: 5, metavar: 'N', help: 'epochs (an epoch is floor(captions / batch) iterations)' },
  batch: { kind: 'int', min: 1, max: 1e5, default: 50, metavar: 'N', help: 'minibatch size (captions)' },
  threads: { kind: 'int', min: 1, max: 256, metavar: 'N', help: 'threads for the wasm kernels (default: every core; any count gives the same bits)' },
  seed: { kind: 'int', min: 0, max: U32_MAX, default: 0, metavar: 'N', help: 'seed of the weight init and the minibatch draws' },
  evalEvery: { kind: 'int', min: 0, max: 1e9, metavar: 'N', help: 'evaluate on val (loss, BLEU, ROUGE-L, CIDEr-D) every N iterations and at the end (default: each epoch; 0: never)' },
  evalImages: { kind: 'int', min: 1, max: 1e7, default: 500, metavar: 'N', help: 'val images per evaluation (the first N)' },
  keepBest: { kind: 'enum', values: KEEP_BEST_METRICS, default: 'cider', help: 'metric whose best evaluation is saved to DIR/best.recap' },
  patience: { kind: 'int', min: 1, max: 1e6, metavar: 'N', help: 'stop after N evaluations in a row without a new best (default: never)' },
  out: { kind: 'string', default: 'out', metavar: 'DIR', help: 'output directory (model.recap, best.recap, loss.svg, samples.html)' },
  resume: { kind: 'switch', help: 'continue the run saved in --out DIR/model.recap (bit-identical)' },
  force: { kind: 'switch', help: 'start a new run even if --out DIR holds one (overwrites it)' },
  objective: { kind: 'enum', values: ['xe', 'scst'], default: 'xe', help: "'xe': cross-entropy; 'scst': self-critical sequence training of the --init model (CIDEr-D reward; defaults --lr 5e-4 --epochs 1)" },
  init: { kind: 'string', metavar: 'FILE', help: "start from this checkpoint's model with a fresh optimizer (required with --objective scst)" },
  scstSamples: { kind: 'int', min: 1, max: 1000, default: 5, metavar: 'K', help: 'scst: captions sampled per image' },
  scstBaseline: { kind: 'enum', values: ['greedy', 'mean'], default: 'greedy', help: "scst: the reward baseline, the greedy caption's reward or the mean of the image's other samples" },
  help: { kind: 'switch', help: 'show this help' },
} as const satisfies Record<string, FlagSpec>;

export const SAMPLE_FLAGS = {
  checkpoint: { kind: 'string', metavar: 'FILE', help: 'checkpoint written by recap train (required)' },
  ...dataFlags,
  split: { kind: 'enum', values: ['train', 'val'], default: 'val', help: 'which split to caption' },
  n: { kind: 'int', min: 1, max: 10000, default: 10, metavar: 'N', help: 'images to caption' },
  beam: { kind: 'int', min: 1, max: 100, default: 3, metavar: 'K', help: 'beam width of the beam-search caption (1: greedy only)' },
  temperature: { kind: 'number', min: 0, max: 1e3, default: 0, metavar: 'X', help: 'also show a caption sampled at this temperature (0: none)' },
  seed: { kind: 'int', min: 0, max: U32_MAX, default: 0, metavar: 'N', help: 'seed of the image choice (and of temperature sampling)' },
  help: { kind: 'switch', help: 'show this help' },
} as const satisfies Record<string, FlagSpec>;

export const EVAL_FLAGS = {
  checkpoint: { kind: 'string', metavar: 'FILE', help: 'checkpoint written by recap train (required)' },
  ...dataFlags,
  split: { kind: 'enum', values: ['train', 'val'], default: 'val', help: 'which split to score' },
  beam: { kind: 'int', min: 1, max: 100, default: 1, metavar: 'K', help: 'beam width of the captions scored (1: greedy)' },
  maxImages: { kind: 'int', min: 1, max: 1e7, default: 1000, metavar: 'N', help: 'score at most the first N images of the split' },
  json: { kind: 'switch', help: 'print one JSON object { split, images, bleu, rougeL, cider, ... } and nothing else on stdout' },
  allowOverlap: { kind: 'switch', help: "score a val split that holds images the model was trained on (refused otherwise)" },
  help: { kind: 'switch', help: 'show this help' },
} as const satisfies Record<string, FlagSpec>;

export const EXPORT_FLAGS = {
  checkpoint: { kind: 'string', metavar: 'FILE', help: 'checkpoint to export (required)' },
  out: { kind: 'string', metavar: 'FILE', help: 'params.npz (plus params.vocab.json beside it) or params.safetensors (required)' },
  compress: { kind: 'switch', help: '.npz: deflate the arrays (as np.savez_compressed)' },
  help: { kind: 'switch', help: 'show this help' },
} as const satisfies Record<string, FlagSpec>;

export const IMPORT_FLAGS = {
  params: { kind: 'string', metavar: 'FILE', help: 'CS231n parameters: .npz (np.savez of model.params) or .safetensors (required)' },
  vocab: { kind: 'string', metavar: 'FILE', help: 'vocabulary JSON (CS231n coco2014_vocab.json form); default: the .npz\'s sidecar FILE.vocab.json, or the safetensors metadata' },
  cell: { kind: 'enum', values: ['rnn', 'lstm'], help: 'recurrent cell (default: read from Wh\'s shape, and checked when given)' },
  dtype: { kind: 'enum', values: ['float32', 'float64'], help: 'the model\'s dtype (default: the parameters\')' },
  out: { kind: 'string', metavar: 'FILE', help: 'checkpoint to write, e.g. model.recap (required)' },
  help: { kind: 'switch', help: 'show this help' },
} as const satisfies Record<string, FlagSpec>;

export type TrainOptions = Values<typeof TRAIN_FLAGS>;
export type SampleOptions = Values<typeof SAMPLE_FLAGS> & { checkpoint: string };
export type EvalOptions = Values<typeof EVAL_FLAGS> & { checkpoint: string };
export type ExportOptions = Values<typeof EXPORT_FLAGS> & { checkpoint: string; out: string };
export type ImportOptions = Values<typeof IMPORT_FLAGS> & { params: string; out: string };

export type CommandName = 'train' | 'sample' | 'eval' | 'export' | 'import';
export const COMMANDS: Record<CommandName, { flags: Record<string, FlagSpec>; summary: string; usage: string; examples: string[] }> = {
  train: {
    flags: TRAIN_FLAGS,
    summary: 'train a captioning RNN/LSTM; writes DIR/model.recap, loss.svg and samples.html',
    usage: 'recap train [--data shapes|coco:DIR] [--cell rnn|lstm] [--hidden N] [--wordvec N] [--update RULE] [--lr X] [--lr-decay X] [--epochs N] [--batch N] [--max-train N] [--threads N] [--seed N] [--eval-every N] [--eval-images N] [--keep-best METRIC] [--patience N] [--out DIR] [--resume | --force] [--objective scst --init FILE [--scst-samples K] [--scst-baseline greedy|mean]]',
    examples: [
      'recap train                                  # LSTM on the built-in shapes world, a few minutes',
      'recap train --cell rnn --epochs 2 --out runs/rnn',
      'recap train --data coco:datasets/coco_captioning --max-train 50 --hidden 512 --wordvec 256 --batch 25 --epochs 50 --lr 5e-3 --lr-decay 1',
      'recap train --resume --out runs/rnn          # continue an interrupted run (Ctrl-C saves it)',
      'recap train --eval-every 200 --keep-best cider --patience 5 --out runs/es   # early stopping on val CIDEr-D',
      'recap train --objective scst --init out/model.recap --out out-scst   # self-critical training of a trained model',
    ],
  },
  sample: {
    flags: SAMPLE_FLAGS,
    summary: 'caption images with a trained model: greedy, beam search and the ground truth',
    usage: 'recap sample --checkpoint FILE [--data shapes|coco:DIR] [--split train|val] [--n N] [--beam K] [--temperature X] [--seed N]',
    examples: [
      'recap sample --checkpoint out/model.recap',
      'recap sample --checkpoint out/model.recap --split train --n 5 --beam 5',
    ],
  },
  eval: {
    flags: EVAL_FLAGS,
    summary: 'score a trained model: COCO BLEU-1..4, ROUGE-L, CIDEr-D, CS231n unigram BLEU (shapes: single-object accuracy)',
    usage: 'recap eval --checkpoint FILE [--data shapes|coco:DIR] [--split train|val] [--beam K] [--max-images N] [--json] [--allow-overlap]',
    examples: [
      'recap eval --checkpoint out/model.recap',
      'recap eval --checkpoint out/best.recap --beam 3 --json',
      'recap eval --checkpoint runs/coco/model.recap --data coco:datasets/coco_captioning --split val --max-images 5000',
    ],
  },
  export: {
    flags: EXPORT_FLAGS,
    summary: 'write a model\'s parameters for numpy / the CS231n notebook / PyTorch (.npz or .safetensors)',
    usage: 'recap export --checkpoint FILE --out params.npz|params.safetensors [--compress]',
    examples: [
      'recap export --checkpoint out/model.recap --out params.npz          # also writes params.vocab.json',
      'recap export --checkpoint out/model.recap --out params.safetensors  # vocabulary in the metadata',
    ],
  },
  import: {
    flags: IMPORT_FLAGS,
    summary: 'make a checkpoint from CS231n parameters saved by numpy (np.savez) or a safetensors file',
    usage: 'recap import --params FILE [--vocab FILE] [--cell rnn|lstm] [--dtype float32|float64] --out model.recap',
    examples: [
      'recap import --params params.npz --vocab coco2014_vocab.json --cell lstm --out model.recap',
      'recap import --params params.safetensors --out model.recap',
    ],
  },
};

export type Command =
  | { command: 'help'; topic: CommandName | null }
  | { command: 'version' }
  | { command: 'train'; options: TrainOptions; given: ReadonlySet<string> }
  | { command: 'sample'; options: SampleOptions; given: ReadonlySet<string> }
  | { command: 'eval'; options: EvalOptions; given: ReadonlySet<string> }
  | { command: 'export'; options: ExportOptions; given: ReadonlySet<string> }
  | { command: 'import'; options: ImportOptions; given: ReadonlySet<string> };

/** camelCase key → --kebab-case flag. */
export function flagName(key: string): string {
  return `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

function fmt(x: number): string {
  return x === U32_MAX ? '2^32-1' : x >= 1e5 && Number.isInteger(Math.log10(x)) ? `1e${Math.log10(x)}` : String(x);
}

/** Parses one flag value against its spec; throws UsageError naming the flag. */
export function parseValue(flag: string, spec: FlagSpec, raw: string, command: string | null = null): number | string | DataSpec {
  const bad = (expected: string): never => {
    throw new UsageError(`${flag}: expected ${expected}, got ${JSON.stringify(raw)}`, command);
  };
  switch (spec.kind) {
    case 'int':
    case 'number': {
      if (!NUMBER.test(raw.trim())) bad(spec.kind === 'int' ? 'an integer' : 'a number');
      const v = Number(raw);
      if (spec.kind === 'int' && !Number.isInteger(v)) bad('an integer');
      const low = spec.kind === 'number' && spec.minExclusive ? v <= spec.min : v < spec.min;
      if (low || v > spec.max) {
        const range = spec.kind === 'number' && spec.minExclusive ? `(${fmt(spec.min)}, ${fmt(spec.max)}]` : `[${fmt(spec.min)}, ${fmt(spec.max)}]`;
        bad(`${spec.kind === 'int' ? 'an integer' : 'a number'} in ${range}`);
      }
      return v;
    }
    case 'enum':
      if (!spec.values.includes(raw)) bad(`one of ${spec.values.join(', ')}`);
      return raw;
    case 'data':
      if (raw === 'shapes') return { kind: 'shapes' };
      if (raw.startsWith('coco:') && raw.length > 5) return { kind: 'coco', dir: raw.slice(5) };
      return bad("'shapes' or 'coco:DIR' (a CS231n coco_captioning directory)");
    case 'string':
      if (raw === '') bad('a non-empty value');
      return raw;
    default:
      throw new UsageError(`${flag} takes no value`, command);
  }
}

/**
 * Parses `argv` (the words after the command) against a spec table: `--flag value`,
 * `--flag=value`, `--switch`. Returns every key (defaults filled in) and the keys given.
 */
export function parseFlags<S extends Record<string, FlagSpec>>(argv: readonly string[], specs: S, command: string | null = null): { values: Values<S>; given: Set<string> } {
  const byFlag = new Map<string, string>();
  for (const key of Object.keys(specs)) byFlag.set(flagName(key), key);
  const values: Record<string, unknown> = {};
  const given = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '-h') {
      if (!('help' in specs)) throw new UsageError('unknown flag -h', command);
      values.help = true;
      given.add('help');
      continue;
    }
    if (!arg.startsWith('--') || arg === '--') {
      throw new UsageError(arg.startsWith('-') && arg !== '-' && arg !== '--' ? `unknown flag ${arg}` : `unexpected argument ${JSON.stringify(arg)}`, command);
    }
    const eq = arg.indexOf('=');
    const flag = eq >= 0 ? arg.slice(0, eq) : arg;
    const key = byFlag.get(flag);
    if (key === undefined) {
      const near = nearest(flag, [...byFlag.keys()]);
      throw new UsageError(`unknown flag ${flag}${near ? ` (did you mean ${near}?)` : ''}`, command);
    }
    if (given.has(key)) throw new UsageError(`${flag} given twice`, command);
    const spec = specs[key];
    if (spec.kind === 'switch') {
      if (eq >= 0) throw new UsageError(`${flag} takes no value`, command);
      values[key] = true;
    } else {
      let raw: string;
      if (eq >= 0) raw = arg.slice(eq + 1);
      else {
        const next = argv[i + 1];
        if (next === undefined || (next.startsWith('--') && next.length > 2) || next === '-h') {
          throw new UsageError(`${flag} needs a value${spec.metavar ? ` (${flag} ${spec.metavar})` : ''}`, command);
        }
        raw = next;
        i++;
      }
      values[key] = parseValue(flag, spec, raw, command);
    }
    given.add(key);
  }
  for (const [key, spec] of Object.entries(specs)) {
    if (key in values) continue;
    values[key] = spec.kind === 'switch' ? false : 'default' in spec ? spec.default : undefined;
  }
  return { values: values as Values<S>, given };
}

/** A flag within edit distance 2 of `flag`, for "did you mean". */
function nearest(flag: string, flags: string[]): string | null {
  let best: string | null = null;
  let bestD = 3;
  for (const f of flags) {
    const d = editDistance(flag, f);
    if (d < bestD) {
      bestD = d;
      best = f;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length];
}

/** Parses the whole command line (process.argv.slice(2)). */
export function parseCommandLine(argv: readonly string[]): Command {
  const names = Object.keys(COMMANDS).join(', ');
  if (argv.length === 0) throw new UsageError(`missing command: expected one of ${names} (see 'recap --help')`);
  const [first, ...rest] = argv;
  if (first === '--help' || first === '-h' || first === 'help') {
    if (first === 'help' && rest.length > 0) {
      if (rest.length > 1 || !Object.hasOwn(COMMANDS, rest[0])) throw new UsageError(`help: unknown command ${JSON.stringify(rest.join(' '))}`);
      return { command: 'help', topic: rest[0] as CommandName };
    }
    if (rest.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(rest[0])} after ${first}`);
    return { command: 'help', topic: null };
  }
  if (first === '--version' || first === '-v') {
    if (rest.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(rest[0])} after ${first}`);
    return { command: 'version' };
  }
  if (first.startsWith('-')) throw new UsageError(`expected a command (${names}) before ${first}`);
  if (!Object.hasOwn(COMMANDS, first)) {
    const near = nearest(first, Object.keys(COMMANDS));
    throw new UsageError(`unknown command ${JSON.stringify(first)}: expected one of ${names}${near ? ` (did you mean ${near}?)` : ''}`);
  }
  const command = first as CommandName;
  if (command === 'train') {
    const { values, given } = parseFlags(rest, TRAIN_FLAGS, command);
    if (values.help) return { command: 'help', topic: command };
    return { command, options: values, given };
  }
  if (command === 'sample') {
    const { values, given } = parseFlags(rest, SAMPLE_FLAGS, command);
    if (values.help) return { command: 'help', topic: command };
    if (values.checkpoint === undefined) throw new UsageError('missing --checkpoint FILE (a model.recap written by recap train)', command);
    return { command, options: values as SampleOptions, given };
  }
  if (command === 'export') {
    const { values, given } = parseFlags(rest, EXPORT_FLAGS, command);
    if (values.help) return { command: 'help', topic: command };
    if (values.checkpoint === undefined) throw new UsageError('missing --checkpoint FILE (a model.recap)', command);
    if (values.out === undefined) throw new UsageError('missing --out FILE (params.npz or params.safetensors)', command);
    if (!/\.(npz|safetensors)$/.test(values.out)) throw new UsageError(`--out: expected a file name ending in .npz or .safetensors, got ${JSON.stringify(values.out)}`, command);
    if (values.compress && !values.out.endsWith('.npz')) throw new UsageError('--compress applies to .npz output only', command);
    return { command, options: values as ExportOptions, given };
  }
  if (command === 'import') {
    const { values, given } = parseFlags(rest, IMPORT_FLAGS, command);
    if (values.help) return { command: 'help', topic: command };
    if (values.params === undefined) throw new UsageError('missing --params FILE (.npz or .safetensors)', command);
    if (!/\.(npz|safetensors)$/.test(values.params)) throw new UsageError(`--params: expected a file name ending in .npz or .safetensors, got ${JSON.stringify(values.params)}`, command);
    if (values.out === undefined) throw new UsageError('missing --out FILE (the checkpoint to write, e.g. model.recap)', command);
    return { command, options: values as ImportOptions, given };
  }
  const { values, given } = parseFlags(rest, EVAL_FLAGS, command);
  if (values.help) return { command: 'help', topic: command };
  if (values.checkpoint === undefined) throw new UsageError('missing --checkpoint FILE (a model.recap written by recap train)', command);
  return { command, options: values as EvalOptions, given };
}

/** `recap --help` or `recap <command> --help`. */
export function helpText(topic: CommandName | null): string {
  if (topic === null) {
    const lines = [
      'recap: train and run CS231n captioning RNNs/LSTMs (WebAssembly kernels)',
      '',
      'Usage: recap <command> [flags]',
      '',
      'Commands:',
      ...Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(8)}${c.summary}`),
      '',
      "Run 'recap <command> --help' for a command's flags.",
      '',
      'Examples:',
      ...(['train', 'sample', 'eval'] as const).map((c) => `  ${COMMANDS[c].examples[0]}`),
      '  recap train --data coco:datasets/coco_captioning --max-train 50 --epochs 50',
      '',
      'Exit codes: 0 success, 1 runtime error (missing/corrupt file, divergence), 2 usage error, 130 interrupted.',
    ];
    return `${lines.join('\n')}\n`;
  }
  const c = COMMANDS[topic];
  const rows = Object.entries(c.flags).map(([key, spec]) => {
    const left = `${flagName(key)}${spec.metavar ? ` ${spec.metavar}` : spec.kind === 'enum' ? ` ${spec.values.join('|')}` : ''}`;
    const def = 'default' in spec && spec.default !== undefined ? ` (default ${describeDefault(spec.default)})` : '';
    return [left, `${spec.help}${def}`];
  });
  const width = Math.min(30, Math.max(...rows.map(([l]) => l.length)) + 2);
  const lines = [
    `recap ${topic}: ${c.summary}`,
    '',
    `Usage: ${c.usage}`,
    '',
    'Flags:',
    ...rows.map(([l, r]) => (l.length + 2 > width ? `  ${l}\n  ${' '.repeat(width)}${r}` : `  ${l.padEnd(width)}${r}`)),
    ...(topic === 'train' ? [
      '',
      '--data defaults to shapes. Defaults of --max-train / --num-val / --data-seed: shapes 4000 / 500 / 0; coco: all captions / - / 231.',
      'With --resume the options come from the checkpoint; only --epochs (to train longer) and --threads may change.',
      'A new run refuses an --out DIR that holds an unfinished run or one of other options: pass --resume to continue it or --force to start over (the same finished run is simply redone: same bits).',
      'Each evaluation prints one line; the parameters of the best one by --keep-best go to DIR/best.recap.',
      'Ctrl-C stops after the current step and saves the checkpoint (exit 130); a second Ctrl-C quits at once.',
    ] : topic === 'sample' || topic === 'eval' ? [
      '',
      'The data flags default to the ones the checkpoint was trained with.',
      ...(topic === 'eval' ? [
        'COCO metrics as coco-caption computes them (PTB tokenisation; see docs/metrics.md); METEOR and SPICE need Java: not provided.',
        'A val split that overlaps the model\'s training images (e.g. a smaller --max-train than it was trained with) is refused unless --allow-overlap.',
      ] : []),
    ] : [
      '',
      'Parameters use the CS231n names and shapes (W_proj b_proj W_embed Wx Wh b W_vocab b_vocab; LSTM gates [i|f|o|g]).',
      'Formats, the vocabulary files and a PyTorch recipe: docs/interop.md.',
    ]),
    '',
    'Examples:',
    ...c.examples.map((e) => `  ${e}`),
  ];
  return `${lines.join('\n')}\n`;
}

function describeDefault(v: unknown): string {
  if (typeof v === 'object' && v !== null && 'kind' in v) return formatData(v as DataSpec);
  return String(v);
}

/** DataSpec → its flag form (shapes, coco:DIR). */
export function formatData(d: DataSpec): string {
  return d.kind === 'shapes' ? 'shapes' : `coco:${d.dir}`;
}
