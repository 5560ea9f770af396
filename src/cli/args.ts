// The `recap` command line: a small, strict, typed argument parser (no dependencies).
//
//   recap <command> [--flag value | --flag=value | --switch]...
//
// Every flag of a command is declared once in a spec table (kind, range, default, help); the
// parser returns typed values, the set of flags the user actually gave (so `--resume` can tell
// "given" from "defaulted"), and throws UsageError — one line, exit code 2 — for an unknown
// command or flag, a missing or extra value, a non-numeric or out-of-range number, a flag given
// twice, or a stray positional argument. Help text is generated from the same tables. The flag
// kinds live in flags.ts, the tables in commands.ts: this file imports both, neither imports it.
import { UsageError, type DataSpec, type FlagSpec, type Values } from './flags.js';
import { CAPTION_FLAGS, FEATURES_FLAGS, type CaptionOptions, type FeaturesOptions } from './commands.js';
import { COMMANDS, U32_MAX, EVAL_FLAGS, EXPORT_FLAGS, IMPORT_FLAGS, PREPRO_FLAGS, SAMPLE_FLAGS, TRAIN_FLAGS, type CommandName, type EvalOptions, type ExportOptions, type ImportOptions, type PreproOptions, type SampleOptions, type TrainOptions } from './commands.js';

export { UsageError, type DataSpec, type FlagSpec, type Values } from './flags.js';
export { TRAIN_FLAGS, SAMPLE_FLAGS, EVAL_FLAGS, EXPORT_FLAGS, IMPORT_FLAGS, PREPRO_FLAGS, COMMANDS } from './commands.js';
export type { PreproOptions, TrainOptions, SampleOptions, EvalOptions, ExportOptions, ImportOptions, CommandName, FeaturesOptions, CaptionOptions } from './commands.js';

export type Command =
  | { command: 'help'; topic: CommandName | null }
  | { command: 'version' }
  | { command: 'train'; options: TrainOptions; given: ReadonlySet<string> }
  | { command: 'sample'; options: SampleOptions; given: ReadonlySet<string> }
  | { command: 'eval'; options: EvalOptions; given: ReadonlySet<string> }
  | { command: 'export'; options: ExportOptions; given: ReadonlySet<string> }
  | { command: 'import'; options: ImportOptions; given: ReadonlySet<string> }
  | { command: 'prepro'; options: PreproOptions; given: ReadonlySet<string> }
  | { command: 'features'; options: FeaturesOptions; given: ReadonlySet<string> }
  | { command: 'caption'; options: CaptionOptions; given: ReadonlySet<string> }
  | { command: 'inspect' | 'compare' | 'lr-find'; argv: readonly string[] }; // parsed in cli/inspect-commands.ts

