/** Durable channels: JetStream publish with acks and retries, and bounded durable consumers. */
import type { NatsConnection } from '@nats-io/transport-node';
import { encodeSend, finished } from './client.js';
import { checkSize, NO_VALUES, prepareSend } from './codec.js';
import { ContractError, ValidationError } from './errors.js';
import { startConsumer } from './jetstream-consume.js';
import { messageIdOf, type Outgoing, sendWithRetry } from './jetstream-publish.js';
import { jsContext } from './jetstream-setup.js';
import { injectTrace, startSendSpan, type Trace, telemetryActive } from './telemetry.js';
import type {
  ClientOptions,
  DurableSpec,
  Handle,
  OperationSpec,
  PublishAck,
  ReceiveArgs,
  SendArgs,
  ServerOptions,
} from './types.js';

const DEFAULT_MAX_PENDING_ACKS = 256;
const DEFAULT_PUBLISH_TIMEOUT_MS = 30_000;

/**
 * Publishes to a durable operation's stream and resolves the stream's ack. Builds the subject,
 * validates payload and headers (unless `options.validate.send` is false) and takes the message id
 * (`Nats-Msg-Id`) from the spec's source, all before anything is sent: throws
 * {@link InvalidSubjectParameterError}, {@link ValidationError} or {@link PayloadTooLargeError}.
 * Creates or reconciles the stream and its dead-letter stream on first use per connection
 * ({@link StreamSetupError} when the server refuses). Then sends, retrying timeouts, no-responders and
 * disconnects with the same message id (so the stream stores the message once) until
 * `options.publishTimeoutMs` (default 30 s, counted from the call, so the wait for a window slot is
 * included) has passed: {@link PublishError}; a closed connection is {@link NotConnectedError}. At most
 * `options.maxPendingAcks` (default 256) publishes per connection await their ack; more callers wait
 * their turn in order.
 */
export function durablePublish(
  nc: NatsConnection,
  op: OperationSpec,
  args: SendArgs,
  options?: ClientOptions,
): Promise<PublishAck> {
  // Not an async function: the common case is a few promises, and every error still rejects.
  try {
    const durable = op.durable;
    if (durable === undefined) {
      throw new ContractError(`operation '${op.id}' is not durable (no x-nats-jetstream): use publish instead`, op.id);
    }
    const subject = op.subject.build(args.params ?? NO_VALUES, args);
    if (options?.metrics === undefined && !telemetryActive())
      return send(nc, op, durable, subject, args, options, undefined);
    return observed(nc, op, durable, subject, args, options);
  } catch (error) {
    return Promise.reject(error);
  }
}

/** {@link durablePublish} with a span and a metrics sample. */
async function observed(
  nc: NatsConnection,
  op: OperationSpec,
  durable: DurableSpec,
  subject: string,
  args: SendArgs,
  options: ClientOptions | undefined,
): Promise<PublishAck> {
  const t0 = performance.now();
  const trace = startSendSpan(op, 'durable-publish', subject, options?.tracing);
  let ack: PublishAck;
  try {
    ack = await send(nc, op, durable, subject, args, options, trace);
  } catch (error) {
    finished(options, op, 'durable-publish', subject, t0, trace, error);
    throw error;
  }
  finished(options, op, 'durable-publish', subject, t0, trace);
  return ack;
}

/** Checks, encodes and sends; throws synchronously for what is wrong before anything is sent. */
function send(
  nc: NatsConnection,
  op: OperationSpec,
  durable: DurableSpec,
  subject: string,
  args: SendArgs,
  options: ClientOptions | undefined,
  trace: Trace | undefined,
): Promise<PublishAck> {
  let prepared = prepareSend(op.messages, op.id, 'send', args.payload, args.headers, options?.validate?.send !== false);
  if (prepared instanceof ValidationError) throw prepared;
  const messageId = messageIdOf(op.id, durable.messageId, args);
  const body = encodeSend(op.id, args.payload);
  if (trace !== undefined) prepared = injectTrace(trace, prepared);
  const ctx = jsContext(nc);
  // The budget covers the wait for a window slot too, so a queue behind a dead server cannot stretch it.
  const deadline = Date.now() + (options?.publishTimeoutMs ?? DEFAULT_PUBLISH_TIMEOUT_MS);
  const limit = Math.max(1, Math.floor(options?.maxPendingAcks ?? DEFAULT_MAX_PENDING_ACKS));
  const out: Outgoing = {
    operation: op.id,
    subject,
    body,
    headers: prepared,
    messageId,
    stream: durable.stream.name,
    deadline,
    durable,
    window: ctx.window,
  };
  // js.publish adds the message id and expected stream headers; the size check counts them (from `out`).
  checkSize(nc, op.id, subject, body, prepared, out);
  // sendWithRetry gives the slot back when the send settles (and never throws).
  const waiting = ctx.window.acquire(limit);
  return waiting === undefined ? sendWithRetry(nc, ctx, out) : waiting.then(() => sendWithRetry(nc, ctx, out));
}

/**
 * Consumes a durable operation's messages through its shared durable pull consumer (created or
 * updated on start; workers passing the same parameters share it, each message going to one of them).
 * At most `options.maxInFlight` (default 64) handlers run at once, and at most as many more messages are
 * prefetched (delivered and waiting for a slot); acks awaiting the server's confirmation come on top, so
 * the server counts up to 2 × `maxInFlight` plus acks in transit as ack pending. Each message is decoded
 * and validated; a handler that resolves acks it (double ack), one that throws naks it with the spec's
 * backoff, one that outlives its handler timeout (`options.handlerTimeoutMs`, else the spec's
 * `x-nats-handler-timeout-ms`) is nakked likewise and its slot freed, and after `maxDeliver` deliveries,
 * or at once for malformed JSON or an invalid message, it moves to the dead-letter subject (reason in
 * `Nats-Dead-Letter-*` headers) and the original is terminated. Failures go to `options.onError`
 * (kinds `handler`, `dead-letter`, `ack`, `consumer`); fetch and setup failures are retried with
 * backoff until `drain()` or `unsubscribe()`, and a pause of more than 3 s with free slots and nothing
 * received (not even the server's heartbeats) is reported as a {@link ConsumerStalledError}, as is its
 * end. `ready` rejects at a setup failure retrying cannot fix ({@link StreamSetupError}) or after 15 s of
 * others. Handlers must be idempotent by `messageId`: a message whose ack is lost is delivered again.
 * Throws {@link InvalidSubjectParameterError} at once, a RangeError for a bad `handlerTimeoutMs`.
 */
export function consume<TMsg>(
  nc: NatsConnection,
  op: OperationSpec,
  args: ReceiveArgs,
  handler: (m: TMsg) => void | Promise<void>,
  options?: ServerOptions,
): Handle {
  return startConsumer(nc, op, args, handler as (m: unknown) => void | Promise<void>, options);
}
