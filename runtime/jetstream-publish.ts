/**
 * Sending to a stream until it acknowledges: per-attempt timeouts, waiting out disconnects, backoff with
 * jitter, and the same message id on every attempt so the stream stores the message once.
 */
import type { JetStreamPublishOptions, PubAck } from '@nats-io/jetstream';
import type { MsgHdrs, NatsConnection } from '@nats-io/transport-node';
import { NotConnectedError, PublishError, StreamSetupError, ValidationError } from './errors.js';
import { probe } from './jetstream-probe.js';
import {
  ensureStreams,
  isTransient,
  type JsContext,
  recheckStreams,
  TransientError,
  type Window,
} from './jetstream-setup.js';
import { type ConnectionState, connectionState, DisconnectWatch } from './status.js';
import type { DurableSpec, MessageIdSource, PublishAck, SendArgs } from './types.js';

/** Longest wait for one attempt's ack; the remaining budget caps it further. */
const ATTEMPT_TIMEOUT_MS = 5_000;
/** Shortest wait for one attempt's ack, so a caller that spent its budget in the window queue still gets a fair try. */
const ATTEMPT_MIN_MS = 500;
const RETRY_MIN_MS = 50;
const RETRY_MAX_MS = 2_000;
/** Retry delays after a no-responders answer (stream missing or electing a leader). */
const NO_ANSWER_MIN_MS = 25;
const NO_ANSWER_MAX_MS = 250;

/** Exponential backoff with jitter: `minMs · 2^attempt` capped at `maxMs`, then a random 50–100 % of it. */
export function backoff(attempt: number, minMs: number, maxMs: number): number {
  const ceiling = Math.min(maxMs, minMs * 2 ** Math.min(attempt, 30));
  return ceiling / 2 + Math.random() * (ceiling / 2);
}

const LINE_BREAK = /[\r\n]/;

/**
 * The `Nats-Msg-Id` of a durable publish: the named header's value, the value at a payload path, or a
 * fresh UUID when the spec names no source. A named source that is missing or empty is a
 * {@link ValidationError}: a generated id there would silently defeat deduplication of retries.
 */
export function messageIdOf(operation: string, source: MessageIdSource | undefined, args: SendArgs): string {
  if (source === undefined) return crypto.randomUUID();
  if ('header' in source) {
    const value = args.headers?.[source.header];
    const id = value === undefined || value === null ? '' : String(value);
    if (id === '' || LINE_BREAK.test(id)) {
      throw new ValidationError(operation, 'send', 'headers', [
        { path: source.header, message: 'required as the message id: a non-empty value without CR or LF' },
      ]);
    }
    return id;
  }
  let value: unknown = args.payload;
  for (const key of source.payload) {
    value = typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined;
  }
  const id = typeof value === 'string' || (typeof value === 'number' && Number.isFinite(value)) ? String(value) : '';
  if (id === '' || LINE_BREAK.test(id)) {
    throw new ValidationError(operation, 'send', 'payload', [
      {
        path: source.payload.join('.'),
        message: 'required as the message id: a non-empty string without CR or LF, or a number',
      },
    ]);
  }
  return id;
}

/** One message to send with retries. */
export interface Outgoing {
  readonly operation: string;
  readonly subject: string;
  readonly body: string | Uint8Array | undefined;
  /** Headers, if any; `js.publish` adds `Nats-Msg-Id` and `Nats-Expected-Stream` to them. */
  readonly headers: MsgHdrs | undefined;
  readonly messageId: string;
  /** The stream that must store it; a message captured by another stream is refused, not misfiled. */
  readonly stream: string;
  /** When to stop trying (epoch ms); one attempt is made even when it has passed (e.g. in the window queue). */
  readonly deadline: number;
  /**
   * The durable spec whose streams are set up before each attempt (cached after the first success),
   * and re-checked (and repaired) without touching the cached setup, in the background, when the
   * stream did not answer at all: it may be gone, or only electing a leader, and retries must not wait
   * on a stream lookup that itself hangs until the election ends.
   */
  readonly durable: DurableSpec;
  /** The window whose slot the caller took for this send, given back when it settles; none for dead letters. */
  readonly window?: Window;
}

