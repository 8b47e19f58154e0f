/**
 * The `asyncapi-nats` command. Exit codes: 0 success, 1 `check` or `diff` found something, 2 a usage
 * error, a config or spec with errors. User errors print diagnostics, never a stack trace; only a
 * bug of ours reaches bin/ (exit 70). Commands are loaded on demand: the AsyncAPI parser takes about
 * a second to import, which `--help` need not pay. generate, docs and check parse on a worker thread
 * (`model/thread.ts`), started before anything else is loaded.
 */
import { defaultIo, type Io } from './diagnostics.js';
import { startModelWorker } from './model/thread.js';

export const EXIT = { ok: 0, found: 1, usage: 2 } as const;

const MAIN_HELP = `asyncapi-nats — AsyncAPI → typed NATS clients, servers, zod schemas and a docs site

Usage:
  asyncapi-nats init [--spec <path>]                       write a starter config and spec
  asyncapi-nats generate [spec] [--watch] [options]        write the typed code and the docs site
  asyncapi-nats check [spec] [options]                     CI: is the generated output up to date?
  asyncapi-nats diff <old-spec> <new-spec> [--fail-on breaking]
                                                           classify changes between two specs
  asyncapi-nats docs [spec] [--out <dir>]                  write only the docs site
  asyncapi-nats <command> --help

Without a spec, generate, check and docs work on every spec of asyncapi-nats.config.ts (or .mts,
.js, .mjs, .json). Every command takes --format text|json|github.

Exit codes: 0 ok, 1 check or diff found something, 2 usage, config or spec error.`;

/** Runs the CLI with `argv` (without node and script) in `cwd` and returns the exit code. */
export async function main(argv: readonly string[], io: Io = defaultIo, cwd: string = process.cwd()): Promise<number> {
  const [command, ...rest] = argv;
  if (command !== undefined && (rest.includes('--help') || rest.includes('-h'))) {
    const help = await import('./commands/help.js');
    const text = { init: help.INIT_HELP, generate: help.GENERATE_HELP, check: help.CHECK_HELP, docs: help.DOCS_HELP }[
      command
    ];
    if (text !== undefined) {
      io.out(text);
      return EXIT.ok;
    }
  }
  switch (command) {
    case undefined:
    case '-h':
    case '--help':
    case 'help':
      (command === undefined ? io.err : io.out)(MAIN_HELP);
      return command === undefined ? EXIT.usage : EXIT.ok;
    case 'generate':
    case 'docs': {
      // First, so the parser loads on the worker while this thread loads the command and the config.
      const models = startModelWorker();
      const { generateCommand } = await import('./commands/generate.js');
      return generateCommand(command, rest, io, cwd, models);
    }
    case 'check': {
      const models = startModelWorker();
      const { checkCommand } = await import('./commands/check.js');
      return checkCommand(rest, io, cwd, models);
    }
    case 'init': {
      const { initCommand } = await import('./commands/init.js');
      return initCommand(rest, io, cwd);
    }
    case 'diff': {
      const { diffCommand } = await import('./diff/index.js');
      return diffCommand(rest, io, { cwd });
    }
    default:
      io.err(`error: unknown command '${command}'\n\n${MAIN_HELP}`);
      return EXIT.usage;
  }
}
