/** The receiving side: `subscribe` and `reply`. */
import type { Msg, MsgHdrs, NatsConnection, Subscription, SubscriptionOptions } from '@nats-io/transport-node';
import {
  type Checked,
  checkReceived,
  checkSize,
  closer,
  decodeBody,
  encodeBody,
  errorHeaders,
  type HeaderSource,
  NO_VALUES,
  prepareSend,
} from './codec.js';
import {
  DecodeError,
  formatIssue,
  HandlerTimeoutError,
  InvalidSubjectParameterError,
  OverflowError,
  PayloadTooLargeError,
  ServiceError,
  SlowConsumerError,
  SubscriptionClosedError,
  UnhandledMessageError,
  ValidationError,
} from './errors.js';
import { EndpointStats } from './service.js';
import { isPattern } from './subject.js';
import {
  consoleLogger,
  errorEventLog,
  finishReceive,
  type OperationKind,
  runInTrace,
  startReceiveSpan,
  type Trace,
} from './telemetry.js';
import type { ErrorEvent, Handle, OperationSpec, ReceiveArgs, ServerOptions, SharedChannel } from './types.js';

const DEFAULT_MAX_IN_FLIGHT = 64;
const DEFAULT_MAX_PENDING = 10_000;
/** After the first, `overflow` and `slow-consumer` reports come at most this often (overflow with a count). */
const REPORT_INTERVAL_MS = 1_000;

/**
 * Subscribes `handler` to the operation's subject (with its queue group, if any). Each message is
 * decoded, its declared headers read, both validated; failures go to `options.onError` and the handler
 * is not called. A handler that throws or rejects is reported too; the subscription keeps running.
 *
 * At most `options.maxInFlight` (default 64) async handlers run at once; a synchronous handler only
 * occupies a slot during its call. A message arriving while every slot is taken waits, in arrival order,
 * in a buffer of at most `options.maxPending` (default 10 000) messages; beyond it the message is
 * dropped and reported as `overflow` (the first drop at once, then at most once a second with the count).
 * Half a buffer of waiting messages is reported as `slow-consumer`. `drain()` stops delivery, then
 * processes the buffered messages (they were already received) and waits for every handler;
 * `unsubscribe()` discards them.
 *
 * Throws {@link InvalidSubjectParameterError} at once for a bad parameter, a RangeError for a bad limit.
 */
export function subscribe<TMsg>(
  nc: NatsConnection,
  op: OperationSpec,
  args: ReceiveArgs,
  handler: (m: TMsg) => void | Promise<void>,
  options?: ServerOptions,
): Handle {
  const validate = options?.validate?.receive !== false;
  return listen(nc, op, args, options, undefined, (ctx, msg, t0, trace, routed) => {
    const m =
      routed === undefined
        ? receive(ctx, msg, validate, t0, trace)
        : received(ctx, msg, routed.checked.payload, routed.checked.headers, routed.params);
    if (m === undefined) return;
    let result: void | Promise<void>;
    try {
      result = handler(m as TMsg);
    } catch (error) {
      ctx.report('handler', ctx.subjectOf(msg), error);
      ctx.done(msg, t0, trace, 'handler', error);
      return;
    }
    if (isThenable(result)) {
      ctx.begin();
      void settleHandler(ctx, result, msg, t0, trace);
    } else {
      ctx.done(msg, t0, trace);
    }
  });
}

/**
 * Answers each request on the operation's subject with the handler's validated return value (or
 * `{ payload, headers }` when the reply has `withHeaders`). Every failure answers an error reply
 * (empty body, `Nats-Service-Error` / `Nats-Service-Error-Code`), so callers fail fast:
 * malformed JSON → 400, invalid request → 400, {@link ServiceError} → its status and message,
 * any other throw → 500 `internal error`, invalid reply → 500 `invalid reply`. Server-side faults
 * (500s, a message without a reply subject) also go to `options.onError`.
 *
 * At most `options.maxInFlight` (default 64) async handlers run at once. A request arriving while every
 * slot is taken is not queued: it is answered at once `503 busy: ...` (a `BusyError` for the caller,
 * who can retry elsewhere instead of timing out), and reported as `overflow` (the first at once, then
 * at most once a second with the count).
 */
