/** The sending side: `publish` and `request`. */
import { errors, type Msg, type MsgHdrs, type NatsConnection } from '@nats-io/transport-node';
import {
  checkReceived,
  checkSize,
  decodeBody,
  encodeBody,
  NO_VALUES,
  prepareSend,
  SERVICE_ERROR,
  SERVICE_ERROR_CODE,
} from './codec.js';
import {
  BusyError,
  ConnectionLostError,
  DecodeError,
  NoRespondersError,
  NotConnectedError,
  PermissionError,
  RemoteError,
  TimeoutError,
  ValidationError,
} from './errors.js';
import { clientPermissions } from './permissions.js';
import { type ConnectionState, connectionState, DisconnectWatch } from './status.js';
import {
  endSpan,
  errorCode,
  injectTrace,
  type OperationKind,
  recordOperation,
  startSendSpan,
  type Trace,
  telemetryActive,
} from './telemetry.js';
import type { ClientOptions, OperationSpec, RequestOptions, SendArgs } from './types.js';

const DEFAULT_TIMEOUT_MS = 10_000;
/**
 * For this long after a reconnect, "no responders" is taken to mean the responders are reconnecting
 * too (they saw the same outage), and the request is sent again until its deadline.
 */
const RECONNECT_GRACE_MS = 3_000;
/** Pause before re-sending a request that found no responders during the grace period; doubles up to the cap. */
const NO_RESPONDERS_RETRY_MS = 25;
const NO_RESPONDERS_RETRY_MAX_MS = 250;

/**
 * Publishes one message: builds the subject, validates payload and headers (unless
 * `options.validate.send` is false), sends the payload as JSON. Synchronous; throws
 * {@link InvalidSubjectParameterError}, {@link ValidationError} or {@link PayloadTooLargeError} before
 * anything is sent, and {@link NotConnectedError} while the connection is down (the NATS client would
 * accept the message and drop it silently on reconnect). A publish the server's permissions refuse is
 * reported afterwards to `options.onError` (kind `permission`), else the logger.
 */
export function publish(nc: NatsConnection, op: OperationSpec, args: SendArgs, options?: ClientOptions): void {
  const subject = op.subject.build(args.params ?? NO_VALUES, args);
  // A refused publish is only known after this returns: it goes to onError / the logger.
  clientPermissions(nc, op, options?.onError, options?.logger);
  // Unobserved (no metrics hook, no @opentelemetry/api): straight to the send, nothing measured.
  if (options?.metrics === undefined && !telemetryActive()) {
    send(nc, op, subject, args, options, undefined);
    return;
  }
  const t0 = performance.now();
  const trace = startSendSpan(op, 'publish', subject, options?.tracing);
  try {
    send(nc, op, subject, args, options, trace);
  } catch (error) {
    finished(options, op, 'publish', subject, t0, trace, error);
    throw error;
  }
  finished(options, op, 'publish', subject, t0, trace);
}

function send(
  nc: NatsConnection,
  op: OperationSpec,
  subject: string,
  args: SendArgs,
  options: ClientOptions | undefined,
  trace: Trace | undefined,
): void {
  const { hdrs, body } = encodeRequest(op, args, options, trace);
  checkSize(nc, op.id, subject, body, hdrs);
  const state = connectionState(nc);
  if (!state.connected) throw new NotConnectedError(op.id, subject, state.closed);
  nc.publish(subject, body, hdrs === undefined ? undefined : { headers: hdrs });
}

/** What a send carries, validated and encoded: the header block (with the trace context) and the JSON body. */
export interface EncodedSend {
  readonly hdrs: MsgHdrs | undefined;
  readonly body: Uint8Array | undefined;
}

/**
 * Validates the payload and headers of a send (unless `options.validate.send` is false), builds the
 * header block with the trace context and encodes the body: shared by `publish`, `request` and
 * `requestStream`. Throws {@link ValidationError}.
 */
export function encodeRequest(
  op: OperationSpec,
  args: SendArgs,
  options: ClientOptions | undefined,
  trace: Trace | undefined,
): EncodedSend {
  let hdrs = prepareSend(op.messages, op.id, 'send', args.payload, args.headers, options?.validate?.send !== false);
  if (hdrs instanceof ValidationError) throw hdrs;
  const body = encodeSend(op.id, args.payload);
  if (trace !== undefined) hdrs = injectTrace(trace, hdrs);
  return { hdrs, body };
}

