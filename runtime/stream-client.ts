/** The caller's side of a streaming reply: `requestStream` and the {@link ReplyStream} it returns. */
import {
  errors,
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
  PermissionError,
  StreamInterruptedError,
  StreamTimeoutError,
  type StreamTimeoutPhase,
  ValidationError,
} from './errors.js';
import { type Violation, watchPermissions } from './permissions.js';
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
import { startSendSpan, type Trace, telemetryActive } from './telemetry.js';
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

/**
 * The streams open on one connection: for the one permissions watch per connection (a refused publish
 * of a request, credit or cancel fails its stream at once with PermissionError), and for one timer
 * for their first-chunk and total timeouts, armed for the earliest deadline (a stream started with the
 * same settings as those open comes due after them: starting it touches no timer).
 */
class OpenCalls {
  readonly calls = new Set<StreamCall<unknown, unknown>>();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private timerAt = 0;

  /** A stream's next deadline (`performance.now()` time). */
  due(at: number): void {
    if (this.timer !== undefined) {
      if (this.timerAt <= at) return;
      clearTimeout(this.timer);
    }
    this.arm(at);
  }

  /** Unref'd: an open stream's inbox subscription keeps the process alive, a deadline alone does not. */
  private arm(at: number): void {
    this.timerAt = at;
    this.timer = setTimeout(this.fire, Math.max(1, Math.ceil(at - performance.now())));
    this.timer.unref?.();
  }

  private readonly fire = (): void => {
    this.timer = undefined;
    const now = performance.now();
    let next = Number.POSITIVE_INFINITY;
    for (const call of [...this.calls]) next = Math.min(next, call.deadlineCheck(now));
    if (next !== Number.POSITIVE_INFINITY) this.arm(next);
  };
}

const openStreams = new WeakMap<NatsConnection, OpenCalls>();