export function reply<TMsg, TReply>(
  nc: NatsConnection,
  op: OperationSpec,
  args: ReceiveArgs,
  handler: (m: TMsg) => TReply | Promise<TReply>,
  options?: ServerOptions,
): Handle {
  const validateReceive = options?.validate?.receive !== false;
  const validateSend = options?.validate?.send !== false;
  const replySpecs = op.reply?.messages ?? [];
  const withHeaders = op.reply?.withHeaders === true;

  function answer(ctx: Context, msg: Msg, value: unknown, t0: number, trace: Trace | undefined): void {
    let payload = value;
    let given: Readonly<Record<string, unknown>> | undefined;
    if (withHeaders) {
      const full = value as { readonly payload?: unknown; readonly headers?: Readonly<Record<string, unknown>> };
      payload = full?.payload;
      given = full?.headers;
    }
    let hdrs: MsgHdrs | undefined | ValidationError;
    let body: Uint8Array | undefined;
    try {
      hdrs = prepareSend(replySpecs, op.id, 'reply', payload, given, validateSend);
      if (hdrs instanceof ValidationError) throw hdrs;
      body = encodeBody(payload);
      checkSize(nc, op.id, ctx.subjectOf(msg), body, hdrs);
    } catch (error) {
      ctx.report('reply', msg.subject, error);
      // A reply over max_payload would be refused by the client: the caller hears why instead of timing out.
      respondError(
        ctx,
        msg,
        500,
        error instanceof PayloadTooLargeError ? 'reply too large' : 'invalid reply',
        t0,
        trace,
      );
      return;
    }
    respond(ctx, msg, body, hdrs, t0, trace);
  }

  function fail(ctx: Context, msg: Msg, error: unknown, t0: number, trace: Trace | undefined): void {
    if (error instanceof ServiceError) {
      respondError(ctx, msg, error.status, error.message, t0, trace);
      return;
    }
    // The real error stays on the server: it may carry internals the caller must not see.
    ctx.report('handler', msg.subject, error);
    respondError(ctx, msg, 500, 'internal error', t0, trace);
  }

  async function settle(
    ctx: Context,
    msg: Msg,
    pending: PromiseLike<TReply>,
    t0: number,
    trace: Trace | undefined,
  ): Promise<void> {
    try {
      let value: TReply | typeof TIMED_OUT;
      try {
        value =
          ctx.handlerTimeoutMs === undefined
            ? await pending
            : await within(pending, ctx.handlerTimeoutMs, (late) => ctx.report('handler', msg.subject, late));
      } catch (error) {
        fail(ctx, msg, error, t0, trace);
        return;
      }
      if (value === TIMED_OUT) {
        const timeoutMs = ctx.handlerTimeoutMs ?? 0;
        ctx.report('handler', msg.subject, new HandlerTimeoutError(op.id, msg.subject, timeoutMs, 'error-reply'));
        // 504, as an HTTP gateway answers for an upstream that did not answer in time.
        respondError(ctx, msg, 504, `handler timed out after ${timeoutMs} ms`, t0, trace);
        return;
      }
      answer(ctx, msg, value, t0, trace);
    } finally {
      ctx.end();
    }
  }

  return listen(nc, op, args, options, busy, (ctx, msg, t0, trace, routed) => {
    if (!msg.reply) {
      noReplySubject(ctx, msg, t0, trace);
      return;
    }
    const m =
      routed === undefined
        ? checkRequest(ctx, msg, t0, trace, validateReceive)
        : received(ctx, msg, routed.checked.payload, routed.checked.headers, routed.params);
    if (m === undefined) return;
    let result: TReply | Promise<TReply>;
    try {
      result = handler(m as TMsg);
    } catch (error) {
      fail(ctx, msg, error, t0, trace);
      return;
    }
    if (isThenable(result)) {
      ctx.begin();
      void settle(ctx, msg, result, t0, trace);
    } else {
      answer(ctx, msg, result, t0, trace);
    }
  });
}

/** Reports a request that cannot be answered: it has no reply subject. */
export function noReplySubject(ctx: Context, msg: Msg, t0: number, trace: Trace | undefined): void {
  const error = new Error(`message for operation '${ctx.op.id}' on '${msg.subject}' has no reply subject`);
  ctx.report('reply', msg.subject, error);
  ctx.done(msg, t0, trace, 'reply', error);
}

/** Answers a request that found every handler slot taken `503 busy: ...` (`reply` and `replyStream`). */
export function busy(ctx: Context, msg: Msg): void {
  const t0 = performance.now();
  if (!msg.reply) {
    noReplySubject(ctx, msg, t0, undefined);
    return;
  }
  const text = `busy: '${ctx.op.id}' is at its limit of ${plural(ctx.maxInFlight, 'request')} in flight`;
  respondError(ctx, msg, 503, text, t0, undefined);
  ctx.refused();
}

/**
 * Decodes and checks a request (`reply` and `replyStream`): what its handler receives, or undefined
 * once it has been answered 400 (malformed JSON, a bad subject parameter, an invalid payload or headers).
 */
export function checkRequest(
  ctx: Context,
  msg: Msg,
  t0: number,
  trace: Trace | undefined,
  validate: boolean,
): object | undefined {
  const { op } = ctx;
  let payload: unknown;
  try {
    payload = decodeBody(msg);
  } catch {
    respondError(ctx, msg, 400, 'malformed JSON request', t0, trace);
    return undefined;
  }
  const params = paramsOf(op, ctx.fixed, msg);
  if (params instanceof InvalidSubjectParameterError) {
    respondError(ctx, msg, 400, params.message, t0, trace);
    return undefined;
  }
  const checked = checkReceived(op.messages, op.id, 'receive', payload, msg, validate);
  if (checked instanceof ValidationError) {
    const first = checked.issues[0];
    const text = first === undefined ? 'invalid request' : `invalid request: ${formatIssue(first)}`;
    respondError(ctx, msg, 400, text, t0, trace);
    return undefined;
  }
  const disagrees = op.subject.checkMessage?.(params, payload, msg.headers);
  if (disagrees !== undefined) {
    respondError(ctx, msg, 400, disagrees.message, t0, trace);
    return undefined;
  }
  return received(ctx, msg, checked.payload, checked.headers, params);
}

