// The CLI's argument parser: defaults, every accepted form, and every error path.
import { describe, expect, it } from 'vitest';
import {
  EVAL_FLAGS, SAMPLE_FLAGS, TRAIN_FLAGS, UsageError, flagName, formatData, helpText, parseCommandLine, parseFlags,
  type Command,
} from '../src/cli/args.js';

function usage(argv: string[]): UsageError {
  try {
    parseCommandLine(argv);
  } catch (e) {
    expect(e).toBeInstanceOf(UsageError);
    expect((e as Error).message).not.toContain('\n');
    return e as UsageError;
  }
  throw new Error(`expected a UsageError for ${argv.join(' ')}`);
}

function train(argv: string[]) {
  const c = parseCommandLine(['train', ...argv]);
  if (c.command !== 'train') throw new Error(`expected train, got ${c.command}`);
  return c;
}

describe('parseCommandLine: defaults', () => {
  it('train defaults (the npm start run)', () => {
    const { options, given } = train([]);
    expect(options).toEqual({
      data: undefined, maxTrain: undefined, numVal: undefined, dataSeed: undefined,
      cell: 'lstm', hidden: 128, wordvec: 64, update: 'adam', lr: 5e-3, lrDecay: 0.85, epochs: 2, batch: 50,
      threads: undefined, seed: 0, out: 'out', resume: false, help: false,
      evalEvery: undefined, evalImages: 500, keepBest: 'cider', patience: undefined, force: false,
      objective: 'xe', init: undefined, scstSamples: 5, scstBaseline: 'greedy', encoder: undefined, encoderLr: 1e-2, finetuneAfter: -1,
      encoderWordLoss: 0, encoderWarmup: 0, encoderConceptLoss: 1,
    });
    expect(given.size).toBe(0);
  });

  it('sample and eval defaults', () => {
    const s = parseCommandLine(['sample', '--checkpoint', 'm.recap']) as Extract<Command, { command: 'sample' }>;
    expect(s.options).toMatchObject({ checkpoint: 'm.recap', split: 'val', n: 10, beam: 3, temperature: 0, seed: 0, data: undefined });
    const e = parseCommandLine(['eval', '--checkpoint', 'm.recap']) as Extract<Command, { command: 'eval' }>;
    expect(e.options).toMatchObject({ checkpoint: 'm.recap', split: 'val', maxImages: 1000, beam: 1, json: false, data: undefined });
    expect([...e.given]).toEqual(['checkpoint']);
  });

  it('every spec with a default has a value of its kind', () => {
    for (const specs of [TRAIN_FLAGS, SAMPLE_FLAGS, EVAL_FLAGS]) {
      const { values } = parseFlags([], specs);
      for (const [k, spec] of Object.entries(specs)) {
        const v = (values as Record<string, unknown>)[k];
        if (spec.kind === 'switch') expect(v).toBe(false);
        else if ('default' in spec) expect(v).toBe(spec.default);
        else expect(v).toBeUndefined();
      }
    }
  });
});

