/**
 * Our `x-nats-*` extensions: NATS facts AsyncAPI has no field for (see docs/extensions.md).
 * Each reader validates the value and reports a located problem instead of guessing.
 */
import type { Problem } from '../problems.js';
import { parseSubjectTemplate } from './subject.js';
import type { QueueModel, SpecLocation, SubjectToken } from './types.js';

/** The extension names, in one place (`x-nats-jetstream` is in jetstream.ts). */
export const EXTENSIONS = {
  timeout: 'x-nats-timeout-ms',
  handlerTimeout: 'x-nats-handler-timeout-ms',
  queue: 'x-nats-queue',
  matchHeaders: 'x-nats-match-headers',
} as const;

/** Where problems go, and how to locate a pointer. */
export interface ExtensionContext {
  readonly report: (p: Omit<Problem, 'file' | 'line' | 'column'>, pointer: string) => void;
  readonly locate: (pointer: string) => SpecLocation;
}

/**
 * `x-nats-timeout-ms`, or another duration extension (`name`, e.g. `x-nats-handler-timeout-ms`): a
 * positive whole number of milliseconds (at most 24 days, the timer limit).
 */
export function readTimeout(
  value: unknown,
  pointer: string,
  ctx: ExtensionContext,
  name: string = EXTENSIONS.timeout,
): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'number' && Number.isInteger(value) && value > 0 && value <= 2_147_483_647) return value;
  ctx.report(
    {
      code: 'nats-bad-extension',
      severity: 'error',
      message: `${name} must be a positive whole number of milliseconds, got ${JSON.stringify(value)}`,
      help: `write e.g. \`${name}: 30000\` for 30 seconds`,
    },
    `${pointer}/${name}`,
  );
  return undefined;
}

/** A queue group from the NATS binding (static) or `x-nats-queue` (with placeholders); not both. */
export function readQueue(
  binding: unknown,
  extension: unknown,
  pointer: string,
  ctx: ExtensionContext,
): QueueModel | undefined {
  const bindingQueue =
    typeof binding === 'object' && binding !== null ? (binding as { queue?: unknown }).queue : undefined;
  if (bindingQueue !== undefined && extension !== undefined) {
    ctx.report(
      {
        code: 'nats-queue-conflict',
        severity: 'error',
        message: `both bindings.nats.queue and ${EXTENSIONS.queue} name a queue group`,
        help: `keep bindings.nats.queue for a fixed name, ${EXTENSIONS.queue} for a name with {placeholders}`,
      },
      `${pointer}/${EXTENSIONS.queue}`,
    );
    return undefined;
  }
  const raw = extension ?? bindingQueue;
  if (raw === undefined) return undefined;
  const at = extension !== undefined ? `${pointer}/${EXTENSIONS.queue}` : `${pointer}/bindings/nats/queue`;
  if (typeof raw !== 'string' || raw === '') {
    ctx.report(
      {
        code: 'nats-bad-extension',
        severity: 'error',
        message: `a queue group must be a non-empty string, got ${JSON.stringify(raw)}`,
        help: 'e.g. `agent.workers`',
      },
      at,
    );
    return undefined;
  }
  const parsed = parseSubjectTemplate(raw, 'queue');
  if (extension !== undefined && parsed.parameters.length === 0) {
    ctx.report(
      {
        code: 'nats-bad-extension',
        severity: 'error',
        message: `${EXTENSIONS.queue} '${raw}' has no {placeholder}`,
        help: 'use `bindings: { nats: { queue: ... } }` for a fixed queue group name',
      },
      at,
    );
    return undefined;
  }
  const repeated = parsed.tokens.filter(
    (t, i) =>
      t.kind === 'parameter' && parsed.tokens.findIndex((u) => u.kind === 'parameter' && u.name === t.name) !== i,
  );
  if (repeated.length > 0) {
    ctx.report(
      {
        code: 'nats-bad-extension',
        severity: 'error',
        message: `queue '${raw}' repeats a placeholder`,
        help: 'use each placeholder once',
      },
      at,
    );
    return undefined;
  }
  if (extension === undefined && parsed.parameters.length > 0) {
    ctx.report(
      {
        code: 'nats-bad-extension',
        severity: 'error',
        message: `queue '${raw}' in bindings.nats.queue has placeholders`,
        help: `move it to ${EXTENSIONS.queue}, where {placeholders} are filled in by the subscriber`,
      },
      at,
    );
    return undefined;
  }
  const bad =
    parsed.issues[0] ??
    (parsed.hasWildcard
      ? {
          code: 'nats-illegal-token',
          message: `queue '${raw}' contains a wildcard`,
          help: 'queue names cannot contain * or >',
        }
      : undefined);
  if (bad) {
    ctx.report({ code: bad.code, severity: 'error', message: bad.message, help: bad.help }, at);
    return undefined;
  }
  return { template: raw, tokens: parsed.tokens, parameters: parsed.parameters, location: ctx.locate(at) };
}

/** `x-nats-match-headers`: header name → value template whose `{placeholders}` are known parameters. */
export function readMatchHeaders(
  value: unknown,
  known: readonly string[],
  pointer: string,
  ctx: ExtensionContext,
): { header: string; tokens: SubjectToken[] }[] | undefined {
  if (value === undefined) return undefined;
  const at = `${pointer}/${EXTENSIONS.matchHeaders}`;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    ctx.report(
      {
        code: 'nats-bad-extension',
        severity: 'error',
        message: `${EXTENSIONS.matchHeaders} must map header names to values`,
        help: "e.g. `{ target_agent_id: '{agent_id}' }`",
      },
      at,
    );
    return undefined;
  }
  const out: { header: string; tokens: SubjectToken[] }[] = [];
  for (const [header, template] of Object.entries(value)) {
    if (header.trim() === '') {
      ctx.report(
        {
          code: 'nats-bad-extension',
          severity: 'error',
          message: `${EXTENSIONS.matchHeaders} has an empty header name`,
          help: 'name the header to match',
        },
        at,
      );
      continue;
    }
    if (typeof template !== 'string') {
      ctx.report(
        {
          code: 'nats-bad-extension',
          severity: 'error',
          message: `${EXTENSIONS.matchHeaders}.${header} must be a string`,
          help: "e.g. '{agent_id}'",
        },
        `${at}/${header}`,
      );
      continue;
    }
    const parsed = parseSubjectTemplate(template, 'header value');
    const unknown = parsed.parameters.filter((p) => !known.includes(p));
    if (unknown.length > 0) {
      ctx.report(
        {
          code: 'nats-unknown-placeholder',
          severity: 'error',
          message: `${EXTENSIONS.matchHeaders}.${header} refers to {${unknown.join('}, {')}}, which is neither a channel parameter nor a queue placeholder`,
          help:
            known.length > 0
              ? `use one of {${known.join('}, {')}}`
              : `declare the placeholder in ${EXTENSIONS.queue} first`,
        },
        `${at}/${header}`,
      );
      continue;
    }
    out.push({ header, tokens: [...parsed.tokens] });
  }
  return out;
}