/** Per-registration state shared by the message callbacks; created once per registration. */
export interface Context {
  readonly op: OperationSpec;
  /**
   * For a subscription without wildcards, the one subject every message arrives on and its parameters,
   * worked out once: the hot path then neither decodes the subject nor parses it per message.
   */
  readonly fixed: FixedSubject | undefined;
  /** The subject of `msg` (decoded by the client only when the subscription has wildcards). */
  subjectOf(msg: Msg): string;
  /** The registration's handler limit (`options.maxInFlight`, resolved). */
  readonly maxInFlight: number;
  /** How long an async handler may take before its slot is freed (see {@link handlerTimeout}). */
  readonly handlerTimeoutMs: number | undefined;
  report(kind: ErrorEvent['kind'], subject: string, error: unknown): void;
  /** Counts a handler still running, so the limit holds and drain() can wait for it. */
  begin(): void;
  /** A handler settled: its slot goes to the oldest buffered message, if any. */
  end(): void;
  /** Counts a request refused as busy, for the rate-limited `overflow` report. */
  refused(): void;
  /**
   * A message is finished (handled, refused or failed; `failure` is a status or a failure kind): counts
   * it in the registration's stats, records it for metrics, ends its span. Once per dispatched message.
   */
  done(msg: Msg, t0: number, trace: Trace | undefined, failure?: string | number, error?: unknown): void;
}

/**
 * A message of a shared channel, already decoded, validated and routed to its operation (see
 * {@link Router}): the registration hands `checked` and `params` to its handler without doing it again.
 */
export class Routed {
  constructor(
    readonly msg: Msg,
    readonly checked: Checked,
    readonly params: Record<string, string>,
  ) {}
}

/** How a registration's callback handles one message (`routed`: its shared channel's verdict, if any). */
export type Deliver = (
  ctx: Context,
  msg: Msg,
  t0: number,
  trace: Trace | undefined,
  routed: Routed | undefined,
) => void;

/** One registration's message handling: limits, backlog, reports and stats; fed by a subscription. */
interface Member {
  readonly ctx: Context;
  readonly subject: string;
  readonly queue: string | undefined;
  readonly stats: EndpointStats;
  /** Whether it validates what it receives (`options.validate.receive`). */
  readonly validate: boolean;
  /** A message for this registration: skipped unless its headers match, else started or buffered. */
  accept(msg: Msg, routed?: Routed): void;
  /** Resolves once nothing runs or waits, with the last `overflow` count reported. */
  finish(): Promise<void>;
  /** Discards the buffered messages (running handlers finish). */
  clear(): void;
}

/**
 * Subscribes with the callback form and builds the {@link Handle}; a throw from `deliver` is reported,
 * never rethrown. With every handler slot taken, a message goes to `refuse` when given (requests),
 * else waits in the bounded backlog (core messages). An operation of a shared channel joins the
 * channel's subscription on this connection instead (see {@link Router}).
 */
export function listen(
  nc: NatsConnection,
  op: OperationSpec,
  args: ReceiveArgs,
  options: ServerOptions | undefined,
  refuse: ((ctx: Context, msg: Msg) => void) | undefined,
  deliver: Deliver,
): Handle {
  const member = createMember(op, args, options, refuse, deliver);
  if (op.shared !== undefined) return Router.join(nc, op.shared, member);
  const { ctx, subject, queue } = member;
  const subOptions: SubscriptionOptions = {
    // An error (a refused subscription) also closes the subscription: `closed` below reports it, once.
    callback: (err, msg) => {
      if (err === null) member.accept(msg);
    },
  };
  if (queue !== undefined) subOptions.queue = queue;
  const sub = nc.subscribe(subject, subOptions);
  // The server has the subscription once a PING sent after it is answered.
  const ready = nc.flush().then(() => {
    if (sub.isClosed())
      throw new SubscriptionClosedError(`'${op.id}' on '${subject}' stopped before it was ready`, op.id);
  });
  ready.catch(() => {}); // a rejection nobody awaits must not become an unhandled rejection

  const closed = sub.closed.then(async (err) => {
    if (err instanceof Error) ctx.report('subscription', subject, err);
    await member.finish();
  });
  let draining: Promise<void> | undefined;

  return {
    subject,
    queue,
    closed,
    stats: member.stats,
    ready,
    drain() {
      draining ??= (async () => {
        if (!sub.isClosed() && !nc.isClosed()) {
          try {
            await sub.drain();
          } catch {
            // Closed meanwhile (connection closed or unsubscribed): delivery has stopped either way.
          }
        }
        // Buffered messages were received before delivery stopped: they are processed, not dropped.
        await member.finish();
      })();
      return draining;
    },
    unsubscribe() {
      if (!sub.isClosed() && !nc.isClosed()) sub.unsubscribe();
      // A hard stop: messages that have not started are discarded; running handlers finish.
      member.clear();
    },
  };
}

