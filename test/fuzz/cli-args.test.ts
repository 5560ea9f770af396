// Fuzz: the CLI's argument parser with random argv built from real flags, near-misses and
// junk. It returns a well-typed command or throws UsageError (one line); nothing else.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { COMMANDS, UsageError, flagName, helpText, parseCommandLine, type FlagSpec } from '../../src/cli/args.js';
import { PROTO_NAMES, attempt, check } from './fuzz.js';

const allFlags = new Map<string, FlagSpec>();
for (const { flags } of Object.values(COMMANDS)) for (const [k, spec] of Object.entries(flags)) allFlags.set(flagName(k), spec);
const flagNames = [...allFlags.keys()];

const value = fc.oneof(
  fc.constantFrom('0', '1', '-1', '5', '1e5', '1e400', '-0', '0.5', '1.5', 'NaN', 'Infinity', '0x10', ' 3', '', '4294967295', '4294967296',
    'shapes', 'coco:', 'coco:/tmp/x', 'rnn', 'lstm', 'gru', 'adam', 'sgd', 'train', 'val', '-h', '--', '-', '=', 'a b'),
  fc.integer({ min: -10, max: 100000 }).map(String),
  fc.double().map(String),
  fc.string({ maxLength: 8 }),
);
const word = fc.oneof(
  { weight: 5, arbitrary: fc.constantFrom(...flagNames) },
  { weight: 4, arbitrary: value },
  { weight: 2, arbitrary: fc.tuple(fc.constantFrom(...flagNames), value).map(([f, v]) => `${f}=${v}`) },
  { weight: 1, arbitrary: fc.constantFrom('--help', '-h', '--version', '-v', '--hiden', '--Hidden', '--', '---', '--=3', ...PROTO_NAMES.map((p) => `--${p}`)) },
);
const first = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom('train', 'sample', 'eval') },
  { weight: 2, arbitrary: fc.constantFrom('help', '--help', '-h', '--version', 'trian', 'Train', '', ...PROTO_NAMES) },
  { weight: 1, arbitrary: fc.string({ maxLength: 6 }) },
);
const argvArb = fc.oneof(
  { weight: 9, arbitrary: fc.tuple(first, fc.array(word, { maxLength: 8 })).map(([c, rest]) => [c, ...rest]) },
  { weight: 1, arbitrary: fc.tuple(fc.constant('help'), fc.constantFrom('train', 'sample', 'eval', ...PROTO_NAMES)).map(([a, b]) => [a, b]) },
  { weight: 1, arbitrary: fc.constant<string[]>([]) },
);

function checkValue(key: string, spec: FlagSpec, v: unknown): void {
  switch (spec.kind) {
    case 'int':
      if (v === undefined && !('default' in spec)) return;
      expect(Number.isInteger(v), key).toBe(true);
      expect((v as number) >= spec.min && (v as number) <= spec.max, key).toBe(true);
      return;
    case 'number':
      if (v === undefined && !('default' in spec)) return;
      expect(Number.isFinite(v), key).toBe(true);
      expect(spec.minExclusive ? (v as number) > spec.min : (v as number) >= spec.min, key).toBe(true);
      expect((v as number) <= spec.max, key).toBe(true);
      return;
    case 'enum':
      if (v === undefined && !('default' in spec)) return;
      expect(spec.values, key).toContain(v);
      return;
    case 'switch':
      expect(typeof v, key).toBe('boolean');
      return;
    case 'string':
      if (v === undefined) return;
      expect(typeof v === 'string' && v.length > 0, key).toBe(true);
      return;
    case 'data':
      if (v === undefined) return;
      expect(['shapes', 'coco']).toContain((v as { kind: string }).kind);
  }
}

describe('fuzz: CLI argument parsing', () => {
  it('returns a well-typed command or throws a one-line UsageError', () => {
    check('parseCommandLine', argvArb, (argv) => {
      const r = attempt(() => parseCommandLine(argv), [UsageError]);
      if (!r.ok) {
        expect(r.error.message).not.toContain('\n');
        return;
      }
      const c = r.value;
      if (c.command === 'help') {
        if (c.topic !== null) expect(Object.keys(COMMANDS)).toContain(c.topic);
        expect(helpText(c.topic).length).toBeGreaterThan(0);
        return;
      }
      if (c.command === 'version') return;
      expect(Object.keys(COMMANDS)).toContain(c.command);
      const specs = COMMANDS[c.command].flags;
      expect(Object.keys(c.options).sort()).toEqual(Object.keys(specs).sort());
      for (const [k, spec] of Object.entries(specs)) checkValue(k, spec, (c.options as Record<string, unknown>)[k]);
      for (const g of c.given) expect(Object.keys(specs)).toContain(g);
    }, 10);
  });

  it('regression: prototype property names are not commands', () => {
    for (const name of PROTO_NAMES) {
      expect(() => parseCommandLine([name, '--checkpoint', 'x'])).toThrow(UsageError);
      expect(() => parseCommandLine(['help', name])).toThrow(UsageError);
    }
  });
});
