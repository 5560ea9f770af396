// What every command shares: where output goes, how user errors print, the package version.
import { readFile } from 'node:fs/promises';
import { DivergenceError, FormatError, RecapError, type StepInfo } from '../index.js';

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

export interface Out {
  out: (text: string) => void;
  err: (text: string) => void;
}

/** One line for errors that are the user's (bad input, files), null for bugs. */
export function userErrorLine(e: unknown): string | null {
  if (e instanceof RecapError || e instanceof FormatError || e instanceof DivergenceError) return oneLine(e.message);
  const err = e as NodeJS.ErrnoException;
  if (err instanceof Error && typeof err.code === 'string' && /^E[A-Z]+$/.test(err.code)) return oneLine(err.message);
  return null;
}

export function oneLine(s: string): string {
  return s.replace(/\s*\n\s*/g, ' ').trim();
}

export async function version(): Promise<string> {
  try {
    return JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8')).version;
  } catch {
    return 'unknown';
  }
}

export function clock(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '--:--';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${String(r).padStart(2, '0')}` : `${m}:${String(r).padStart(2, '0')}`;
}


export function shellQuote(s: string): string {
  return /^[\w./:=@%+-]+$/.test(s) ? s : `'${s.replace(/'/g, "'\\''")}'`;
}
