/** The server's side of a streaming reply: `replyStream`, registered through server.ts's subscription machinery. */
import { randomBytes } from 'node:crypto';
import type { Msg, MsgHdrs, NatsConnection, Subscription } from '@nats-io/transport-node';
import { checkSize, encodeBody, errorHeaders, prepareSend } from './codec.js';
import {
  ContractError,
  PayloadTooLargeError,
  ServiceError,
  StreamCancelledError,
  type StreamCancelReason,
  ValidationError,
} from './errors.js';
import { busy, type Context, checkRequest, listen, noReplySubject, respondError } from './server.js';
import {
  ACK_HEADER,
  CONTROL_HEADER,
  freshInbox,
  KIND_HEADER,
  MAX_WINDOW,
  PROTOCOL_VERSION,
  REASON_HEADER,
  STREAM_HEADER,
  streamHeaders,
  WINDOW_HEADER,
} from './stream-protocol.js';
import type { Trace } from './telemetry.js';
import type { Handle, MessageSpec, OperationSpec, ReceiveArgs, ServerOptions, StreamingSpec } from './types.js';

const DEFAULT_DRAIN_TIMEOUT_MS = 10_000;

/** What a streaming handler returns: an async generator (its return value is the end message) or any async iterable. */
export type StreamHandlerResult<TChunk, TEnd> = AsyncIterable<TChunk> | AsyncGenerator<TChunk, TEnd, undefined>;

/**
 * Serves a streaming reply (an operation with `x-nats-stream`): each request runs `handler`, an
 * `async function*` whose `yield`s are the chunks (each validated, then sent in order) and whose return
 * value is the end message. The handler's message has a `signal` that aborts with a
 * {@link StreamCancelledError} when the caller cancels or goes away, the total timeout passes or the
 * server is closing; its generator is then `return()`ed (its `finally` runs at its next `yield`).
 *
 * Flow control: chunk n is sent only once the caller has taken chunk n − window (its credit); until
 * then the generator is not resumed, so a stream waiting for credit holds no chunks. A stream holds one of
 * the `maxInFlight` slots until it ends; a request beyond them is answered `503 busy`. Failures answer
 * an `error` message and are reported as `reply` answers are: a {@link ServiceError} → its status, any
 * other throw → 500 `internal error` (reported, kind `handler`), an invalid chunk or end → 500 (reported,
 * kind `reply`). A request without the stream header (a plain `nats req`) is answered 400. `drain()`
 * waits for open streams up to `options.streamDrainTimeoutMs` (default 10 s), then cancels them.
 */
export function replyStream<TMsg, TChunk, TEnd>(
  nc: NatsConnection,
  op: OperationSpec,
  args: ReceiveArgs,
  handler: (m: TMsg) => StreamHandlerResult<TChunk, TEnd>,
  options?: ServerOptions,
): Handle {
  const spec = op.streaming;
  if (spec === undefined)
    throw new ContractError(`'${op.id}' does not stream its reply: register it with reply()`, op.id);
  const drainTimeoutMs = options?.streamDrainTimeoutMs ?? DEFAULT_DRAIN_TIMEOUT_MS;
  const validateReceive = options?.validate?.receive !== false;
  const streams = new OpenStreams(nc, op, spec, options?.validate?.send !== false);
  const handle = listen(nc, op, args, options, busy, (ctx, msg, t0, trace, routed) => {
    if (!msg.reply) {
      noReplySubject(ctx, msg, t0, trace);
      return;
    }
    const version = msg.headers?.get(STREAM_HEADER) ?? '';
    if (version !== PROTOCOL_VERSION) {
      const text =
        version === ''
          ? `this operation streams its reply: request it with header ${STREAM_HEADER}: ${PROTOCOL_VERSION} (a streaming client; see docs/streaming.md)`
          : `unsupported stream protocol version '${version}' (this server speaks ${PROTOCOL_VERSION})`;
      respondError(ctx, msg, 400, text, t0, trace);
      return;
    }
    const m = checkRequest(ctx, msg, t0, trace, validateReceive, routed);
    if (m === undefined) return;
    streams.start(ctx, msg, m, t0, trace, handler as (m: object) => StreamHandlerResult<unknown, unknown>);
  });
  void handle.closed.then(() => streams.close());
  let draining: Promise<void> | undefined;
  return {
    subject: handle.subject,
    queue: handle.queue,
    closed: handle.closed,
    stats: handle.stats,
    ready: handle.ready,
    drain() {
      draining ??= (async () => {
        const timer = setTimeout(() => streams.cancelAll('server-closing'), drainTimeoutMs);
        try {
          await handle.drain();
        } finally {
          clearTimeout(timer);
          streams.close();
        }
      })();
      return draining;
    },
    unsubscribe() {
      handle.unsubscribe();
      streams.cancelAll('server-closing');
      streams.close();
    },
  };
}

