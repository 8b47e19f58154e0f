/**
 * Wire conventions shared by every operation: JSON bodies (empty body = no payload), declared headers
 * as strings, zod validation against a list of message specs, and service error headers.
 */
import { headers as createHeaders, type Msg, type MsgHdrs, type NatsConnection } from '@nats-io/transport-node';
import type { z } from 'zod';
import { type Direction, type Issue, PayloadTooLargeError, ValidationError } from './errors.js';
import type { MessageSpec } from './types.js';

/** Header carrying the error text of a failed request (the `@nats-io/services` convention). */
export const SERVICE_ERROR = 'Nats-Service-Error';
/** Header carrying the numeric code of a failed request, as text. */
export const SERVICE_ERROR_CODE = 'Nats-Service-Error-Code';

/** Shared empty parameter object, so calls without params allocate nothing. */
export const NO_VALUES: Readonly<Record<string, never>> = Object.freeze({});

/**
 * A received message after validation: the payload exactly as sent (decoded JSON, never replaced by a
 * schema's output, so properties the schema allows but does not list reach the handler) and the
 * declared headers as their schema parses them (header values travel as text).
 */
export interface Checked {
  readonly payload: unknown;
  readonly headers: Record<string, unknown>;
}

/** The body of a message: `undefined` for an empty body, else parsed JSON. Throws on malformed JSON. */
export function decodeBody(msg: Msg): unknown {
  return msg.data.length === 0 ? undefined : msg.json<unknown>();
}

/**
 * The body to send: the JSON text as UTF-8 bytes, or nothing for `undefined` (an empty body). Encoded
 * here with `Buffer.from`, which takes small bodies from Node's preallocated pool: handed a string, the
 * NATS client encodes it with `TextEncoder`, which allocates a fresh buffer per message (measured on
 * Node 20: about 0.33 µs against 0.09 µs for a 216-byte body).
 */
export function encodeBody(payload: unknown): Uint8Array | undefined {
  return payload === undefined ? undefined : Buffer.from(JSON.stringify(payload));
}

/**
 * Checks an outgoing payload and headers against the specs (first that fits wins; no check when
 * `validate` is false or there are no specs) and builds the NATS header block. When none fits,
 * returns the closest candidate's error (see `closer`).
 */
export function prepareSend(
  specs: readonly MessageSpec[],
  operation: string,
  direction: Direction,
  payload: unknown,
  given: Readonly<Record<string, unknown>> | undefined,
  validate: boolean,
): MsgHdrs | undefined | ValidationError {
  const single = specs.length === 1 ? specs[0] : undefined;
  if (single !== undefined) {
    return validate
      ? sendOne(single, operation, direction, payload, given)
      : writeHeaders(toStrings(single.headerNames, given, operation, direction));
  }
  if (!validate || specs.length === 0) {
    return writeHeaders(toStrings(allHeaderNames(specs), given, operation, direction));
  }
  let closest: ValidationError | undefined;
  for (const spec of specs) {
    const result = sendOne(spec, operation, direction, payload, given);
    if (!(result instanceof ValidationError)) return result;
    closest = closer(closest, result);
  }
  return closest;
}

function sendOne(
  spec: MessageSpec,
  operation: string,
  direction: Direction,
  payload: unknown,
  given: Readonly<Record<string, unknown>> | undefined,
): MsgHdrs | undefined | ValidationError {
  if (spec.payload !== undefined) {
    const result = spec.payload.safeParse(payload);
    if (!result.success) return new ValidationError(operation, direction, 'payload', issuesOf(result.error));
  }
  const strings = toStrings(spec.headerNames, given, operation, direction);
  if (strings instanceof ValidationError) return strings;
  if (spec.headers !== undefined) {
    // Validate what goes on the wire (strings), so sender and receiver run the schema on the same input.
    const result = spec.headers.safeParse(strings ?? {});
    if (!result.success) return new ValidationError(operation, direction, 'headers', issuesOf(result.error));
  }
  return writeHeaders(strings);
}

/**
 * Checks a received payload and the declared headers against the specs (first that fits wins).
 * Returns the payload as received (validated, never transformed) and the headers as parsed.
 */
