/** The sending side: `publish` and `request`. */
import { errors, type Msg, type NatsConnection } from '@nats-io/transport-node';
import {
  checkReceived,
  decodeBody,
  encodeBody,
  NO_VALUES,
  prepareSend,
  SERVICE_ERROR,
  SERVICE_ERROR_CODE,
} from './codec.js';
import { DecodeError, NoRespondersError, RemoteError, TimeoutError, ValidationError } from './errors.js';
import type { ClientOptions, OperationSpec, RequestOptions, SendArgs } from './types.js';

const DEFAULT_TIMEOUT_MS = 10_000;

/**
 * Publishes one message: builds the subject, validates payload and headers (unless
 * `options.validate.send` is false), sends the payload as JSON. Synchronous; throws
 * {@link InvalidSubjectParameterError} or {@link ValidationError} before anything is sent.
 */
export function publish(nc: NatsConnection, op: OperationSpec, args: SendArgs, options?: ClientOptions): void {
  const subject = op.subject.build(args.params ?? NO_VALUES);
  const hdrs = prepareSend(op.messages, op.id, 'send', args.payload, args.headers, options?.validate?.send !== false);
  if (hdrs instanceof ValidationError) throw hdrs;
  nc.publish(subject, encodeSend(op.id, args.payload), hdrs === undefined ? undefined : { headers: hdrs });
}

/**
 * Sends a request and resolves the validated reply payload (or `{ payload, headers }` when the
 * operation's reply has `withHeaders`). Rejects with {@link TimeoutError}, {@link NoRespondersError},
 * {@link RemoteError} (the responder answered with a service error), {@link DecodeError} or
 * {@link ValidationError} (direction `reply`).
 */
export async function request<TReply>(
  nc: NatsConnection,
  op: OperationSpec,
  args: SendArgs,
  options?: ClientOptions & RequestOptions,
): Promise<TReply> {
  const subject = op.subject.build(args.params ?? NO_VALUES);
  const hdrs = prepareSend(op.messages, op.id, 'send', args.payload, args.headers, options?.validate?.send !== false);
  if (hdrs instanceof ValidationError) throw hdrs;
  const timeout = options?.timeoutMs ?? op.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const body = encodeSend(op.id, args.payload);
  let reply: Msg;
  try {
    reply = await nc.request(subject, body, hdrs === undefined ? { timeout } : { timeout, headers: hdrs });
  } catch (error) {
    throw requestFailure(error, op.id, subject, timeout);
  }
  const replyHdrs = reply.headers;
  if (replyHdrs?.has(SERVICE_ERROR_CODE)) {
    throw new RemoteError(op.id, Number(replyHdrs.get(SERVICE_ERROR_CODE)), replyHdrs.get(SERVICE_ERROR));
  }
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
    replyHdrs,
    options?.validate?.receive !== false,
  );
  if (checked instanceof ValidationError) throw checked;
  // The caller states the reply type; the descriptor's schemas are what make it true.
  return (spec?.withHeaders === true ? checked : checked.payload) as TReply;
}

/**
 * The JSON body of an outgoing payload. A value JSON cannot represent (a BigInt, a cycle) is a
 * ValidationError like any other bad payload, not the TypeError `JSON.stringify` throws.
 */
function encodeSend(operation: string, payload: unknown): string | undefined {
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
  return error;
}
