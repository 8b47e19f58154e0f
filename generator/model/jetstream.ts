/**
 * `x-nats-jetstream`: a channel (or a single operation) stored in a JetStream stream. Stream keys go on
 * the channel so both sides agree on them; an operation adds what only it knows (the message id a
 * publisher sends, the durable consumer a receiver shares). docs/extensions.md is the reference.
 */
import { suggest } from '../suggest.js';
import type { ExtensionContext } from './extensions.js';
import { parseSubjectTemplate, subjectPattern } from './subject.js';
import type { DurableModel, OperationKind, SubjectToken } from './types.js';

/** The extension's name. */
export const JETSTREAM_EXTENSION = 'x-nats-jetstream';

const STREAM_KEYS = [
  'stream',
  'subjects',
  'storage',
  'replicas',
  'retention',
  'duplicate-window-ms',
  'max-age-ms',
  'dead-letter',
  'dead-letter-stream',
] as const;
const SEND_KEYS = ['message-id'] as const;
const RECEIVE_KEYS = ['consumer', 'ack-wait-ms', 'max-deliver', 'backoff-ms'] as const;

/** Stream and consumer names: no whitespace, `.`, `*`, `>`, path separators (the server's rule). */
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what is rejected
const NAME = /^[^\s.*>/\\\u0000-\u001f\u007f]{1,200}$/;
const MAX_TIMER_MS = 2_147_483_647;

/** What the operation is, as far as the extension cares. */
export interface DurableTarget {
  readonly id: string;
  readonly kind: OperationKind;
  /** The channel address' tokens. */
  readonly tokens: readonly SubjectToken[];
  readonly address: string;
  /** The operation's static queue group, when it has one. */
  readonly queue?: { readonly template: string; readonly parameters: readonly string[] };
  readonly hasMatchHeaders: boolean;
  /** Header names every message of the operation declares. */
  readonly headerNames: readonly string[];
}

/**
 * Reads the extension from the channel (`channelPointer`) and the operation (`operationPointer`) and
 * returns the operation's durable settings, or `undefined` when neither declares it or it is invalid
 * (each problem reported at its key).
 */
