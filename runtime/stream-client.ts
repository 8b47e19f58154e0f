/** The caller's side of a streaming reply: `requestStream` and the {@link ReplyStream} it returns. */
import {
  type Msg,
  type MsgHdrs,
  type NatsConnection,
  headers as natsHeaders,
  type Subscription,
} from '@nats-io/transport-node';
import { encodeRequest, finished, remoteError } from './client.js';
import { checkReceived, checkSize, decodeBody, NO_VALUES, SERVICE_ERROR_CODE } from './codec.js';
import {
  ConnectionLostError,
  ContractError,
  DecodeError,
  NoRespondersError,
  NotConnectedError,
  StreamInterruptedError,
  StreamTimeoutError,
  type StreamTimeoutPhase,
  ValidationError,
} from './errors.js';
import { type ConnectionState, connectionState, DisconnectWatch } from './status.js';
import {
  ACK_HEADER,
  CONTROL_HEADER,
  freshInbox,
  KIND_HEADER,
  PROTOCOL_VERSION,
  REASON_HEADER,
  SEQ_HEADER,
  STREAM_HEADER,
  type StreamSettings,
  streamHeaders,
  streamSettings,
  WINDOW_HEADER,
} from './stream-protocol.js';
import { telemetryActive } from './telemetry.js';
import type { OperationSpec, SendArgs, StreamingSpec, StreamOptions } from './types.js';

/**
 * The chunks of a streaming reply, as an async iterator (`for await`). The request is sent on the
 * first `next()`; chunks arrive as the server yields them, at most `window` ahead of this consumer.
 */
export interface ReplyStream<TChunk, TEnd = undefined> extends AsyncIterableIterator<TChunk> {
  /** The end message once the stream ended normally; undefined before (and when none is declared). */
  readonly end: TEnd | undefined;
  /** Stops the stream: the server is told (its handler's signal aborts); the iterator finishes. */
  cancel(reason?: string): Promise<void>;
}

/**
 * Requests a streaming reply (an operation with `x-nats-stream`). Nothing is sent until the first
 * `next()`. The iterator yields each chunk, validated, in order, and finishes at the end message
 * (then in `stream.end`). It rejects with {@link StreamTimeoutError} (first chunk, idle, total),
 * {@link RemoteError} / {@link BusyError} (the server's error, after the chunks it sent before),
 * {@link NoRespondersError}, {@link ConnectionLostError}, {@link StreamInterruptedError},
 * {@link DecodeError} or {@link ValidationError} (a chunk or the end; the server is told to stop);
 * and before sending with {@link InvalidSubjectParameterError}, {@link ValidationError},
 * {@link PayloadTooLargeError} or {@link NotConnectedError}. `options.signal` cancels it (the
 * iterator rejects with the signal's reason), as do `break`, `return()` and `cancel()` (it finishes).
 */
export function requestStream<TChunk, TEnd = undefined>(
  nc: NatsConnection,
  op: OperationSpec,
  args: SendArgs,
  options?: StreamOptions,
): ReplyStream<TChunk, TEnd> {
  const spec = op.streaming;
  if (spec === undefined) throw new ContractError(`'${op.id}' does not stream its reply: call request()`, op.id);
  return new StreamCall<TChunk, TEnd>(nc, op, spec, args, options);
}

type Waiter<T> = {
  readonly resolve: (result: IteratorResult<T, undefined>) => void;
  readonly reject: (error: unknown) => void;
};

const DONE: IteratorResult<never, undefined> = Object.freeze({ done: true, value: undefined });