export function checkReceived(
  specs: readonly MessageSpec[],
  operation: string,
  direction: Direction,
  payload: unknown,
  msg: HeaderSource,
  validate: boolean,
): Checked | ValidationError {
  const single = specs.length === 1 ? specs[0] : undefined;
  if (single !== undefined) {
    return validate
      ? receiveOne(single, operation, direction, payload, msg)
      : { payload, headers: readHeaders(single.headerNames, msg) };
  }
  if (!validate || specs.length === 0) return { payload, headers: readHeaders(allHeaderNames(specs), msg) };
  let closest: ValidationError | undefined;
  for (const spec of specs) {
    const result = receiveOne(spec, operation, direction, payload, msg);
    if (!(result instanceof ValidationError)) return result;
    closest = closer(closest, result);
  }
  return closest as ValidationError;
}

function receiveOne(
  spec: MessageSpec,
  operation: string,
  direction: Direction,
  payload: unknown,
  msg: HeaderSource,
): Checked | ValidationError {
  if (spec.payload !== undefined) {
    // The verdict only: zod's output is a copy that drops properties the schema does not list (and
    // fills defaults), and a receiver must see what was sent.
    const result = spec.payload.safeParse(payload);
    if (!result.success) return new ValidationError(operation, direction, 'payload', issuesOf(result.error));
  }
  let headers: Record<string, unknown> = readHeaders(spec.headerNames, msg);
  if (spec.headers !== undefined) {
    const result = spec.headers.safeParse(headers);
    if (!result.success) return new ValidationError(operation, direction, 'headers', issuesOf(result.error));
    headers = result.data as Record<string, unknown>;
  }
  return { payload, headers };
}

/**
 * What received headers are read from: a message, whose `headers` the client decodes on first access.
 * Only operations that declare headers touch it, so a message with only JetStream's own headers (every
 * durable one) is never decoded for nothing.
 */
export interface HeaderSource {
  readonly headers?: MsgHdrs | undefined;
}

/** The declared headers present on a message, by exact name; absent headers are left out. */
export function readHeaders(names: readonly string[] | undefined, msg: HeaderSource): Record<string, string> {
  const out: Record<string, string> = {};
  if (names === undefined) return out;
  const hdrs = msg.headers;
  if (hdrs === undefined) return out;
  for (const name of names) {
    const value = hdrs.get(name);
    // get() answers '' for a missing header too; has() only runs in that rare case.
    if (value !== '' || hdrs.has(name)) out[name] = value;
  }
  return out;
}

/**
 * Of two failed candidates, the one the message most likely meant: one whose payload fitted (only its
 * headers failed) beats one whose payload failed; otherwise the earlier one, in spec order.
 */
export function closer(best: ValidationError | undefined, next: ValidationError): ValidationError {
  if (best === undefined) return next;
  return best.part === 'payload' && next.part === 'headers' ? next : best;
}

/** NATS header values end at a line break, so CR and LF can never be part of one. */
const LINE_BREAK = /[\r\n]/;

/**
 * The header values to send, as strings; `undefined` values are skipped. Without declared names every
 * given header is sent. Returns `undefined` when there is nothing to send, and a ValidationError when
 * a value contains CR or LF (validated or not: the NATS client would otherwise throw an untyped error)
 * or a lone UTF-16 surrogate (the client would silently send U+FFFD in its place).
 */
function toStrings(
  names: readonly string[] | undefined,
  given: Readonly<Record<string, unknown>> | undefined,
  operation: string,
  direction: Direction,
): Record<string, string> | undefined | ValidationError {
  if (given === undefined) return undefined;
  let out: Record<string, string> | undefined;
  for (const name of names ?? Object.keys(given)) {
    const value = given[name];
    if (value === undefined) continue;
    const text = String(value);
    if (LINE_BREAK.test(text)) {
      return new ValidationError(operation, direction, 'headers', [
        { path: name, message: 'header values cannot contain CR or LF' },
      ]);
    }
    // The NATS client encodes a lone surrogate as U+FFFD, so the receiver would read another value.
    if (!text.isWellFormed()) {
      return new ValidationError(operation, direction, 'headers', [
        { path: name, message: 'header values must be valid Unicode (a lone UTF-16 surrogate is not)' },
      ]);
    }
    out ??= {};
    out[name] = text;
  }
  return out;
}

