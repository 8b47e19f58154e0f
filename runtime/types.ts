/**
 * The descriptor and option types of the runtime contract. Generated code writes `OperationSpec` and
 * `MessageSpec` values as `const` objects; everything else describes calls into the runtime.
 */
import type { JsMsg } from '@nats-io/jetstream';
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
  /**
   * Receive operations: how long a handler's promise may take before its slot is freed and the message
   * settled without it (`x-nats-handler-timeout-ms`; see `HandlerTimeoutError`). Absent: no limit.
   */
  readonly handlerTimeoutMs?: number;
  /** Queue group for subscribers; may have its own parameters, e.g. `agent.{agent_id}`. */
  readonly queue?: SubjectTemplate;
  /** Headers a message must carry to be for this subscriber; others are skipped silently. */
  readonly matchHeaders?: readonly { readonly header: string; readonly value: SubjectTemplate }[];
  /** Present when the channel is JetStream-backed (`x-nats-jetstream`): publish with acks, consume with acks. */
  readonly durable?: DurableSpec;
  /**
   * Receive operations only: present when other receive operations share the channel. Each message
   * then goes to the one operation whose message it is (see {@link SharedChannel}).
   */
  readonly shared?: SharedChannel;
  /**
   * Present when the reply is a stream of messages (`x-nats-stream`; see docs/streaming.md). A streaming
   * operation has no `reply`: its reply messages are `streaming.chunks` and `streaming.end`.
   */
  readonly streaming?: StreamingSpec;
}

/** How a streaming reply runs: its chunk and end messages, its timeouts and its flow-control window. */
export interface StreamingSpec {
  /** The messages a chunk may be (at least one); the first that validates wins. */
  readonly chunks: readonly MessageSpec[];
  /** The message that ends the stream, when declared; otherwise the end carries no body. */
  readonly end?: MessageSpec;
  /** Request sent → first chunk (or the end). */
  readonly firstChunkTimeoutMs: number;
  /** Longest wait for the next chunk while the caller waits for one. */
  readonly idleTimeoutMs: number;
  /** Request sent → end. */
  readonly totalTimeoutMs: number;
  /** Chunks the server may send ahead of the caller's credit. */
  readonly window: number;
}

/**
 * The receive operations that share one channel, which the generator checked can be told apart by
 * their messages. Core registrations of them on one connection with the same subject and queue group
 * share one subscription; each message is routed to the operation whose message it matches, and a
 * request is answered once. Durable ones each have their own consumer and skip the others' messages.
 * Every operation's descriptor refers to the same object.
 */
export interface SharedChannel {
  /** The channel's receive operations, in spec order: id, messages, and whether it answers requests. */
  readonly operations: readonly {
    readonly id: string;
    readonly messages: readonly MessageSpec[];
    readonly reply: boolean;
  }[];
  /**
   * A payload property that every message of the channel requires with fixed values (`const` or
   * `enum`), different per operation: each value names its operation (an index into `operations`), so
   * only that operation's schemas run. Absent: a message goes to the first operation it validates for.
   */
  readonly discriminator?: {
    readonly property: string;
    readonly values: readonly (readonly [value: string | number | boolean | null, operation: number])[];
  };
}

/** The JetStream stream a durable channel is stored in. Created on first use when missing. */
export interface StreamSpec {
  /** Stream name. */
  readonly name: string;
  /** Subjects the stream captures (NATS wildcards allowed). */
  readonly subjects: readonly string[];
  /** Default `file`. */
  readonly storage?: 'file' | 'memory';
  /** Default 1. */
  readonly replicas?: number;
  /** Default `limits`; `workqueue` removes each message once acked. */
  readonly retention?: 'limits' | 'workqueue' | 'interest';
  /** Window in which a repeated `Nats-Msg-Id` is stored once (default 2 minutes, the server's). */
  readonly duplicateWindowMs?: number;
  /** Messages older than this are removed (default: kept). */
  readonly maxAgeMs?: number;
}

/** The durable consumer the receiving side shares (one per queue group). */
export interface ConsumerSpec {
  /** Durable consumer name; subscribers that pass concrete subject parameters get a suffixed name. */
  readonly durable: string;
  /** How long the server waits for an ack before redelivering (default 30 000 ms). */
  readonly ackWaitMs?: number;
  /** Deliveries before a failing message is dead-lettered (default 5). */
  readonly maxDeliver?: number;
  /** Delay before redelivery after a handler throws, by attempt; the last value repeats (default [1000, 5000, 15000]). */
  readonly backoffMs?: readonly number[];
}