/**
 * The open streams of one registration, and the one subscription their callers' `credit` and `cancel`
 * messages arrive on (`<inbox>.<stream id>`), made with the first stream.
 */
class OpenStreams {
  private readonly byId = new Map<string, ServerStream>();
  private controlBase: string | undefined;
  private controlSub: Subscription | undefined;
  /**
   * One timer for the total timeouts of all the open streams: they share the spec's total and sit in
   * `byId` in the order they started, so the first one not yet due is the next to come due.
   */
  private totalTimer: ReturnType<typeof setTimeout> | undefined;
  private closed = false;

  constructor(
    readonly nc: NatsConnection,
    readonly op: OperationSpec,
    readonly spec: StreamingSpec,
    readonly validateSend: boolean,
  ) {
    // A closed connection can carry no more chunks: its streams stop now, not at their credit timeout.
    nc.closed().then(
      () => this.cancelAll('server-closing'),
      () => this.cancelAll('server-closing'),
    );
  }

  start(
    ctx: Context,
    msg: Msg,
    m: object,
    t0: number,
    trace: Trace | undefined,
    handler: (m: object) => StreamHandlerResult<unknown, unknown>,
  ): void {
    const id = streamId();
    const stream = new ServerStream(this, ctx, msg, t0, trace, id, `${this.controlSubject()}.${id}`);
    this.byId.set(id, stream);
    if (this.totalTimer === undefined) this.armTotal(this.spec.totalTimeoutMs);
    ctx.begin();
    void stream.run(m, handler).finally(() => {
      this.byId.delete(id);
      ctx.end();
    });
  }

  cancelAll(reason: StreamCancelReason): void {
    for (const stream of [...this.byId.values()]) stream.cancel(reason);
  }

  close(): void {
    this.closed = true;
    if (this.totalTimer !== undefined) clearTimeout(this.totalTimer);
    this.totalTimer = undefined;
    const sub = this.controlSub;
    this.controlSub = undefined;
    if (sub !== undefined && !sub.isClosed() && !this.nc.isClosed()) sub.unsubscribe();
  }

  /** Unref'd: an open stream's subscriptions keep the process alive, a finished one's deadline does not. */
  private armTotal(ms: number): void {
    this.totalTimer = setTimeout(this.totalDue, Math.max(1, Math.ceil(ms)));
    this.totalTimer.unref?.();
  }

  /** Cancels the streams past their total timeout, and re-arms for the first one that is not. */
  private readonly totalDue = (): void => {
    this.totalTimer = undefined;
    const now = performance.now();
    for (const stream of this.byId.values()) {
      const left = stream.deadline - now;
      if (left > 0) {
        this.armTotal(left);
        return;
      }
      stream.cancel('total-timeout');
    }
  };

  private controlSubject(): string {
    if (this.controlBase === undefined || (this.controlSub === undefined && !this.closed)) {
      this.controlBase = freshInbox(this.nc);
      this.controlSub = this.nc.subscribe(`${this.controlBase}.*`, {
        callback: (err, msg) => {
          if (err === null) this.control(msg);
        },
      });
    }
    return this.controlBase;
  }