export function readJetStream(
  channelValue: unknown,
  operationValue: unknown,
  channelPointer: string,
  operationPointer: string,
  target: DurableTarget,
  ctx: ExtensionContext,
): DurableModel | undefined {
  if (channelValue === undefined && operationValue === undefined) return undefined;
  const reader = new Reader(ctx);
  const channel = reader.object(channelValue, `${channelPointer}/${JETSTREAM_EXTENSION}`);
  const operation = reader.object(operationValue, `${operationPointer}/${JETSTREAM_EXTENSION}`);
  if (channel === null || operation === null) return undefined;
  const opAt = `${operationPointer}/${JETSTREAM_EXTENSION}`;
  const chAt = `${channelPointer}/${JETSTREAM_EXTENSION}`;

  const operationKeys: readonly string[] = target.kind === 'publish' ? SEND_KEYS : RECEIVE_KEYS;
  reader.unknownKeys(channel, chAt, STREAM_KEYS, 'on a channel');
  const allowedOnOperation = channel === undefined ? [...STREAM_KEYS, ...operationKeys] : operationKeys;
  reader.unknownKeys(
    operation,
    opAt,
    allowedOnOperation,
    channel === undefined
      ? `on a ${target.kind} operation`
      : `on a ${target.kind} operation whose channel declares the stream`,
  );

  if (target.kind === 'request' || target.kind === 'reply') {
    reader.problem(
      'nats-jetstream-request',
      `operation '${target.id}' is request/reply: a JetStream stream stores messages, it does not answer requests`,
      'keep request/reply on core NATS, or make it a durable publish plus a durable subscription',
      operation !== undefined ? opAt : chAt,
      // A request on a durable channel is allowed to exist; only an extension on it is wrong.
      operation !== undefined ? 'error' : 'warning',
    );
    return undefined;
  }

  const streamSource = channel ?? operation ?? {};
  const streamAt = channel !== undefined ? chAt : opAt;
  const name = reader.name(streamSource.stream, `${streamAt}/stream`, 'stream', true);
  const pattern = subjectPattern(target.tokens);
  const subjects = reader.subjects(streamSource.subjects, `${streamAt}/subjects`) ?? [pattern];
  if (!subjects.some((s) => covers(s, pattern))) {
    reader.problem(
      'nats-stream-subjects',
      `stream subjects ${JSON.stringify(subjects)} do not cover the channel address '${target.address}' (${pattern})`,
      `add '${pattern}' to subjects, or leave subjects out to use it`,
      `${streamAt}/subjects`,
    );
  }
  const storage = reader.oneOf(streamSource.storage, `${streamAt}/storage`, ['file', 'memory'] as const) ?? 'file';
  const retention =
    reader.oneOf(streamSource.retention, `${streamAt}/retention`, ['limits', 'workqueue', 'interest'] as const) ??
    'limits';
  const replicas = reader.integer(streamSource.replicas, `${streamAt}/replicas`, 1, 5) ?? 1;
  const duplicateWindowMs = reader.integer(streamSource['duplicate-window-ms'], `${streamAt}/duplicate-window-ms`);
  const maxAgeMs = reader.integer(streamSource['max-age-ms'], `${streamAt}/max-age-ms`);
  if (duplicateWindowMs !== undefined && maxAgeMs !== undefined && duplicateWindowMs > maxAgeMs) {
    reader.problem(
      'nats-bad-extension',
      `duplicate-window-ms (${duplicateWindowMs}) is longer than max-age-ms (${maxAgeMs})`,
      'the server refuses a dedupe window longer than the age limit',
      `${streamAt}/duplicate-window-ms`,
    );
  }
  const deadLetterSubject =
    reader.concreteSubject(streamSource['dead-letter'], `${streamAt}/dead-letter`) ??
    (name === undefined ? undefined : `dead-letter.${name}`);
  if (deadLetterSubject !== undefined && subjects.some((s) => covers(s, deadLetterSubject))) {
    reader.problem(
      'nats-bad-extension',
      `dead-letter subject '${deadLetterSubject}' is one of the stream's own subjects`,
      'pick a subject outside the stream, or dead letters would be delivered again',
      `${streamAt}/dead-letter`,
    );
  }
  const deadLetterStream =
    reader.name(streamSource['dead-letter-stream'], `${streamAt}/dead-letter-stream`, 'stream', false) ??
    (name === undefined ? undefined : `${name}_DEAD_LETTER`);

  let messageId: DurableModel['messageId'];
  let consumer: DurableModel['consumer'];
  const opValues = operation ?? {};
  if (target.kind === 'publish') {
    messageId = reader.messageId(opValues['message-id'], `${opAt}/message-id`, target);
  } else {
    if (target.hasMatchHeaders) {
      reader.problem(
        'nats-jetstream-match-headers',
        `operation '${target.id}' filters on headers, which a shared durable consumer cannot do`,
        'drop x-nats-match-headers, or receive this operation on core NATS',
        opAt,
      );
    }
    if (target.queue !== undefined && target.queue.parameters.length > 0) {
      reader.problem(
        'nats-jetstream-queue',
        `queue '${target.queue.template}' has placeholders; a durable consumer is one fixed group`,
        `name the consumer in ${JETSTREAM_EXTENSION}.consumer and remove x-nats-queue`,
        opAt,
      );
    }
    const defaultName = (target.queue?.template ?? target.id).replace(/[^A-Za-z0-9_-]/g, '_');
    const durable = reader.name(opValues.consumer, `${opAt}/consumer`, 'consumer', false) ?? defaultName;
    const ackWaitMs = reader.integer(opValues['ack-wait-ms'], `${opAt}/ack-wait-ms`);
    const maxDeliver = reader.integer(opValues['max-deliver'], `${opAt}/max-deliver`, 1, 10_000);
    const backoffMs = reader.backoff(opValues['backoff-ms'], `${opAt}/backoff-ms`);
    consumer = {
      durable,
      ...(ackWaitMs !== undefined ? { ackWaitMs } : {}),
      ...(maxDeliver !== undefined ? { maxDeliver } : {}),
      ...(backoffMs !== undefined ? { backoffMs } : {}),
    };
  }

  if (reader.failed || name === undefined || deadLetterSubject === undefined || deadLetterStream === undefined) {
    return undefined;
  }
  return {
    stream: {
      name,
      subjects,
      storage,
      replicas,
      retention,
      ...(duplicateWindowMs !== undefined ? { duplicateWindowMs } : {}),
      ...(maxAgeMs !== undefined ? { maxAgeMs } : {}),
    },
    ...(consumer !== undefined ? { consumer } : {}),
    ...(messageId !== undefined ? { messageId } : {}),
    deadLetter: { subject: deadLetterSubject, stream: deadLetterStream },
    location: ctx.locate(streamAt),
  };
}

