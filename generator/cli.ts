/**
 * The `asyncapi-nats` command (docs/cli.md is its manual). Exit codes: 0 success, 1 `check` or `diff`
 * found something, 2 a usage error, a config or spec with errors. User errors print diagnostics,
 * never a stack trace; only a bug of ours reaches bin/ (exit 70). Commands are loaded on demand: the
 * AsyncAPI parser takes about a second to import, which `--help` need not pay, nor a `generate` or
 * `check` whose inputs did not change (the fast path, `commands/fresh.ts`). When a spec does need
 * parsing, it is parsed on a worker thread (`model/thread.ts`), started as soon as that is known.
 */
import { existsSync, readFileSync } from 'node:fs';
import { suggestCommand } from './commands/args.js';
import { defaultIo, type Io } from './diagnostics.js';
import { type LazyModels, lazyModels } from './model/thread.js';

/**
 * The parse worker of generate, check or docs. Started at once when a full run is certain (`--force`)
 * or likely (no fast-path cache yet: a first run, a fresh CI checkout), so the parser loads on it
 * while this thread loads the command and the config; else only when a spec turns out to need parsing.
 */
async function modelsFor(args: readonly string[], cwd: string): Promise<LazyModels> {
  const models = lazyModels();
  const { cacheDir } = await import('./commands/fresh.js');
  const cache = await cacheDir(cwd);
  if (args.includes('--force') || cache === undefined || !existsSync(cache)) models.start();
  return models;
}

/** This package's version (`asyncapi-nats --version`). */
function version(): string {
  for (const up of ['../package.json', '../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(up, import.meta.url), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'asyncapi-nats' && pkg.version !== undefined) return pkg.version;
    } catch {
      // not here: one folder up
    }
  }
  return 'unknown';
}

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
  asyncapi-nats --version

Without a spec, generate, check and docs work on every spec of asyncapi-nats.config.ts (or .mts,
.js, .mjs, .json). Every command takes --format text|json|github.

Results go to stdout, diagnostics (problems, warnings, usage errors) to stderr.
Exit codes: 0 ok, 1 check or diff found something, 2 usage, config or spec error.
Manual: docs/cli.md in the package.`;

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
    case '-V':
    case '--version':
      io.out(version());
      return EXIT.ok;
    case 'generate':
    case 'docs': {
      const models = await modelsFor(rest, cwd);
      const { generateCommand } = await import('./commands/generate.js');
      return generateCommand(command, rest, io, cwd, models);
    }
    case 'check': {
      const models = await modelsFor(rest, cwd);
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
    default: {
      const close = command.startsWith('-') ? undefined : suggestCommand(command);
      const what = command.startsWith('-')
        ? `'${command}' is not an option of asyncapi-nats itself; options come after the command`
        : `unknown command '${command}'${close !== undefined ? `; did you mean '${close}'?` : ''}`;
      io.err(`error: ${what}\n\n${MAIN_HELP}`);
      return EXIT.usage;
    }
  }
}
