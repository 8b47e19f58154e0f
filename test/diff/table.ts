/**
 * The diff tables' shared machinery: each row edits a copy of a base spec, the diff compares the base
 * with the copy, and the row says every change the diff must report.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect } from 'vitest';
import { type ChangeKind, type DiffReport, diffSpecs } from '../../generator/diff/index.js';

/** Replacements `[from, to]` in the base spec; each `from` must occur exactly once. */
export type Edit = readonly [from: string, to: string];

/** `[kind, rule]`, or `[kind, rule, message]` where the explanation itself is what the row is about. */
export type Want = readonly [ChangeKind, string] | readonly [ChangeKind, string, string];

export interface Row {
  /** What is changed in the base spec. */
  readonly given: readonly Edit[];
  /** Every change the diff must report, in its order (most serious first, then by line). */
  readonly want: readonly Want[];
  /** Compare the edited copy (as the old spec) with the base (as the new): the edit undone. */
  readonly reverse?: boolean;
}

export function apply(text: string, edits: readonly Edit[]): string {
  return edits.reduce((t, [from, to]) => {
    const at = t.indexOf(from);
    if (at < 0 || t.indexOf(from, at + 1) >= 0) {
      throw new Error(`edit must match exactly once: ${JSON.stringify(from)}`);
    }
    return t.slice(0, at) + to + t.slice(at + from.length);
  }, text);
}

/** Sets up a scratch folder and returns the function that runs one row against `base`. */
export function diffTable(base: string): (name: string, row: Row) => Promise<DiffReport> {
  let work: string;
  let text: string;
  beforeAll(async () => {
    work = await mkdtemp(path.join(tmpdir(), 'asyncapi-nats-diff-'));
    text = await readFile(base, 'utf8');
  });
  afterAll(async () => {
    await rm(work, { recursive: true, force: true });
  });
  return async (name, { given, want, reverse }) => {
    const edited = path.join(work, `${name.replace(/\W+/g, '-')}.yaml`);
    await writeFile(edited, apply(text, given));
    const [old, file] = reverse ? [edited, base] : [base, edited];
    const report = await diffSpecs({ old, new: file });
    expect(report.problems.filter((p) => p.severity === 'error')).toEqual([]);
    expect(
      report.changes.map((c, i) => (want[i]?.length === 3 ? [c.kind, c.rule, c.message] : [c.kind, c.rule])),
    ).toEqual(want);
    for (const c of report.changes) {
      expect(c.file).toBe(file);
      expect(c.line).toBeGreaterThan(0);
    }
    return report;
  };
}