describe('parseCommandLine: accepted forms', () => {
  it('--flag value, --flag=value, kebab-case names, switches', () => {
    const { options, given } = train(['--cell', 'rnn', '--hidden=256', '--lr-decay', '0.9', '--lr', '1e-3', '--max-train', '100',
      '--num-val=50', '--data-seed', '7', '--resume', '--out', 'runs/a b', '--update', 'sgd_momentum', '--threads', '2', '--seed', '4294967295']);
    expect(options).toMatchObject({ cell: 'rnn', hidden: 256, lrDecay: 0.9, lr: 1e-3, maxTrain: 100, numVal: 50, dataSeed: 7,
      resume: true, out: 'runs/a b', update: 'sgd_momentum', threads: 2, seed: 4294967295 });
    expect([...given].sort()).toEqual(['cell', 'dataSeed', 'hidden', 'lr', 'lrDecay', 'maxTrain', 'numVal', 'out', 'resume', 'seed', 'threads', 'update']);
  });

  it('--data shapes and --data coco:DIR', () => {
    expect(train(['--data', 'shapes']).options.data).toEqual({ kind: 'shapes' });
    expect(train(['--data', 'coco:/data/coco_captioning']).options.data).toEqual({ kind: 'coco', dir: '/data/coco_captioning' });
    expect(train(['--data=coco:c:x']).options.data).toEqual({ kind: 'coco', dir: 'c:x' });
    expect(formatData({ kind: 'coco', dir: 'd' })).toBe('coco:d');
  });

  it('numbers: exponents, leading +, integer-valued floats for ints', () => {
    expect(train(['--epochs', '1e2']).options.epochs).toBe(100);
    expect(train(['--lr', '+.5']).options.lr).toBe(0.5);
    expect(train(['--batch', '25.0']).options.batch).toBe(25);
    expect(train(['--lr-decay', '1']).options.lrDecay).toBe(1);
  });

  it('help and version', () => {
    expect(parseCommandLine(['--help'])).toEqual({ command: 'help', topic: null });
    expect(parseCommandLine(['-h'])).toEqual({ command: 'help', topic: null });
    expect(parseCommandLine(['help', 'eval'])).toEqual({ command: 'help', topic: 'eval' });
    expect(parseCommandLine(['train', '--help'])).toEqual({ command: 'help', topic: 'train' });
    expect(parseCommandLine(['sample', '-h'])).toEqual({ command: 'help', topic: 'sample' });
    // --help wins over a missing --checkpoint
    expect(parseCommandLine(['eval', '--help'])).toEqual({ command: 'help', topic: 'eval' });
    expect(parseCommandLine(['--version'])).toEqual({ command: 'version' });
  });

  it('flagName maps camelCase keys to kebab-case flags', () => {
    expect(flagName('lrDecay')).toBe('--lr-decay');
    expect(flagName('maxTrain')).toBe('--max-train');
    expect(flagName('n')).toBe('--n');
  });
});

