/**
 * The one error type recap throws for bad input. `argument` names the offending argument,
 * `expected` and `actual` say what was wanted and what came. Thrown before any state changes.
 */
export class RecapError extends Error {
  readonly argument: string;
  readonly expected: string;
  readonly actual: string;
  constructor(argument: string, expected: string, actual: string, detail?: string) {
    super(`${argument}: expected ${expected}, got ${actual}${detail ? ` (${detail})` : ''}`);
    this.name = 'RecapError';
    this.argument = argument;
    this.expected = expected;
    this.actual = actual;
  }
}

/** Training stopped because the loss or a gradient became NaN/Inf. */
export class DivergenceError extends Error {
  readonly iteration: number;
  constructor(iteration: number, what: string) {
    super(`training diverged at iteration ${iteration}: ${what} is not finite; parameters are those of the last good step`);
    this.name = 'DivergenceError';
    this.iteration = iteration;
  }
}

/** A checkpoint or data file is missing, truncated or corrupt. */
export class FormatError extends Error {
  readonly file: string;
  constructor(file: string, message: string) {
    super(`${file}: ${message}`);
    this.name = 'FormatError';
    this.file = file;
  }
}

export function fail(argument: string, expected: string, actual: unknown, detail?: string): never {
  throw new RecapError(argument, expected, describe(actual), detail);
}

export function describe(v: unknown): string {
  if (Array.isArray(v)) return `[${v.join(', ')}]`;
  if (typeof v === 'string') return JSON.stringify(v);
  return String(v);
}