/** Where a durable operation's message id comes from; absent: a generated unique id. */
export type MessageIdSource = { readonly header: string } | { readonly payload: readonly string[] };

/** JetStream settings of a durable operation, from the spec's `x-nats-jetstream`. */
export interface DurableSpec {
  readonly stream: StreamSpec;
  /** Receiving side only. */
  readonly consumer?: ConsumerSpec;
  /** Source of `Nats-Msg-Id`; the same id on every retry makes retries store once. */
  readonly messageId?: MessageIdSource;
  /**
   * Subject that receives messages that can never succeed (undecodable, invalid, out of deliveries),
   * with the reason in `Nats-Dead-Letter-*` headers; stored in stream `stream`.
   */
  readonly deadLetter: { readonly subject: string; readonly stream: string };
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
  /**
   * The payload exactly as sent (the decoded JSON body), once it validated: properties the schema
   * allows but does not list are kept, and no defaults are filled in.
   */
  readonly payload: TPayload;
  /** The declared headers, validated and parsed from their text (numbers and booleans as such). */
  readonly headers: THeaders;
  /** Subject parameter values read back from the subject (the tokens as they are, checked against the spec). */
  readonly params: TParams;
  /** The subject the message arrived on. */
  readonly subject: string;
  /** The raw NATS message. */
  readonly msg: Msg;
}

/**
 * What a streaming handler (`replyStream`) receives: a {@link ReceivedMessage} plus the stream's
 * cancellation signal. It aborts, with a `StreamCancelledError` as its reason, when the caller cancels
 * or goes away, the total timeout passes or the server is closing: stop producing then.
 */
export type StreamReceivedMessage<TPayload, THeaders, TParams> = ReceivedMessage<TPayload, THeaders, TParams> & {
  readonly signal: AbortSignal;
};

/** What a durable (JetStream) handler receives: a {@link ReceivedMessage} plus delivery facts. */
export interface DurableReceivedMessage<TPayload, THeaders, TParams>
  extends Omit<ReceivedMessage<TPayload, THeaders, TParams>, 'msg'> {
  /**
   * The message id (`Nats-Msg-Id`) it was published with: the key for idempotent handling. A getter,
   * read from the headers when asked, so a spread copy of the message leaves it out.
   */
  readonly messageId: string;
  /** 1 on first delivery, higher on redelivery. */
  readonly deliveryCount: number;
  /** The raw JetStream message (do not ack it: the runtime acks when the handler resolves). */
  readonly msg: JsMsg;
}

/** The stream's acknowledgement of a durable publish. */
export interface PublishAck {
  /** Stream that stored the message. */
  readonly stream: string;
  /** Its sequence number in the stream. */
  readonly seq: number;
  /** `true` when the stream already had this message id (a retry of a stored message). */
  readonly duplicate: boolean;
  /** The `Nats-Msg-Id` sent. */
  readonly messageId: string;
  /** Attempts it took (1 when the first one was acknowledged). */
  readonly attempts: number;
}

/** A running subscription. */
export interface Handle {
  /** The subscribed subject (may contain `*`). */
  readonly subject: string;
  /** The queue group, if any; for a durable registration, the durable consumer's name. */
  readonly queue: string | undefined;
  /** Resolves once the subscription has ended and its in-flight handlers have settled. */
  readonly closed: Promise<void>;
  /** Counters of this registration, as the server's NATS service reports them in `$SRV.STATS`. */
  readonly stats: HandleStats;
  /**
   * Resolves once the server has the subscription (core: after a round trip to the server; durable:
   * once the stream and the durable consumer exist), so a request from another connection cannot meet
   * "no responders". Rejects when the registration stops or the connection closes first. A durable
   * worker keeps retrying a consumer it cannot create (each failure reported as a `consumer` error), but
   * `ready` rejects at the first failure retrying cannot fix (a `StreamSetupError`: permissions,
   * a conflicting stream or consumer), and after 15 s of failures that might pass (no JetStream, no
   * stream leader) with a `ConsumerStalledError`.
   */
  readonly ready: Promise<void>;
  /**
   * Stops delivery, then waits for in-flight handlers (and processes messages already received and
   * waiting for a slot; a durable consumer also waits for their acks).
   */
  drain(): Promise<void>;
  /** Stops delivery now, without waiting for in-flight handlers. */
  unsubscribe(): void;
}

