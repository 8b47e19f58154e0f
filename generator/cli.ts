/**
 * The `asyncapi-nats` command. Exit codes: 0 success, 1 a check found something (later commands),
 * 2 a usage error or a spec with errors. User errors print diagnostics, never a stack trace.
 */

import path from 'node:path';
import { parseArgs } from 'node:util';
import { formatProblem, type Problem, sortProblems } from './problems.js';

export const EXIT = { ok: 0, found: 1, usage: 2 } as const;

const MAIN_HELP = `asyncapi-nats — AsyncAPI → typed NATS clients, servers and zod schemas

Usage:
  asyncapi-nats generate <spec> [--out <dir>] [--runtime-import <module>]
  asyncapi-nats <command> --help

Commands:
  generate   write types, zod schemas, subjects, client and server for a spec

Exit codes: 0 ok, 2 usage error or spec error.`;

const GENERATE_HELP = `Usage: asyncapi-nats generate <spec> [options]

Reads an AsyncAPI 3.x document (2.x is converted) and writes, into the output folder:
  types.ts     TypeScript types of every payload, header set and subject parameter set
  schemas.ts   zod schemas for the same types
  subjects.ts  typed subject builders
  client.ts    a client class with one method per send operation (publish / request)
  server.ts    a server class with one registration per receive operation (subscribe / reply)
  index.ts     everything above, by name

Options:
  -o, --out <dir>              output folder (default: generated/<spec name>)
      --runtime-import <spec>  module the generated code imports the runtime from
                               (default: asyncapi-nats/runtime)
  -v, --verbose                also print informational diagnostics
  -h, --help                   show this help

A spec with errors prints each as \`file:line:col error CODE message\` with a help line,
exits 2 and writes nothing.`;

interface Io {
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
}

const defaultIo: Io = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
};

function printProblems(problems: readonly Problem[], verbose: boolean, io: Io): void {
  for (const p of sortProblems(problems)) {
    if (p.severity === 'info' && !verbose) continue;
    io.err(formatProblem(p));
  }
}

async function generateCommand(args: string[], io: Io): Promise<number> {
  let parsed: ReturnType<typeof parseGenerateArgs>;
  try {
    parsed = parseGenerateArgs(args);
  } catch (e) {
    io.err(`error: ${(e as Error).message}\n\n${GENERATE_HELP}`);
    return EXIT.usage;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    io.out(GENERATE_HELP);
    return EXIT.ok;
  }
  if (positionals.length !== 1) {
    io.err(`error: generate takes exactly one spec file, got ${positionals.length}\n\n${GENERATE_HELP}`);
    return EXIT.usage;
  }
  // Loaded on demand: the AsyncAPI parser takes about a second to import, which `--help` need not pay.
  const { generateFiles, resolveOptions } = await import('./generate.js');
  const { OutputError, writeOutput } = await import('./write.js');
  const options = resolveOptions({
    spec: positionals[0] as string,
    ...(values.out !== undefined ? { out: values.out } : {}),
    ...(values['runtime-import'] !== undefined ? { runtimeImport: values['runtime-import'] } : {}),
  });
  const started = performance.now();
  const result = await generateFiles(options);
  printProblems(result.problems, values.verbose === true, io);
  if (!result.files) {
    const errors = result.problems.filter((p) => p.severity === 'error').length;
    io.err(`${errors} error${errors === 1 ? '' : 's'}; nothing was written`);
    return EXIT.usage;
  }
  let report: Awaited<ReturnType<typeof writeOutput>>;
  try {
    report = await writeOutput(options.outDir, result.files);
  } catch (e) {
    if (!(e instanceof OutputError)) throw e;
    io.err(
      formatProblem({
        code: 'output-unwritable',
        severity: 'error',
        message: e.message,
        file: path.relative(process.cwd(), options.outDir) || '.',
        line: 0,
        column: 0,
        help: 'choose another --out folder',
      }),
    );
    return EXIT.usage;
  }
  const ms = Math.round(performance.now() - started);
  const where = path.relative(process.cwd(), options.outDir) || '.';
  const parts = [`${report.written.length} written`, `${report.unchanged.length} unchanged`];
  if (report.removed.length > 0) parts.push(`${report.removed.length} removed`);
  io.out(`generated ${result.files.size} files in ${where} (${parts.join(', ')}) in ${ms} ms`);
  return EXIT.ok;
}

function parseGenerateArgs(args: string[]) {
  return parseArgs({
    args,
    allowPositionals: true,
    strict: true,
    options: {
      out: { type: 'string', short: 'o' },
      'runtime-import': { type: 'string' },
      verbose: { type: 'boolean', short: 'v' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}

/** Runs the CLI with `argv` (without node and script) and returns the exit code. */
export async function main(argv: readonly string[], io: Io = defaultIo): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case undefined:
    case '-h':
    case '--help':
    case 'help':
      (command === undefined ? io.err : io.out)(MAIN_HELP);
      return command === undefined ? EXIT.usage : EXIT.ok;
    case 'generate':
      return generateCommand(rest, io);
    default:
      io.err(`error: unknown command '${command}'\n\n${MAIN_HELP}`);
      return EXIT.usage;
  }
}