/**
 * Sends a request and resolves the validated reply payload (or `{ payload, headers }` when the
 * operation's reply has `withHeaders`).
 *
 * Issued while the connection is down, the request waits for the reconnect and is then sent with the
 * time left. When the connection drops while the reply is awaited, it rejects at once with
 * {@link ConnectionLostError} (unless `options.onDisconnect` is `'wait'`). Shortly after a reconnect,
 * "no responders" is retried until the deadline, since the responders may be reconnecting too.
 *
 * Rejects with {@link TimeoutError}, {@link NoRespondersError}, {@link BusyError} (the responder is at
 * its concurrency limit), {@link RemoteError} (the responder answered with a service error),
 * {@link NotConnectedError} (the connection is closed), {@link ConnectionLostError},
 * {@link PayloadTooLargeError}, {@link DecodeError} or {@link ValidationError} (direction `reply`).
 */
export async function request<TReply>(
  nc: NatsConnection,
  op: OperationSpec,
  args: SendArgs,
  options?: ClientOptions & RequestOptions,
): Promise<TReply> {
  const subject = op.subject.build(args.params ?? NO_VALUES, args);
  if (options?.metrics === undefined && !telemetryActive())
    return ask<TReply>(nc, op, subject, args, options, undefined);
  const t0 = performance.now();
  const trace = startSendSpan(op, 'request', subject, options?.tracing);
  let reply: TReply;
  try {
    reply = await ask<TReply>(nc, op, subject, args, options, trace);
  } catch (error) {
    finished(options, op, 'request', subject, t0, trace, error);
    throw error;
  }
  finished(options, op, 'request', subject, t0, trace);
  return reply;
}

/** Records a finished send for metrics and ends its span (`error`: it failed). */
export function finished(
  options: ClientOptions | undefined,
  op: OperationSpec,
  kind: OperationKind,
  subject: string,
  t0: number,
  trace: Trace | undefined,
  error?: unknown,
): void {
  const code = error === undefined ? undefined : errorCode(error);
  recordOperation(options?.metrics, op, kind, subject, performance.now() - t0, code);
  endSpan(trace, code, error);
}

async function ask<TReply>(
  nc: NatsConnection,
  op: OperationSpec,
  subject: string,
  args: SendArgs,
  options: (ClientOptions & RequestOptions) | undefined,
  trace: Trace | undefined,
): Promise<TReply> {
  const { hdrs, body } = encodeRequest(op, args, options, trace);
  const timeout = options?.timeoutMs ?? op.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const state = connectionState(nc);
  const failOnDisconnect = options?.onDisconnect !== 'wait';
  const deadline = Date.now() + timeout;
  let retryMs = NO_RESPONDERS_RETRY_MS;
  let reply: Msg;
  // The first attempt on a live connection gets the whole timeout, not one that lost a millisecond.
  let resent = false;
  for (;;) {
    if (!state.connected) {
      resent = true;
      await reconnected(state, op.id, subject, deadline, timeout);
    }
    checkSize(nc, op.id, subject, body, hdrs);
    const remaining = resent ? Math.max(1, deadline - Date.now()) : timeout;
    resent = true;
    try {
      const pending = nc.request(
        subject,
        body,
        hdrs === undefined ? { timeout: remaining } : { timeout: remaining, headers: hdrs },
      );
      reply = await (failOnDisconnect ? untilDisconnect(pending, state, op.id, subject) : pending);
      break;
    } catch (error) {
      const failure = requestFailure(error, op.id, subject, timeout);
      const now = Date.now();
      if (!(failure instanceof NoRespondersError) || now > state.reconnectedAt + RECONNECT_GRACE_MS) throw failure;
      if (now + retryMs >= deadline) throw failure;
      await new Promise((resolve) => setTimeout(resolve, retryMs));
      retryMs = Math.min(retryMs * 2, NO_RESPONDERS_RETRY_MAX_MS);
    }
  }
  const replyHdrs = reply.headers;
  if (replyHdrs?.has(SERVICE_ERROR_CODE)) throw remoteError(op.id, replyHdrs);
  let payload: unknown;
  try {
    payload = decodeBody(reply);
  } catch (cause) {
    throw new DecodeError(op.id, subject, { cause });
  }
  const spec = op.reply;
  const checked = checkReceived(
    spec?.messages ?? [],
    op.id,
    'reply',
    payload,
    reply,
    options?.validate?.receive !== false,
  );
  if (checked instanceof ValidationError) throw checked;
  // The caller states the reply type; the descriptor's schemas are what make it true.
  return (spec?.withHeaders === true ? checked : checked.payload) as TReply;
}

