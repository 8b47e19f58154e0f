/**
 * `asyncapi-nats diff <old> <new>`: the command line around {@link diffSpecs}. Exit codes: 0 ok,
 * 1 a change at or above `--fail-on`, 2 a usage error, a spec with errors or an unreadable revision.
 */
import { parseCommandArgs } from '../commands/args.js';
import { type Io, parseFormat, UsageError } from '../diagnostics.js';
import { hasErrors } from '../problems.js';
import { diffSpecs } from './diff.js';
import { printReport } from './render.js';
import type { ChangeKind, DiffReport } from './types.js';

/** `--help` of the diff command. */
export const DIFF_HELP = `Usage: asyncapi-nats diff <old-spec> <new-spec> [options]

Compares two versions of an AsyncAPI document and classifies every change as breaking,
non-breaking or unclassified: @asyncapi/diff's rules, plus NATS rules it does not know (subjects
and parameters, every JSON Schema keyword of payloads, headers and parameters, messages and
replies, queue groups, request timeouts, JetStream streams and consumers). Senders and receivers
both validate, so a schema that now accepts fewer or more values is breaking; the help line says
which side to roll out first. Each change is printed as \`file:line:col kind RULE message\`,
located in the new spec. The rules: docs/diff.md.

A spec is a file, or REV:path for the file as stored in a git revision
(e.g. main:spec/ai-sdk.asyncapi.yaml; the path starts at the repository root).

Options:
      --fail-on <kind>   exit 1 when there is a change of this kind or worse:
                         breaking, unclassified (breaking or unclassified),
                         non-breaking (any change), none (default: report only)
      --format <format>  text (default), json (one document on stdout), or github
                         (workflow annotations for pull requests)
  -v, --verbose          also print informational diagnostics, values and pointers
  -h, --help             show this help

Exit codes: 0 ok, 1 a change at or above --fail-on, 2 usage error, spec error or
unreadable git revision.`;

/** What `--fail-on` accepts. */
export const FAIL_ON = ['breaking', 'unclassified', 'non-breaking', 'none'] as const;

/** A `--fail-on` value. */
export type FailOn = (typeof FAIL_ON)[number];

function parseFailOn(value: string | undefined): FailOn {
  if (value === undefined) return 'none';
  if ((FAIL_ON as readonly string[]).includes(value)) return value as FailOn;
  throw new UsageError(`--fail-on must be one of ${FAIL_ON.join(', ')}, got '${value}'`);
}

/** The kinds that make `--fail-on` fail. */
const FAILING: Record<FailOn, readonly ChangeKind[]> = {
  breaking: ['breaking'],
  unclassified: ['breaking', 'unclassified'],
  'non-breaking': ['breaking', 'unclassified', 'non-breaking'],
  none: [],
};

/** True when the report has a change that `failOn` fails on. */
export function failsOn(report: DiffReport, failOn: FailOn): boolean {
  return FAILING[failOn].some((kind) => report.counts[kind] > 0);
}

function parse(args: readonly string[]) {
  const { values, positionals } = parseCommandArgs('diff', {
    args: [...args],
    allowPositionals: true,
    options: {
      'fail-on': { type: 'string' },
      format: { type: 'string' },
      verbose: { type: 'boolean', short: 'v' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return { help: true } as const;
  const format = parseFormat(values.format);
  const failOn = parseFailOn(values['fail-on']);
  if (positionals.length !== 2) {
    throw new UsageError(`diff takes two specs, the old and the new one, got ${positionals.length}`);
  }
  const [old, neu] = positionals as [string, string];
  return { help: false, old, new: neu, format, failOn, verbose: values.verbose === true } as const;
}

function isUsageError(e: unknown): e is Error {
  return (
    e instanceof UsageError ||
    (e instanceof Error && String((e as NodeJS.ErrnoException).code ?? '').startsWith('ERR_PARSE_ARGS'))
  );
}

/**
 * Runs `asyncapi-nats diff` with `args` (after the command name) and returns the exit code.
 * `options.cwd` is where relative paths and git revisions are read (default: the current folder).
 */
export async function diffCommand(
  args: readonly string[],
  io: Io,
  options: { readonly cwd?: string } = {},
): Promise<number> {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(args);
  } catch (e) {
    if (!isUsageError(e)) throw e;
    io.err(`error: ${e.message}\n\n${DIFF_HELP}`);
    return 2;
  }
  if (parsed.help) {
    io.out(DIFF_HELP);
    return 0;
  }
  const report = await diffSpecs({
    old: parsed.old,
    new: parsed.new,
    ...(options.cwd !== undefined ? { cwd: options.cwd } : {}),
  });
  printReport(report, parsed.format, parsed.verbose, io);
  if (hasErrors(report.problems)) return 2;
  return failsOn(report, parsed.failOn) ? 1 : 0;
}