/** The message handling of one registration (everything but its subscription). */
function createMember(
  op: OperationSpec,
  args: ReceiveArgs,
  options: ServerOptions | undefined,
  refuse: ((ctx: Context, msg: Msg) => void) | undefined,
  deliver: Deliver,
): Member {
  const maxInFlight = limit(options?.maxInFlight, DEFAULT_MAX_IN_FLIGHT, 'maxInFlight', 1);
  const maxPending = limit(options?.maxPending, DEFAULT_MAX_PENDING, 'maxPending', 0);
  const handlerTimeoutMs = handlerTimeout(op, options);
  const params = args.params ?? NO_VALUES;
  const subject = op.subject.subscription(params);
  const fixed = fixedSubject(op, subject);
  const queue = op.queue?.build(args.queue ?? NO_VALUES);
  const match = expectedHeaders(op, args);
  const onError = errorHandler(options);
  const kind: OperationKind = refuse === undefined ? 'subscribe' : 'reply';
  const stats = new EndpointStats();
  const metrics = options?.metrics;
  const tracing = options?.tracing;

  // Core NATS has no flow control: the server pushes every message as it comes, and the client hands
  // each one to this callback at once. So the limit is enforced here, and what cannot start waits in
  // `backlog`, bounded by maxPending, so memory stays bounded. The server's own slow-consumer protection
  // still applies: a process that stops reading its socket (an event loop blocked past the server's
  // write_deadline, 10 s by default) is disconnected without an error message; the client only sees a
  // disconnect and reconnects, so that case cannot be told apart and reported here.
  // The client's `slow` subscription option would not help: nats.js ignores it for callback
  // subscriptions, which never hold pending messages; the backlog is the pending queue, watched below.
  const backlog = new Backlog(maxPending);
  // Half the buffer raises `slow-consumer` while nothing is lost yet; re-armed once back at a quarter.
  // An unbounded buffer still warns, at half the default bound.
  const slowAt = Math.max(
    1,
    Math.ceil((maxPending === Number.POSITIVE_INFINITY ? DEFAULT_MAX_PENDING : maxPending) / 2),
  );
  const rearmAt = Math.floor(slowAt / 2);
  let slowArmed = true;
  let lastSlowReport = Number.NEGATIVE_INFINITY;

  let running = 0;
  let idleWaiters: (() => void)[] = [];
  const ctx: Context = {
    op,
    fixed,
    subjectOf: fixed === undefined ? (msg) => msg.subject : () => fixed.subject,
    maxInFlight,
    handlerTimeoutMs,
    report(kind, errorSubject, error) {
      try {
        onError({ kind, operation: op.id, subject: errorSubject, error });
      } catch (thrown) {
        // onError runs inside the client's read loop: a throw there must not take the connection down.
        console.error(`asyncapi-nats: onError threw for operation '${op.id}':`, thrown);
      }
    },
    begin() {
      running++;
    },
    end() {
      running--;
      if (backlog.length > 0) pump();
      settleIdle();
    },
    refused() {
      overflow.add();
    },
    done(msg, t0, trace, failure, error) {
      finishReceive(stats, metrics, op, kind, ctx.subjectOf, msg, t0, trace, failure, error);
    },
  };
  const overflow = rateLimited((count) => {
    const text =
      refuse === undefined
        ? `'${op.id}' dropped ${plural(count, 'message')}: ${plural(maxInFlight, 'handler')} in flight (maxInFlight) and ${maxPending} waiting (maxPending)`
        : `'${op.id}' refused ${plural(count, 'request')} as busy: ${plural(maxInFlight, 'handler')} in flight (maxInFlight)`;
    ctx.report('overflow', subject, new OverflowError(op.id, text));
  });

  function settleIdle(): void {
    if (running === 0 && backlog.length === 0 && idleWaiters.length > 0) {
      const waiters = idleWaiters;
      idleWaiters = [];
      for (const resolve of waiters) resolve();
    }
  }
  function idle(): Promise<void> {
    if (running === 0 && backlog.length === 0) return Promise.resolve();
    return new Promise((resolve) => {
      idleWaiters.push(resolve);
    });
  }

  function dispatch(msg: Msg, routed: Routed | undefined): void {
    const t0 = performance.now();
    // Without @opentelemetry/api (or with tracing off) this is one comparison and no span.
    const trace = startReceiveSpan(op, kind, subject, msg, tracing);
    try {
      if (trace === undefined) deliver(ctx, msg, t0, undefined, routed);
      else runInTrace(trace, deliver, ctx, msg, t0, trace, routed);
    } catch (error) {
      // Only a schema that throws (a refine or transform) gets here; this runs in the client's read
      // loop, where an exception would break the connection for every subscription.
      ctx.report('validation', msg.subject, error);
      ctx.done(msg, t0, trace, 'validation', error);
    }
  }

  /** Starts buffered messages, oldest first, while slots are free (a sync handler frees its slot at once). */
  function pump(): void {
    while (running < maxInFlight) {
      const next = backlog.shift();
      if (next === undefined) return;
      if (backlog.length <= rearmAt) slowArmed = true;
      if (next instanceof Routed) dispatch(next.msg, next);
      else dispatch(next, undefined);
    }
  }

  function hold(item: Msg | Routed): void {
    if (!backlog.push(item)) {
      overflow.add();
      return;
    }
    if (slowArmed && backlog.length >= slowAt) {
      const now = Date.now();
      if (now - lastSlowReport < REPORT_INTERVAL_MS) return;
      slowArmed = false;
      lastSlowReport = now;
      const pending = backlog.length;
      ctx.report(
        'slow-consumer',
        subject,
        new SlowConsumerError(
          op.id,
          `'${op.id}' is falling behind: ${pending} messages waiting for a handler (maxInFlight ${maxInFlight}, maxPending ${maxPending})`,
        ),
      );
    }
  }

  return {
    ctx,
    subject,
    queue,
    stats,
    validate: options?.validate?.receive !== false,
    accept(msg, routed) {
      if (match !== undefined && !matches(msg.headers, match)) return;
      // The uncontended path is this one comparison. The backlog is only ever non-empty while every
      // slot is taken (a freed slot takes the oldest buffered message at once), so order is kept.
      if (running < maxInFlight) dispatch(msg, routed);
      else if (refuse !== undefined) refuse(ctx, msg);
      else hold(routed ?? msg);
    },
    async finish() {
      await idle();
      overflow.flush();
    },
    clear() {
      backlog.clear();
      settleIdle();
    },
  };
}

