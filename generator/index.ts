/**
 * Programmatic API: `import { generate } from 'asyncapi-nats'`.
 */
import { type GenerateOptions, generateFiles, resolveOptions, type Timings } from './generate.js';
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
