#!/usr/bin/env node
// The `recap` command line: train, sample, eval, export, import, prepro, features, caption. See `recap --help` and docs/cli.md.
//
// `main(argv, io)` runs one command and resolves to the exit code (0 ok, 1 runtime error,
// 2 usage error, 130 interrupted); it never calls process.exit, so tests can call it in-process.
// User errors (UsageError, RecapError, FormatError, DivergenceError, file-system errors) are
// printed as one line; anything else is a bug and keeps its stack trace.
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as recap from '../index.js';
import { UsageError, helpText, parseCommandLine } from './args.js';
import { type CliIO, type Out, userErrorLine, version } from './common.js';
import { caption } from './caption.js';
import { evaluate } from './eval.js';
import { features } from './features.js';
import { exportParams } from './export.js';
import { importParams } from './import.js';
import { runInspectCommand } from './inspect-commands.js';
import { prepro } from './prepro.js';
import { sample } from './sample.js';
import { train } from './train.js';

export type { CliIO } from './common.js';
export type { RunOptions } from './train.js';

export async function main(argv: readonly string[], io: CliIO = {}): Promise<number> {
  const o: Out = {
    out: io.stdout ?? ((s) => void process.stdout.write(s)),
    err: io.stderr ?? ((s) => void process.stderr.write(s)),
  };
  let commandName: string | null = null;
  try {
    const cmd = parseCommandLine(argv);
    if (cmd.command === 'help') {
      o.out(helpText(cmd.topic));
      return 0;
    }
    if (cmd.command === 'version') {
      o.out(`recap ${await version()}\n`);
      return 0;
    }
    commandName = cmd.command;
    if (cmd.command === 'train') return await train(cmd.options, cmd.given, io, o);
    if (cmd.command === 'sample') return await sample(cmd.options, cmd.given, o);
    if (cmd.command === 'export') return await exportParams(cmd.options, o);
    if (cmd.command === 'import') return await importParams(cmd.options, o);
    if (cmd.command === 'prepro') return await prepro(cmd.options, io, o);
    if (cmd.command === 'features') return await features(cmd.options, io, o);
    if (cmd.command === 'caption') return await caption(cmd.options, o);
    if ('argv' in cmd) return await runInspectCommand(cmd.command, cmd.argv, o);
    return await evaluate(cmd.options, cmd.given, o);
  } catch (e) {
    if (e instanceof UsageError) {
      const c = e.command ?? commandName;
      o.err(`recap${c ? ` ${c}` : ''}: ${e.message} (see 'recap ${c ? `${c} ` : ''}--help')\n`);
      return 2;
    }
    const line = userErrorLine(e);
    if (line !== null) {
      o.err(`recap${commandName ? ` ${commandName}` : ''}: ${line}\n`);
      return 1;
    }
    throw e;
  }
}

// ---------------------------------------------------------------------------------------------
// Entry

function isEntry(): boolean {
  if (!process.argv[1]) return false;
  try {
    return realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isEntry()) {
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  });
  main(process.argv.slice(2), { handleSigint: true }).then(
    (code) => {
      process.exitCode = code;
      // end worker threads, if the runtime has any, so they cannot keep the process alive
      (recap as unknown as { dispose?: () => void }).dispose?.();
    },
    (e) => {
      process.stderr.write(`recap: internal error (please report): ${(e as Error)?.stack ?? String(e)}\n`);
      process.exitCode = 1;
    },
  );
}