/** A shared channel's discriminator values, to look up per message; built once per subscription or worker. */
export function discriminatorValues(shared: SharedChannel): Map<unknown, number> | undefined {
  const discriminator = shared.discriminator;
  return discriminator === undefined ? undefined : new Map(discriminator.values);
}

/**
 * The operation of a shared channel that `payload` belongs to, with its validated message: by the
 * discriminator when the payload has one of its values (validated as `validates(index)` says), else
 * the first operation whose messages accept it (always validated: that is how it is found). When none
 * does, the closest candidate's error (see `closer`).
 */
export function classify(
  shared: SharedChannel,
  byValue: Map<unknown, number> | undefined,
  payload: unknown,
  msg: HeaderSource,
  validates: (index: number) => boolean,
): { index: number; checked: Checked } | ValidationError {
  const operations = shared.operations;
  const discriminator = shared.discriminator;
  if (discriminator !== undefined && typeof payload === 'object' && payload !== null && !Array.isArray(payload)) {
    const index = byValue?.get((payload as Record<string, unknown>)[discriminator.property]);
    const target = index === undefined ? undefined : operations[index];
    if (index !== undefined && target !== undefined) {
      const checked = checkReceived(target.messages, target.id, 'receive', payload, msg, validates(index));
      return checked instanceof ValidationError ? checked : { index, checked };
    }
    // Every message of the channel requires one of these values: no operation could take this one.
    const expected = discriminator.values.map(([value]) => JSON.stringify(value)).join('|');
    return new ValidationError(operations[0]?.id ?? '', 'receive', 'payload', [
      { path: discriminator.property, message: `Invalid option: expected one of ${expected}` },
    ]);
  }
  let closest: ValidationError | undefined;
  for (let index = 0; index < operations.length; index++) {
    const target = operations[index] as SharedChannel['operations'][number];
    const checked = checkReceived(target.messages, target.id, 'receive', payload, msg, true);
    if (!(checked instanceof ValidationError)) return { index, checked };
    closest = closer(closest, checked);
  }
  return closest ?? new ValidationError(operations[0]?.id ?? '', 'receive', 'payload', []);
}

/** The {@link Router}s of each connection: one per shared channel, subscription subject and queue group. */
const routers = new WeakMap<NatsConnection, Set<Router>>();

/**
 * One subscription for the receive operations of a shared channel ({@link SharedChannel}) registered on
 * one connection with the same subject and queue group. Each message is decoded, its subject checked,
 * and routed to the operation whose message it is (by the discriminator property, or the first
 * operation whose messages it validates for); only that registration sees it. So a request is answered
 * once: by its operation's handler; `400` when it fits no operation's message (or its subject or JSON
 * is bad); `501` when its operation is not registered here (also reported, as `unhandled`). Those
 * answers come only when the channel has a reply operation; otherwise such messages are reported.
 * A second registration of an operation already here starts a subscription of its own.
 */
class Router {
  /** Registrations by operation index; undefined: not registered (or gone). */
  private readonly members: (Member | undefined)[];
  /** The registrations that asked to drain, to be let go together (see `drain`). */
  private readonly draining = new Set<Member>();
  /** Per registration still routed to: takes it out of routing (its `closed` follows once it is idle). */
  private readonly leave = new Map<Member, () => void>();
  private readonly sub: Subscription;
  private readonly ready: Promise<void>;
  /** The subscription is ending: no registration may join it any more. */
  private ending = false;
  /** The drain of the subscription, once every registration asked for it. */
  private drained: Promise<void> | undefined;
  /** The discriminator's values, to operation indexes (see `discriminatorValues`). */
  private readonly byValue: Map<unknown, number> | undefined;
  /** One of the channel's operations is a reply: requests no registration takes are answered here. */
  private readonly answers: boolean;

  private constructor(
    private readonly nc: NatsConnection,
    readonly shared: SharedChannel,
    readonly subject: string,
    readonly queue: string | undefined,
  ) {
    this.members = shared.operations.map(() => undefined);
    this.byValue = discriminatorValues(shared);
    this.answers = shared.operations.some((o) => o.reply);
    const subOptions: SubscriptionOptions = {
      // An error also closes the subscription: `closed` below reports it, once.
      callback: (err, msg) => {
        if (err === null) this.route(msg);
      },
    };
    if (queue !== undefined) subOptions.queue = queue;
    this.sub = nc.subscribe(subject, subOptions);
    this.ready = nc.flush().then(() => {
      if (this.sub.isClosed())
        throw new SubscriptionClosedError(`the subscription to '${subject}' stopped before it was ready`);
    });
    this.ready.catch(() => {});
    void this.sub.closed.then((err) => {
      this.ending = true;
      if (err instanceof Error) this.each((m) => m.ctx.report('subscription', subject, err));
      for (const resolve of [...this.leave.values()]) resolve();
    });
  }

