/**
 * Programmatic API: `import { generate, check, diff, defineConfig } from 'asyncapi-nats'`, with the
 * same options as the config file and the command line. The generator is loaded on first use, so a
 * config file importing `defineConfig` stays cheap.
 */
import type { CheckReport } from './commands/check.js';
import type { FolderReport } from './commands/run.js';
import type { DiffOptions, DiffReport } from './diff/index.js';
import type { Timings } from './generate.js';
import type { GenerateOptions } from './options.js';
import { type Problem, SpecError } from './problems.js';
import { OutputError, type WriteReport } from './write.js';

export type { CheckReport } from './commands/check.js';
export type { FolderReport } from './commands/run.js';
export { type AsyncApiNatsConfig, defineConfig, type LoadedConfig, loadConfig, type SpecConfig } from './config.js';
export type { ChangeKind, DiffOptions, DiffReport, SpecChange } from './diff/index.js';
export type { Timings } from './generate.js';
export { type DocsOptions, type GenerateOptions, OUTPUT_KINDS, type OutputKind } from './options.js';
export type { Problem, Severity } from './problems.js';
export { formatProblem, SpecError } from './problems.js';
export { OutputError, type WriteReport } from './write.js';

/** What `generate` did. `written`/`unchanged`/`removed` are those of the output folder (`outDir`). */
export interface GenerateResult extends WriteReport {
  /** Absolute output folder. */
  readonly outDir: string;
  /** Every folder written (the output folder, and the docs folder when it is elsewhere). */
  readonly folders: readonly FolderReport[];
  /** Warnings and infos (errors throw). */
  readonly problems: readonly Problem[];
  readonly timings: Timings & { readonly write: number };
}

/**
 * Generates the typed NATS module (and docs site) for a spec and writes it. Throws `SpecError` (with
 * every problem, located) when the spec has errors, `OutputError` when the output folder cannot be
 * written; a spec with errors writes nothing.
 */
export async function generate(options: GenerateOptions): Promise<GenerateResult> {
  const { runTarget } = await import('./commands/run.js');
  const { resolveOptions } = await import('./generate.js');
  const outDir = resolveOptions(options).outDir;
  const report = await runTarget(options);
  if (!report.ok) {
    const unwritable = report.problems.find((p) => p.code === 'output-unwritable');
    if (unwritable) throw new OutputError(unwritable.file, new Error(unwritable.message));
    throw new SpecError(report.problems);
  }
  const main = report.folders.find((f) => f.dir === outDir) ?? report.folders[0];
  return {
    written: main?.written ?? [],
    unchanged: main?.unchanged ?? [],
    removed: main?.removed ?? [],
    outDir,
    folders: report.folders,
    problems: report.problems,
    timings: report.timings,
  };
}

/**
 * Compares what `generate` would write with what is on disk, writing nothing. `ok` is false when a
 * file is stale, missing or extra; `findings` names each. Throws `SpecError` when the spec has errors.
 */
export async function check(options: GenerateOptions): Promise<CheckReport> {
  const { checkTarget } = await import('./commands/check.js');
  const report = await checkTarget(options);
  if (report.problems.some((p) => p.severity === 'error')) throw new SpecError(report.problems);
  return report;
}

/**
 * Classifies the changes from `old` to `new` (file paths, or `REV:path` git revisions) as breaking,
 * non-breaking or unclassified. Throws `SpecError` when either spec cannot be read or has errors.
 */
export async function diff(options: DiffOptions): Promise<DiffReport> {
  const { diffSpecs } = await import('./diff/index.js');
  const report = await diffSpecs(options);
  if (report.problems.some((p) => p.severity === 'error')) throw new SpecError(report.problems);
  return report;
}

/** Options of {@link generateDocs}: `out` defaults to `generated/<spec name>/docs`. */
export interface GenerateDocsOptions {
  /** Path of the spec file. */
  readonly spec: string;
  /** Output folder of the site; default `generated/<spec name>/docs`. */
  readonly out?: string;
  /** A folder of templates that replace ours (templates/docs/) by file name. */
  readonly templates?: string;
  /** Folder relative paths are resolved against; default `process.cwd()`. */
  readonly cwd?: string;
  /** An example that does not match its schema is an error (as `--strict`); by default a warning. */
  readonly strict?: boolean;
}

/**
 * Writes the static docs site of a spec (index.html, assets/, search-index.js). Throws `SpecError`
 * when the spec has errors, or under `strict` when one of its examples does not match its schema;
 * nothing is written then. By default such an example is a warning, shown marked on the page.
 */
export async function generateDocs(options: GenerateDocsOptions): Promise<GenerateResult> {
  const { docsOnly } = await import('./commands/generate.js');
  const out = options.out ?? undefined;
  return generate(
    docsOnly({
      spec: options.spec,
      ...(out !== undefined
        ? { docs: { out, ...(options.templates !== undefined ? { templates: options.templates } : {}) } }
        : options.templates !== undefined
          ? { docs: { templates: options.templates } }
          : {}),
      ...(options.cwd !== undefined ? { cwd: options.cwd } : {}),
      ...(options.strict !== undefined ? { strict: options.strict } : {}),
    }),
  );
}
