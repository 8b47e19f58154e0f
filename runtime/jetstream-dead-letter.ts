/**
 * Dead letters of the durable worker: a message that can never be handled (undecodable, invalid, or
 * out of deliveries) is stored on the operation's dead-letter subject with headers saying why, within
 * the server's `max_payload`, before the original is terminated.
 */
import type { JsMsg } from '@nats-io/jetstream';
import { headers as createHeaders, type MsgHdrs, type NatsConnection } from '@nats-io/transport-node';
import { DeadLetterHeaders, type DeadLetterReason } from './errors.js';
import { sendWithRetry } from './jetstream-publish.js';
import type { JsContext } from './jetstream-setup.js';
import type { DurableSpec } from './types.js';

/** How long a dead-lettering keeps retrying its publish before the message is nakked instead. */
const DEAD_LETTER_BUDGET_MS = 10_000;
const ERROR_HEADER_MAX = 512;

/**
 * Stores `m` as a dead letter of `durable`, with the same id on every retry (so a retry is stored
 * once). `stored` false means the publish failed within its budget (`failure` says why): the caller
 * naks the message so it comes back, instead of losing it.
 */
export async function storeDeadLetter(
  nc: NatsConnection,
  ctx: JsContext,
  operation: string,
  durable: DurableSpec,
  m: JsMsg,
  reason: DeadLetterReason,
  error: unknown,
): Promise<{ readonly stored: boolean; readonly failure?: unknown }> {
  const dlq = durable.deadLetter;
  const info = m.info;
  try {
    const id = `${info.stream}:${info.streamSequence}`;
    const { hdrs, body } = fitDeadLetter(m, reason, error, nc.info?.max_payload);
    hdrs.set('Nats-Msg-Id', id);
    await sendWithRetry(nc, ctx, {
      operation,
      subject: dlq.subject,
      body,
      headers: hdrs,
      messageId: id,
      stream: dlq.stream,
      deadline: Date.now() + DEAD_LETTER_BUDGET_MS,
      durable,
    });
    return { stored: true };
  } catch (failure) {
    return { stored: false, failure };
  }
}

const CONTROL_HEADER = /^nats-/i;

/**
 * The dead letter's headers and body, within `maxPayload`. Our headers add a few hundred bytes to a
 * message that fitted, so a message near the limit would never fit, fail every dead-lettering and come
 * back forever. Then the original's own headers and most of the error text go first; only a message
 * whose body alone leaves no room loses its body (`Nats-Dead-Letter-Body` says how big it was).
 */
function fitDeadLetter(
  m: JsMsg,
  reason: DeadLetterReason,
  error: unknown,
  maxPayload: number | undefined,
): { hdrs: MsgHdrs; body: Uint8Array } {
  const full = deadLetterHeaders(m, reason, error, true, ERROR_HEADER_MAX);
  // Room for the Nats-Msg-Id header added later.
  const fits = (hdrs: MsgHdrs, body: Uint8Array) =>
    maxPayload === undefined || body.length + Buffer.byteLength(hdrs.toString()) + 128 <= maxPayload;
  if (fits(full, m.data)) return { hdrs: full, body: m.data };
  const lean = deadLetterHeaders(m, reason, error, false, 64);
  if (fits(lean, m.data)) return { hdrs: lean, body: m.data };
  lean.set(DeadLetterHeaders.Body, `omitted: ${m.data.length} bytes, too large to dead-letter with its headers`);
  return { hdrs: lean, body: new Uint8Array(0) };
}

function deadLetterHeaders(
  m: JsMsg,
  reason: DeadLetterReason,
  error: unknown,
  keepOriginal: boolean,
  errorMax: number,
): MsgHdrs {
  const hdrs = createHeaders();
  const original = m.headers;
  if (original !== undefined && keepOriginal) {
    // JetStream control headers (message id, expectations, rollup, TTL) would act again on the dead-letter stream.
    for (const [name, values] of original) {
      if (CONTROL_HEADER.test(name)) continue;
      for (const value of values) hdrs.append(name, value);
    }
  }
  const id = original?.get('Nats-Msg-Id') ?? '';
  if (id !== '') hdrs.set(DeadLetterHeaders.MessageId, id);
  const info = m.info;
  hdrs.set(DeadLetterHeaders.Reason, reason);
  hdrs.set(DeadLetterHeaders.Error, oneLine(error, errorMax));
  hdrs.set(DeadLetterHeaders.Subject, m.subject);
  hdrs.set(DeadLetterHeaders.Stream, info.stream);
  hdrs.set(DeadLetterHeaders.Sequence, String(info.streamSequence));
  hdrs.set(DeadLetterHeaders.Deliveries, String(info.deliveryCount));
  return hdrs;
}

/** An error as one header-safe line: CR/LF folded, at most {@link ERROR_HEADER_MAX} characters. */
function oneLine(error: unknown, max: number): string {
  const text = (error instanceof Error ? error.message : String(error)).replace(/[\r\n]+/g, ' ').trim();
  return text.length > max ? `${text.slice(0, max - 3)}...` : text || 'unknown error';
}