  /** Adds `member` to a router of this connection with its subject and queue group (a new one when none has room). */
  static join(nc: NatsConnection, shared: SharedChannel, member: Member): Handle {
    const index = shared.operations.findIndex((o) => o.id === member.ctx.op.id);
    if (index < 0) throw new Error(`internal: operation '${member.ctx.op.id}' is not one of its shared channel's`);
    let set = routers.get(nc);
    if (set === undefined) {
      set = new Set();
      routers.set(nc, set);
    }
    let router: Router | undefined;
    for (const r of set) {
      if (r.shared === shared && r.subject === member.subject && r.queue === member.queue && r.free(index)) {
        router = r;
        break;
      }
    }
    if (router === undefined) {
      const made = new Router(nc, shared, member.subject, member.queue);
      const all = set;
      all.add(made);
      void made.sub.closed.then(() => all.delete(made));
      router = made;
    }
    return router.add(index, member);
  }

  private free(index: number): boolean {
    return !this.ending && this.members[index] === undefined && !this.sub.isClosed();
  }

  private add(index: number, member: Member): Handle {
    this.members[index] = member;
    const left = new Promise<void>((resolve) => {
      this.leave.set(member, () => {
        this.leave.delete(member);
        if (this.members[index] === member) this.members[index] = undefined;
        resolve();
      });
    });
    if (this.ending) this.leave.get(member)?.();
    const closed = left.then(() => member.finish());
    let draining: Promise<void> | undefined;
    return {
      subject: this.subject,
      queue: this.queue,
      closed,
      stats: member.stats,
      ready: this.ready,
      drain: () => {
        draining ??= this.drain(member).then(() => closed);
        return draining;
      },
      unsubscribe: () => {
        this.leave.get(member)?.();
        member.clear();
        this.release();
      },
    };
  }

  /**
   * A registration drains. When every registration still here is draining (a server's `drain()` asks
   * them all in one go, so they are counted a microtask later), the subscription drains, and each
   * processes what arrived for it until then; otherwise this one leaves at once (its messages are then
   * unhandled here) and the others go on.
   */
  private async drain(member: Member): Promise<void> {
    this.draining.add(member);
    await Promise.resolve();
    if (!this.leave.has(member)) return;
    if (this.members.every((m) => m === undefined || this.draining.has(m))) {
      this.drained ??= (async () => {
        this.ending = true;
        if (!this.sub.isClosed() && !this.nc.isClosed()) {
          try {
            await this.sub.drain();
          } catch {
            // Closed meanwhile: delivery has stopped either way.
          }
        }
        for (const resolve of [...this.leave.values()]) resolve();
      })();
      await this.drained;
      return;
    }
    this.leave.get(member)?.();
  }

  /** Ends the subscription once no registration is left. */
  private release(): void {
    if (this.members.some((m) => m !== undefined)) return;
    this.ending = true;
    if (!this.sub.isClosed() && !this.nc.isClosed()) this.sub.unsubscribe();
  }

  private each(f: (m: Member) => void): void {
    for (const m of this.members) if (m !== undefined) f(m);
  }

  /** Decodes, checks and routes one message to its operation's registration, or answers it here. */
  private route(msg: Msg): void {
    const first = this.members.find((m) => m !== undefined);
    if (first === undefined) return;
    const t0 = performance.now();
    const { op, fixed } = first.ctx;
    const params = paramsOf(op, fixed, msg);
    if (params instanceof InvalidSubjectParameterError) {
      this.reject(first, msg, t0, 'validation', params, params.message);
      return;
    }
    let payload: unknown;
    try {
      payload = decodeBody(msg);
    } catch (cause) {
      const error = new DecodeError(op.id, msg.subject, { cause });
      this.reject(first, msg, t0, 'decode', error, 'malformed JSON request');
      return;
    }
    const disagrees = op.subject.checkMessage?.(params, payload, msg.headers);
    if (disagrees !== undefined) {
      this.reject(first, msg, t0, 'validation', disagrees, disagrees.message);
      return;
    }
    const found = this.classify(payload, msg);
    if (found instanceof ValidationError) {
      const owner = this.members[this.shared.operations.findIndex((o) => o.id === found.operation)] ?? first;
      const issue = found.issues[0];
      this.reject(
        owner,
        msg,
        t0,
        'validation',
        found,
        issue === undefined ? 'invalid request' : `invalid request: ${formatIssue(issue)}`,
      );
      return;
    }
    const member = this.members[found.index];
    if (member !== undefined) {
      member.accept(msg, new Routed(msg, found.checked, params));
      return;
    }
    const id = this.shared.operations[found.index]?.id ?? '';
    const error = new UnhandledMessageError(id, msg.subject);
    first.ctx.report('unhandled', msg.subject, error);
    if (this.answers && msg.reply)
      respondError(first.ctx, msg, 501, `operation '${id}' is not served here`, t0, undefined);
    else first.ctx.done(msg, t0, undefined, 'unhandled', error);
  }

  private classify(payload: unknown, msg: Msg): { index: number; checked: Checked } | ValidationError {
    return classify(this.shared, this.byValue, payload, msg, (index) => this.members[index]?.validate ?? true);
  }

  /** A message no registration takes: a request is answered 400 (not reported), others are reported. */
  private reject(
    member: Member,
    msg: Msg,
    t0: number,
    kind: 'decode' | 'validation',
    error: unknown,
    text: string,
  ): void {
    if (this.answers && msg.reply) {
      respondError(member.ctx, msg, 400, text, t0, undefined);
      return;
    }
    member.ctx.report(kind, msg.subject, error);
    member.ctx.done(msg, t0, undefined, kind, error);
  }
}

