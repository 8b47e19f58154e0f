/**
 * The wire protocol of streaming replies, shared by the caller (stream-client.ts) and the server
 * (stream-server.ts); docs/streaming.md describes it for users and for implementers in other languages.
 */
import { createInbox, type MsgHdrs, type NatsConnection, headers as natsHeaders } from '@nats-io/transport-node';
import type { OperationSpec, StreamingSpec, StreamOptions } from './types.js';

/** On the request: the protocol version the caller speaks (`1`). Its absence marks a plain request. */
export const STREAM_HEADER = 'Asyncapi-Nats-Stream';
/** On the request: chunks the server may send ahead of the caller's credit. */
export const WINDOW_HEADER = 'Asyncapi-Nats-Stream-Window';
/** On every message of a stream: its sequence number (`open` is 0, chunks 1..n, then `end` or `error`). */
export const SEQ_HEADER = 'Asyncapi-Nats-Stream-Seq';
/** On every message of a stream, both directions: `open`, `chunk`, `end`, `error`; `credit`, `cancel`. */
export const KIND_HEADER = 'Asyncapi-Nats-Stream-Kind';
/** On `open`: the subject the caller sends `credit` and `cancel` to. */
export const CONTROL_HEADER = 'Asyncapi-Nats-Stream-Control';
/** On `credit`: the last sequence number the caller's consumer took. */
export const ACK_HEADER = 'Asyncapi-Nats-Stream-Ack';
/** On `cancel`, optional: the caller's reason, for the server's logs. */
export const REASON_HEADER = 'Asyncapi-Nats-Stream-Reason';

/** The protocol version this runtime speaks. */
export const PROTOCOL_VERSION = '1';
/** The largest window either side accepts. */
export const MAX_WINDOW = 10_000;
const MAX_TIMER_MS = 2_147_483_647;

export type StreamKind = 'open' | 'chunk' | 'end' | 'error' | 'credit' | 'cancel';

/** A stream's settings with the caller's overrides applied. */
export interface StreamSettings {
  readonly firstChunkTimeoutMs: number;
  readonly idleTimeoutMs: number;
  readonly totalTimeoutMs: number;
  readonly window: number;
}

/** The operation's stream settings, overridden by `options`; a RangeError for a value out of range. */
export function streamSettings(op: OperationSpec, spec: StreamingSpec, options?: StreamOptions): StreamSettings {
  return {
    firstChunkTimeoutMs: setting(op, 'firstChunkTimeoutMs', options?.firstChunkTimeoutMs ?? spec.firstChunkTimeoutMs),
    idleTimeoutMs: setting(op, 'idleTimeoutMs', options?.idleTimeoutMs ?? spec.idleTimeoutMs),
    totalTimeoutMs: setting(op, 'totalTimeoutMs', options?.totalTimeoutMs ?? spec.totalTimeoutMs),
    window: setting(op, 'window', options?.window ?? spec.window),
  };
}

function setting(op: OperationSpec, name: keyof StreamSettings, value: number): number {
  const max = name === 'window' ? MAX_WINDOW : MAX_TIMER_MS;
  if (Number.isInteger(value) && value >= 1 && value <= max) return value;
  throw new RangeError(`invalid ${name} for '${op.id}': ${value} (expected a whole number from 1 to ${max})`);
}

/** The header block of a protocol message of `kind` (with `seq` when given). */
export function streamHeaders(kind: StreamKind, seq?: number, base?: MsgHdrs): MsgHdrs {
  const hdrs = base ?? natsHeaders();
  hdrs.set(KIND_HEADER, kind);
  if (seq !== undefined) hdrs.set(SEQ_HEADER, String(seq));
  return hdrs;
}

/** A fresh inbox of `nc`, under its `inboxPrefix` (a tenant's `_INBOX.<tenant>`) when it has one. */
export function freshInbox(nc: NatsConnection): string {
  const prefix = (nc as { readonly options?: { readonly inboxPrefix?: string } }).options?.inboxPrefix;
  return createInbox(prefix);
}
