/**
 * Problems are data: what went wrong, where, and what to do about it. Rendering them for a
 * terminal (or JSON, later) is separate, so tests can assert on the data.
 */

/** How bad a problem is; only errors stop generation. */
export type Severity = 'error' | 'warning' | 'info';

/** One thing wrong with a spec (or with how the generator was called). */
export interface Problem {
  /** Stable code, e.g. `yaml-syntax`, `nats-illegal-token`; parser rule names are kept as they are. */
  readonly code: string;
  readonly severity: Severity;
  readonly message: string;
  /** The file the problem is in. */
  readonly file: string;
  /** 1-based; 0 when the problem is about the file as a whole. */
  readonly line: number;
  /** 1-based; 0 when the problem is about the file as a whole. */
  readonly column: number;
  /** What the user can do about it. */
  readonly help?: string;
}

/** Thrown by the programmatic API when a spec has errors; carries every problem found. */
export class SpecError extends Error {
  override readonly name = 'SpecError';
  readonly problems: readonly Problem[];

  constructor(problems: readonly Problem[]) {
    const errors = problems.filter((p) => p.severity === 'error');
    const first = errors[0];
    super(
      first
        ? `${errors.length} error${errors.length === 1 ? '' : 's'} in ${first.file}: ${first.message}`
        : 'spec has errors',
    );
    this.problems = problems;
  }
}

/** True when any problem stops generation. */
export function hasErrors(problems: readonly Problem[]): boolean {
  return problems.some((p) => p.severity === 'error');
}

/** `file:line:col error CODE message` and, when there is one, an indented `help:` line. */
export function formatProblem(p: Problem): string {
  const where = p.line > 0 ? `${p.file}:${p.line}:${p.column}` : p.file;
  const head = `${where} ${p.severity} ${p.code} ${p.message}`;
  return p.help ? `${head}\n  help: ${p.help}` : head;
}

/** Errors first, then by position, so output reads top to bottom. */
export function sortProblems(problems: readonly Problem[]): Problem[] {
  const rank: Record<Severity, number> = { error: 0, warning: 1, info: 2 };
  return [...problems].sort(
    (a, b) =>
      rank[a.severity] - rank[b.severity] ||
      a.file.localeCompare(b.file) ||
      a.line - b.line ||
      a.column - b.column ||
      a.code.localeCompare(b.code),
  );
}

/**
 * Each problem once, in first-seen order: the parser reports some twice (a rule on the resolved and
 * on the unresolved document, or the same schema error reached through two `$ref`s).
 */
export function uniqueProblems(problems: readonly Problem[]): Problem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const key = JSON.stringify([p.severity, p.code, p.file, p.line, p.column, p.message, p.help ?? '']);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