describe('parseCommandLine: errors', () => {
  it('missing or unknown command', () => {
    expect(usage([]).message).toMatch(/missing command/);
    expect(usage(['trian']).message).toMatch(/unknown command "trian".*did you mean train/);
    expect(usage(['--lr', '1']).message).toMatch(/expected a command/);
    expect(usage(['help', 'nope']).message).toMatch(/unknown command/);
    expect(usage(['--help', 'x']).message).toMatch(/unexpected argument "x"/);
    expect(usage(['--version', 'x']).message).toMatch(/unexpected argument/);
  });

  it('unknown flag (with a suggestion when close)', () => {
    const e = usage(['train', '--hiden', '3']);
    expect(e.message).toBe('unknown flag --hiden (did you mean --hidden?)');
    expect(e.command).toBe('train');
    expect(usage(['train', '--bogus']).message).toBe('unknown flag --bogus');
    expect(usage(['train', '-x']).message).toBe('unknown flag -x');
    expect(usage(['eval', '--checkpoint', 'f', '--temperature', '2']).message).toMatch(/unknown flag --temperature/);
  });

  it('missing value', () => {
    expect(usage(['train', '--lr']).message).toBe('--lr needs a value (--lr X)');
    expect(usage(['train', '--lr', '--epochs', '2']).message).toMatch(/^--lr needs a value/);
    expect(usage(['train', '--out', '-h']).message).toMatch(/^--out needs a value/);
    expect(usage(['train', '--out=']).message).toMatch(/^--out: expected a non-empty value/);
    expect(usage(['sample', '--checkpoint']).message).toMatch(/^--checkpoint needs a value/);
  });

  it('non-numeric values', () => {
    expect(usage(['train', '--lr', 'fast']).message).toBe('--lr: expected a number, got "fast"');
    expect(usage(['train', '--epochs', '2x']).message).toBe('--epochs: expected an integer, got "2x"');
    expect(usage(['train', '--epochs', '']).message).toMatch(/--epochs: expected an integer/);
    expect(usage(['train', '--epochs', '1.5']).message).toBe('--epochs: expected an integer, got "1.5"');
    expect(usage(['train', '--lr', 'NaN']).message).toMatch(/expected a number/);
    expect(usage(['train', '--lr', 'Infinity']).message).toMatch(/expected a number/);
    expect(usage(['train', '--hidden', '0x10']).message).toMatch(/expected an integer/);
  });

  it('out-of-range values', () => {
    expect(usage(['train', '--hidden', '0']).message).toBe('--hidden: expected an integer in [1, 8192], got "0"');
    expect(usage(['train', '--lr', '0']).message).toBe('--lr: expected a number in (0, 10], got "0"');
    expect(usage(['train', '--lr', '-1']).message).toMatch(/--lr: expected a number in \(0, 10\]/);
    expect(usage(['train', '--lr-decay', '1.5']).message).toMatch(/--lr-decay: expected a number in \(0, 1\]/);
    expect(usage(['train', '--seed', '-1']).message).toMatch(/--seed: expected an integer in \[0, 2\^32-1\]/);
    expect(usage(['train', '--seed', '4294967296']).message).toMatch(/--seed/);
    expect(usage(['train', '--threads', '0']).message).toMatch(/--threads: expected an integer in \[1, 256\]/);
    expect(usage(['sample', '--checkpoint', 'f', '--n', '0']).message).toMatch(/--n: expected an integer in \[1, 10000\]/);
    expect(usage(['sample', '--checkpoint', 'f', '--temperature', '-0.5']).message).toMatch(/--temperature/);
  });

  it('bad enum and data values', () => {
    expect(usage(['train', '--cell', 'gru']).message).toBe('--cell: expected one of rnn, lstm, got "gru"');
    expect(usage(['train', '--update', 'adagrad']).message).toMatch(/--update: expected one of sgd, sgd_momentum, rmsprop, adam/);
    expect(usage(['eval', '--checkpoint', 'f', '--split', 'dev']).message).toBe('--split: expected one of train, val, test, got "dev"');
    expect(usage(['train', '--data', 'coco']).message).toMatch(/--data: expected 'shapes', 'coco:DIR' .*'prepared:FILE' .*'karpathy:JSON'/);
    expect(usage(['train', '--data', 'prepared:']).message).toMatch(/--data: expected/);
    expect(usage(['train', '--data', 'coco:']).message).toMatch(/--data: expected/);
    expect(usage(['train', '--data', 'mnist']).message).toMatch(/--data: expected/);
  });

  it('switches take no value; flags may not repeat; no positional arguments', () => {
    expect(usage(['train', '--resume=yes']).message).toBe('--resume takes no value');
    expect(usage(['train', '--lr', '1e-3', '--lr=2e-3']).message).toBe('--lr given twice');
    expect(usage(['train', 'extra']).message).toBe('unexpected argument "extra"');
    expect(usage(['train', '--', '--lr']).message).toMatch(/unexpected argument "--"/);
    expect(usage(['sample', '--checkpoint', 'a', 'b']).message).toMatch(/unexpected argument "b"/);
  });

  it('sample and eval need --checkpoint', () => {
    expect(usage(['sample']).message).toMatch(/missing --checkpoint FILE/);
    expect(usage(['eval', '--split', 'val']).message).toMatch(/missing --checkpoint FILE/);
    expect(usage(['eval']).command).toBe('eval');
  });
});

describe('helpText', () => {
  it('lists commands, every flag of a command, and examples', () => {
    const top = helpText(null);
    for (const c of ['train', 'sample', 'eval', 'Examples:', 'Exit codes']) expect(top).toContain(c);
    for (const [topic, specs] of [['train', TRAIN_FLAGS], ['sample', SAMPLE_FLAGS], ['eval', EVAL_FLAGS]] as const) {
      const text = helpText(topic);
      expect(text).toContain(`Usage: recap ${topic}`);
      expect(text).toContain('Examples:');
      for (const key of Object.keys(specs)) expect(text).toContain(flagName(key));
    }
    expect(helpText('train')).toContain('(default 128)');
  });
});
