import { displayPath } from '../diagnostics.js';
import { generateFiles, type OutputSet, type ResolvedOptions, resolveOptions, type Timings } from '../generate.js';
import { IN_PROCESS, type ModelSource } from '../model/thread.js';
import type { GenerateOptions } from '../options.js';
import { hasErrors, type Problem } from '../problems.js';
import { OutputError, type WriteReport, writeOutput } from '../write.js';
import { freshOutput, recordOutput, snapshotInputs } from './fresh.js';

/**
 * How the command line runs a target: where it runs (to name the spec in diagnostics) and the fast
 * path (`fresh.ts`). Without it (the programmatic API), every run is a full run, nothing is recorded
 * and diagnostics name the spec as generated files do.
 */
export interface RunContext {
  /** The folder the command runs in: diagnostics name the spec relative to it (generated files, relative to the target's `cwd`). */
  readonly cwd?: string;
  /** The cache folder; undefined: no fast path, nothing recorded. */
  readonly cache: string | undefined;
  /** Run in full even when nothing changed (`--force`); the run is still recorded. */
  readonly force?: boolean;
  /** Called as soon as a target needs a full run (the command line starts its parse worker then). */
  readonly onFullRun?: () => void;
}

/** What writing one output folder did. */
export interface FolderReport extends WriteReport {
  /** Absolute folder. */
  readonly dir: string;
}

/** The outcome of generating one spec: every problem, and what was written (nothing when there were errors). */
export interface RunReport {
  /** The spec, as problems and headers name it. */
  readonly spec: string;
  readonly ok: boolean;
  readonly folders: readonly FolderReport[];
  readonly problems: readonly Problem[];
  readonly timings: Timings & { write: number };
  /** Wall time of the whole run, ms. */
  readonly ms: number;
  /** True when nothing changed since the last run and the output was left as it was, without parsing. */
  readonly fresh: boolean;
}

/**
 * Generates `target` and writes its output; a spec with errors writes nothing. `models` parses on
 * this thread unless the command line gives its parse worker.
 */
export async function runTarget(
  target: GenerateOptions,
  models: ModelSource = IN_PROCESS,
  fast?: RunContext,
): Promise<RunReport> {
  const started = performance.now();
  const options = resolveOptions(target);
  const shown = diagnosticName(options, fast);
  const report = (ok: boolean, folders: FolderReport[], problems: readonly Problem[], fresh = false): RunReport => ({
    spec: shown,
    ok,
    folders,
    problems: renameSpec(problems, options, shown),
    timings,
    ms: performance.now() - started,
    fresh,
  });
  let timings = { parse: 0, model: 0, emit: 0, docs: 0, write: 0 };
  const unchanged = fast && !fast.force ? await freshOutput(options, fast.cache) : undefined;
  if (unchanged) {
    const folders = unchanged.folders.map((f) => ({ dir: f.dir, written: [], unchanged: f.files, removed: [] }));
    return report(true, folders, unchanged.problems, true);
  }
  fast?.onFullRun?.();
  const inputs = fast?.cache !== undefined ? await snapshotInputs(options) : undefined;
  const result = await generateFiles(options, models);
  timings = { ...result.timings, write: 0 };
  const done = (ok: boolean, folders: FolderReport[], problems: readonly Problem[]) => report(ok, folders, problems);
  if (!result.outputs || hasErrors(result.problems)) return done(false, [], result.problems);
  const t = performance.now();
  const folders: FolderReport[] = [];
  try {
    for (const set of result.outputs) folders.push({ dir: set.dir, ...(await writeSet(set)) });
  } catch (e) {
    if (!(e instanceof OutputError)) throw e;
    return done(false, folders, [...result.problems, outputProblem(e, target.cwd ?? process.cwd())]);
  }
  timings.write = performance.now() - t;
  if (inputs) await recordOutput(options, fast?.cache, inputs, result.outputs, result.problems);
  return done(true, folders, result.problems);
}

/**
 * How diagnostics name the spec: relative to where the command runs (so a terminal can open it),
 * while generated files name it relative to the project root (`options.specDisplay`).
 */
export function diagnosticName(options: ResolvedOptions, context: RunContext | undefined): string {
  return context?.cwd !== undefined ? displayPath(context.cwd, options.specPath) : options.specDisplay;
}

/** `problems` with the spec's generated-file name replaced by its diagnostic name. */
export function renameSpec(problems: readonly Problem[], options: ResolvedOptions, shown: string): readonly Problem[] {
  if (shown === options.specDisplay) return problems;
  return problems.map((p) => (p.file === options.specDisplay ? { ...p, file: shown } : p));
}

function writeSet(set: OutputSet): Promise<WriteReport> {
  return writeOutput(set.dir, set.files, set.staleExtensions);
}

/** An unwritable output folder as a problem (exit 2 on the command line). */
export function outputProblem(e: OutputError, cwd: string): Problem {
  return {
    code: 'output-unwritable',
    severity: 'error',
    message: e.message,
    file: displayPath(cwd, e.path),
    line: 0,
    column: 0,
    help: 'choose another output folder (--out, or `out` in the config)',
  };
}

/**
 * `generated 10 files in generated/ai-sdk (3 written, 7 unchanged) in 812 ms`, one line per folder;
 * on the fast path `10 files in generated/ai-sdk up to date (nothing changed since the last run) in 60 ms`.
 */
export function summaryLines(report: RunReport, cwd: string): string[] {
  const ms = Math.round(report.ms);
  return report.folders.map((f) => {
    if (report.fresh) {
      return `${f.unchanged.length} files in ${displayPath(cwd, f.dir)} up to date (nothing changed since the last run) in ${ms} ms`;
    }
    const parts = [`${f.written.length} written`, `${f.unchanged.length} unchanged`];
    if (f.removed.length > 0) parts.push(`${f.removed.length} removed`);
    const count = f.written.length + f.unchanged.length;
    return `generated ${count} files in ${displayPath(cwd, f.dir)} (${parts.join(', ')}) in ${ms} ms`;
  });
}

/** A run as JSON (the `--format json` document has one per spec). */
export function runJson(report: RunReport, cwd: string): object {
  const round = (n: number) => Math.round(n * 10) / 10;
  return {
    spec: report.spec,
    ok: report.ok,
    folders: report.folders.map((f) => ({
      dir: displayPath(cwd, f.dir),
      written: f.written,
      unchanged: f.unchanged,
      removed: f.removed,
    })),
    timings: Object.fromEntries(Object.entries(report.timings).map(([k, v]) => [k, round(v)])),
    ms: round(report.ms),
    fresh: report.fresh,
  };
}