/** Waits for the connection to come back before `deadline`; throws when it closes or the deadline passes. */
async function reconnected(
  state: ConnectionState,
  operation: string,
  subject: string,
  deadline: number,
  timeoutMs: number,
): Promise<void> {
  if (state.closed) throw new NotConnectedError(operation, subject, true);
  if (await state.waitConnected(deadline)) return;
  if (state.closed) throw new NotConnectedError(operation, subject, true);
  throw new TimeoutError(operation, subject, timeoutMs);
}

/**
 * `pending`, or a {@link ConnectionLostError} as soon as the connection drops: the client would
 * otherwise wait out the whole timeout for a reply that can no longer arrive. A later rejection of
 * `pending` lands in the handler below, so it is never unhandled.
 */
function untilDisconnect(
  pending: Promise<Msg>,
  state: ConnectionState,
  operation: string,
  subject: string,
): Promise<Msg> {
  return new ReplyWait(pending, state, operation, subject).promise;
}

/** The wait of {@link untilDisconnect}: its own disconnect watch, with the reply callbacks as fields. */
class ReplyWait extends DisconnectWatch {
  readonly promise: Promise<Msg>;
  private resolve!: (msg: Msg) => void;
  private reject!: (error: unknown) => void;

  constructor(
    pending: Promise<Msg>,
    private readonly state: ConnectionState,
    private readonly operation: string,
    private readonly subject: string,
  ) {
    super();
    let resolve!: (msg: Msg) => void;
    let reject!: (error: unknown) => void;
    this.promise = new Promise<Msg>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    this.resolve = resolve;
    this.reject = reject;
    state.watch(this);
    pending.then(this.replied, this.failed);
  }

  private readonly replied = (msg: Msg): void => {
    this.state.unwatch(this);
    this.resolve(msg);
  };

  private readonly failed = (error: unknown): void => {
    this.state.unwatch(this);
    this.reject(error);
  };

  disconnected(): void {
    this.reject(new ConnectionLostError(this.operation, this.subject));
  }
}

/** A service error reply as an error: {@link BusyError} for the responder's `503 busy: ...`, else {@link RemoteError}. */
export function remoteError(operation: string, hdrs: MsgHdrs): RemoteError {
  const status = Number(hdrs.get(SERVICE_ERROR_CODE));
  const description = hdrs.get(SERVICE_ERROR);
  if (status === 503 && description.startsWith('busy')) return new BusyError(operation, description);
  return new RemoteError(operation, status, description);
}

/**
 * The JSON body of an outgoing payload. A value JSON cannot represent (a BigInt, a cycle) is a
 * ValidationError like any other bad payload, not the TypeError `JSON.stringify` throws.
 */
export function encodeSend(operation: string, payload: unknown): Uint8Array | undefined {
  try {
    return encodeBody(payload);
  } catch (cause) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    throw new ValidationError(
      operation,
      'send',
      'payload',
      [{ path: '', message: `not representable as JSON: ${reason}` }],
      {
        cause,
      },
    );
  }
}

/** Our error for a failed `nc.request`, keeping the client's error as `cause`; unknown failures pass through. */
function requestFailure(error: unknown, operation: string, subject: string, timeoutMs: number): unknown {
  const inner = error instanceof errors.RequestError && error.cause instanceof Error ? error.cause : error;
  if (inner instanceof errors.TimeoutError) return new TimeoutError(operation, subject, timeoutMs, { cause: error });
  if (inner instanceof errors.NoRespondersError || (error instanceof errors.RequestError && error.isNoResponders())) {
    return new NoRespondersError(operation, subject, { cause: error });
  }
  if (inner instanceof errors.PermissionViolationError) {
    return new PermissionError(operation, inner.operation, inner.subject, { cause: error });
  }
  // nc.close() while the reply was awaited: the client rejects pending requests with this error.
  if (inner instanceof errors.RequestError && inner.message === 'connection closed') {
    return new ConnectionLostError(operation, subject, { cause: error });
  }
  return error;
}
