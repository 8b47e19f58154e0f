import type { JsMsg } from '@nats-io/jetstream';

/**
 * The runtime's error classes: one class per failure, each with a stable string `code` to switch on,
 * `name` set to the class name, and the underlying error kept as `cause`.
 */

/** One problem found by a schema: a dotted path into the value (`''` for the value itself) and a message. */
export interface Issue {
  readonly path: string;
  readonly message: string;
}

/** Marks the runtime's errors, whichever copy of the package made them (`Symbol.for` is process-wide). */
const BRAND = Symbol.for('asyncapi-nats.error');

/**
 * Base class of every error the runtime throws or reports.
 *
 * `instanceof` works across copies of the package (two versions in one `node_modules`, or the
 * package bundled twice): an error made by one copy is an instance of the other copy's class of the
 * same name, and of its base classes. Switching on `code` works everywhere too.
 */
export class AsyncApiNatsError extends Error {
  /** Stable machine-readable code, e.g. `'VALIDATION'`; unlike `message`, it never changes wording. */
  readonly code: string;
  /** Id of the AsyncAPI operation involved, when there is one. */
  readonly operation?: string;

  constructor(code: string, message: string, operation?: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
    if (operation !== undefined) this.operation = operation;
    Object.defineProperty(this, BRAND, { value: true });
  }

  /**
   * True for errors of this class (or a subclass) from any copy of the package: see the class docs.
   * `this` is the class on the right of `instanceof`, a subclass as often as not.
   */
  static override [Symbol.hasInstance](value: unknown): boolean {
    if (Function.prototype[Symbol.hasInstance].call(this, value)) return true;
    if (typeof value !== 'object' || value === null || !(BRAND in value)) return false;
    for (let proto = Object.getPrototypeOf(value); proto !== null; proto = Object.getPrototypeOf(proto)) {
      if (Object.hasOwn(proto, 'constructor') && (proto.constructor as { name?: unknown }).name === this.name) {
        return true;
      }
    }
    return false;
  }
}

/** A subject parameter value that would change the subject's meaning (wildcard, separator, ...). */
export class InvalidSubjectParameterError extends AsyncApiNatsError {
  /** Name of the parameter, without braces. */
  readonly parameter: string;
  /** The rejected value, as given. */
  readonly value: unknown;

  constructor(parameter: string, value: unknown, reason: string, options?: ErrorOptions) {
    super(
      'INVALID_SUBJECT_PARAMETER',
      `invalid value for subject parameter '${parameter}': ${quote(value)} (${reason})`,
      undefined,
      options,
    );
    this.name = 'InvalidSubjectParameterError';
    this.parameter = parameter;
    this.value = value;
  }
}

/** Which side of an exchange a validated message was on. */
export type Direction = 'send' | 'receive' | 'reply';

/** A payload or header set that does not match the operation's schema. */
export class ValidationError extends AsyncApiNatsError {
  override readonly operation: string;
  /** `send`: outgoing message; `receive`: incoming message or request; `reply`: a request's reply. */
  readonly direction: Direction;
  /** Which part failed: the payload, or the headers (then the payload itself was valid). */
  readonly part: 'payload' | 'headers';
  /** Every issue the schema found, in its order. */
  readonly issues: readonly Issue[];

  constructor(
    operation: string,
    direction: Direction,
    part: 'payload' | 'headers',
    issues: readonly Issue[],
    options?: ErrorOptions,
  ) {
    super(
      'VALIDATION',
      `invalid ${part} for operation '${operation}': ${issues.map(formatIssue).join('; ')}`,
      operation,
      options,
    );
    this.name = 'ValidationError';
    this.operation = operation;
    this.direction = direction;
    this.part = part;
    this.issues = issues;
  }
}

/** A received body that is not valid JSON. */
export class DecodeError extends AsyncApiNatsError {
  override readonly operation: string;
  /** Subject the message arrived on. */
  readonly subject: string;

  constructor(operation: string, subject: string, options?: ErrorOptions) {
    super('DECODE', `malformed JSON for operation '${operation}' on '${subject}'`, operation, options);
    this.name = 'DecodeError';
    this.operation = operation;
    this.subject = subject;
  }
}

/** A request that got no reply in time. */
export class TimeoutError extends AsyncApiNatsError {
  override readonly operation: string;
  /** Subject the request was sent to. */
  readonly subject: string;
  /** The timeout that expired. */
  readonly timeoutMs: number;