/** Counters of one registration (live values). */
export interface HandleStats {
  /** Messages (or requests) handled, successfully or not. */
  readonly numRequests: number;
  /** Of those, failures: invalid messages, handlers that threw, error replies. */
  readonly numErrors: number;
  /** The last failure, as `<status>:<description>` (empty before the first). */
  readonly lastError: string;
  /** Total handling time, in nanoseconds. */
  readonly processingNs: number;
}

/** Overrides of the NATS service a generated server registers as (name and version come from the spec). */
export interface ServiceOptions {
  /** `[A-Za-z0-9_-]+`. */
  readonly name?: string;
  /** A semantic version. */
  readonly version?: string;
  readonly description?: string;
  /** Added to the service's metadata (e.g. a deployment or region). */
  readonly metadata?: Readonly<Record<string, string>>;
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
  /** Durable publishes awaiting their ack, per connection; more callers wait for a slot (default 256). */
  readonly maxPendingAcks?: number;
  /** How long a durable publish keeps retrying (same message id) before {@link PublishError} (default 30 000 ms). */
  readonly publishTimeoutMs?: number;
  /** Spans and W3C trace context through `@opentelemetry/api` when it is installed; `false` turns them off (default on). */
  readonly tracing?: boolean;
  /** Called once per finished send (publish, request, durable publish) with its duration and outcome. */
  readonly metrics?: MetricsHook;
  /**
   * Called when the server refuses a `publish` (kind `permission`): the refusal comes after `publish`
   * has returned, and goes to the client that last published that operation on the connection.
   * Requests and durable publishes reject with the error instead. Must not throw.
   */
  readonly onError?: (event: ErrorEvent) => void;
  /** Where refused publishes are logged when there is no `onError` (default: one line on `console.error`). */
  readonly logger?: Logger;
}

/** Options of `request`. */
export interface RequestOptions {
  /** Overrides the operation's `timeoutMs` (default 10 000). */
  readonly timeoutMs?: number;
  /**
   * When the connection drops while the request waits for its reply: `fail` (default) rejects at once
   * with ConnectionLostError; `wait` keeps waiting until the timeout (a reply sent after the reconnect
   * still arrives).
   */
  readonly onDisconnect?: 'fail' | 'wait';
}

/**
 * Options of `requestStream`: the client options, a cancellation signal, and overrides of the
 * operation's stream settings (`x-nats-stream`).
 */
export interface StreamOptions extends ClientOptions {
  /** Cancels the stream: the iterator rejects with the signal's reason and the server is told. */
  readonly signal?: AbortSignal;
  /** Request sent → first chunk (or the end); raises `StreamTimeoutError` (phase `first-chunk`). */
  readonly firstChunkTimeoutMs?: number;
  /** Longest wait for the next chunk while a `next()` waits on an empty buffer (phase `idle`). */
  readonly idleTimeoutMs?: number;
  /** Request sent → end (phase `total`). */
  readonly totalTimeoutMs?: number;
  /** Chunks the server may send ahead of this caller's credit: the most this caller buffers. */
  readonly window?: number;
}

