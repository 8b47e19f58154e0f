/**
 * `check`: for CI. Generates in memory and compares with what is on disk, naming every file that
 * is stale, missing or extra (a file of ours that generation no longer produces), on stdout with the
 * summary: they are its result. Writes nothing but its cache record: when nothing changed since a
 * run that wrote or checked the output, and the files on disk are still that output (hashes), it
 * answers without parsing (`fresh.ts`).
 */
import path from 'node:path';
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
import { freshOutput, recordOutput, snapshotInputs } from './fresh.js';
import { isUsageError, parseGenerateFlags, reportEarly, runContext } from './generate.js';
import { CHECK_HELP } from './help.js';
import { diagnosticName, outputProblem, type RunContext, renameSpec } from './run.js';
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
  /** True when nothing changed since the last run and the output was proven unchanged, without parsing. */
  readonly fresh: boolean;
}

/** Checks one target against its output on disk; never writes. `models`: as for `runTarget`. */
export async function checkTarget(
  target: GenerateOptions,
  models: ModelSource = IN_PROCESS,
  fast?: RunContext,
): Promise<CheckReport> {
  const cwd = fast?.cwd ?? target.cwd ?? process.cwd();
  const options = resolveOptions(target);
  const shown = diagnosticName(options, fast);
  const unchanged = fast && !fast.force ? await freshOutput(options, fast.cache) : undefined;
  if (unchanged) {
    const files = unchanged.folders.reduce((n, f) => n + f.files.length, 0);
    const problems = renameSpec(unchanged.problems, options, shown);
    return { spec: shown, ok: true, findings: [], problems, files, fresh: true };
  }
  fast?.onFullRun?.();
  const inputs = fast?.cache !== undefined ? await snapshotInputs(options) : undefined;
  const result = await generateFiles(options, models);
  if (!result.outputs || hasErrors(result.problems)) {
    const problems = renameSpec(result.problems, options, shown);
    return { spec: shown, ok: false, findings: [], problems, files: 0, fresh: false };
  }
  const findings: Problem[] = [];
  const problems = [...renameSpec(result.problems, options, shown)];
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
    const from = `a fresh generation of ${shown}`;
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
  const ok = findings.length === 0 && !hasErrors(problems);
  // Up to date: the output on disk is what this run would write, so it is recorded as a generate's would be.
  if (ok && inputs) await recordOutput(options, fast?.cache, inputs, result.outputs, result.problems);
  return { spec: shown, ok, findings, problems, files, fresh: false };
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

  const context = await runContext(cwd, targets.root, values.force === true, models);
  const reports: CheckReport[] = [];
  for (const [i, target] of targets.targets.entries()) {
    reports.push(await checkTarget(target, i === targets.targets.length - 1 ? lastRequest(models) : models, context));
  }
  const problems = reports.flatMap((r) => r.problems);
  const findings = reports.flatMap((r) => r.findings);
  const broken = hasErrors(problems);
  if (format === 'json') {
    io.out(
      JSON.stringify(
        {
          ok: !broken && findings.length === 0,
          specs: reports.map((r) => ({ spec: r.spec, ok: r.ok, files: r.files, fresh: r.fresh, findings: r.findings })),
          problems,
        },
        null,
        2,
      ),
    );
  } else {
    // The spec's problems are diagnostics (stderr); the stale, missing and extra files are the result (stdout).
    printProblems(problems, format, verbose, io);
    printProblems(findings, format, verbose, { out: io.out, err: io.out });
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
  const parsed = parseGenerateFlags('check', args, ['runtime-import', 'outputs', 'no-docs', 'docs-out']);
  if (parsed.positionals.length > 1) throw new UsageError('check takes at most one spec file');
  return parsed;
}
