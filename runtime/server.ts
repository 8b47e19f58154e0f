/** The receiving side: `subscribe` and `reply`. */
import type { Msg, MsgHdrs, NatsConnection, Subscription, SubscriptionOptions } from '@nats-io/transport-node';
import {
  type Checked,
  checkReceived,
  checkSize,
  decodeBody,
  encodeBody,
  errorHeaders,
  NO_VALUES,
  prepareSend,
} from './codec.js';
import {
  DecodeError,
  formatIssue,
  HandlerTimeoutError,
  InvalidSubjectParameterError,
  PayloadTooLargeError,
  ServiceError,
  SubscriptionClosedError,
  UnhandledMessageError,
  ValidationError,
} from './errors.js';
import {
  DEFAULT_MAX_IN_FLIGHT,
  DEFAULT_MAX_PENDING,
  errorHandler,
  handlerTimeout,
  isThenable,
  limit,
  plural,
  ReceiveCore,
  TIMED_OUT,
  within,
} from './receive-core.js';
import { classify, discriminatorValues, type FixedSubject, fixedSubject, paramsOf } from './receive-message.js';
import { EndpointStats } from './service.js';
import { finishReceive, type OperationKind, runInTrace, startReceiveSpan, type Trace } from './telemetry.js';
import type { ErrorEvent, Handle, OperationSpec, ReceiveArgs, ServerOptions, SharedChannel } from './types.js';

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
    const m = checkRequest(ctx, msg, t0, trace, validateReceive, routed);
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
 * A request of a shared channel (`routed`) was decoded and checked when it was routed.
 */
export function checkRequest(
  ctx: Context,
  msg: Msg,
  t0: number,
  trace: Trace | undefined,
  validate: boolean,
  routed: Routed | undefined,
): object | undefined {
  if (routed !== undefined) return received(ctx, msg, routed.checked.payload, routed.checked.headers, routed.params);
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

/**
 * Per-registration state shared by the message callbacks; created once per registration. A sibling
 * module that registers through {@link listen} (a streaming reply) takes a slot with `begin` for work
 * that outlives the callback and frees it with `end` when that work ends: it counts in `maxInFlight`,
 * and a drain waits for it.
 */
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
  /**
   * Takes a slot for work still running after the callback returned (a handler's promise, a stream),
   * so the limit holds and drain() can wait for it.
   */
  begin(): void;
  /** That work ended: its slot goes to the oldest buffered message, if any. */
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
  const kind: OperationKind = refuse === undefined ? 'subscribe' : 'reply';
  const stats = new EndpointStats();
  const metrics = options?.metrics;
  const tracing = options?.tracing;

  // Core NATS has no flow control: the server pushes every message as it comes, and the client hands
  // each one to this callback at once. So the limit is enforced here, and what cannot start waits in
  // the core's backlog, bounded by maxPending, so memory stays bounded. The server's own slow-consumer
  // protection still applies: a process that stops reading its socket (an event loop blocked past the
  // server's write_deadline, 10 s by default) is disconnected without an error message; the client only
  // sees a disconnect and reconnects, so that case cannot be told apart and reported here.
  // The client's `slow` subscription option would not help: nats.js ignores it for callback
  // subscriptions, which never hold pending messages; the backlog is the pending queue, watched there.
  const core = new ReceiveCore<Msg | Routed>({
    operation: op.id,
    subject,
    maxInFlight,
    maxPending,
    onError: errorHandler(options),
    freed: pump,
    ...(refuse === undefined
      ? {}
      : {
          overflowText: (count: number) =>
            `'${op.id}' refused ${plural(count, 'request')} as busy: ${plural(maxInFlight, 'handler')} in flight (maxInFlight)`,
        }),
  });
  const ctx: Context = {
    op,
    fixed,
    subjectOf: fixed === undefined ? (msg) => msg.subject : () => fixed.subject,
    maxInFlight,
    handlerTimeoutMs,
    report(kind, errorSubject, error) {
      core.report(kind, errorSubject, error);
    },
    begin() {
      core.begin();
    },
    end() {
      core.end();
    },
    refused() {
      core.refused();
    },
    done(msg, t0, trace, failure, error) {
      finishReceive(stats, metrics, op, kind, ctx.subjectOf, msg, t0, trace, failure, error);
    },
  };

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
    for (let next = core.next(); next !== undefined; next = core.next()) {
      if (next instanceof Routed) dispatch(next.msg, next);
      else dispatch(next, undefined);
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
      if (!core.full) dispatch(msg, routed);
      else if (refuse !== undefined) refuse(ctx, msg);
      else core.wait(routed ?? msg);
    },
    finish() {
      return core.finish();
    },
    clear() {
      core.clear();
    },
  };
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

/** What a handler receives. */
function received(
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