/** A failure inside a subscription; the subscription keeps running. */
export interface ErrorEvent {
  /**
   * `decode`: body is not JSON; `validation`: message matches no schema; `handler`: the handler threw;
   * `reply`: no reply could be sent (no reply subject, invalid reply); `subscription`: the server closed
   * the subscription (e.g. permissions); `overflow`: a core message dropped because `maxPending` messages
   * already waited, or requests answered 503 busy at `maxInFlight` (reported at most once a second, with counts); `slow-consumer`: the client or server reports this subscription falling behind;
   * `dead-letter`: a durable message moved to the dead-letter subject (the error says why); `ack`: an
   * ack, nak or term failed (the message will be redelivered); `consumer`: fetching from the durable
   * consumer failed (it retries with backoff), or a worker with free slots received nothing, not even a
   * heartbeat, for 3 s (`ConsumerStalledError`, again when it resumes); a handler that outlived its
   * handler timeout is a `handler` event (`HandlerTimeoutError`); `unhandled`: a message on a channel several operations
   * share, for one of them that is not registered on this subscription (a request is answered 501);
   * `permission`: the server refused a publish or subscription the operation needs (`subject` is the
   * refused one, `error` a PermissionError; `operation` is the service name for `$SRV` discovery and
   * for replies to a requester's inbox).
   */
  readonly kind:
    | 'decode'
    | 'validation'
    | 'handler'
    | 'reply'
    | 'subscription'
    | 'overflow'
    | 'slow-consumer'
    | 'dead-letter'
    | 'ack'
    | 'consumer'
    | 'unhandled'
    | 'permission';
  /** Operation id. */
  readonly operation: string;
  /** Subject of the message (or of the subscription). */
  readonly subject: string;
  /** The error. */
  readonly error: unknown;
}

/** Options of `subscribe`, `reply` and `consume`. */
export interface ServerOptions {
  /** Turn validation off per direction. */
  readonly validate?: ValidateOptions;
  /** Called for each failure; default: the `logger`. Must not throw. */
  readonly onError?: (event: ErrorEvent) => void;
  /** Where failures are logged when there is no `onError` (default: one line on `console.error`; see `jsonLogger`). */
  readonly logger?: Logger;
  /** Spans and W3C trace context through `@opentelemetry/api` when it is installed; `false` turns them off (default on). */
  readonly tracing?: boolean;
  /** Called once per handled message with its duration and outcome. */
  readonly metrics?: MetricsHook;
  /**
   * The NATS service a generated server registers as (`$SRV.PING|INFO|STATS`, read by `nats micro`):
   * `false` turns it off; an object overrides name, version, description or adds metadata.
   */
  readonly service?: false | ServiceOptions;
  /**
   * Handlers running at once per registration (default 64). Beyond it: core messages wait in a bounded
   * buffer (`maxPending`), requests are answered 503 busy, durable consumers stop fetching.
   */
  readonly maxInFlight?: number;
  /** Core messages waiting for a free handler slot; beyond it they are dropped and reported as `overflow` (default 10 000). */
  readonly maxPending?: number;
  /**
   * How long a handler's promise may take, in milliseconds, overriding the operation's
   * `x-nats-handler-timeout-ms` (`Infinity`: no limit). After it the slot is freed, a `handler` event
   * reports a `HandlerTimeoutError`, and the message is settled without the handler: a durable one
   * nakked with the spec's backoff (dead-lettered on its last delivery), a request answered `504`.
   */
  readonly handlerTimeoutMs?: number;
  /**
   * Streaming replies: how long `drain()` lets open streams run to their end before cancelling them
   * (their handlers' signals abort with reason `server-closing`; default 10 000 ms).
   */
  readonly streamDrainTimeoutMs?: number;
}

/** A change of connection state, as `connect`'s `onStatus` and `watchConnection` report it. */
export type ConnectionEvent =
  /**
   * A first-connection attempt failed; the next one starts after `delayMs`. `reason` is
   * `authorization` when the server refused the credentials, `connection` otherwise (no answer,
   * refused, TLS, ...); `servers` are the servers tried, credentials redacted.
   */
  | {
      readonly type: 'connect-failed';
      readonly attempt: number;
      readonly delayMs: number;
      readonly error: unknown;
      readonly reason: 'authorization' | 'connection';
      readonly servers: readonly string[];
    }
  | { readonly type: 'connected'; readonly server: string }
  | { readonly type: 'disconnected'; readonly server: string }
  | { readonly type: 'reconnecting' }
  | { readonly type: 'reconnected'; readonly server: string }
  /** The server is shutting down (lame-duck mode); the client will move to another server. */
  | { readonly type: 'lame-duck'; readonly server: string }
  /** The server stopped answering pings. */
  | { readonly type: 'stale' }
  /** A subscription fell behind (`pending` messages not yet processed). */
  | { readonly type: 'slow-consumer'; readonly subject: string; readonly pending: number }
  /** An error the server sent (permissions violation, ...); the connection stays up. */
  | { readonly type: 'server-error'; readonly error: Error }
  /** The connection is closed for good (`error`: why, when it was not a normal close). */
  | { readonly type: 'closed'; readonly error?: Error };

