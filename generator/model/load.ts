/**
 * Spec file → model: read, parse with @asyncapi/parser, build the model. The result is plain data
 * (structured-cloneable), so this stage can run on the parse worker (`thread.ts`) as well as in
 * process, with the same result.
 */
import { parseSpec } from '../parse/parse.js';
import { hasErrors, type Problem, uniqueProblems } from '../problems.js';
import { buildModel } from './build.js';
import type { ApiModel } from './types.js';

/** The model of a spec without errors, and every problem found. */
export interface LoadedModel {
  /** Undefined when the spec has errors. */
  readonly model?: ApiModel;
  readonly problems: readonly Problem[];
  /** Milliseconds spent parsing (reading the file, the AsyncAPI parser, the source map) and building the model. */
  readonly timings: { readonly parse: number; readonly model: number };
}

/** Parses the spec at `specPath` (`file` is how problems and generated headers name it) and models it. */
export async function loadModel(specPath: string, file: string): Promise<LoadedModel> {
  let t = performance.now();
  const parsed = await parseSpec(specPath, file);
  const parse = performance.now() - t;
  if (!parsed.spec) return { problems: [...parsed.problems], timings: { parse, model: 0 } };
  t = performance.now();
  const { model, problems } = buildModel(parsed.spec);
  const timings = { parse, model: performance.now() - t };
  const all = uniqueProblems([...parsed.problems, ...problems]);
  return hasErrors(all) ? { problems: all, timings } : { model, problems: all, timings };
}