/** A limit option: `fallback` when absent; an integer of at least `min`, or Infinity, when given. */
function limit(value: number | undefined, fallback: number, name: string, min: number): number {
  if (value === undefined) return fallback;
  if (value === Number.POSITIVE_INFINITY || (Number.isInteger(value) && value >= min)) return value;
  throw new RangeError(`invalid ${name}: ${value} (expected an integer of at least ${min}, or Infinity)`);
}

/**
 * Messages waiting for a handler slot, oldest first, at most `limit` of them: a ring buffer that grows
 * by doubling (so an idle registration holds a few slots, not `limit`) and lets go of its array once
 * emptied after a burst.
 */
class Backlog {
  private items: (Msg | Routed | undefined)[] = [];
  private head = 0;
  /** Messages waiting. */
  length = 0;

  constructor(private readonly limit: number) {}

  /** Appends `msg`; `false` when the backlog is full. */
  push(msg: Msg | Routed): boolean {
    if (this.length >= this.limit) return false;
    if (this.length === this.items.length) this.grow();
    this.items[(this.head + this.length) % this.items.length] = msg;
    this.length++;
    return true;
  }

  /** Removes and returns the oldest message. */
  shift(): Msg | Routed | undefined {
    if (this.length === 0) return undefined;
    const msg = this.items[this.head];
    this.items[this.head] = undefined;
    this.head = (this.head + 1) % this.items.length;
    this.length--;
    if (this.length === 0) {
      this.head = 0;
      if (this.items.length > 1024) this.items = [];
    }
    return msg;
  }

  clear(): void {
    this.items = [];
    this.head = 0;
    this.length = 0;
  }

  private grow(): void {
    const old = this.items;
    const size = Math.min(Math.max(16, old.length * 2), this.limit);
    const items: (Msg | Routed | undefined)[] = new Array(size);
    for (let i = 0; i < this.length; i++) items[i] = old[(this.head + i) % old.length];
    this.items = items;
    this.head = 0;
  }
}

/**
 * Counts events and calls `report` with the count: for the first at once, then at most once per
 * {@link REPORT_INTERVAL_MS} with the count since the last call, so a flood costs one report a second.
 * `flush` reports what is left and stops the timer.
 */