  constructor(operation: string, subject: string, timeoutMs: number, options?: ErrorOptions, code = 'TIMEOUT') {
    super(code, `request '${operation}' on '${subject}' timed out after ${timeoutMs} ms`, operation, options);
    this.name = 'TimeoutError';
    this.operation = operation;
    this.subject = subject;
    this.timeoutMs = timeoutMs;
  }
}

/** A request sent to a subject nobody listens on (the server answers at once). */
export class NoRespondersError extends AsyncApiNatsError {
  override readonly operation: string;
  /** Subject the request was sent to. */
  readonly subject: string;

  constructor(operation: string, subject: string, options?: ErrorOptions) {
    super('NO_RESPONDERS', `no responders for request '${operation}' on '${subject}'`, operation, options);
    this.name = 'NoRespondersError';
    this.operation = operation;
    this.subject = subject;
  }
}

/** The responder answered with a service error (`Nats-Service-Error-Code` / `Nats-Service-Error` headers). */
export class RemoteError extends AsyncApiNatsError {
  override readonly operation: string;
  /** The responder's numeric code (HTTP-like: 400 bad request, 500 internal error, ...). */
  readonly status: number;
  /** The responder's description, as sent. */
  readonly description: string;

  constructor(operation: string, status: number, description: string, options?: ErrorOptions, code = 'REMOTE') {
    super(code, `request '${operation}' failed: ${status} ${description}`, operation, options);
    this.name = 'RemoteError';
    this.operation = operation;
    this.status = status;
    this.description = description;
  }
}

/**
 * Thrown by a reply handler to choose the error reply: the caller gets a {@link RemoteError} with this
 * status and message. Anything else a handler throws answers `500 internal error`.
 */
export class ServiceError extends AsyncApiNatsError {
  /** The numeric code sent as `Nats-Service-Error-Code`. */
  readonly status: number;

  constructor(status: number, message: string, options?: ErrorOptions) {
    super('SERVICE', message, undefined, options);
    this.name = 'ServiceError';
    this.status = status;
  }
}

/**
 * The first connection could not be made, even after retrying. `servers` and the message never hold
 * a password or token: credentials in a server URL are shown as `nats://user:***@host:4222`.
 */
export class ConnectError extends AsyncApiNatsError {
  /** The servers that were tried (credentials redacted). */
  readonly servers: readonly string[];
  /** How many attempts were made. */
  readonly attempts: number;
  /**
   * Why the last attempt failed: `authorization` (the server refused the credentials), `options`
   * (options that can never work; nothing was retried) or `connection` (no server answered, TLS, ...).
   */
  readonly reason: 'authorization' | 'options' | 'connection';

  constructor(servers: readonly string[], attempts: number, options?: ErrorOptions) {
    const detail = options?.cause instanceof Error ? `: ${options.cause.message}` : '';
    super(
      'CONNECT',
      `could not connect to '${servers.join(',')}' after ${attempts} ${attempts === 1 ? 'attempt' : 'attempts'}${detail}`,
      undefined,
      options,
    );
    this.name = 'ConnectError';
    this.servers = servers;
    this.attempts = attempts;
    this.reason = connectFailureReason(options?.cause);
  }
}

/** The client's error classes by name (this module does not import the client). */
function connectFailureReason(cause: unknown): ConnectError['reason'] {
  const name = cause instanceof Error ? cause.name : '';
  if (name === 'AuthorizationError' || name === 'UserAuthenticationExpiredError') return 'authorization';
  if (name === 'InvalidArgumentError' || name === 'TypeError') return 'options';
  return 'connection';
}

/**
 * A request the responder refused because it already runs its maximum number of handlers
 * (`Nats-Service-Error-Code: 503`). Nothing was processed: retrying later is safe.
 */
export class BusyError extends RemoteError {
  constructor(operation: string, description: string, options?: ErrorOptions) {
    super(operation, 503, description, options, 'BUSY');
    this.name = 'BusyError';
  }
}

/**
 * A message that was not sent because the connection is down (`closed: false`: the client is
 * reconnecting; `closed: true`: it gave up or was closed). The NATS client would drop such a message
 * silently on reconnect; this error makes the loss visible to the caller instead.
 */
export class NotConnectedError extends AsyncApiNatsError {
  override readonly operation: string;
  /** Subject the message was for. */
  readonly subject: string;
  /** `true` when the connection is closed for good, `false` while it is reconnecting. */
  readonly closed: boolean;

