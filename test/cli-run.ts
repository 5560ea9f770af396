// The CLI run in-process (main(argv, io)) with its output captured: what every CLI test calls.
import { main } from '../src/cli/main.js';
import type { CliIO } from '../src/cli/common.js';

export interface CliRun { code: number; stdout: string; stderr: string }

/** Runs `recap argv…` without a TTY; `io` overrides the defaults (progressInterval, stdin, …). */
export async function runCli(argv: string[], io: CliIO = {}): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, { stdout: (s) => void (stdout += s), stderr: (s) => void (stderr += s), stderrIsTTY: false, ...io });
  return { code, stdout, stderr };
}
