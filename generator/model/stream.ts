/**
 * `x-nats-stream`: a request/reply operation whose reply is a stream of chunk messages, ending with an
 * optional end message (docs/extensions.md, docs/streaming.md). It sits on an operation with a
 * `reply`, whose messages are the chunks and the end; a tool that does not know the key reads a
 * request/reply whose reply is one of them, the best a non-streaming tool can do.
 */
import { suggest } from '../suggest.js';
import type { ExtensionContext } from './extensions.js';
import type { StreamModel } from './types.js';

/** The extension's name. */
export const STREAM_EXTENSION = 'x-nats-stream';

/** The defaults of the settings (STREAMING.md §1). */
export const STREAM_DEFAULTS = {
  firstChunkTimeoutMs: 30_000,
  idleTimeoutMs: 30_000,
  totalTimeoutMs: 300_000,
  window: 32,
} as const;

const SETTINGS = ['firstChunkTimeoutMs', 'idleTimeoutMs', 'totalTimeoutMs', 'window'] as const;
const KEYS = ['end', ...SETTINGS] as const;
const MAX_TIMER_MS = 2_147_483_647;
const MAX_WINDOW = 10_000;

/** A reply message as the reader needs it. */
export interface StreamReplyMessage {
  /** The model's message key. */
  readonly key: string;
  /** Names the spec may call it by: its id in the reply channel, its component name, its model name. */
  readonly ids: readonly string[];
  /** True when it declares headers (chunks and the end are payload-only). */
  readonly hasHeaders: boolean;
  /** Where the message is defined, for the headers problem. */
  readonly pointer: string;
}

/** What the operation is, as far as the extension cares. */
export interface StreamTarget {
  readonly id: string;
  /** The operation's reply messages; undefined when the operation has no reply. */
  readonly replyMessages: readonly StreamReplyMessage[] | undefined;
  /** The operation also declares `x-nats-timeout-ms`. */
  readonly hasTimeout: boolean;
  /** The operation also declares `x-nats-handler-timeout-ms`. */
  readonly hasHandlerTimeout?: boolean;
  /** Where `x-nats-jetstream` is declared for the operation (on it or on its channel), if anywhere. */
  readonly jetstreamAt?: string;
}

/**
 * Reads `x-nats-stream` of the operation at `pointer`: the stream model, or undefined when the key is
 * absent (or `false`) or invalid; each problem is reported at its key.
 */
export function readStream(
  value: unknown,
  pointer: string,
  target: StreamTarget,
  ctx: ExtensionContext,
): StreamModel | undefined {
  if (value === undefined || value === false) return undefined;
  const at = `${pointer}/${STREAM_EXTENSION}`;
  const problem = (code: string, message: string, help: string, where = at) =>
    ctx.report({ code, severity: 'error', message, help }, where);
  if (value !== true && (typeof value !== 'object' || value === null || Array.isArray(value))) {
    problem(
      'nats-bad-extension',
      `${STREAM_EXTENSION} must be true or an object of settings, got ${JSON.stringify(value)}`,
      'write `x-nats-stream: true` for the defaults, or e.g. `x-nats-stream: { end: Done, idleTimeoutMs: 10000 }`',
    );
    return undefined;
  }
  const values = value === true ? {} : (value as Record<string, unknown>);
  let ok = checkPlacement(target, at, problem);
  ok = unknownKeys(values, at, problem) && ok;
  const settings = readSettings(values, at, problem);
  const replyMessages = target.replyMessages ?? [];
  const end = readEnd(values.end, replyMessages, at, problem);
  if (end === null) ok = false;
  const chunks = replyMessages.filter((m) => m.key !== end).map((m) => m.key);
  if (target.replyMessages !== undefined && replyMessages.length > 0 && chunks.length === 0) {
    ok = false;
    problem(
      'nats-stream-no-chunk',
      `${STREAM_EXTENSION} of '${target.id}' leaves no chunk message: the reply's only message is the end`,
      'add the chunk message to the reply, beside the end message',
    );
  }
  for (const m of replyMessages.filter((r) => r.hasHeaders)) {
    ok = false;
    problem(
      'nats-stream-headers',
      `message '${m.ids[0] ?? m.key}' of the streamed reply of '${target.id}' declares headers; chunks and the end message carry a payload only`,
      'move what the headers say into the payload',
      `${m.pointer}/headers`,
    );
  }
  if (!ok || settings === undefined || chunks.length === 0) return undefined;
  return { chunks, ...(typeof end === 'string' ? { end } : {}), ...settings, location: ctx.locate(at) };
}