  private control(msg: Msg): void {
    const id = msg.subject.slice(msg.subject.lastIndexOf('.') + 1);
    const stream = this.byId.get(id);
    const hdrs = msg.headers;
    if (stream === undefined || hdrs === undefined) return;
    const kind = hdrs.get(KIND_HEADER);
    if (kind === 'credit') stream.credit(Number(hdrs.get(ACK_HEADER)));
    else if (kind === 'cancel') stream.cancel('caller-cancelled', hdrs.get(REASON_HEADER));
  }
}

/**
 * A stream's id, the last token of its control subject: 96 random bits, so that a caller who learned
 * its own stream's control subject cannot name another caller's stream (every caller may publish
 * under the worker's inbox prefix; see docs/security.md).
 */
function streamId(): string {
  return randomBytes(12).toString('base64url');
}

/** Why a stream failed, as its `error` message says it: status and description. */
interface Failure {
  readonly status: number;
  readonly description: string;
  readonly error?: unknown;
}

/** One open stream: runs its handler's generator at the pace of the caller's credit. */
class ServerStream {
  /** Made when the handler first reads its message's `signal` (an AbortController costs microseconds). */
  private controller: AbortController | undefined;
  private readonly replyTo: string;
  private readonly window: number;
  /** Chunks sent; `end` and `error` carry it (`open` carries 0). */
  private seq = 0;
  /** Chunks the caller took (its last credit). */
  private ack = 0;
  private cancelled: StreamCancelledError | undefined;
  /** Wakes the producer waiting for credit: credit arrived or the stream was cancelled. */
  private wakeUp: (() => void) | undefined;
  /** Ends the wait for the generator's current step when the stream is cancelled. */
  private interrupt: (() => void) | undefined;
  /** When the stream's total timeout passes (performance.now() time): OpenStreams' one timer checks it. */
  readonly deadline: number;
  /** Messages to publish at the next turn of the event loop: body, headers, body, headers, ... */
  private queued: (Uint8Array | MsgHdrs | undefined)[] = [];
  private flushTimer: ReturnType<typeof setImmediate> | undefined;
  /** The first chunk is queued and not yet published: the next chunk (or the end) flushes at once. */
  private firstQueued = false;

  constructor(
    private readonly streams: OpenStreams,
    private readonly ctx: Context,
    private readonly msg: Msg,
    private readonly t0: number,
    private readonly trace: Trace | undefined,
    readonly id: string,
    private readonly controlSubject: string,
  ) {
    this.replyTo = msg.reply as string;
    const asked = Number(msg.headers?.get(WINDOW_HEADER));
    this.deadline = performance.now() + streams.spec.totalTimeoutMs;
    this.window = Number.isInteger(asked) && asked >= 1 ? Math.min(asked, MAX_WINDOW) : streams.spec.window;
  }

  async run(m: object, handler: (m: object) => StreamHandlerResult<unknown, unknown>): Promise<void> {
    const openHdrs = streamHeaders('open', 0);
    openHdrs.set(CONTROL_HEADER, this.controlSubject);
    if (!this.publish(undefined, openHdrs)) return this.finish(undefined);
    let iterator: AsyncIterator<unknown, unknown> | undefined;
    let failure: Failure | undefined;
    let complete = false;
    try {
      iterator = handler(this.withSignal(m))[Symbol.asyncIterator]();
      while (this.cancelled === undefined) {
        // The common case (credit left) costs a comparison, not an await.
        if (this.seq >= this.ack + this.window && !(await this.credited())) break;
        const pending = iterator.next();
        const step = await this.step(pending);
        this.interrupt = undefined;
        if (step === undefined) {
          // A step that comes after the cancel is dropped; so is its rejection (the caller is gone).
          pending.catch(() => {});
          break;
        }
        if (step.done === true) {
          complete = true;
          failure = this.sendEnd(step.value);
          break;
        }
        failure = this.sendChunk(step.value);
        if (failure !== undefined) break;
      }
    } catch (error) {
      complete = true;
      failure = this.thrown(error);
    }
    if (!complete && iterator?.return !== undefined) this.stopGenerator(iterator);
    if (failure !== undefined) this.sendError(failure.status, failure.description);
    else if (this.cancelled !== undefined) this.sendCancelNotice(this.cancelled.reason);
    this.finish(failure);
  }

