// The flag kinds of the `recap` command line and the error it throws: what the command tables
// (commands.ts) are written in and what the parser (args.ts) reads, so neither imports the other
// both ways.

/** A command-line mistake: the CLI prints `recap <cmd>: <message>` on one line and exits 2. */
export class UsageError extends Error {
  readonly command: string | null;
  constructor(message: string, command: string | null = null) {
    super(message);
    this.name = 'UsageError';
    this.command = command;
  }
}

/** `--data`: the built-in shapes world, a CS231n coco_captioning directory, a `recap prepro` file, or a Karpathy-split JSON (with --features). */
export type DataSpec = { kind: 'shapes' } | { kind: 'coco'; dir: string } | { kind: 'prepared'; file: string } | { kind: 'karpathy'; json: string };

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
