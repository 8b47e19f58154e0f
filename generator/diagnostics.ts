/**
 * How the commands report: plain text for a person, JSON for a program, GitHub workflow commands
 * (`::error file=…`) so problems show up as annotations on a pull request. Every command takes
 * `--format text|json|github` and renders its problems (and its own findings) through these.
 */
import path from 'node:path';
import { formatProblem, type Problem, type Severity, sortProblems } from './problems.js';

/** Where a command writes: `out` is stdout (results), `err` is stderr (diagnostics, progress). */
export interface Io {
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
}

export const defaultIo: Io = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
};

export const REPORT_FORMATS = ['text', 'json', 'github'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

/** A mistake in how a command was called (unknown option, missing argument): exit code 2 with the command's help. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** `--format` as given (undefined: text); throws {@link UsageError} for anything else. */
export function parseFormat(value: string | undefined): ReportFormat {
  if (value === undefined) return 'text';
  if ((REPORT_FORMATS as readonly string[]).includes(value)) return value as ReportFormat;
  throw new UsageError(`--format must be one of ${REPORT_FORMATS.join(', ')}, got '${value}'`);
}

/** A place in a file and what to say about it: the common shape of a problem and a diff finding. */
export interface Annotation {
  readonly level: 'error' | 'warning' | 'notice';
  readonly file: string;
  /** 1-based; 0 when the annotation is about the file as a whole. */
  readonly line: number;
  readonly column: number;
  /** Short title: the problem or rule code. */
  readonly title: string;
  readonly message: string;
}

// GitHub's workflow command syntax: data escapes %, CR, LF; property values also escape `:` and `,`.
function escapeData(s: string): string {
  return s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

function escapeProperty(s: string): string {
  return escapeData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

/** One GitHub Actions workflow command, e.g. `::error file=spec/a.yaml,line=3,col=5,title=CODE::message`. */
export function githubAnnotation(a: Annotation): string {
  const props = [`file=${escapeProperty(a.file)}`];
  if (a.line > 0) props.push(`line=${a.line}`, `col=${Math.max(a.column, 1)}`);
  props.push(`title=${escapeProperty(a.title)}`);
  return `::${a.level} ${props.join(',')}::${escapeData(a.message)}`;
}

const LEVEL: Record<Severity, Annotation['level']> = { error: 'error', warning: 'warning', info: 'notice' };

/** A problem as a GitHub annotation; its help line is part of the message. */
export function problemAnnotation(p: Problem): string {
  return githubAnnotation({
    level: LEVEL[p.severity],
    file: p.file,
    line: p.line,
    column: p.column,
    title: p.code,
    message: p.help ? `${p.message}\nhelp: ${p.help}` : p.message,
  });
}

/** Problems worth showing: infos only when verbose. Errors first, then by position. */
export function visibleProblems(problems: readonly Problem[], verbose: boolean): Problem[] {
  return sortProblems(problems).filter((p) => verbose || p.severity !== 'info');
}

/**
 * Prints problems for a person (`file:line:col error CODE message` + `help:` on stderr) or as GitHub
 * annotations (stdout, where the runner reads them). JSON output is the command's own: it puts the
 * problems into its single JSON document.
 */
export function printProblems(problems: readonly Problem[], format: ReportFormat, verbose: boolean, io: Io): void {
  if (format === 'json') return;
  for (const p of visibleProblems(problems, verbose)) {
    if (format === 'github') io.out(problemAnnotation(p));
    else io.err(formatProblem(p));
  }
}

/** Counts like `2 errors, 1 warning`. */
export function countProblems(problems: readonly Problem[]): string {
  const errors = problems.filter((p) => p.severity === 'error').length;
  const warnings = problems.filter((p) => p.severity === 'warning').length;
  const parts = [`${errors} error${errors === 1 ? '' : 's'}`];
  if (warnings > 0) parts.push(`${warnings} warning${warnings === 1 ? '' : 's'}`);
  return parts.join(', ');
}

/** A path relative to `cwd` when it is inside it, `/`-separated; `.` for `cwd` itself. */
export function displayPath(cwd: string, file: string): string {
  const relative = path.relative(cwd, file);
  if (relative === '') return '.';
  return (relative.startsWith('..') || path.isAbsolute(relative) ? file : relative).split(path.sep).join('/');
}