  /** The handler's message: the request's, plus the stream's `signal`, made on first read. */
  private withSignal(m: object): object {
    const stream = this;
    return {
      ...m,
      get signal(): AbortSignal {
        return stream.signal();
      },
    };
  }

  private signal(): AbortSignal {
    if (this.controller === undefined) {
      this.controller = new AbortController();
      // Cancelled before the handler looked: the signal it gets is already aborted.
      if (this.cancelled !== undefined) this.controller.abort(this.cancelled);
    }
    return this.controller.signal;
  }

  /** Credit from the caller: it took chunks up to `ack`. */
  credit(ack: number): void {
    if (!Number.isInteger(ack) || ack <= this.ack) return;
    // A caller cannot have taken chunks not sent yet: more credit than that would unbound the window.
    this.ack = Math.min(ack, this.seq);
    this.wake();
  }

  /** Stops the stream: the handler's signal aborts with the reason; the generator is returned. */
  cancel(reason: StreamCancelReason, detail?: string): void {
    if (this.cancelled !== undefined) return;
    this.cancelled = new StreamCancelledError(this.ctx.op.id, reason, detail);
    this.controller?.abort(this.cancelled);
    this.interrupt?.();
    this.wake();
  }

  /** Waits until chunk seq+1 is within the caller's credit; false when the stream is cancelled first. */
  private async credited(): Promise<boolean> {
    if (this.seq + 1 <= this.ack + this.window) return true;
    // The window is spent: what it allowed goes now, not at the next turn, so the caller's credit comes sooner.
    this.flushNow();
    const idleMs = this.streams.spec.idleTimeoutMs;
    const timer = setTimeout(() => this.cancel('caller-gone'), idleMs);
    while (this.cancelled === undefined && this.seq + 1 > this.ack + this.window) {
      await new Promise<void>((resolve) => {
        this.wakeUp = resolve;
      });
    }
    this.wakeUp = undefined;
    clearTimeout(timer);
    return this.cancelled === undefined;
  }

  /**
   * The generator's pending step, or undefined once the stream is cancelled. A fresh promise per step:
   * racing each step against one long-lived "cancelled" promise would leave a reaction on it per chunk
   * for the stream's whole life.
   */
  private step(pending: Promise<IteratorResult<unknown, unknown>>): Promise<IteratorResult<unknown> | undefined> {
    return new Promise((resolve, reject) => {
      this.interrupt = () => resolve(undefined);
      pending.then(resolve, reject);
    });
  }

  private wake(): void {
    this.wakeUp?.();
  }

  private stopGenerator(iterator: AsyncIterator<unknown, unknown>): void {
    let returned: Promise<unknown> | undefined;
    try {
      returned = iterator.return?.() as Promise<unknown> | undefined;
    } catch (error) {
      this.ctx.report('handler', this.msg.subject, error);
      return;
    }
    returned?.then(undefined, (error: unknown) => this.ctx.report('handler', this.msg.subject, error));
  }

  /** A chunk is its JSON body alone, no headers: the caller counts chunks, `end` carries the count. */
  private sendChunk(value: unknown): Failure | undefined {
    const failure = this.encode(this.streams.spec.chunks, value, 'chunk');
    if (failure instanceof Uint8Array || failure === undefined) {
      this.seq++;
      if (!this.publish(failure, undefined)) return this.gone();
      // The first chunk waits one generator step at most: with the second chunk or the end (a short
      // stream: `open`, chunk and end in one socket write), else at the next turn of the event loop.
      if (this.seq === 1) this.firstQueued = true;
      else if (this.firstQueued) this.flushNow();
      return undefined;
    }
    return failure;
  }