  constructor(operation: string, subject: string, closed: boolean, options?: ErrorOptions) {
    super(
      'NOT_CONNECTED',
      `'${operation}' on '${subject}' not sent: the connection is ${closed ? 'closed' : 'reconnecting'}`,
      operation,
      options,
    );
    this.name = 'NotConnectedError';
    this.operation = operation;
    this.subject = subject;
    this.closed = closed;
  }
}

/**
 * A request whose connection dropped while it waited for the reply. The request may or may not have
 * been processed; the reply, if any, is lost. Fails at once instead of waiting out the timeout.
 */
export class ConnectionLostError extends AsyncApiNatsError {
  override readonly operation: string;
  /** Subject the request was sent to. */
  readonly subject: string;

  constructor(operation: string, subject: string, options?: ErrorOptions) {
    super(
      'CONNECTION_LOST',
      `request '${operation}' on '${subject}' lost its connection before the reply arrived`,
      operation,
      options,
    );
    this.name = 'ConnectionLostError';
    this.operation = operation;
    this.subject = subject;
  }
}

/** A message larger than the server's `max_payload`, refused before sending. */
export class PayloadTooLargeError extends AsyncApiNatsError {
  override readonly operation: string;
  /** Subject the message was for. */
  readonly subject: string;
  /** Bytes of body and headers. */
  readonly size: number;
  /** The server's limit (`max_payload` of the connected server). */
  readonly maxPayload: number;

  constructor(operation: string, subject: string, size: number, maxPayload: number, options?: ErrorOptions) {
    super(
      'PAYLOAD_TOO_LARGE',
      `'${operation}' on '${subject}' is ${size} bytes, over the server's max_payload of ${maxPayload}`,
      operation,
      options,
    );
    this.name = 'PayloadTooLargeError';
    this.operation = operation;
    this.subject = subject;
    this.size = size;
    this.maxPayload = maxPayload;
  }
}

/**
 * A durable (JetStream) publish that the stream did not acknowledge within its retry budget. Every
 * attempt used the same message id, so a later retry by the caller is still stored at most once.
 */
export class PublishError extends AsyncApiNatsError {
  override readonly operation: string;
  /** Subject the message was for. */
  readonly subject: string;
  /** The `Nats-Msg-Id` every attempt carried. */
  readonly messageId: string;
  /** How many attempts were made. */
  readonly attempts: number;

  constructor(operation: string, subject: string, messageId: string, attempts: number, options?: ErrorOptions) {
    const detail = options?.cause instanceof Error ? `: ${options.cause.message}` : '';
    super(
      'PUBLISH_FAILED',
      `durable publish '${operation}' on '${subject}' (message id '${messageId}') not acknowledged after ${attempts} ${attempts === 1 ? 'attempt' : 'attempts'}${detail}`,
      operation,
      options,
    );
    this.name = 'PublishError';
    this.operation = operation;
    this.subject = subject;
    this.messageId = messageId;
    this.attempts = attempts;
  }
}

/** A JetStream stream or consumer that could not be created or does not match the spec. */
export class StreamSetupError extends AsyncApiNatsError {
  /** The stream involved. */
  readonly stream: string;
  /** The consumer involved, when the failure is about one. */
  readonly consumer: string | undefined;

  constructor(stream: string, consumer: string | undefined, reason: string, options?: ErrorOptions) {
    super(
      'STREAM_SETUP',
      `${consumer === undefined ? `stream '${stream}'` : `consumer '${consumer}' of stream '${stream}'`}: ${reason}`,
      undefined,
      options,
    );
    this.name = 'StreamSetupError';
    this.stream = stream;
    this.consumer = consumer;
  }
}

/** Headers a dead-lettered message carries, beside the original message's own headers. */
export const DeadLetterHeaders = {
  /** `decode`, `validation` or `max-deliveries`. */
  Reason: 'Nats-Dead-Letter-Reason',
  /** The failure, on one line, at most 512 characters. */
  Error: 'Nats-Dead-Letter-Error',
  /** The subject the message was published to. */
  Subject: 'Nats-Dead-Letter-Subject',
  /** The stream that held it. */
  Stream: 'Nats-Dead-Letter-Stream',
  /** Its sequence in that stream. */
  Sequence: 'Nats-Dead-Letter-Sequence',
  /** How many times it was delivered. */
  Deliveries: 'Nats-Dead-Letter-Deliveries',
  /** Its original `Nats-Msg-Id`, when it had one (the dead letter's own id is `<stream>:<sequence>`). */
  MessageId: 'Nats-Dead-Letter-Message-Id',
  /** Present only when the body was left out because it did not fit under `max_payload` with these headers. */
  Body: 'Nats-Dead-Letter-Body',
} as const;

