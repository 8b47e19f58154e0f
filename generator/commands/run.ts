import { displayPath } from '../diagnostics.js';
import { generateFiles, type OutputSet, resolveOptions, type Timings } from '../generate.js';
import { IN_PROCESS, type ModelSource } from '../model/thread.js';
import type { GenerateOptions } from '../options.js';
import { hasErrors, type Problem } from '../problems.js';
import { OutputError, type WriteReport, writeOutput } from '../write.js';

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
}

/**
 * Generates `target` and writes its output; a spec with errors writes nothing. `models` parses on
 * this thread unless the command line gives its parse worker.
 */
export async function runTarget(target: GenerateOptions, models: ModelSource = IN_PROCESS): Promise<RunReport> {
  const started = performance.now();
  const options = resolveOptions(target);
  const result = await generateFiles(options, models);
  const timings = { ...result.timings, write: 0 };
  const done = (ok: boolean, folders: FolderReport[], problems: readonly Problem[]): RunReport => ({
    spec: options.specDisplay,
    ok,
    folders,
    problems,
    timings,
    ms: performance.now() - started,
  });
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
  return done(true, folders, result.problems);
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

/** `generated 10 files in generated/ai-sdk (3 written, 7 unchanged) in 812 ms`, one line per folder. */
export function summaryLines(report: RunReport, cwd: string): string[] {
  const ms = Math.round(report.ms);
  return report.folders.map((f) => {
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
  };
}