function writeHeaders(
  strings: Record<string, string> | undefined | ValidationError,
): MsgHdrs | undefined | ValidationError {
  if (strings === undefined || strings instanceof ValidationError) return strings;
  const hdrs = createHeaders();
  for (const name in strings) hdrs.set(name, strings[name] as string);
  return hdrs;
}

/** Union of the specs' declared header names; `undefined` when none declares any (then all are passed). */
function allHeaderNames(specs: readonly MessageSpec[]): readonly string[] | undefined {
  let names: Set<string> | undefined;
  for (const spec of specs) {
    if (spec.headerNames === undefined) continue;
    names ??= new Set();
    for (const name of spec.headerNames) names.add(name);
  }
  return names === undefined ? undefined : [...names];
}

/** A header block that answers a request with an error: empty body, service error headers. */
export function errorHeaders(status: number, description: string): MsgHdrs {
  const hdrs = createHeaders();
  // Header values may not contain CR/LF (the client throws); a multi-line message must still answer.
  hdrs.set(SERVICE_ERROR, description.replace(/[\r\n]+/g, ' '));
  hdrs.set(SERVICE_ERROR_CODE, String(status));
  return hdrs;
}

/** zod issues as plain `{ path, message }` records with dotted paths. */
export function issuesOf(error: z.ZodError): Issue[] {
  return error.issues.map((issue) => ({ path: issue.path.map(String).join('.'), message: issue.message }));
}

/** The two headers `js.publish` adds to a durable publish: the size check counts them, the client sets them. */
export interface JetStreamHeaders {
  /** `Nats-Msg-Id`. */
  readonly messageId: string;
  /** `Nats-Expected-Stream`. */
  readonly stream: string;
}

const MSG_ID = 'Nats-Msg-Id';
const EXPECTED_STREAM = 'Nats-Expected-Stream';

/** `NATS/1.0` status line and the final CRLFs of a header block. */
const HEADER_BLOCK_OVERHEAD = 16;

/**
 * Throws {@link PayloadTooLargeError} when body plus headers (`hdrs` and, for a durable publish, the
 * `jetstream` ones the client will add) exceed the connected server's `max_payload`. The header block's
 * exact UTF-8 length is computed only when it could be over the limit (a UTF-16 unit is at most 3 UTF-8
 * bytes), so small messages cost one comparison.
 */
export function checkSize(
  nc: NatsConnection,
  operation: string,
  subject: string,
  body: Uint8Array | undefined,
  hdrs: MsgHdrs | undefined,
  jetstream?: JetStreamHeaders,
): void {
  const max = nc.info?.max_payload;
  if (max === undefined) return;
  // An upper bound first, from string lengths only: no header block is encoded on the hot path.
  let headerChars = 0;
  if (hdrs !== undefined) {
    for (const [name, values] of hdrs) {
      for (const value of values) headerChars += name.length + value.length + 4;
    }
  }
  if (jetstream !== undefined) {
    headerChars += MSG_ID.length + jetstream.messageId.length + EXPECTED_STREAM.length + jetstream.stream.length + 8;
  }
  const bodyBytes = body?.length ?? 0;
  if (bodyBytes + headerChars * 3 + HEADER_BLOCK_OVERHEAD <= max) return;
  let all = hdrs;
  if (jetstream !== undefined) {
    all = createHeaders();
    if (hdrs !== undefined) for (const [name, values] of hdrs) for (const value of values) all.append(name, value);
    all.set(MSG_ID, jetstream.messageId);
    all.set(EXPECTED_STREAM, jetstream.stream);
  }
  // The client sends `hdrs.encode()`, the UTF-8 of `toString()` (status line to the closing blank line).
  const headerBytes = all === undefined ? 0 : Buffer.byteLength(all.toString());
  const size = bodyBytes + headerBytes;
  if (size > max) throw new PayloadTooLargeError(operation, subject, size, max);
}
