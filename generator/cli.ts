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
  asyncapi-nats generate <spec> [--out <dir>] [--runtime-import <module>] [--templates <dir>]
  asyncapi-nats docs <spec> [--out <dir>] [--templates <dir>]
  asyncapi-nats <command> --help

Commands:
  generate   write types, zod schemas, subjects, client, server and the docs site for a spec
  docs       write only the static docs site for a spec

Exit codes: 0 ok, 2 usage error or spec error.`;

const GENERATE_HELP = `Usage: asyncapi-nats generate <spec> [options]

Reads an AsyncAPI 3.x document (2.x is converted) and writes, into the output folder:
  types.ts     TypeScript types of every payload, header set and subject parameter set
  schemas.ts   zod schemas for the same types
  subjects.ts  typed subject builders
  client.ts    a client class with one method per send operation (publish / request)
  server.ts    a server class with one registration per receive operation (subscribe / reply)
  index.ts     everything above, by name
  docs/        the static docs site (see \`asyncapi-nats docs --help\`)

Options:
  -o, --out <dir>              output folder (default: generated/<spec name>)
      --runtime-import <spec>  module the generated code imports the runtime from
                               (default: asyncapi-nats/runtime)
      --templates <dir>        docs templates that replace ours by file name
      --no-docs                do not write docs/
  -v, --verbose                also print informational diagnostics
  -h, --help                   show this help

A spec with errors prints each as \`file:line:col error CODE message\` with a help line,
exits 2 and writes nothing.`;

const DOCS_HELP = `Usage: asyncapi-nats docs <spec> [options]

Writes a static, searchable docs site for an AsyncAPI document: every subject with its parameters,
each operation with its messages, headers, payload schema, examples (checked against the schema),
NATS facts (queue group, JetStream stream and consumer, timeout, error replies) and snippets of the
generated client/server code and the \`nats\` CLI. It works offline and from file://.
  index.html          the page
  assets/site.css     styles (light and dark)
  assets/site.js      search, theme, deep links, copy buttons
  search-index.js     the search index

Options:
  -o, --out <dir>        output folder (default: generated/<spec name>/docs)
      --templates <dir>  a folder with any of index.html.hbs, partials/*.hbs, assets/site.css,
                         assets/site.js; files missing there come from ours (templates/docs/)
  -v, --verbose          also print informational diagnostics
  -h, --help             show this help

A spec with errors, or an example that does not match its schema, prints each problem as
\`file:line:col error CODE message\` with a help line, exits 2 and writes nothing.`;

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

async function generateCommand(command: 'generate' | 'docs', args: string[], io: Io): Promise<number> {
  const help = command === 'docs' ? DOCS_HELP : GENERATE_HELP;
  let parsed: ReturnType<typeof parseGenerateArgs>;
  try {
    parsed = parseGenerateArgs(command, args);
  } catch (e) {
    io.err(`error: ${(e as Error).message}\n\n${help}`);
    return EXIT.usage;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    io.out(help);
    return EXIT.ok;
  }
  if (positionals.length !== 1) {
    io.err(`error: ${command} takes exactly one spec file, got ${positionals.length}\n\n${help}`);
    return EXIT.usage;
  }
  // Loaded on demand: the AsyncAPI parser takes about a second to import, which `--help` need not pay.
  const { generateDocsFiles, generateFiles, resolveDocsOptions, resolveOptions } = await import('./generate.js');
  const { OutputError, writeOutput } = await import('./write.js');
  const given = {
    spec: positionals[0] as string,
    ...(values.out !== undefined ? { out: values.out } : {}),
    ...(values['runtime-import'] !== undefined ? { runtimeImport: values['runtime-import'] } : {}),
    ...(values.templates !== undefined ? { templates: values.templates } : {}),
    ...(values['no-docs'] === true ? { docs: false } : {}),
  };
  const options = command === 'docs' ? resolveDocsOptions(given) : resolveOptions(given);
  const started = performance.now();
  const result = command === 'docs' ? await generateDocsFiles(options) : await generateFiles(options);
  printProblems(result.problems, values.verbose === true, io);
  if (!result.files) {
    const errors = result.problems.filter((p) => p.severity === 'error').length;
    io.err(`${errors} error${errors === 1 ? '' : 's'}; nothing was written`);
    return EXIT.usage;
  }
  let report: Awaited<ReturnType<typeof writeOutput>>;
  try {
    // The docs command removes only stale site files, never generated code next to them.
    report =
      command === 'docs'
        ? await writeOutput(options.outDir, result.files, ['.html', '.css', '.js'])
        : await writeOutput(options.outDir, result.files);
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

function parseGenerateArgs(command: 'generate' | 'docs', args: string[]) {
  const generateOnly = {
    'runtime-import': { type: 'string' },
    'no-docs': { type: 'boolean' },
  } as const;
  const common = {
    out: { type: 'string', short: 'o' },
    templates: { type: 'string' },
    verbose: { type: 'boolean', short: 'v' },
    help: { type: 'boolean', short: 'h' },
  } as const;
  const parsed = parseArgs({ args, allowPositionals: true, strict: true, options: { ...common, ...generateOnly } });
  if (command === 'docs') {
    for (const name of Object.keys(generateOnly)) {
      if (name in parsed.values) throw new Error(`option '--${name}' is not known to the docs command`);
    }
  }
  return parsed;
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
    case 'docs':
      return generateCommand(command, rest, io);
    default:
      io.err(`error: unknown command '${command}'\n\n${MAIN_HELP}`);
      return EXIT.usage;
  }
}
