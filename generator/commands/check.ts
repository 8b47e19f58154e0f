/**
 * `check`: for CI. Generates in memory and compares with what is on disk, naming every file that
 * is stale, missing or extra (a file of ours that generation no longer produces). Writes nothing.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import {
  countProblems,
  displayPath,
  type Io,
  parseFormat,
  printProblems,
  type ReportFormat,
  UsageError,
} from '../diagnostics.js';
import { generateFiles, resolveOptions } from '../generate.js';
import { IN_PROCESS, lastRequest, type ModelSource } from '../model/thread.js';
import type { GenerateOptions } from '../options.js';
import { hasErrors, type Problem } from '../problems.js';
import { OutputError, planOutput } from '../write.js';
import { isUsageError, reportEarly } from './generate.js';
import { CHECK_HELP } from './help.js';
import { outputProblem } from './run.js';
import { resolveTargets, type TargetFlags } from './targets.js';

/** What checking one spec found. */
export interface CheckReport {
  readonly spec: string;
  /** True when every file is up to date (and the spec has no errors). */
  readonly ok: boolean;
  /** One `output-stale`, `output-missing` or `output-extra` problem per file. */
  readonly findings: readonly Problem[];
  /** The spec's own problems (errors stop the check). */
  readonly problems: readonly Problem[];
  /** How many files generation produces for this spec. */
  readonly files: number;
}

/** Checks one target against its output on disk; never writes. `models`: as for `runTarget`. */
export async function checkTarget(target: GenerateOptions, models: ModelSource = IN_PROCESS): Promise<CheckReport> {
  const cwd = target.cwd ?? process.cwd();
  const options = resolveOptions(target);
  const result = await generateFiles(options, models);
  if (!result.outputs || hasErrors(result.problems)) {
    return { spec: options.specDisplay, ok: false, findings: [], problems: result.problems, files: 0 };
  }
  const findings: Problem[] = [];
  const problems = [...result.problems];
  const help = 'run `asyncapi-nats generate` and commit the result';
  const finding = (dir: string, name: string, code: string, message: string, line = 0): Problem => ({
    code,
    severity: 'error',
    message,
    file: displayPath(cwd, path.join(dir, name)),
    line,
    column: line > 0 ? 1 : 0,
    help,
  });
  let files = 0;
  for (const set of result.outputs) {
    files += set.files.size;
    let plan: Awaited<ReturnType<typeof planOutput>>;
    try {
      plan = await planOutput(set.dir, set.files, set.staleExtensions);
    } catch (cause) {
      problems.push(outputProblem(new OutputError(set.dir, cause), cwd));
      continue;
    }
    const from = `a fresh generation of ${options.specDisplay}`;
    for (const u of plan.update) {
      findings.push(
        finding(set.dir, u.name, 'output-stale', `differs from ${from} (first difference on this line)`, u.line),
      );
    }
    for (const name of plan.create) findings.push(finding(set.dir, name, 'output-missing', `missing: ${from} has it`));
    for (const name of plan.remove) {
      findings.push(finding(set.dir, name, 'output-extra', `extra: generated before, but ${from} no longer has it`));
    }
  }
  return { spec: options.specDisplay, ok: findings.length === 0 && !hasErrors(problems), findings, problems, files };
}

/** `asyncapi-nats check`. `models`: the command line's parse worker, closed here when the command ends. */
export async function checkCommand(
  args: readonly string[],
  io: Io,
  cwd: string = process.cwd(),
  models: ModelSource = IN_PROCESS,
): Promise<number> {
  try {
    return await check(args, io, cwd, models);
  } finally {
    models.close();
  }
}

async function check(args: readonly string[], io: Io, cwd: string, models: ModelSource): Promise<number> {
  let values: ReturnType<typeof parseCheckArgs>['values'];
  let format: ReportFormat;
  let targets: Awaited<ReturnType<typeof resolveTargets>>;
  try {
    const parsed = parseCheckArgs(args);
    values = parsed.values;
    if (values.help) {
      io.out(CHECK_HELP);
      return 0;
    }
    format = parseFormat(values.format);
    targets = await resolveTargets(parsed.positionals, values as TargetFlags, cwd);
  } catch (e) {
    if (!isUsageError(e)) throw e;
    io.err(`error: ${e.message}\n\n${CHECK_HELP}`);
    return 2;
  }
  const verbose = values.verbose === true;
  if (!targets.targets || hasErrors(targets.problems)) return reportEarly(targets.problems, format, verbose, io);

  const reports: CheckReport[] = [];
  for (const [i, target] of targets.targets.entries()) {
    reports.push(await checkTarget(target, i === targets.targets.length - 1 ? lastRequest(models) : models));
  }
  const problems = reports.flatMap((r) => r.problems);
  const findings = reports.flatMap((r) => r.findings);
  const broken = hasErrors(problems);
  if (format === 'json') {
    io.out(
      JSON.stringify(
        {
          ok: !broken && findings.length === 0,
          specs: reports.map((r) => ({ spec: r.spec, ok: r.ok, files: r.files, findings: r.findings })),
          problems,
        },
        null,
        2,
      ),
    );
  } else {
    printProblems([...problems, ...findings], format, verbose, io);
    for (const r of reports) {
      if (hasErrors(r.problems)) io.err(`${r.spec}: ${countProblems(r.problems)}; could not check its output`);
    }
    const total = reports.reduce((n, r) => n + r.files, 0);
    const count = (code: string) => findings.filter((f) => f.code === code).length;
    if (!broken) {
      io.out(
        findings.length === 0
          ? `check: ${total} files up to date`
          : `check: ${count('output-stale')} stale, ${count('output-missing')} missing, ${count('output-extra')} extra (of ${total} files); run \`asyncapi-nats generate\``,
      );
    }
  }
  return broken ? 2 : findings.length > 0 ? 1 : 0;
}

function parseCheckArgs(args: readonly string[]) {
  const parsed = parseArgs({
    args: [...args],
    allowPositionals: true,
    strict: true,
    options: {
      out: { type: 'string', short: 'o' },
      'runtime-import': { type: 'string' },
      outputs: { type: 'string' },
      'no-docs': { type: 'boolean' },
      'docs-out': { type: 'string' },
      templates: { type: 'string' },
      config: { type: 'string', short: 'c' },
      format: { type: 'string' },
      verbose: { type: 'boolean', short: 'v' },
      strict: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (parsed.positionals.length > 1) throw new UsageError('check takes at most one spec file');
  return parsed;
}