/** True when subject filter `filter` (may contain `*`, `>`) matches every subject `pattern` matches. */
export function covers(filter: string, pattern: string): boolean {
  const f = filter.split('.');
  const p = pattern.split('.');
  for (let i = 0; i < f.length; i++) {
    const ft = f[i];
    if (ft === '>') return i < p.length;
    const pt = p[i];
    if (pt === undefined) return false;
    if (ft === '*') {
      if (pt === '>') return false;
      continue;
    }
    if (ft !== pt) return false;
  }
  return f.length === p.length;
}

type Values = Readonly<Record<string, unknown>>;

/** Reads typed values, reporting each bad one at its pointer. */
class Reader {
  failed = false;
  readonly #ctx: ExtensionContext;

  constructor(ctx: ExtensionContext) {
    this.#ctx = ctx;
  }

  problem(code: string, message: string, help: string, pointer: string, severity: 'error' | 'warning' = 'error') {
    if (severity === 'error') this.failed = true;
    this.#ctx.report({ code, severity, message, help }, pointer);
  }

  /** `undefined` when absent, `null` when present but not a mapping. */
  object(value: unknown, at: string): Values | undefined | null {
    if (value === undefined) return undefined;
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Values;
    this.problem(
      'nats-bad-extension',
      `${JETSTREAM_EXTENSION} must be a mapping, got ${JSON.stringify(value)}`,
      'e.g. `x-nats-jetstream: { stream: AGENT_TASKS }`',
      at,
    );
    return null;
  }

  unknownKeys(values: Values | undefined, at: string, allowed: readonly string[], where: string): void {
    for (const key of Object.keys(values ?? {})) {
      if (allowed.includes(key)) continue;
      const meant = suggest(key, allowed);
      this.problem(
        'nats-bad-extension',
        `${JETSTREAM_EXTENSION} key '${key}' is not allowed ${where}${meant !== undefined ? `; did you mean '${meant}'?` : ''}`,
        `allowed here: ${allowed.join(', ')}`,
        `${at}/${key}`,
      );
    }
  }

  name(value: unknown, at: string, what: 'stream' | 'consumer', required: boolean): string | undefined {
    if (value === undefined) {
      if (required) {
        this.problem(
          'nats-bad-extension',
          `${JETSTREAM_EXTENSION} needs a stream name`,
          'add e.g. `stream: AGENT_TASKS`',
          at.slice(0, at.lastIndexOf('/')),
        );
      }
      return undefined;
    }
    if (typeof value === 'string' && NAME.test(value)) return value;
    this.problem(
      'nats-bad-extension',
      `${what} name ${JSON.stringify(value)} is not a legal JetStream name`,
      'use letters, digits, - and _ (no whitespace, ., *, >, / or \\), at most 200 characters',
      at,
    );
    return undefined;
  }

  subjects(value: unknown, at: string): string[] | undefined {
    if (value === undefined) return undefined;
    if (!Array.isArray(value) || value.length === 0 || !value.every((s) => typeof s === 'string')) {
      this.problem(
        'nats-bad-extension',
        `subjects must be a non-empty list of subjects, got ${JSON.stringify(value)}`,
        'e.g. `subjects: [ai.agent.tasks.*]`',
        at,
      );
      return undefined;
    }
    for (const [i, subject] of (value as string[]).entries()) {
      const parsed = parseSubjectTemplate(subject, 'stream subject');
      const issue = parsed.issues[0] ?? (parsed.parameters.length > 0 ? placeholderIssue(subject) : undefined);
      if (issue !== undefined) this.problem(issue.code, issue.message, issue.help, `${at}/${i}`);
    }
    return [...(value as string[])];
  }