function track(nc: NatsConnection, call: StreamCall<unknown, unknown>): OpenCalls {
  let open = openStreams.get(nc);
  if (open === undefined) {
    const created = new OpenCalls();
    open = created;
    openStreams.set(nc, created);
    watchPermissions(nc, (violation) => {
      for (const call of [...created.calls]) call.refused(violation);
    });
  }
  open.calls.add(call);
  return open;
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
  private readonly creditEvery: number;
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
  /** Chunks received (chunks carry no headers: the caller counts them; `end` says how many were sent). */
  private count = 0;
  private taken = 0;
  private acked = 0;
  private gotFirst = false;
  private t0 = 0;
  /** When the `next()` now waiting on an empty buffer began to wait; undefined while none waits. */
  private idleSince: number | undefined;
  /** The stream's send span (request to end), when tracing records. */
  private trace: Trace | undefined;
  /** After a cancel before `open`: how long the inbox stays subscribed for `open` to say where to send it. */
  private openWaitTimer: ReturnType<typeof setTimeout> | undefined;
  /** One idle timer, not re-armed per chunk: when it fires it checks `idleSince` and re-arms for the rest. */
  private idleTimer: ReturnType<typeof setTimeout> | undefined;
  private creditTimer: ReturnType<typeof setImmediate> | undefined;

  constructor(
    private readonly nc: NatsConnection,
    private readonly op: OperationSpec,
    private readonly spec: StreamingSpec,
    private readonly args: SendArgs,
    private readonly options: StreamOptions | undefined,
  ) {
    super();
    this.settings = streamSettings(op, spec, options);
    this.creditEvery = Math.ceil(this.settings.window / 4);
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
        if (this.trace !== undefined || this.options?.metrics !== undefined) {
          finished(this.options, this.op, 'request', this.subject, this.t0, this.trace, error);
        }
        return Promise.reject(error);
      }
    }
    const ready = this.take();
    if (ready !== undefined) return ready;
    return new Promise((resolve, reject) => {
      this.waiters.push({ resolve, reject });
      if (this.gotFirst) this.waitBegins();
    });
  }

  async return(): Promise<IteratorResult<TChunk, undefined>> {
    this.stop('caller-cancelled');
    return DONE;
  }

  async cancel(reason?: string): Promise<void> {
    this.stop(reason ?? 'caller-cancelled');
  }

  /** The server refused a publish of this connection: this stream's request, credit or cancel fails it. */
  refused(violation: Violation): void {
    if (violation.action !== 'publish') return;
    const ours = violation.subject === this.subject || violation.subject === this.control;
    if (!ours) return;
    this.fail(new PermissionError(this.op.id, 'publish', violation.subject, { cause: violation.error }), false);
  }

  disconnected(): void {
    this.fail(new ConnectionLostError(this.op.id, this.subject), false, false);
  }

  // --- sending -------------------------------------------------------------------------------------

  /** Validates, encodes and sends the request, with a fresh inbox subscribed for the stream. */
  private start(): void {
    this.started = true;
    this.t0 = performance.now();
    const signal = this.options?.signal;
    if (signal?.aborted) throw signal.reason;
    const { nc, op, args } = this;
    this.subject = op.subject.build(args.params ?? NO_VALUES, args);
    this.trace = startSendSpan(op, 'request', this.subject, this.options?.tracing);
    const { hdrs, body } = encodeRequest(op, args, this.options, this.trace);
    const request = hdrs ?? natsHeaders();
    request.set(STREAM_HEADER, PROTOCOL_VERSION);
    request.set(WINDOW_HEADER, String(this.settings.window));
    checkSize(nc, op.id, this.subject, body, request);
    if (!this.state.connected) throw new NotConnectedError(op.id, this.subject, this.state.closed);
    const inbox = freshInbox(nc);
    const sub = nc.subscribe(inbox, { callback: (err, msg) => (err === null ? this.received(msg) : this.broken(err)) });
    this.sub = sub;
    // The connection closed (nc.close(), or the client gave up reconnecting): nothing more can arrive.
    // (A stream that ended unsubscribed first: no error is built for it, stack trace and all.)
    void sub.closed.then(() => {
      if (!this.closed) this.fail(new ConnectionLostError(op.id, this.subject), false);
    });
    nc.publish(this.subject, body, { reply: inbox, headers: request });
    this.state.watch(this);
    const open = track(nc, this as StreamCall<unknown, unknown>);
    open.due(this.t0 + Math.min(this.settings.firstChunkTimeoutMs, this.settings.totalTimeoutMs));
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
    this.clearTimer('openWaitTimer');
    this.openWaitTimer = setTimeout(() => this.unsubscribe(), this.settings.firstChunkTimeoutMs);
  }

  // --- receiving -----------------------------------------------------------------------------------

  /** Chunks are the messages without headers; `open`, `end` and `error` carry the stream's headers. */
  private received(msg: Msg): void {
    const hdrs = msg.headers;
    if (this.closed) {
      if (this.pendingCancel !== undefined && hdrs?.get(KIND_HEADER) === 'open') {
        this.control = hdrs.get(CONTROL_HEADER) || undefined;
        this.sendControl('cancel', this.pendingCancel);
        this.unsubscribe();
      }
      return;
    }
    if (hdrs === undefined) {
      this.chunk(msg);
      return;
    }
    const kind = hdrs.get(KIND_HEADER);
    if (kind === '') {
      this.unexpected(msg, hdrs);
      return;
    }
    const seq = Number(hdrs.get(SEQ_HEADER) || Number.NaN);
    if (kind === 'open') this.opened(hdrs, seq);
    else if (kind !== 'end' && kind !== 'error') this.protocolError(seq, `unknown message kind '${kind}'`);
    else if (this.control === undefined) this.protocolError(seq, `\`${kind}\` before \`open\``);
    else if (seq !== this.count) this.gap(seq);
    else if (kind === 'end') this.ended(msg);
    else this.fail(remoteError(this.op.id, hdrs), false, false);
  }

  /** A message with headers but no stream kind: nats-server's "no responders", or a plain error reply. */
  private unexpected(msg: Msg, hdrs: MsgHdrs): void {
    if (hdrs.code === 503 && msg.data.length === 0 && !hdrs.has(SERVICE_ERROR_CODE)) {
      this.fail(new NoRespondersError(this.op.id, this.subject), false, false);
      return;
    }
    if (hdrs.has(SERVICE_ERROR_CODE)) {
      // A server that does not stream this operation answered with an error reply.
      this.fail(remoteError(this.op.id, hdrs), false, false);
      return;
    }
    this.noStreamHeaders();
  }

  private noStreamHeaders(): void {
    this.protocolError(-1, 'a reply without stream headers (does the server stream this operation?)');
  }

  private opened(hdrs: MsgHdrs, seq: number): void {
    if (this.control !== undefined) {
      this.protocolError(seq, 'a second `open`');
      return;
    }
    const control = hdrs.get(CONTROL_HEADER);
    if (control === '' || seq !== 0) {
      this.protocolError(seq, '`open` without a control subject or with a seq other than 0');
      return;
    }
    this.control = control;
  }

  /** `end` or `error` says the server sent `sent` chunks, and a different number arrived. */
  private gap(sent: number): void {
    const detail = `the server sent ${Number.isNaN(sent) ? 'an unknown number of' : sent} chunks, ${this.count} arrived`;
    // The server's last message came: nobody is left to tell.
    this.fail(new StreamInterruptedError(this.op.id, 'gap', this.count, Number.isNaN(sent) ? -1 : sent, detail), false);
  }

  private chunk(msg: Msg): void {
    if (this.control === undefined) {
      // Before `open`, a message without headers is a plain reply: the server does not stream.
      this.noStreamHeaders();
      return;
    }
    this.count++;
    // A server keeps within the credit it was given, which is at most what this caller sent.
    if (this.count - this.acked > this.settings.window) {
      this.protocolError(this.count, `more chunks than the window of ${this.settings.window}`);
      return;
    }
    const value = this.decode(msg, this.spec.chunks);
    if (value === undefined) return;
    this.gotFirst = true;
    this.idleSince = undefined;
    this.buffer.push(value.payload as TChunk);
    this.wake();
    // More than one next() was waiting: the others wait on.
    if (this.waiters.length > 0) this.waitBegins();
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
    this.fail(
      new StreamInterruptedError(this.op.id, 'protocol', this.count, Number.isNaN(seq) ? -1 : seq, detail),
      true,
    );
  }

  /** The inbox subscription failed: the server refused it (permissions), or the client did. */
  private broken(error: unknown): void {
    const refused = error instanceof errors.PermissionViolationError;
    this.fail(
      refused ? new PermissionError(this.op.id, 'subscription', error.subject, { cause: error }) : error,
      false,
    );
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
    } else if (this.head >= this.settings.window) {
      // A consumer that never empties the buffer: drop the taken slots so the array stays window-sized.
      this.buffer.splice(0, this.head);
      this.head = 0;
    }
    this.taken++;
    // Credit every quarter window: the server has three quarters left to send while it travels.
    if (!this.closed && this.taken - this.acked >= this.creditEvery) {
      // The buffer is empty: nothing more to take in this turn, the credit goes now.
      if (this.buffer.length === 0) this.sendCredit();
      else this.creditTimer ??= setImmediate(this.sendCredit);
    }
    return value;
  }

  /**
   * Sends the credit due, once the consumer emptied the buffer or at the next turn of the event loop: a
   * consumer that takes a batch of chunks in one turn sends one credit for them, not one per quarter
   * window, each in its own socket write (the client writes a microtask after a publish, and a
   * `for await` takes each chunk in a microtask of its own).
   */
  private readonly sendCredit = (): void => {
    if (this.creditTimer !== undefined) {
      clearImmediate(this.creditTimer);
      this.creditTimer = undefined;
    }
    if (this.closed || this.taken === this.acked) return;
    this.acked = this.taken;
    this.sendControl('credit', String(this.taken));
  };

  private wake(): void {
    while (this.waiters.length > 0) {
      if (this.head < this.buffer.length) {
        // A chunk for the waiting next(): resolved directly, not through a resolved promise's then().
        (this.waiters.shift() as Waiter<TChunk>).resolve({ done: false, value: this.shift() });
        continue;
      }
      const ready = this.take();
      if (ready === undefined) return;
      const waiter = this.waiters.shift() as Waiter<TChunk>;
      ready.then(waiter.resolve, waiter.reject);
    }
  }

  // --- ending --------------------------------------------------------------------------------------

  /**
   * The connection's deadline timer fired: a first-chunk or total timeout when one passed, else this
   * stream's next deadline (`performance.now()` time; infinite once it ended).
   */
  deadlineCheck(now: number): number {
    if (this.closed) return Number.POSITIVE_INFINITY;
    const { firstChunkTimeoutMs: first, totalTimeoutMs: total } = this.settings;
    const elapsed = now - this.t0;
    if (!this.gotFirst && elapsed >= first) this.timedOut('first-chunk');
    else if (elapsed >= total) this.timedOut('total');
    else return this.t0 + (this.gotFirst ? total : Math.min(first, total));
    return Number.POSITIVE_INFINITY;
  }

  /** A `next()` waits on an empty buffer: the idle time runs from now (one timer, armed lazily). */
  private waitBegins(): void {
    this.idleSince ??= performance.now();
    if (this.idleTimer === undefined) this.armIdle(this.settings.idleTimeoutMs);
  }

  private armIdle(ms: number): void {
    this.idleTimer = setTimeout(this.idleCheck, ms);
  }

  /** The idle timer fired: a timeout when the current wait lasted the idle time, else re-armed for the rest. */
  private readonly idleCheck = (): void => {
    this.idleTimer = undefined;
    const since = this.idleSince;
    if (since === undefined || this.closed) return;
    const left = since + this.settings.idleTimeoutMs - performance.now();
    if (left <= 0) this.timedOut('idle');
    else this.armIdle(Math.ceil(left));
  };

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
    if (this.creditTimer !== undefined) {
      clearImmediate(this.creditTimer);
      this.creditTimer = undefined;
    }
    this.state.unwatch(this);
    openStreams.get(this.nc)?.calls.delete(this as StreamCall<unknown, unknown>);
    this.options?.signal?.removeEventListener('abort', this.aborted);
    if (this.options?.metrics !== undefined || telemetryActive()) {
      finished(this.options, this.op, 'request', this.subject, this.t0, this.trace, outcome?.error);
    }
    this.wake();
  }

  private unsubscribe(): void {
    this.clearTimer('openWaitTimer');
    const sub = this.sub;
    this.sub = undefined;
    if (sub !== undefined && !sub.isClosed() && !this.nc.isClosed()) sub.unsubscribe();
  }

  private clearTimer(name: 'openWaitTimer' | 'idleTimer'): void {
    const timer = this[name];
    if (timer === undefined) return;
    clearTimeout(timer);
    this[name] = undefined;
  }
}