type Report = (code: string, message: string, help: string, where?: string) => void;

/** The key needs a reply, and rules out a single reply timeout and JetStream. */
function checkPlacement(target: StreamTarget, at: string, problem: Report): boolean {
  let ok = true;
  if (target.replyMessages === undefined) {
    problem(
      'nats-stream-without-reply',
      `${STREAM_EXTENSION} on '${target.id}' has no meaning: the operation has no reply`,
      'add a `reply` whose messages are the chunks (and the end message), or remove the key',
    );
    ok = false;
  }
  if (target.hasTimeout) {
    problem(
      'nats-stream-timeout',
      `x-nats-timeout-ms on streaming operation '${target.id}': a stream has a first-chunk, an idle and a total timeout`,
      `use ${STREAM_EXTENSION}.totalTimeoutMs (and firstChunkTimeoutMs, idleTimeoutMs) instead`,
      `${at.slice(0, at.lastIndexOf('/'))}/x-nats-timeout-ms`,
    );
    ok = false;
  }
  if (target.hasHandlerTimeout === true) {
    problem(
      'nats-stream-timeout',
      `x-nats-handler-timeout-ms on streaming operation '${target.id}': a stream runs as long as it sends, up to its total timeout`,
      `use ${STREAM_EXTENSION}.totalTimeoutMs to bound a stream`,
      `${at.slice(0, at.lastIndexOf('/'))}/x-nats-handler-timeout-ms`,
    );
    ok = false;
  }
  if (target.jetstreamAt !== undefined) {
    problem(
      'nats-stream-jetstream',
      `operation '${target.id}' streams its reply, which JetStream does not store: x-nats-jetstream cannot apply to it`,
      'keep the streaming operation on core NATS (a channel of its own without x-nats-jetstream)',
      target.jetstreamAt,
    );
    ok = false;
  }
  return ok;
}

function unknownKeys(values: Record<string, unknown>, at: string, problem: Report): boolean {
  let ok = true;
  for (const key of Object.keys(values)) {
    if ((KEYS as readonly string[]).includes(key)) continue;
    const meant = suggest(key, KEYS);
    problem(
      'nats-bad-extension',
      `${STREAM_EXTENSION} key '${key}' is not one asyncapi-nats reads${meant !== undefined ? `; did you mean '${meant}'?` : ''}`,
      `the keys are ${KEYS.join(', ')}`,
      `${at}/${key}`,
    );
    ok = false;
  }
  return ok;
}

/** The four numbers with their defaults, or undefined when any is invalid (each reported). */
function readSettings(
  values: Record<string, unknown>,
  at: string,
  problem: Report,
): Omit<StreamModel, 'chunks' | 'end' | 'location'> | undefined {
  const out: Record<string, number> = {};
  let ok = true;
  for (const key of SETTINGS) {
    const v = values[key];
    const max = key === 'window' ? MAX_WINDOW : MAX_TIMER_MS;
    if (v === undefined) {
      out[key] = STREAM_DEFAULTS[key];
    } else if (typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= max) {
      out[key] = v;
    } else {
      ok = false;
      problem(
        'nats-bad-extension',
        `${STREAM_EXTENSION}.${key} must be a whole number from 1 to ${max}${key === 'window' ? ' (chunks)' : ' (milliseconds)'}, got ${JSON.stringify(v)}`,
        `leave it out for the default ${STREAM_DEFAULTS[key]}`,
        `${at}/${key}`,
      );
    }
  }
  return ok ? (out as Omit<StreamModel, 'chunks' | 'end' | 'location'>) : undefined;
}

/** The key of the end message; undefined when none is declared, null when `end` is invalid (reported). */
function readEnd(
  value: unknown,
  replyMessages: readonly StreamReplyMessage[],
  at: string,
  problem: Report,
): string | undefined | null {
  if (value === undefined) return undefined;
  const names = replyMessages.map((m) => m.ids[0] ?? m.key);
  const found = typeof value === 'string' ? replyMessages.filter((m) => m.ids.includes(value)).map((m) => m.key) : [];
  if (found.length === 1) return found[0];
  if (replyMessages.length === 0) return null;
  const meant = typeof value === 'string' ? suggest(value, names) : undefined;
  problem(
    'nats-stream-end',
    `${STREAM_EXTENSION}.end ${JSON.stringify(value)} is not one of the reply's messages (${names.map((n) => `'${n}'`).join(', ')})${meant !== undefined ? `; did you mean '${meant}'?` : ''}`,
    "name the reply message that ends the stream by its key in the reply channel's messages",
    `${at}/end`,
  );
  return null;
}
