/**
 * Programmatic API: `import { generate } from 'asyncapi-nats'`.
 */
import {
  type GenerateOptions,
  generateDocsFiles,
  generateFiles,
  resolveDocsOptions,
  resolveOptions,
  type Timings,
} from './generate.js';
import { type Problem, SpecError } from './problems.js';
import { type WriteReport, writeOutput } from './write.js';

export type { GenerateOptions, Timings } from './generate.js';
export type { Problem, Severity } from './problems.js';
export { formatProblem, SpecError } from './problems.js';
export { OutputError, type WriteReport } from './write.js';

/** What `generate` did. */
export interface GenerateResult extends WriteReport {
  /** Absolute output folder. */
  readonly outDir: string;
  /** Warnings and infos (errors throw). */
  readonly problems: readonly Problem[];
  readonly timings: Timings;
}

/**
 * Generates the typed NATS module for a spec and writes it. Throws `SpecError` (with every
 * problem, located) when the spec has errors; nothing is written then.
 */
export async function generate(options: GenerateOptions): Promise<GenerateResult> {
  const resolved = resolveOptions(options);
  const result = await generateFiles(resolved);
  if (!result.files) throw new SpecError(result.problems);
  const report = await writeOutput(resolved.outDir, result.files);
  return { ...report, outDir: resolved.outDir, problems: result.problems, timings: result.timings };
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
}

/**
 * Writes the static docs site of a spec (index.html, assets/, search-index.js). Throws `SpecError`
 * when the spec has errors or one of its examples does not match its schema; nothing is written then.
 */
export async function generateDocs(options: GenerateDocsOptions): Promise<GenerateResult> {
  const resolved = resolveDocsOptions(options);
  const result = await generateDocsFiles(resolved);
  if (!result.files) throw new SpecError(result.problems);
  const report = await writeOutput(resolved.outDir, result.files, ['.html', '.css', '.js']);
  return { ...report, outDir: resolved.outDir, problems: result.problems, timings: result.timings };
}
