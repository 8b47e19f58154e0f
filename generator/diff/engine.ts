/**
 * The comparison itself: read and parse both specs, build both models, run the NATS rules and
 * @asyncapi/diff, merge. Loaded on demand by `diffSpecs` (the parser is slow to import).
 */
import { buildModel } from '../model/build.js';
import type { ParsedSpec } from '../parse/parse.js';
import { hasErrors, type Problem } from '../problems.js';
import { type AsyncApiDiffEntry, asyncApiDiff } from './asyncapi-diff.js';
import { Findings } from './findings.js';
import { countChanges, mergeChanges } from './merge.js';
import { RefResolver } from './pointer.js';
import { compareModels } from './rules.js';
import { loadSpec } from './source.js';
import type { DiffOptions, DiffReport, SpecChange } from './types.js';

/** Compares `options.old` with `options.new`; see {@link DiffReport}. Never throws for a user's mistake. */
export async function runDiff(options: DiffOptions): Promise<DiffReport> {
  const cwd = options.cwd ?? process.cwd();
  const before = await loadSpec(options.old, cwd);
  const after = await loadSpec(options.new, cwd);
  // The old spec's warnings are history the user cannot act on; its errors still stop the diff.
  const problems: Problem[] = [...before.problems.filter((p) => p.severity === 'error'), ...after.problems];
  const report = (changes: SpecChange[]): DiffReport => ({
    old: options.old,
    new: options.new,
    changes,
    problems,
    counts: countChanges(changes),
  });
  if (!before.spec || !after.spec || hasErrors(problems)) return report([]);

  const oldModel = buildModel(before.spec);
  const newModel = buildModel(after.spec);
  problems.push(...oldModel.problems.filter((p) => p.severity === 'error'), ...newModel.problems);
  if (hasErrors(problems)) return report([]);

  const refs = { old: resolverOf(before.spec), new: resolverOf(after.spec) };
  const docs = { old: before.spec.document.json(), new: after.spec.document.json() };
  const findings = new Findings();
  compareModels({ old: oldModel.model, new: newModel.model, refs, docs }, findings);

  let entries: AsyncApiDiffEntry[] = [];
  try {
    entries = asyncApiDiff(docs.old, docs.new);
  } catch (cause) {
    problems.push({
      code: 'asyncapi-diff-failed',
      severity: 'warning',
      message: `@asyncapi/diff failed (${cause instanceof Error ? cause.message : String(cause)}); only the NATS rules were applied`,
      file: options.new,
      line: 0,
      column: 0,
      help: 'please report this with both specs',
    });
  }
  const changes = mergeChanges(findings.list, findings.explained, entries, {
    refs,
    sourceMap: after.spec.sourceMap,
    file: options.new,
  });
  return report(changes);
}

/**
 * `$ref`s of the document the parser read: the text itself for 3.x, the converted text for 2.x
 * (whose pointers are those of the converted document).
 */
function resolverOf(spec: ParsedSpec): RefResolver {
  const input = (spec.document.meta() as { asyncapi?: { input?: unknown } }).asyncapi?.input;
  return new RefResolver(typeof input === 'string' ? input : JSON.stringify(input ?? {}));
}