  concreteSubject(value: unknown, at: string): string | undefined {
    if (value === undefined) return undefined;
    if (typeof value !== 'string' || value === '') {
      this.problem('nats-bad-extension', 'dead-letter must be a subject', 'e.g. `dead-letter: ai.dead.tasks`', at);
      return undefined;
    }
    const parsed = parseSubjectTemplate(value, 'dead-letter subject');
    const issue =
      parsed.issues[0] ??
      (parsed.parameters.length > 0 ? placeholderIssue(value) : undefined) ??
      (parsed.hasWildcard
        ? {
            code: 'nats-wildcard-in-publish',
            message: `dead-letter subject '${value}' has a wildcard`,
            help: 'dead letters are published: use a concrete subject',
          }
        : undefined);
    if (issue !== undefined) {
      this.problem(issue.code, issue.message, issue.help, at);
      return undefined;
    }
    return value;
  }

  oneOf<T extends string>(value: unknown, at: string, allowed: readonly T[]): T | undefined {
    if (value === undefined) return undefined;
    if (allowed.includes(value as T)) return value as T;
    this.problem(
      'nats-bad-extension',
      `${at.slice(at.lastIndexOf('/') + 1)} must be one of ${allowed.join(', ')}, got ${JSON.stringify(value)}`,
      `write e.g. \`${at.slice(at.lastIndexOf('/') + 1)}: ${allowed[0]}\``,
      at,
    );
    return undefined;
  }

  integer(value: unknown, at: string, min = 1, max = MAX_TIMER_MS): number | undefined {
    if (value === undefined) return undefined;
    if (typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max) return value;
    this.problem(
      'nats-bad-extension',
      `${at.slice(at.lastIndexOf('/') + 1)} must be a whole number from ${min} to ${max}, got ${JSON.stringify(value)}`,
      'milliseconds and counts are plain integers, e.g. 30000',
      at,
    );
    return undefined;
  }

  backoff(value: unknown, at: string): number[] | undefined {
    if (value === undefined) return undefined;
    if (
      Array.isArray(value) &&
      value.length > 0 &&
      value.every((v) => typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= MAX_TIMER_MS)
    ) {
      return [...(value as number[])];
    }
    this.problem(
      'nats-bad-extension',
      `backoff-ms must be a non-empty list of delays in milliseconds, got ${JSON.stringify(value)}`,
      'e.g. `backoff-ms: [1000, 5000, 15000]` (the last delay repeats)',
      at,
    );
    return undefined;
  }

  messageId(value: unknown, at: string, target: DurableTarget): DurableModel['messageId'] {
    if (value === undefined) return undefined;
    const v = typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Values) : undefined;
    const keys = v === undefined ? [] : Object.keys(v);
    const header = v?.header;
    const payload = v?.payload;
    if (keys.length === 1 && typeof header === 'string' && header !== '') {
      if (!target.headerNames.includes(header)) {
        this.problem(
          'nats-undeclared-header',
          `message-id header '${header}' is not declared by the messages of '${target.id}'`,
          `declare '${header}' as a required header of the message`,
          `${at}/header`,
        );
        return undefined;
      }
      return { header };
    }
    if (keys.length === 1 && typeof payload === 'string' && /^[^.]+(\.[^.]+)*$/.test(payload)) {
      return { payload: payload.split('.') };
    }
    this.problem(
      'nats-bad-extension',
      `message-id must be { header: <name> } or { payload: <field path> }, got ${JSON.stringify(value)}`,
      'e.g. `message-id: { header: request_id }` or `message-id: { payload: document.id }`',
      at,
    );
    return undefined;
  }
}

function placeholderIssue(subject: string): { code: string; message: string; help: string } {
  return {
    code: 'nats-bad-extension',
    message: `subject '${subject}' has a {placeholder}; stream subjects are fixed`,
    help: 'write * where the channel has a parameter',
  };
}