/** Why a message was dead-lettered. */
export type DeadLetterReason = 'decode' | 'validation' | 'max-deliveries';

/**
 * Reported (kind `dead-letter`) for each dead-lettering: `stored` tells whether the dead-letter stream
 * took the message (the original is then terminated) or not (the original was nakked and will come
 * back). `cause` is the failure that condemned the message, or the publish failure when not stored.
 */
export class DeadLetterError extends AsyncApiNatsError {
  override readonly operation: string;
  readonly reason: DeadLetterReason;
  /** Subject the message was published to. */
  readonly subject: string;
  readonly stream: string;
  readonly sequence: number;
  /** Where it went (or should have gone). */
  readonly deadLetterSubject: string;
  readonly stored: boolean;

  constructor(
    operation: string,
    m: JsMsg,
    reason: DeadLetterReason,
    deadLetterSubject: string,
    stored: boolean,
    options: ErrorOptions,
  ) {
    const { stream, streamSequence } = m.info;
    const detail = options.cause instanceof Error ? `: ${options.cause.message}` : '';
    super(
      'DEAD_LETTER',
      stored
        ? `message ${stream}:${streamSequence} on '${m.subject}' dead-lettered to '${deadLetterSubject}' (${reason})${detail}`
        : `message ${stream}:${streamSequence} on '${m.subject}' could not be dead-lettered to '${deadLetterSubject}' (${reason}), it will be redelivered${detail}`,
      operation,
      options,
    );
    this.name = 'DeadLetterError';
    this.operation = operation;
    this.reason = reason;
    this.subject = m.subject;
    this.stream = stream;
    this.sequence = streamSequence;
    this.deadLetterSubject = deadLetterSubject;
    this.stored = stored;
  }
}

/** Reported (kind `ack`) when an ack, nak or term failed; the server redelivers the message after `ack_wait`. */
export class AckError extends AsyncApiNatsError {
  override readonly operation: string;
  readonly subject: string;

  constructor(operation: string, m: JsMsg, what: 'ack' | 'nak' | 'term', options: ErrorOptions) {
    const detail = options.cause instanceof Error ? `: ${options.cause.message}` : '';
    super(
      'ACK_FAILED',
      `${what} of message ${m.info.stream}:${m.info.streamSequence} on '${m.subject}' failed${detail}`,
      operation,
      options,
    );
    this.name = 'AckError';
    this.operation = operation;
    this.subject = m.subject;
  }
}

/**
 * The server refused a publish or a subscription this call needed (its permissions). For a request
 * this is often the reply inbox: connect with `tenant` so replies use `_INBOX.<tenant>.>`, the prefix
 * tenant permissions allow (docs/security.md). The connection stays up.
 */
export class PermissionError extends AsyncApiNatsError {
  /** What the server refused. */
  readonly action: 'publish' | 'subscription';
  /** The refused subject (for a request: the request subject, or the inbox subscription). */
  readonly subject: string;

  constructor(operation: string, action: 'publish' | 'subscription', subject: string, options?: ErrorOptions) {
    super(
      'PERMISSION_DENIED',
      `'${operation}': the server refused ${action === 'publish' ? 'publishing to' : 'subscribing to'} '${subject}'`,
      operation,
      options,
    );
    this.name = 'PermissionError';
    this.action = action;
    this.subject = subject;
  }
}

/** `path: message`, or just the message for an issue about the whole value. */
export function formatIssue(issue: Issue): string {
  return issue.path === '' ? issue.message : `${issue.path}: ${issue.message}`;
}

/** Quotes a value for a message, with control characters escaped so the message stays one readable line. */
function quote(value: unknown): string {
  // JSON.stringify leaves U+2028/U+2029 as they are; they break lines in logs like \n does.
  if (typeof value === 'string')
    return `'${JSON.stringify(value)
      .slice(1, -1)
      .replace(/\u2028/g, '\\u2028')
      .replace(/\u2029/g, '\\u2029')}'`;
  if (typeof value === 'symbol') return value.toString();
  return String(value);
}