/**
 * Sends `out` until the stream acknowledges it or the budget runs out, and gives back the caller's slot
 * of `out.window` (taken before the call) when it settles, before its promise does. Transient failures
 * (timeout, no responders, disconnect) are retried with the same message id after a backoff (and after
 * the connection is back); definitive ones end it at once: {@link StreamSetupError} as is, a closed
 * connection before any attempt as {@link NotConnectedError}, anything else as {@link PublishError}.
 *
 * The common case (connected, streams already set up) is one {@link FirstAttempt}: no async frame of
 * its own, and one promise between the client's ack and the caller.
 */
export function sendWithRetry(nc: NatsConnection, ctx: JsContext, out: Outgoing): Promise<PublishAck> {
  try {
    const state = connectionState(nc);
    if (state.connected && !state.closed && ctx.settled.has(out.durable) && !nc.isClosed()) {
      return new FirstAttempt(nc, ctx, out, state).promise;
    }
    return releasing(out, retry(nc, ctx, out, 0, undefined));
  } catch (error) {
    // Nothing here throws by design; should something, the slot must not leak.
    out.window?.release();
    return Promise.reject(error);
  }
}

/** `sending`, giving back the window slot (if any) when it settles. */
function releasing(out: Outgoing, sending: Promise<PublishAck>): Promise<PublishAck> {
  const window = out.window;
  if (window === undefined) return sending;
  return sending.then(
    (ack) => {
      window.release();
      return ack;
    },
    (error: unknown) => {
      window.release();
      throw error;
    },
  );
}

/** What the caller gets for the stream's ack after `attempts` attempts. */
function publishAck(ack: PubAck, out: Outgoing, attempts: number): PublishAck {
  return { stream: ack.stream, seq: ack.seq, duplicate: ack.duplicate, messageId: out.messageId, attempts };
}

/** One attempt's ack timeout within the remaining budget. */
function attemptTimeout(deadline: number): number {
  return Math.max(ATTEMPT_MIN_MS, Math.min(ATTEMPT_TIMEOUT_MS, deadline - Date.now()));
}

/** The retry loop of {@link sendWithRetry}; `failed` is the error of an attempt already made. */
async function retry(
  nc: NatsConnection,
  ctx: JsContext,
  out: Outgoing,
  made: number,
  failed: { readonly error: unknown } | undefined,
): Promise<PublishAck> {
  const state = connectionState(nc);
  const deadline = out.deadline;
  let attempts = made;
  let failures = 0;
  let noAnswers = 0;
  let lastError: unknown;
  let rechecking = false;
  let recheckError: StreamSetupError | undefined;
  let pending = failed;
  for (;;) {
    if (pending === undefined) {
      if (state.closed || nc.isClosed()) {
        const closed = new NotConnectedError(out.operation, out.subject, true, { cause: lastError });
        if (attempts === 0) throw closed;
        throw new PublishError(out.operation, out.subject, out.messageId, attempts, { cause: closed });
      }
      if (!state.connected && !(await state.waitConnected(deadline))) {
        if (state.closed || nc.isClosed()) continue;
        lastError = new NotConnectedError(out.operation, out.subject, false, { cause: lastError });
        break;
      }
      if (recheckError !== undefined) throw recheckError;
      attempts++;
      try {
        await ensureStreams(ctx, out.durable);
        const ack = await new Attempt(ctx, out, state, attemptTimeout(deadline)).promise;
        return publishAck(ack, out, attempts);
      } catch (error) {
        pending = { error };
      }
    }
    const { error } = pending;
    pending = undefined;
    if (error instanceof StreamSetupError) throw error;
    if (!isTransient(error)) {
      if (nc.isClosed()) continue;
      throw new PublishError(out.operation, out.subject, out.messageId, attempts, { cause: error });
    }
    lastError = error;
    if (!(error instanceof TransientError) && isNoAnswer(error)) {
      if (!rechecking) {
        rechecking = true;
        recheckStreams(ctx, out.durable).then(
          () => {
            rechecking = false;
          },
          (e: unknown) => {
            rechecking = false;
            if (e instanceof StreamSetupError) recheckError = e;
          },
        );
      }
      // No answer at all: a missing stream (being recreated now) or a leader election (seconds). Retry
      // quickly so the first publish after the election is not held back by a long backoff.
      const left = deadline - Date.now();
      if (left <= 0) break;
      await sleep(Math.min(left, backoff(noAnswers++, NO_ANSWER_MIN_MS, NO_ANSWER_MAX_MS)));
      if (Date.now() >= deadline) break;
      continue;
    }
    const left = deadline - Date.now();
    if (left <= 0) break;
    await sleep(Math.min(left, backoff(failures++, RETRY_MIN_MS, RETRY_MAX_MS)));
    if (Date.now() >= deadline) break;
  }
  throw new PublishError(out.operation, out.subject, out.messageId, attempts, { cause: lastError });
}

