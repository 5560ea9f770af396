// Parsing and dispatch of `recap inspect`, `recap compare` (checkpoints as positional arguments)
// and `recap lr-find`; the flag tables are in commands.ts.
import { UsageError, helpText, parseFlags } from './args.js';
import { COMPARE_FLAGS, INSPECT_FLAGS, LR_FIND_FLAGS, type InspectOptions } from './commands.js';
import type { Out } from './common.js';
import { compare } from './compare.js';
import { inspect } from './inspect.js';
import { lrFind } from './lr-find.js';

/** `recap compare A B ... [--out DIR]`: the words that are not flags or flag values are checkpoints. */
function splitPositional(argv: readonly string[]): { files: string[]; flags: string[] } {
  const files: string[] = [], flags: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a.startsWith('-') && a !== '-') {
      flags.push(a);
      const key = a.replace(/^--/, '').split('=')[0];
      if (!a.includes('=') && key === 'out' && i + 1 < argv.length) flags.push(argv[++i]);
    } else files.push(a);
  }
  return { files, flags };
}

export async function runInspectCommand(command: 'inspect' | 'compare' | 'lr-find', argv: readonly string[], o: Out): Promise<number> {
  if (command === 'inspect') {
    const { values, given } = parseFlags(argv, INSPECT_FLAGS, command);
    if (values.help) return help(command, o);
    if (values.checkpoint === undefined) throw new UsageError('missing --checkpoint FILE (a model.recap written by recap train)', command);
    if (values.steps % 2 !== 0) throw new UsageError(`--steps: expected an even number (Simpson's rule), got ${values.steps}`, command);
    return inspect(values as InspectOptions, given, o);
  }
  if (command === 'compare') {
    const { files, flags } = splitPositional(argv);
    const { values } = parseFlags(flags, COMPARE_FLAGS, command);
    if (values.help) return help(command, o);
    if (files.length < 2) throw new UsageError(`expected at least two checkpoints to compare, got ${files.length}`, command);
    return compare(files, values, o);
  }
  const { values, given } = parseFlags(argv, LR_FIND_FLAGS, command);
  if (values.help) return help(command, o);
  if (values.minLr >= values.maxLr) throw new UsageError(`--min-lr (${values.minLr}) must be below --max-lr (${values.maxLr})`, command);
  return lrFind(values, given, o);
}

function help(command: 'inspect' | 'compare' | 'lr-find', o: Out): number {
  o.out(helpText(command));
  return 0;
}