/** Credentials, one kind at a time. */
export type Credentials =
  | { readonly token: string }
  | { readonly user: string; readonly password: string }
  /** An nkey seed (`SU...`), given as text. */
  | { readonly nkeySeed: string }
  /** A `.creds` file (user JWT and nkey seed) as written by `nsc`. */
  | { readonly credsFile: string };

/** TLS settings: files in PEM format. `{}` means "TLS with the system's CAs". */
export interface TlsFiles {
  readonly caFile?: string;
  readonly certFile?: string;
  readonly keyFile?: string;
}

/**
 * Options of `connect`: the NATS client's options with robust defaults (reconnect forever, short ping
 * interval, quick reconnect), plus a retry policy for the first connection, credentials, TLS files, a
 * per-tenant inbox and a status listener.
 */
export type ConnectOptions = Omit<NodeConnectionOptions, 'tls'> & {
  /**
   * The first connection: exponential backoff with full jitter; defaults: unlimited attempts and
   * time, 250 ms initial, 10 s max delay. `attempts` or `timeoutMs` (total time) bound it: then
   * `connect` throws `ConnectError`. Failures are logged at the first one, then at most once per
   * `logIntervalMs` (default 10 000) with a count; the same interval paces the reminders of a lasting
   * outage and of refused logins at a reconnect.
   */
  readonly retry?: {
    readonly attempts?: number;
    readonly timeoutMs?: number;
    readonly initialDelayMs?: number;
    readonly maxDelayMs?: number;
    readonly logIntervalMs?: number;
  };
  /** Credentials (token, user/password, nkey seed or creds file). */
  readonly credentials?: Credentials;
  /** TLS: CA, client certificate and key files; `null` turns TLS off. */
  readonly tls?: TlsFiles | null;
  /** Tenant id: request replies go to `_INBOX.<tenant>.>` so permissions can confine them to that tenant. */
  readonly tenant?: string;
  /** Connection state changes; must not throw. */
  readonly onStatus?: (event: ConnectionEvent) => void;
  /**
   * Logs every connection state change (`connection.<type>` events). Default: `consoleLogger` (stderr)
   * for failed first-connection attempts (rate-limited), refused logins, disconnects, reconnects and an
   * unexpected close; `false`: nothing.
   */
  readonly logger?: Logger | false;
};

// ---------------------------------------------------------------------------------------------------
// Telemetry: what runtime/telemetry.ts produces and the options take (declared here so that the two
// modules do not import each other).

/** The kinds of operation the runtime performs, as spans, metrics and logs name them. */
export type OperationKind = 'publish' | 'request' | 'durable-publish' | 'subscribe' | 'reply' | 'consume';

/** One finished operation, as the metrics hook receives it. */
export interface OperationSample {
  /** Operation id from the spec. */
  readonly operation: string;
  readonly kind: OperationKind;
  /** The concrete subject (send) or the message's subject (receive). */
  readonly subject: string;
  /** Wall time: until sent (publish), until the reply or failure (request), until acked (durable publish), of the handler and its reply (receive). */
  readonly durationMs: number;
  /** False when it failed: a throw, an error reply, an invalid message. */
  readonly ok: boolean;
  /** For failures: the error's code (`TIMEOUT`, `VALIDATION`, ...) or a status (`400`, `500`, `503`). */
  readonly error?: string;
}

/** Receives one sample per finished operation; must be cheap and must not throw. */
export type MetricsHook = (sample: OperationSample) => void;

/** A structured log event. */
export interface LogEvent {
  readonly level: 'debug' | 'info' | 'warn' | 'error';
  /**
   * What happened: a server failure kind (`validation`, `decode`, `handler`, `reply`, `subscription`,
   * `overflow`, `slow-consumer`, `dead-letter`, `ack`, `consumer`, `permission`) or a connection event
   * (`connection.disconnected`, `connection.reconnected`, ...).
   */
  readonly event: string;
  readonly message: string;
  readonly operation?: string;
  readonly subject?: string;
  readonly error?: unknown;
}

/** Receives log events; replace it with your own (pino, winston, ...) through the `logger` options. */
export type Logger = (event: LogEvent) => void;