/** A no-responders answer: nothing listens on the subject, so the stream may be gone. */
function isNoAnswer(error: unknown): boolean {
  return error instanceof Error && error.name === 'JetStreamNotEnabled';
}

/**
 * One `js.publish`, abandoned early when the connection drops meanwhile: its ack could no longer
 * arrive, and the retry after the reconnect carries the same message id, so the stream stores it once.
 * One object holds the wait: it is its own disconnect watch (linked into the connection's list, see
 * {@link DisconnectWatch}) and holds the ack callbacks as fields, not closures per call. Up to
 * `maxPendingAcks` of these are alive at once, and what they hold outlives the young generation's
 * collections, so every object spared here is one the collector does not copy.
 */
abstract class AckWait extends DisconnectWatch {
  private done = false;

  constructor(
    protected readonly ctx: JsContext,
    protected readonly out: Outgoing,
    private readonly state: ConnectionState,
    timeout: number,
  ) {
    super();
    probe.publishing++;
    if (probe.publishing > probe.maxPublishing) probe.maxPublishing = probe.publishing;
    state.watch(this);
    const options: Partial<JetStreamPublishOptions> = {
      msgID: out.messageId,
      timeout,
      expect: { streamName: out.stream },
    };
    if (out.headers !== undefined) options.headers = out.headers;
    let acking: Promise<PubAck>;
    try {
      acking = ctx.js.publish(out.subject, out.body, options);
    } catch (error) {
      // It returns a rejection by design; should it throw, the outcome still comes after the subclass is set up.
      acking = Promise.reject(error);
    }
    acking.then(this.acked, this.failed);
  }

  /** The stream acknowledged this attempt. */
  protected abstract ack(ack: PubAck): void;
  /** This attempt failed (or was abandoned at a disconnect). */
  protected abstract fail(error: unknown): void;

  private readonly acked = (ack: PubAck): void => {
    if (this.finish()) this.ack(ack);
  };

  private readonly failed = (error: unknown): void => {
    if (this.finish()) this.fail(error);
  };

  disconnected(): void {
    if (this.finish()) this.fail(new TransientError(`disconnected while '${this.out.subject}' awaited its ack`));
  }

  private finish(): boolean {
    if (this.done) return false;
    this.done = true;
    probe.publishing--;
    this.state.unwatch(this);
    return true;
  }
}

/** An attempt of the retry loop: resolves the stream's ack, rejects with the attempt's error. */
class Attempt extends AckWait {
  readonly promise: Promise<PubAck>;
  private resolve!: (ack: PubAck) => void;
  private reject!: (error: unknown) => void;

  constructor(ctx: JsContext, out: Outgoing, state: ConnectionState, timeout: number) {
    let resolve!: (ack: PubAck) => void;
    let reject!: (error: unknown) => void;
    const promise = new Promise<PubAck>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    super(ctx, out, state, timeout);
    this.promise = promise;
    this.resolve = resolve;
    this.reject = reject;
  }

  protected ack(ack: PubAck): void {
    this.resolve(ack);
  }

  protected fail(error: unknown): void {
    this.reject(error);
  }
}

/**
 * The first attempt of {@link sendWithRetry} in the common case: resolves the caller's
 * {@link PublishAck} itself (giving back the window slot first); a failure hands the send to the retry
 * loop, whose outcome the promise then follows.
 */
class FirstAttempt extends AckWait {
  readonly promise: Promise<PublishAck>;
  private resolve!: (ack: PublishAck | Promise<PublishAck>) => void;

  constructor(
    private readonly nc: NatsConnection,
    ctx: JsContext,
    out: Outgoing,
    state: ConnectionState,
  ) {
    let resolve!: (ack: PublishAck | Promise<PublishAck>) => void;
    const promise = new Promise<PublishAck>((res) => {
      resolve = res;
    });
    super(ctx, out, state, attemptTimeout(out.deadline));
    this.promise = promise;
    this.resolve = resolve;
  }

  protected ack(ack: PubAck): void {
    this.out.window?.release();
    this.resolve(publishAck(ack, this.out, 1));
  }

  protected fail(error: unknown): void {
    this.resolve(releasing(this.out, retry(this.nc, this.ctx, this.out, 1, { error })));
  }
}

/** A promise that resolves after `ms`. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => {
    setTimeout(resolve, ms);
  });
}