/**
 * Reported (`onError` kind `consumer`) when a durable worker with a free handler slot has received
 * nothing from its consumer (no message, not even the server's idle heartbeat) for longer than its stall
 * threshold: once when the pause passes the threshold (`resumed` false, `durationMs` so far), and once
 * when messages or heartbeats arrive again (`resumed` true, `durationMs` the whole pause). Meanwhile the
 * worker keeps renewing its pull. `cause`: the last failure seen during the pause, if any (a setup error,
 * a lost connection).
 */
export class ConsumerStalledError extends AsyncApiNatsError {
  override readonly operation: string;
  /** The consumer's filter subject. */
  readonly subject: string;
  readonly stream: string;
  readonly consumer: string;
  /** How long nothing arrived, in milliseconds. */
  readonly durationMs: number;
  /** `false`: the pause goes on; `true`: it ended. */
  readonly resumed: boolean;

  constructor(
    operation: string,
    subject: string,
    stream: string,
    consumer: string,
    durationMs: number,
    resumed: boolean,
    options?: ErrorOptions,
  ) {
    const detail = !resumed && options?.cause instanceof Error ? `: ${options.cause.message}` : '';
    super(
      'CONSUMER_STALLED',
      resumed
        ? `'${operation}' on '${subject}' (consumer '${consumer}' of stream '${stream}') resumed after ${Math.round(durationMs)} ms without messages or heartbeats`
        : `'${operation}' on '${subject}' (consumer '${consumer}' of stream '${stream}') has received no message or heartbeat for ${Math.round(durationMs)} ms with free handler slots${detail}`,
      operation,
      options,
    );
    this.name = 'ConsumerStalledError';
    this.operation = operation;
    this.subject = subject;
    this.stream = stream;
    this.consumer = consumer;
    this.durationMs = durationMs;
    this.resumed = resumed;
  }
}

/**
 * Reported (`onError` kind `handler`) when a handler's promise did not settle within its handler timeout
 * (`x-nats-handler-timeout-ms`, or `ServerOptions.handlerTimeoutMs`). Its slot is freed at once and the
 * message settled without it (`outcome`): a durable message is nakked with the spec's backoff, or
 * dead-lettered when it was its last delivery; a request is answered `504`; a core message is let go. The
 * handler itself cannot be stopped: what it does later is ignored (a later rejection is still reported).
 */
export class HandlerTimeoutError extends AsyncApiNatsError {
  override readonly operation: string;
  /** Subject of the message. */
  readonly subject: string;
  /** The timeout that expired. */
  readonly timeoutMs: number;
  /** What became of the message. */
  readonly outcome: 'nak' | 'dead-letter' | 'error-reply' | 'released';

  constructor(
    operation: string,
    subject: string,
    timeoutMs: number,
    outcome: HandlerTimeoutError['outcome'],
    options?: ErrorOptions,
  ) {
    const what = {
      nak: 'nakked for redelivery',
      'dead-letter': 'dead-lettered (last delivery)',
      'error-reply': 'answered 504',
      released: 'its slot freed',
    }[outcome];
    super(
      'HANDLER_TIMEOUT',
      `handler of '${operation}' on '${subject}' did not settle within ${timeoutMs} ms: ${what}`,
      operation,
      options,
    );
    this.name = 'HandlerTimeoutError';
    this.operation = operation;
    this.subject = subject;
    this.timeoutMs = timeoutMs;
    this.outcome = outcome;
  }
}

/**
 * Core messages a registration could not take: every handler slot busy (`maxInFlight`) and the
 * backlog full (`maxPending`), so they were dropped; or requests refused as `503 busy`. Reported
 * (kind `overflow`) at most once a second with the count.
 */
export class OverflowError extends AsyncApiNatsError {
  constructor(operation: string, message: string) {
    super('OVERFLOW', message, operation);
  }
}

/** A registration falling behind: its backlog reached the slow-consumer mark (kind `slow-consumer`). */
export class SlowConsumerError extends AsyncApiNatsError {
  constructor(operation: string, message: string) {
    super('SLOW_CONSUMER', message, operation);
  }
}

/**
 * A message on a channel several operations share that belongs to an operation not registered on
 * this subscription (kind `unhandled`; a request gets `501`).
 */
export class UnhandledMessageError extends AsyncApiNatsError {
  constructor(operation: string, subject: string) {
    super(
      'UNHANDLED',
      `no handler for operation '${operation}' on '${subject}': it is not registered on this subscription`,
      operation,
    );
  }
}

/** Configuration that can never work: `NATS_*` variables that contradict each other or name unreadable files. */
export class ConfigError extends AsyncApiNatsError {
  constructor(message: string, options?: ErrorOptions) {
    super('CONFIG', message, undefined, options);
  }
}