  private sendEnd(value: unknown): Failure | undefined {
    const end = this.streams.spec.end;
    const encoded = end === undefined ? undefined : this.encode([end], value, 'end message');
    if (encoded !== undefined && !(encoded instanceof Uint8Array)) return encoded;
    this.publish(encoded, streamHeaders('end', this.seq));
    return undefined;
  }

  /** The validated JSON body of a chunk or end message, or the failure that stops the stream. */
  private encode(specs: readonly MessageSpec[], value: unknown, what: string): Uint8Array | undefined | Failure {
    const { op } = this.ctx;
    try {
      const hdrs = prepareSend(specs, op.id, 'reply', value, undefined, this.streams.validateSend);
      if (hdrs instanceof ValidationError) throw hdrs;
      const body = encodeBody(value);
      checkSize(this.streams.nc, op.id, this.replyTo, body, undefined);
      return body;
    } catch (error) {
      this.ctx.report('reply', this.msg.subject, error);
      const description = error instanceof PayloadTooLargeError ? `${what} too large` : `invalid ${what}`;
      return { status: 500, description, error };
    }
  }

  private thrown(error: unknown): Failure {
    if (error instanceof ServiceError) return { status: error.status, description: error.message, error };
    // The real error stays on the server: it may carry internals the caller must not see.
    this.ctx.report('handler', this.msg.subject, error);
    return { status: 500, description: 'internal error', error };
  }

  /** The caller hears why the server stopped, unless it stopped the stream itself. */
  private sendCancelNotice(reason: StreamCancelReason): void {
    const spec = this.streams.spec;
    if (reason === 'total-timeout')
      this.sendError(504, `stream exceeded its total timeout of ${spec.totalTimeoutMs} ms`);
    else if (reason === 'caller-gone')
      this.sendError(504, `no credit from the caller within ${spec.idleTimeoutMs} ms: stream stopped`);
    else if (reason === 'server-closing') this.sendError(503, 'server closing: stream stopped');
  }

  private sendError(status: number, description: string): void {
    const hdrs: MsgHdrs = streamHeaders('error', this.seq, errorHeaders(status, description));
    this.publish(undefined, hdrs);
  }

  /** The connection closed under the stream: nothing more can be sent. */
  private gone(): Failure | undefined {
    this.cancel('server-closing');
    return undefined;
  }

  /**
   * Queues a message to the caller's inbox; false when the connection is closed. The queue is published
   * in one go at the next turn of the event loop (or when the stream finishes): the NATS client writes
   * to its socket a microtask after the first publish into an empty buffer, and a generator step takes
   * several microtasks, so chunks published one by one cost one socket write each (measured: a fifth of
   * the server's CPU). The queue holds at most the chunks the caller's credit allows; it goes at once
   * when the window is spent, and the first chunk goes with the generator's next step (sendChunk).
   */
  private publish(body: Uint8Array | undefined, hdrs: MsgHdrs | undefined): boolean {
    if (this.streams.nc.isClosed()) return false;
    this.queued.push(body, hdrs);
    if (this.flushTimer === undefined) this.flushTimer = setImmediate(this.flushQueue);
    return true;
  }

  private flushNow(): void {
    this.firstQueued = false;
    if (this.flushTimer !== undefined) clearImmediate(this.flushTimer);
    this.flushQueue();
  }

  private readonly flushQueue = (): void => {
    this.flushTimer = undefined;
    this.firstQueued = false;
    const queued = this.queued;
    this.queued = [];
    const { nc } = this.streams;
    for (let i = 0; i < queued.length; i += 2) {
      if (nc.isClosed()) return;
      try {
        const hdrs = queued[i + 1] as MsgHdrs | undefined;
        const body = queued[i] as Uint8Array | undefined;
        if (hdrs === undefined) nc.publish(this.replyTo, body);
        else nc.publish(this.replyTo, body, { headers: hdrs });
      } catch (error) {
        this.ctx.report('reply', this.msg.subject, error);
        return;
      }
    }
  };

  private finish(failure: Failure | undefined): void {
    this.flushNow();
    this.ctx.done(this.msg, this.t0, this.trace, failure?.status, failure?.description);
  }
}
