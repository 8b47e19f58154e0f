/** The `generate` and `docs` commands (and `generate --watch`). */
import path from 'node:path';
import { countProblems, type Io, parseFormat, printProblems, type ReportFormat, UsageError } from '../diagnostics.js';
import type { LazyModels } from '../model/thread.js';
import { IN_PROCESS, lastRequest, type ModelSource } from '../model/thread.js';
import type { GenerateOptions } from '../options.js';
import { specName } from '../options.js';
import { hasErrors, type Problem } from '../problems.js';
import { parseCommandArgs } from './args.js';
import { cacheDir } from './fresh.js';
import { DOCS_HELP, GENERATE_HELP } from './help.js';
import { type RunContext, type RunReport, runJson, runTarget, summaryLines } from './run.js';
import { resolveTargets, type TargetFlags } from './targets.js';

const COMMON = {
  out: { type: 'string', short: 'o' },
  templates: { type: 'string' },
  config: { type: 'string', short: 'c' },
  format: { type: 'string' },
  verbose: { type: 'boolean', short: 'v' },
  strict: { type: 'boolean' },
  force: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

const GENERATE_ONLY = {
  'runtime-import': { type: 'string' },
  outputs: { type: 'string' },
  'no-docs': { type: 'boolean' },
  'docs-out': { type: 'string' },
  watch: { type: 'boolean', short: 'w' },
} as const;

/** A mistake in how a command was called: ours, or node:util parseArgs' (`ERR_PARSE_ARGS_*`). */
export function isUsageError(e: unknown): e is Error {
  return e instanceof UsageError || String((e as { code?: unknown } | undefined)?.code).startsWith('ERR_PARSE_ARGS');
}

/**
 * Parses the flags of `command`: generate takes them all, docs the common ones, check all but
 * `--watch` (`allowed`: which of generate's own it takes). The values are typed as generate's.
 */
export function parseGenerateFlags(command: string, args: readonly string[], allowed: readonly string[] = []) {
  const own = Object.fromEntries(Object.entries(GENERATE_ONLY).filter(([name]) => allowed.includes(name)));
  const elsewhere = Object.fromEntries(
    Object.keys(GENERATE_ONLY)
      .filter((name) => !allowed.includes(name))
      .map((name) => [name, 'generate']),
  );
  const parsed = parseCommandArgs(
    command,
    { args: [...args], allowPositionals: true, options: { ...COMMON, ...own } },
    { elsewhere },
  );
  return parsed as unknown as ReturnType<typeof parseAll>;
}

/** The shape of the values when every flag is allowed (for typing only). */
function parseAll(args: string[]) {
  return parseCommandArgs('generate', { args, allowPositionals: true, options: { ...COMMON, ...GENERATE_ONLY } });
}

/** A docs-only target: the site of `target`, written where `generate` would write it. */
export function docsOnly(target: GenerateOptions): GenerateOptions {
  const docs = typeof target.docs === 'object' ? target.docs : {};
  const base = target.cwd ?? process.cwd();
  const out =
    docs.out ?? path.join(path.resolve(base, target.out ?? path.join('generated', specName(target.spec))), 'docs');
  return {
    ...target,
    out,
    outputs: ['docs'],
    docs: { out, ...(docs.templates !== undefined ? { templates: docs.templates } : {}) },
  };
}

/**
 * How the command line runs its targets: diagnostics relative to `cwd`, the project's cache folder
 * for the fast path, and the parse worker started (if `models` can be) when a target needs a full run.
 */
export async function runContext(cwd: string, root: string, force: boolean, models: ModelSource): Promise<RunContext> {
  const start = (models as Partial<LazyModels>).start;
  return {
    cwd,
    cache: await cacheDir(root),
    force,
    ...(start !== undefined ? { onFullRun: start } : {}),
  };
}

/** Prints the reports of a run of every target; returns the exit code. */
export function report(
  reports: readonly RunReport[],
  format: ReportFormat,
  verbose: boolean,
  io: Io,
  cwd: string,
): number {
  const problems = reports.flatMap((r) => r.problems);
  const ok = reports.every((r) => r.ok);
  if (format === 'json') {
    io.out(JSON.stringify({ ok, specs: reports.map((r) => runJson(r, cwd)), problems }, null, 2));
  } else {
    printProblems(problems, format, verbose, io);
    for (const r of reports) {
      if (r.ok) for (const line of summaryLines(r, cwd)) io.out(line);
      else io.err(`${r.spec}: ${countProblems(r.problems)}; nothing was written`);
    }
  }
  return ok ? 0 : 2;
}

/** Prints problems that stop a command before anything runs (a broken config); exit code 2. */
export function reportEarly(problems: readonly Problem[], format: ReportFormat, verbose: boolean, io: Io): number {
  if (format === 'json') io.out(JSON.stringify({ ok: false, specs: [], problems }, null, 2));
  else {
    printProblems(problems, format, verbose, io);
    io.err(`${countProblems(problems)}; nothing was done`);
  }
  return 2;
}

/**
 * `asyncapi-nats generate` and `asyncapi-nats docs`. `models` is the parse worker the command line
 * started (closed here when the command ends); `--watch` parses on this thread.
 */
export async function generateCommand(
  command: 'generate' | 'docs',
  args: readonly string[],
  io: Io,
  cwd: string = process.cwd(),
  models: ModelSource = IN_PROCESS,
): Promise<number> {
  try {
    return await generate(command, args, io, cwd, models);
  } finally {
    models.close();
  }
}

async function generate(
  command: 'generate' | 'docs',
  args: readonly string[],
  io: Io,
  cwd: string,
  models: ModelSource,
): Promise<number> {
  const help = command === 'docs' ? DOCS_HELP : GENERATE_HELP;
  let values: ReturnType<typeof parseGenerateFlags>['values'];
  let positionals: string[];
  let format: ReportFormat;
  let targets: Awaited<ReturnType<typeof resolveTargets>>;
  try {
    ({ values, positionals } = parseGenerateFlags(command, args, command === 'docs' ? [] : Object.keys(GENERATE_ONLY)));
    if (values.help) {
      io.out(help);
      return 0;
    }
    format = parseFormat(values.format);
    if (values.watch && format === 'json') throw new UsageError('--watch reports as text or github, not json');
    // For the docs command, --out is the site's own folder.
    const flags: TargetFlags =
      command === 'docs' ? { ...values, out: undefined, 'docs-out': values.out } : (values as TargetFlags);
    targets = await resolveTargets(positionals, flags, cwd);
  } catch (e) {
    if (!isUsageError(e)) throw e;
    io.err(`error: ${e.message}\n\n${help}`);
    return 2;
  }
  const verbose = values.verbose === true;
  if (values.watch) {
    models.close();
    const { watchTargets } = await import('../watch.js');
    return watchTargets({ positionals, flags: values as TargetFlags, cwd, io, format, verbose });
  }
  if (!targets.targets || hasErrors(targets.problems)) return reportEarly(targets.problems, format, verbose, io);
  const context = await runContext(cwd, targets.root, values.force === true, models);
  const reports: RunReport[] = [];
  for (const [i, target] of targets.targets.entries()) {
    const source = i === targets.targets.length - 1 ? lastRequest(models) : models;
    reports.push(await runTarget(command === 'docs' ? docsOnly(target) : target, source, context));
  }
  return report(reports, format, verbose, io, cwd);
}
