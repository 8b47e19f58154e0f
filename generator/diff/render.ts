/**
 * How a diff report is printed: text for a person, one JSON document for a program, GitHub
 * workflow commands for a pull request. Problems go through generator/diagnostics.ts like every
 * other command's.
 */
import {
  countProblems,
  githubAnnotation,
  type Io,
  printProblems,
  type ReportFormat,
  visibleProblems,
} from '../diagnostics.js';
import { hasErrors } from '../problems.js';
import { ENTRY_RULES } from './leftovers.js';
import { CHANGE_KINDS, type ChangeKind, type DiffReport, type SpecChange } from './types.js';

/** `2 breaking, 1 non-breaking, 0 unclassified changes`, or `no changes`. */
export function summaryLine(counts: Readonly<Record<ChangeKind, number>>): string {
  const total = CHANGE_KINDS.reduce((n, k) => n + counts[k], 0);
  if (total === 0) return 'no changes';
  return `${counts.breaking} breaking, ${counts['non-breaking']} non-breaking, ${counts.unclassified} unclassified changes`;
}

const PREVIEW = 60;

/**
 * A value short enough for one line: JSON, cut at 60 characters; `(none)` when absent. `from` is
 * where to start (the first difference of two long strings), shown as a leading `…`.
 */
export function preview(value: unknown, from = 0): string {
  if (value === undefined) return '(none)';
  const json = JSON.stringify(value) ?? String(value);
  const start = Math.min(from, Math.max(0, json.length - (PREVIEW - 1)));
  const cut = json.slice(start, start + PREVIEW - 1);
  return `${start > 0 ? '…' : ''}${cut}${start + PREVIEW - 1 < json.length ? '…' : ''}`;
}

/** Where two long values first differ, less some context: both previews start there. */
function firstDifference(a: unknown, b: unknown): number {
  const x = JSON.stringify(a) ?? '';
  const y = JSON.stringify(b) ?? '';
  if (x.length < PREVIEW && y.length < PREVIEW) return 0;
  let i = 0;
  while (i < x.length && i < y.length && x[i] === y[i]) i++;
  return Math.max(0, i - 20);
}

/** Rule messages say what changed; @asyncapi/diff's only where, so its values are shown. */
function showsValues(change: SpecChange, verbose: boolean): boolean {
  return (change.before !== undefined || change.after !== undefined) && (verbose || ENTRY_RULES.has(change.rule));
}

function values(change: SpecChange): string {
  const from = firstDifference(change.before, change.after);
  return `before: ${preview(change.before, from)}  after: ${preview(change.after, from)}`;
}

/** `file:line:col kind RULE message`, then the values or the help where they add something. */
export function formatChange(change: SpecChange, verbose = false): string {
  const where = change.line > 0 ? `${change.file}:${change.line}:${change.column}` : change.file;
  const lines = [`${where} ${change.kind} ${change.rule} ${change.message}`];
  if (showsValues(change, verbose)) lines.push(`  ${values(change)}`);
  if (change.help) lines.push(`  help: ${change.help}`);
  if (verbose) lines.push(`  at: ${change.pointer}`);
  return lines.join('\n');
}

const LEVEL = { breaking: 'error', unclassified: 'warning', 'non-breaking': 'notice' } as const;

/** Prints the report in `format`. */
export function printReport(report: DiffReport, format: ReportFormat, verbose: boolean, io: Io): void {
  if (format === 'json') {
    const doc = {
      old: report.old,
      new: report.new,
      counts: report.counts,
      changes: report.changes,
      problems: visibleProblems(report.problems, verbose),
    };
    io.out(JSON.stringify(doc, null, 2));
    return;
  }
  printProblems(report.problems, format, verbose, io);
  if (hasErrors(report.problems)) {
    io.err(`${countProblems(report.problems)}; the specs were not compared`);
    return;
  }
  for (const change of report.changes) {
    if (format === 'github') {
      const extra = [showsValues(change, verbose) ? values(change) : '', change.help ? `help: ${change.help}` : ''];
      io.out(
        githubAnnotation({
          level: LEVEL[change.kind],
          file: change.file,
          line: change.line,
          column: change.column,
          title: change.rule,
          message: [change.message, ...extra.filter((s) => s !== '')].join('\n'),
        }),
      );
    } else {
      io.out(formatChange(change, verbose));
    }
  }
  io.out(summaryLine(report.counts));
}
