/**
 * Results as tables of text cells: printed to the terminal with padded columns and written to
 * BENCHMARKS.md as Markdown, from the same rows.
 */
import { formatMs, formatRate, formatRatio, type Latency } from './stats.js';

/** One table of results with a sentence per measurement below it. */
export interface Section {
  readonly title: string;
  /** What was run, how often, and how figures are aggregated. */
  readonly method: string;
  readonly columns: readonly string[];
  readonly rows: readonly (readonly string[])[];
  /** One sentence per measurement: what it measures. */
  readonly notes: readonly string[];
  /** Target outcomes in this section, for the summary. */
  readonly verdicts: readonly Verdict[];
}

/** A target and whether it was met. */
export interface Verdict {
  readonly target: string;
  readonly figure: string;
  readonly pass: boolean;
}

/** `PASS` / `MISS` as shown in the tables. */
export function mark(pass: boolean): string {
  return pass ? 'PASS' : 'MISS';
}

/** A rate cell with its unit. */
export function rateCell(perSecond: number, unit = 'msg/s'): string {
  return `${formatRate(perSecond)} ${unit}`;
}

/** `P50 / P95 / P99` in milliseconds. */
export function latencyCell(l: Latency): string {
  return `${l.p50.toFixed(3)} / ${l.p95.toFixed(3)} / ${l.p99.toFixed(3)} ms`;
}

/** The ratio of `value` to `baseline` (`value / baseline`). */
export function ratioCell(value: number, baseline: number): string {
  return formatRatio(value / baseline);
}

/** `P50 / P95 / P99` ratios. */
export function latencyRatioCell(value: Latency, baseline: Latency): string {
  return `${(value.p50 / baseline.p50).toFixed(2)} / ${(value.p95 / baseline.p95).toFixed(2)} / ${(value.p99 / baseline.p99).toFixed(2)}×`;
}

export { formatMs };

/** The section as padded plain-text columns for the terminal. */
export function renderText(section: Section): string {
  const all = [section.columns, ...section.rows];
  const widths = section.columns.map((_, c) => Math.max(...all.map((row) => (row[c] ?? '').length)));
  const line = (row: readonly string[]): string =>
    row
      .map((cell, c) => cell.padEnd(widths[c] ?? 0))
      .join('  ')
      .trimEnd();
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  return [`== ${section.title}`, line(section.columns), rule, ...section.rows.map(line)].join('\n');
}

/** The section as a Markdown table with its method and notes. */
export function renderMarkdown(section: Section): string {
  const escapeCell = (cell: string): string => cell.replace(/\|/g, '\\|');
  const row = (cells: readonly string[]): string => `| ${cells.map(escapeCell).join(' | ')} |`;
  return [
    `## ${section.title}`,
    '',
    section.method,
    '',
    row(section.columns),
    row(section.columns.map(() => '---')),
    ...section.rows.map(row),
    '',
    ...section.notes.map((note) => `- ${note}`),
  ].join('\n');
}