/** One streaming request, from its first `next()` to its end. */
class StreamCall<TChunk, TEnd> extends DisconnectWatch implements ReplyStream<TChunk, TEnd> {
  end: TEnd | undefined = undefined;
  private readonly settings: StreamSettings;
  private readonly state: ConnectionState;
  private started = false;
  /** No more messages are taken; what is buffered (then `failure`) is still handed out. */
  private closed = false;
  private subject = '';
  private sub: Subscription | undefined;
  private control: string | undefined;
  /** A cancel to send once `open` tells where (the server had not opened the stream yet). */
  private pendingCancel: string | undefined;
  private readonly buffer: TChunk[] = [];
  private head = 0;
  private readonly waiters: Waiter<TChunk>[] = [];
  /** What ends the iteration after the buffer: an error, or `null` for a normal end. */
  private outcome: { readonly error: unknown } | null | undefined;
  private expectedSeq = 0;
  private taken = 0;
  private acked = 0;
  private gotFirst = false;
  private t0 = 0;
  private firstTimer: ReturnType<typeof setTimeout> | undefined;
  private idleTimer: ReturnType<typeof setTimeout> | undefined;
  private totalTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly nc: NatsConnection,
    private readonly op: OperationSpec,
    private readonly spec: StreamingSpec,
    private readonly args: SendArgs,
    private readonly options: StreamOptions | undefined,
  ) {
    super();
    this.settings = streamSettings(op, spec, options);
    this.state = connectionState(nc);
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<TChunk, undefined>> {
    if (!this.started) {
      try {
        this.start();
      } catch (error) {
        this.closed = true;
        this.outcome = null;
        return Promise.reject(error);
      }
    }
    const ready = this.take();
    if (ready !== undefined) return ready;
    return new Promise((resolve, reject) => {
      this.waiters.push({ resolve, reject });
      if (this.gotFirst && this.idleTimer === undefined) this.armIdle();
    });
  }

  async return(): Promise<IteratorResult<TChunk, undefined>> {
    this.stop('caller-cancelled');
    return DONE;
  }

  async cancel(reason?: string): Promise<void> {
    this.stop(reason ?? 'caller-cancelled');
  }

  disconnected(): void {
    this.fail(new ConnectionLostError(this.op.id, this.subject), false, false);
  }

  // --- sending -------------------------------------------------------------------------------------

  /** Validates, encodes and sends the request, with a fresh inbox subscribed for the stream. */
  private start(): void {
    this.started = true;
    const signal = this.options?.signal;
    if (signal?.aborted) throw signal.reason;
    const { nc, op, args } = this;
    this.subject = op.subject.build(args.params ?? NO_VALUES, args);
    const { hdrs, body } = encodeRequest(op, args, this.options, undefined);
    const request = hdrs ?? natsHeaders();
    request.set(STREAM_HEADER, PROTOCOL_VERSION);
    request.set(WINDOW_HEADER, String(this.settings.window));
    checkSize(nc, op.id, this.subject, body, request);
    if (!this.state.connected) throw new NotConnectedError(op.id, this.subject, this.state.closed);
    const inbox = freshInbox(nc);
    this.sub = nc.subscribe(inbox, { callback: (err, msg) => (err === null ? this.received(msg) : this.broken(err)) });
    nc.publish(this.subject, body, { reply: inbox, headers: request });
    this.t0 = performance.now();
    this.state.watch(this);
    this.firstTimer = setTimeout(() => this.timedOut('first-chunk'), this.settings.firstChunkTimeoutMs);
    this.totalTimer = setTimeout(() => this.timedOut('total'), this.settings.totalTimeoutMs);
    signal?.addEventListener('abort', this.aborted, { once: true });
  }

  private sendControl(kind: 'credit' | 'cancel', value?: string): void {
    const control = this.control;
    if (control === undefined || this.nc.isClosed()) return;
    const hdrs = streamHeaders(kind);
    if (kind === 'credit') hdrs.set(ACK_HEADER, String(value));
    else if (value !== undefined && value !== '') hdrs.set(REASON_HEADER, value.replace(/[\r\n]+/g, ' '));
    try {
      this.nc.publish(control, undefined, { headers: hdrs });
    } catch {
      // The connection closed meanwhile: the server's credit wait runs out and cancels the stream.
    }
  }

  /** Tells the server to stop, now or as soon as `open` says where. */
  private tellServer(reason: string): void {
    if (this.control !== undefined) {
      this.sendControl('cancel', reason);
      this.unsubscribe();
      return;
    }
    // `open` may still come: the inbox stays subscribed for it for another first-chunk time.
    this.pendingCancel = reason;
    this.clearTimer('firstTimer');
    this.firstTimer = setTimeout(() => this.unsubscribe(), this.settings.firstChunkTimeoutMs);
  }

  // --- receiving -----------------------------------------------------------------------------------

  private received(msg: Msg): void {
    const hdrs = msg.headers;
    const kind = hdrs?.get(KIND_HEADER) ?? '';
    if (this.closed) {
      if (kind === 'open' && this.pendingCancel !== undefined) {
        this.control = hdrs?.get(CONTROL_HEADER) || undefined;
        this.sendControl('cancel', this.pendingCancel);
        this.unsubscribe();
      }
      return;
    }
    if (hdrs === undefined || kind === '') {
      this.unexpected(msg, hdrs);
      return;
    }
    const seq = Number(hdrs.get(SEQ_HEADER) || Number.NaN);
    if (seq !== this.expectedSeq) {
      this.fail(new StreamInterruptedError(this.op.id, 'gap', this.expectedSeq, Number.isNaN(seq) ? -1 : seq), true);
      return;
    }
    this.expectedSeq++;
    if (kind === 'open') this.opened(hdrs);
    else if (kind === 'chunk') this.chunk(msg);
    else if (kind === 'end') this.ended(msg);
    else if (kind === 'error') this.fail(remoteError(this.op.id, hdrs), false, false);
    else this.protocolError(seq, `unknown message kind '${kind}'`);
  }

  /** A message without the stream's headers: nats-server's "no responders", or a plain reply. */
  private unexpected(msg: Msg, hdrs: MsgHdrs | undefined): void {
    if (hdrs?.code === 503 && msg.data.length === 0 && !hdrs.has(SERVICE_ERROR_CODE)) {
      this.fail(new NoRespondersError(this.op.id, this.subject), false, false);
      return;
    }
    if (hdrs?.has(SERVICE_ERROR_CODE)) {
      // A server that does not stream this operation answered with an error reply.
      this.fail(remoteError(this.op.id, hdrs), false, false);
      return;
    }
    this.protocolError(-1, 'a reply without stream headers (does the server stream this operation?)');
  }

  private opened(hdrs: MsgHdrs): void {
    const control = hdrs.get(CONTROL_HEADER);
    if (control === '') {
      this.protocolError(0, '`open` without a control subject');
      return;
    }
    this.control = control;
  }

  private chunk(msg: Msg): void {
    if (this.control === undefined) {
      this.protocolError(this.expectedSeq - 1, 'a chunk before `open`');
      return;
    }
    const value = this.decode(msg, this.spec.chunks);
    if (value === undefined) return;
    this.gotFirst = true;
    this.clearTimer('firstTimer');
    this.clearTimer('idleTimer');
    if (this.buffer.length - this.head >= this.settings.window) {
      this.protocolError(this.expectedSeq - 1, `more chunks than the window of ${this.settings.window}`);
      return;
    }
    this.buffer.push(value.payload as TChunk);
    this.wake();
  }

  private ended(msg: Msg): void {
    const end = this.spec.end;
    const value = this.decode(msg, end === undefined ? [] : [end]);
    if (value === undefined) return;
    this.end = (end === undefined ? undefined : value.payload) as TEnd | undefined;
    this.unsubscribe();
    this.finish(null);
  }

  /** The body of a chunk or end, validated; undefined after failing the stream. */
  private decode(msg: Msg, specs: StreamingSpec['chunks']): { payload: unknown } | undefined {
    let payload: unknown;
    try {
      payload = decodeBody(msg);
    } catch (cause) {
      this.fail(new DecodeError(this.op.id, this.subject, { cause }), true);
      return undefined;
    }
    const checked = checkReceived(specs, this.op.id, 'reply', payload, msg, this.options?.validate?.receive !== false);
    if (checked instanceof ValidationError) {
      this.fail(checked, true);
      return undefined;
    }
    return checked;
  }

  private protocolError(seq: number, detail: string): void {
    this.fail(new StreamInterruptedError(this.op.id, 'protocol', this.expectedSeq, seq, detail), true);
  }

  private broken(error: unknown): void {
    this.fail(error, false, false);
  }

  // --- handing out ---------------------------------------------------------------------------------

  /** The next result when one is ready: a buffered chunk, else the outcome; undefined to wait. */
  private take(): Promise<IteratorResult<TChunk, undefined>> | undefined {
    if (this.head < this.buffer.length) return Promise.resolve({ done: false, value: this.shift() });
    if (this.outcome === undefined) return undefined;
    if (this.outcome === null) return Promise.resolve(DONE);
    const { error } = this.outcome;
    // Like a generator that threw: the error once, then done.
    this.outcome = null;
    return Promise.reject(error);
  }

  private shift(): TChunk {
    const value = this.buffer[this.head] as TChunk;
    this.head++;
    if (this.head === this.buffer.length) {
      this.buffer.length = 0;
      this.head = 0;
    }
    this.taken++;
    // Credit at half the window: the server never stalls on a consumer that keeps up.
    if (!this.closed && this.taken - this.acked >= Math.ceil(this.settings.window / 2)) {
      this.acked = this.taken;
      this.sendControl('credit', String(this.taken));
    }
    return value;
  }

  private wake(): void {
    while (this.waiters.length > 0) {
      const ready = this.take();
      if (ready === undefined) return;
      const waiter = this.waiters.shift() as Waiter<TChunk>;
      ready.then(waiter.resolve, waiter.reject);
    }
  }

  // --- ending --------------------------------------------------------------------------------------

  private armIdle(): void {
    this.idleTimer = setTimeout(() => this.timedOut('idle'), this.settings.idleTimeoutMs);
  }

  private timedOut(phase: StreamTimeoutPhase): void {
    const ms =
      phase === 'first-chunk'
        ? this.settings.firstChunkTimeoutMs
        : phase === 'idle'
          ? this.settings.idleTimeoutMs
          : this.settings.totalTimeoutMs;
    this.fail(new StreamTimeoutError(this.op.id, this.subject, ms, phase), true, phase === 'total');
  }

  private readonly aborted = (): void => {
    const reason: unknown = this.options?.signal?.reason;
    this.fail(reason, true, true, 'caller-cancelled');
  };

  /**
   * Ends the stream with `error`: `now` drops the buffered chunks (abort, total timeout), else they
   * are handed out first. `tell`: the server is still streaming and is told to stop.
   */
  private fail(error: unknown, tell: boolean, now = false, reason = 'caller-cancelled'): void {
    if (this.closed) return;
    if (now) {
      this.buffer.length = 0;
      this.head = 0;
    }
    if (tell) this.tellServer(reason);
    else this.unsubscribe();
    this.finish({ error });
  }

  /** `break`, `return()`, `cancel()`: the iteration finishes, the server is told. */
  private stop(reason: string): void {
    if (!this.started) {
      this.started = true;
      this.closed = true;
      this.outcome = null;
      return;
    }
    this.buffer.length = 0;
    this.head = 0;
    if (!this.closed) {
      this.tellServer(reason);
      this.finish(null);
    }
    this.outcome = null;
    this.wake();
  }

  private finish(outcome: { readonly error: unknown } | null): void {
    this.closed = true;
    this.outcome = outcome;
    this.clearTimer('idleTimer');
    this.clearTimer('totalTimer');
    if (this.pendingCancel === undefined) this.clearTimer('firstTimer');
    this.state.unwatch(this);
    this.options?.signal?.removeEventListener('abort', this.aborted);
    if (this.options?.metrics !== undefined || telemetryActive()) {
      finished(this.options, this.op, 'request', this.subject, this.t0, undefined, outcome?.error);
    }
    this.wake();
  }

  private unsubscribe(): void {
    this.clearTimer('firstTimer');
    const sub = this.sub;
    this.sub = undefined;
    if (sub !== undefined && !sub.isClosed() && !this.nc.isClosed()) sub.unsubscribe();
  }

  private clearTimer(name: 'firstTimer' | 'idleTimer' | 'totalTimer'): void {
    const timer = this[name];
    if (timer === undefined) return;
    clearTimeout(timer);
    this[name] = undefined;
  }
}