function rateLimited(report: (count: number) => void): { add(): void; flush(): void } {
  let unreported = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  function tick(): void {
    if (unreported === 0) {
      timer = undefined;
      return;
    }
    const count = unreported;
    unreported = 0;
    // Unref'd: a pending report must not keep the process alive; flush() on close delivers it.
    timer = setTimeout(tick, REPORT_INTERVAL_MS).unref();
    report(count);
  }
  return {
    add() {
      unreported++;
      if (timer === undefined) tick();
    },
    flush() {
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
      if (unreported === 0) return;
      const count = unreported;
      unreported = 0;
      report(count);
    },
  };
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

/** Decodes and validates a message for `subscribe`; reports and answers `undefined` on failure. */
function receive(ctx: Context, msg: Msg, validate: boolean, t0: number, trace: Trace | undefined): object | undefined {
  const { op } = ctx;
  const params = paramsOf(ctx.op, ctx.fixed, msg);
  if (params instanceof InvalidSubjectParameterError) {
    ctx.report('validation', msg.subject, params);
    ctx.done(msg, t0, trace, 'validation', params);
    return undefined;
  }
  let payload: unknown;
  try {
    payload = decodeBody(msg);
  } catch (cause) {
    const error = new DecodeError(op.id, msg.subject, { cause });
    ctx.report('decode', msg.subject, error);
    ctx.done(msg, t0, trace, 'decode', error);
    return undefined;
  }
  const checked = checkReceived(op.messages, op.id, 'receive', payload, msg, validate);
  if (checked instanceof ValidationError) {
    ctx.report('validation', msg.subject, checked);
    ctx.done(msg, t0, trace, 'validation', checked);
    return undefined;
  }
  // Only a channel whose parameters the spec locates in the message has this check.
  const disagrees = op.subject.checkMessage?.(params, payload, msg.headers);
  if (disagrees !== undefined) {
    ctx.report('validation', msg.subject, disagrees);
    ctx.done(msg, t0, trace, 'validation', disagrees);
    return undefined;
  }
  return received(ctx, msg, checked.payload, checked.headers, params);
}

/** The subject and parameters of a subscription without wildcards; its messages all arrive on it. */
export interface FixedSubject {
  readonly subject: string;
  readonly params: Readonly<Record<string, string>>;
}

/** {@link FixedSubject} of a subscription to `subject`, or `undefined` when it has a wildcard token. */
export function fixedSubject(op: OperationSpec, subject: string): FixedSubject | undefined {
  if (isPattern(subject)) return undefined;
  const params = op.subject.parse(subject);
  return params === undefined ? undefined : { subject, params };
}

/**
 * The parameters of a message, each message its own object, as if parsed from its subject; the error
 * when a value read from a wildcard subscription's subject breaks the spec's parameter rules (the
 * values of a subscription without wildcards were checked when it was made).
 */
export function paramsOf(
  op: OperationSpec,
  fixed: FixedSubject | undefined,
  msg: { readonly subject: string },
): Record<string, string> | InvalidSubjectParameterError {
  if (fixed !== undefined) return { ...fixed.params };
  const params = op.subject.parse(msg.subject) ?? {};
  const check = op.subject.check;
  return check === undefined ? params : (check(params) ?? params);
}

/** What a handler receives. */
export function received(
  ctx: Context,
  msg: Msg,
  payload: unknown,
  headers: Record<string, unknown>,
  params: Record<string, string>,
): object {
  return { payload, headers, params, subject: ctx.subjectOf(msg), msg };
}

async function settleHandler(
  ctx: Context,
  pending: PromiseLike<void>,
  msg: Msg,
  t0: number,
  trace: Trace | undefined,
): Promise<void> {
  try {
    if (ctx.handlerTimeoutMs === undefined) await pending;
    else if (
      (await within(pending, ctx.handlerTimeoutMs, (late) => ctx.report('handler', ctx.subjectOf(msg), late))) ===
      TIMED_OUT
    ) {
      const subject = ctx.subjectOf(msg);
      const error = new HandlerTimeoutError(ctx.op.id, subject, ctx.handlerTimeoutMs ?? 0, 'released');
      ctx.report('handler', subject, error);
      ctx.done(msg, t0, trace, 'timeout', error);
      return;
    }
    ctx.done(msg, t0, trace);
  } catch (error) {
    ctx.report('handler', ctx.subjectOf(msg), error);
    ctx.done(msg, t0, trace, 'handler', error);
  } finally {
    ctx.end();
  }
}

/**
 * The header values this member expects, computed once. A matchHeaders template may only use concrete
 * values: a wildcard would make every member accept every message, so it throws here, at subscribe time.
 */
function expectedHeaders(op: OperationSpec, args: ReceiveArgs): readonly (readonly [string, string])[] | undefined {
  if (op.matchHeaders === undefined || op.matchHeaders.length === 0) return undefined;
  // build() checks every value at run time and rejects the wildcard symbol with a clear reason.
  const values = { ...args.params, ...args.queue } as Readonly<Record<string, string>>;
  return op.matchHeaders.map(({ header, value }) => [header, value.build(values)] as const);
}

function matches(hdrs: MsgHdrs | undefined, expected: readonly (readonly [string, string])[]): boolean {
  if (hdrs === undefined) return false;
  for (const [header, value] of expected) {
    if (hdrs.get(header) !== value) return false;
  }
  return true;
}

/** Sends the reply; the request is then done (`status` set for an error reply). */
export function respond(
  ctx: Context,
  msg: Msg,
  body: Uint8Array | undefined,
  hdrs: MsgHdrs | undefined,
  t0: number,
  trace: Trace | undefined,
  status?: number,
  description?: string,
): void {
  try {
    msg.respond(body, hdrs === undefined ? undefined : { headers: hdrs });
  } catch (error) {
    // E.g. the connection closed while the handler ran; the caller will time out, the server hears why.
    ctx.report('reply', msg.subject, error);
  }
  ctx.done(msg, t0, trace, status, description);
}

export function respondError(
  ctx: Context,
  msg: Msg,
  status: number,
  description: string,
  t0: number,
  trace: Trace | undefined,
): void {
  respond(ctx, msg, undefined, errorHeaders(status, description), t0, trace, status, description);
}

/**
 * The handler timeout of a registration: `options.handlerTimeoutMs`, else the operation's
 * (`x-nats-handler-timeout-ms`); `undefined` for none (also for `Infinity`). Throws a RangeError for a
 * value that is not a positive whole number of milliseconds (at most 24 days, the timer limit) or Infinity.
 */
export function handlerTimeout(op: OperationSpec, options: ServerOptions | undefined): number | undefined {
  const value = options?.handlerTimeoutMs ?? op.handlerTimeoutMs;
  if (value === undefined || value === Number.POSITIVE_INFINITY) return undefined;
  if (Number.isInteger(value) && value > 0 && value <= MAX_TIMER_MS) return value;
  throw new RangeError(
    `invalid handlerTimeoutMs for '${op.id}': ${value} (expected a positive whole number of milliseconds, or Infinity)`,
  );
}

const MAX_TIMER_MS = 2_147_483_647;

/** What {@link within} resolves with when the time ran out first. */
export const TIMED_OUT: unique symbol = Symbol('timed out');

/**
 * Settles as `pending` does, or resolves {@link TIMED_OUT} after `timeoutMs` (no limit when undefined).
 * A promise cannot be stopped: a rejection that comes after the timeout goes to `late`, a late value is
 * dropped.
 */
export function within<T>(
  pending: PromiseLike<T>,
  timeoutMs: number | undefined,
  late: (error: unknown) => void,
): Promise<T | typeof TIMED_OUT> {
  if (timeoutMs === undefined) return Promise.resolve(pending);
  return new Promise((resolve, reject) => {
    let open = true;
    const timer = setTimeout(() => {
      open = false;
      resolve(TIMED_OUT);
    }, timeoutMs);
    pending.then(
      (value) => {
        if (!open) return;
        open = false;
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        if (!open) {
          late(error);
          return;
        }
        open = false;
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}

/** True for a promise or any object with a `then` method. */
export function isThenable<T>(value: T | PromiseLike<T>): value is PromiseLike<T> {
  return typeof value === 'object' && value !== null && typeof (value as PromiseLike<T>).then === 'function';
}

/** Where a registration's failures go: `onError`, else the `logger`, else one line on stderr. */
export function errorHandler(options: ServerOptions | undefined): (event: ErrorEvent) => void {
  if (options?.onError !== undefined) return options.onError;
  const logger = options?.logger ?? consoleLogger;
  return (event) => logger(errorEventLog(event));
}