/**
 * A call the generated code or its descriptor does not allow: consuming from an operation without a
 * durable consumer, a durable publish on a core operation, an address that is not a subject template,
 * an asynchronous schema. It points at a hand-edited or mismatched generated file: regenerate.
 */
export class ContractError extends AsyncApiNatsError {
  constructor(message: string, operation?: string) {
    super('CONTRACT', message, operation);
  }
}

/** A registration whose subscription stopped (closed, or refused by the server) before it was ready. */
export class SubscriptionClosedError extends AsyncApiNatsError {
  constructor(message: string, operation?: string, options?: ErrorOptions) {
    super('SUBSCRIPTION_CLOSED', message, operation, options);
  }
}

/** Which timeout of a streaming reply expired. */
export type StreamTimeoutPhase = 'first-chunk' | 'idle' | 'total';

/**
 * A streaming reply (`requestStream`) that ran out of time: no first chunk within
 * `firstChunkTimeoutMs`, no next chunk within `idleTimeoutMs` while the caller waited for one, or no
 * end within `totalTimeoutMs`. The server was told to stop. A {@link TimeoutError} too.
 */
export class StreamTimeoutError extends TimeoutError {
  /** The timeout that expired. */
  readonly phase: StreamTimeoutPhase;

  constructor(
    operation: string,
    subject: string,
    timeoutMs: number,
    phase: StreamTimeoutPhase,
    options?: ErrorOptions,
  ) {
    super(operation, subject, timeoutMs, options, 'STREAM_TIMEOUT');
    const what = { 'first-chunk': 'no first chunk', idle: 'no next chunk', total: 'no end' }[phase];
    this.message = `stream '${operation}' on '${subject}' timed out: ${what} within ${timeoutMs} ms`;
    this.name = 'StreamTimeoutError';
    this.phase = phase;
  }
}

/**
 * A streaming reply whose messages stopped making sense: a sequence number was skipped (`gap`: a
 * message was lost, e.g. across a reconnect), or a message broke the protocol (`protocol`: an unknown
 * kind, a chunk before the stream opened, more chunks than the window allows).
 */
export class StreamInterruptedError extends AsyncApiNatsError {
  override readonly operation: string;
  readonly reason: 'gap' | 'protocol';
  /** The sequence number expected next. */
  readonly expectedSeq: number;
  /** The sequence number that arrived (-1 when it had none). */
  readonly receivedSeq: number;

  constructor(
    operation: string,
    reason: 'gap' | 'protocol',
    expectedSeq: number,
    receivedSeq: number,
    detail?: string,
    options?: ErrorOptions,
  ) {
    const why = reason === 'gap' ? `expected message ${expectedSeq}, got ${receivedSeq}` : (detail ?? 'protocol error');
    super('STREAM_INTERRUPTED', `stream '${operation}' interrupted: ${why}`, operation, options);
    this.name = 'StreamInterruptedError';
    this.operation = operation;
    this.reason = reason;
    this.expectedSeq = expectedSeq;
    this.receivedSeq = receivedSeq;
  }
}

/**
 * Why a streaming handler was stopped: the caller cancelled (`caller-cancelled`: an AbortSignal,
 * `break`, `return()`, `cancel()`, or a timeout or invalid chunk at the caller), sent no credit within
 * the idle timeout (`caller-gone`), the total timeout passed (`total-timeout`), or the server is
 * draining (`server-closing`).
 */
export type StreamCancelReason = 'caller-cancelled' | 'caller-gone' | 'total-timeout' | 'server-closing';

/**
 * The reason a streaming handler's `signal` aborts with (see {@link StreamCancelReason}). Not reported
 * to `onError`: a cancelled stream is not a failure of the server.
 */
export class StreamCancelledError extends AsyncApiNatsError {
  override readonly operation: string;
  readonly reason: StreamCancelReason;
  /** The caller's own words, when its cancel carried them. */
  readonly detail: string | undefined;

  constructor(operation: string, reason: StreamCancelReason, detail?: string, options?: ErrorOptions) {
    super(
      'STREAM_CANCELLED',
      `stream '${operation}' cancelled: ${reason}${detail === undefined || detail === '' ? '' : ` (${detail})`}`,
      operation,
      options,
    );
    this.name = 'StreamCancelledError';
    this.operation = operation;
    this.reason = reason;
    this.detail = detail;
  }
}