const ARCH_LIST = FEATURES_FLAGS.arch.values.join('|');

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
      if (raw.startsWith('prepared:') && raw.length > 9) return { kind: 'prepared', file: raw.slice(9) };
      if (raw.startsWith('karpathy:') && raw.length > 9) return { kind: 'karpathy', json: raw.slice(9) };
      return bad("'shapes', 'coco:DIR' (a CS231n coco_captioning directory), 'prepared:FILE' (from recap prepro) or 'karpathy:JSON' (with --features)");
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
export function parseFlags<S extends Record<string, FlagSpec>>(argv: readonly string[], specs: S, command: string | null = null,
  positionals?: string[]): { values: Values<S>; given: Set<string> } {
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
    if (positionals && !arg.startsWith('-')) {
      positionals.push(arg);
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
  if (command === 'prepro') {
    const { values, given } = parseFlags(rest, PREPRO_FLAGS, command);
    if (values.help) return { command: 'help', topic: command };
    for (const k of ['captions', 'out'] as const) {
      if (values[k] === undefined) throw new UsageError(`missing ${flagName(k)} ${PREPRO_FLAGS[k].metavar}`, command);
    }
    if ((values.features === undefined) === (values.images === undefined)) {
      throw new UsageError(values.features === undefined ? 'missing --features PATH or --images DIR' : 'give --features PATH or --images DIR, not both', command);
    }
    const imageFlags = ['encoder', 'arch', 'resize', 'crop', 'batch', 'skipBad'] as const;
    if (values.images !== undefined) {
      for (const k of ['encoder', 'arch'] as const) if (values[k] === undefined) throw new UsageError(`--images needs ${flagName(k)}`, command);
      if (values.crop === 0 && values.batch > 1) throw new UsageError('--batch must be 1 with --crop 0 (images then differ in size)', command);
      if (given.has('featureIds') || given.has('featureKey')) throw new UsageError('--feature-ids and --feature-key apply to --features only', command);
    } else {
      const stray = imageFlags.find((k) => given.has(k));
      if (stray) throw new UsageError(`${flagName(stray)} applies to --images only`, command);
    }
    return { command, options: values as PreproOptions, given };
  }
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
  if (command === 'features') {
    const { values, given } = parseFlags(rest, FEATURES_FLAGS, command);
    if (values.help) return { command: 'help', topic: command };
    for (const k of ['images', 'encoder', 'arch', 'out'] as const) {
      if (values[k] === undefined) throw new UsageError(`missing ${flagName(k)} ${'metavar' in FEATURES_FLAGS[k] ? FEATURES_FLAGS[k].metavar : `(${ARCH_LIST})`}`, command);
    }
    if (values.crop === 0 && given.has('batch') && values.batch > 1) throw new UsageError('--batch must be 1 with --crop 0 (images then differ in size)', command);
    if (!values.out!.endsWith('/') && !values.out!.endsWith('.npy')) throw new UsageError(`--out: expected a file name ending in .npy or a folder ending in /, got ${JSON.stringify(values.out)}`, command);
    return { command, options: values as FeaturesOptions, given };
  }
  if (command === 'caption') {
    const images: string[] = [];
    const { values, given } = parseFlags(rest, CAPTION_FLAGS, command, images);
    if (values.help) return { command: 'help', topic: command };
    if (images.length === 0) throw new UsageError('missing images to caption (files, folders or patterns before or after the flags)', command);
    if (values.checkpoint === undefined) throw new UsageError('missing --checkpoint FILE (a model.recap trained on prepro --images data)', command);
    if (values.topP < 1 && values.temperature === 0) throw new UsageError('--top-p applies with --temperature > 0', command);
    if (values.temperature > 0 && values.beam > 1) throw new UsageError('--temperature and --beam > 1 do not combine (sampling or beam search)', command);
    return { command, options: { ...values, images } as CaptionOptions, given };
  }
  if (command === 'inspect' || command === 'compare' || command === 'lr-find') return { command, argv: rest };
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
      '--data defaults to shapes. Defaults of --max-train / --num-val / --data-seed: shapes 16000 / 500 / 0; coco: all captions / - / 231.',
      '--data karpathy:JSON --features PATH prepares the data in memory with recap prepro\'s defaults; prepared:FILE reads a recap prepro file.',
      'With --resume the options come from the checkpoint; only --epochs (to train longer) and --threads may change.',
      'A new run refuses an --out DIR that holds an unfinished run or one of other options: pass --resume to continue it or --force to start over (the same finished run is simply redone: same bits).',
      'Each evaluation prints one line; the parameters of the best one by --keep-best go to DIR/best.recap.',
      'Ctrl-C stops after the current step and saves the checkpoint (exit 130); a second Ctrl-C quits at once.',
    ] : topic === 'prepro' ? [
      '',
      'Flickr8k step by step (docs/data.md): get dataset_flickr8k.json (Karpathy split) and extract one CNN',
      'feature vector per image in Python (np.save(f"feats/{img[\'imgid\']}.npy", fc)); recap does not compute',
      'CNN features of photos. Then recap prepro as below, and recap train --data prepared:FILE.',
      'The vocabulary comes from the training captions only; ids <NULL>=0 <START>=1 <END>=2 <UNK>=3, then by count.',
      'Exit codes: 0 done, 1 bad or missing input (the message names the file and the record; nothing is written), 2 usage.',
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
  return d.kind === 'shapes' ? 'shapes' : d.kind === 'coco' ? `coco:${d.dir}` : d.kind === 'prepared' ? `prepared:${d.file}` : `karpathy:${d.json}`;
}
