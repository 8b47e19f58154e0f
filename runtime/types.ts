/**
 * The descriptor and option types of the runtime contract. Generated code writes `OperationSpec` and
 * `MessageSpec` values as `const` objects; everything else describes calls into the runtime.
 */
import type { Msg, NodeConnectionOptions } from '@nats-io/transport-node';
import type { z } from 'zod';
import type { SubjectTemplate, Wildcard } from './subject.js';

/** One message an operation may carry: its schemas and the NATS header names it uses. */
export interface MessageSpec {
  /** Message name from the spec (for humans; not on the wire). */
  readonly name: string;
  /** Payload schema; absent means any JSON value, or `undefined` for an empty body. */
  readonly payload?: z.ZodType;
  /** Schema of the headers object; it sees header values as strings (coerce in the schema). */
  readonly headers?: z.ZodType;
  /** Exact NATS header names read into and written from the headers object. */
  readonly headerNames?: readonly string[];
}

/** Everything the runtime needs to know about one AsyncAPI operation. */
export interface OperationSpec {
  /** Operation id, quoted in errors. */
  readonly id: string;
  /** The channel address. */
  readonly subject: SubjectTemplate;
  /** The messages the operation carries (at least one); the first one that validates wins. */
  readonly messages: readonly MessageSpec[];
  /** Present for request/reply operations. `withHeaders`: the reply is `{ payload, headers }`, not the bare payload. */
  readonly reply?: { readonly messages: readonly MessageSpec[]; readonly withHeaders: boolean };
  /** Default request timeout for this operation. */
  readonly timeoutMs?: number;
  /** Queue group for subscribers; may have its own parameters, e.g. `agent.{agent_id}`. */
  readonly queue?: SubjectTemplate;
  /** Headers a message must carry to be for this subscriber; others are skipped silently. */
  readonly matchHeaders?: readonly { readonly header: string; readonly value: SubjectTemplate }[];
}

/** Arguments of `publish` and `request`. */
export interface SendArgs {
  /** Subject parameter values. */
  readonly params?: Readonly<Record<string, string>>;
  /** The payload, sent as JSON; `undefined` sends an empty body. */
  readonly payload?: unknown;
  /** Header values, sent with `String(value)`; `undefined` values are left out. */
  readonly headers?: Readonly<Record<string, unknown>>;
}

/** Arguments of `subscribe` and `reply`. */
export interface ReceiveArgs {
  /** Subject parameter values; {@link Wildcard} for "any value". */
  readonly params?: Readonly<Record<string, string | Wildcard>>;
  /** Values of the queue group template's parameters. */
  readonly queue?: Readonly<Record<string, string>>;
}

/** What a subscribe or reply handler receives. */
export interface ReceivedMessage<TPayload, THeaders, TParams> {
  /** The validated (parsed) payload. */
  readonly payload: TPayload;
  /** The declared headers, validated (parsed). */
  readonly headers: THeaders;
  /** Subject parameter values read back from the subject. */
  readonly params: TParams;
  /** The subject the message arrived on. */
  readonly subject: string;
  /** The raw NATS message. */
  readonly msg: Msg;
}

/** A running subscription. */
export interface Handle {
  /** The subscribed subject (may contain `*`). */
  readonly subject: string;
  /** The queue group, if any. */
  readonly queue: string | undefined;
  /** Resolves once the subscription has ended and its in-flight handlers have settled. */
  readonly closed: Promise<void>;
  /** Stops delivery, then waits for in-flight handlers. */
  drain(): Promise<void>;
  /** Stops delivery now, without waiting for in-flight handlers. */
  unsubscribe(): void;
}

/** Validation switches; both default to `true`. */
export interface ValidateOptions {
  /** Validate what this side sends. */
  readonly send?: boolean;
  /** Validate what this side receives. */
  readonly receive?: boolean;
}

/** Options of `publish` and `request`. */
export interface ClientOptions {
  /** Turn validation off per direction. */
  readonly validate?: ValidateOptions;
}

/** Options of `request`. */
export interface RequestOptions {
  /** Overrides the operation's `timeoutMs` (default 10 000). */
  readonly timeoutMs?: number;
}

/** A failure inside a subscription; the subscription keeps running. */
export interface ErrorEvent {
  /**
   * `decode`: body is not JSON; `validation`: message matches no schema; `handler`: the handler threw;
   * `reply`: no reply could be sent (no reply subject, invalid reply); `subscription`: the server closed
   * the subscription (e.g. permissions).
   */
  readonly kind: 'decode' | 'validation' | 'handler' | 'reply' | 'subscription';
  /** Operation id. */
  readonly operation: string;
  /** Subject of the message (or of the subscription). */
  readonly subject: string;
  /** The error. */
  readonly error: unknown;
}

/** Options of `subscribe` and `reply`. */
export interface ServerOptions {
  /** Turn validation off per direction. */
  readonly validate?: ValidateOptions;
  /** Called for each failure; default: one line on `console.error`. Must not throw. */
  readonly onError?: (event: ErrorEvent) => void;
}

/** Options of `connect`: the NATS options plus a retry policy for the first connection. */
export type ConnectOptions = NodeConnectionOptions & {
  /** Exponential backoff with full jitter; defaults: 10 attempts, 250 ms initial, 10 s max delay. */
  readonly retry?: { readonly attempts?: number; readonly initialDelayMs?: number; readonly maxDelayMs?: number };
};
