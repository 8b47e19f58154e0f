/** The receiving side: `subscribe` and `reply`. */
import type { Msg, MsgHdrs, NatsConnection, SubscriptionOptions } from '@nats-io/transport-node';
import { checkReceived, decodeBody, encodeBody, errorHeaders, NO_VALUES, prepareSend } from './codec.js';
import { DecodeError, formatIssue, ServiceError, ValidationError } from './errors.js';
import type { ErrorEvent, Handle, OperationSpec, ReceiveArgs, ServerOptions } from './types.js';

/**
 * Subscribes `handler` to the operation's subject (with its queue group, if any). Each message is
 * decoded, its declared headers read, both validated; failures go to `options.onError` and the handler
 * is not called. A handler that throws or rejects is reported too; the subscription keeps running.
 * Throws {@link InvalidSubjectParameterError} at once for a bad parameter.
 */
export function subscribe<TMsg>(
  nc: NatsConnection,
  op: OperationSpec,
  args: ReceiveArgs,
  handler: (m: TMsg) => void | Promise<void>,
  options?: ServerOptions,
): Handle {
  const validate = options?.validate?.receive !== false;
  return listen(nc, op, args, options, (ctx, msg) => {
    const subject = msg.subject;
    const m = receive(ctx, msg, validate);
    if (m === undefined) return;
    let result: void | Promise<void>;
    try {
      result = handler(m as TMsg);
    } catch (error) {
      ctx.report('handler', subject, error);
      return;
    }
    if (isThenable(result)) {
      ctx.begin();
      void settleHandler(ctx, result, subject);
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

  function answer(ctx: Context, msg: Msg, value: unknown): void {
    let payload = value;
    let given: Readonly<Record<string, unknown>> | undefined;
    if (withHeaders) {
      const full = value as { readonly payload?: unknown; readonly headers?: Readonly<Record<string, unknown>> };
      payload = full?.payload;
      given = full?.headers;
    }
    let hdrs: MsgHdrs | undefined | ValidationError;
    let body: string | undefined;
    try {
      hdrs = prepareSend(replySpecs, op.id, 'reply', payload, given, validateSend);
      if (hdrs instanceof ValidationError) throw hdrs;
      body = encodeBody(payload);
    } catch (error) {
      ctx.report('reply', msg.subject, error);
      respondError(ctx, msg, 500, 'invalid reply');
      return;
    }
    respond(ctx, msg, body, hdrs);
  }

  function fail(ctx: Context, msg: Msg, error: unknown): void {
    if (error instanceof ServiceError) {
      respondError(ctx, msg, error.status, error.message);
      return;
    }
    // The real error stays on the server: it may carry internals the caller must not see.
    ctx.report('handler', msg.subject, error);
    respondError(ctx, msg, 500, 'internal error');
  }

  async function settle(ctx: Context, msg: Msg, pending: PromiseLike<TReply>): Promise<void> {
    try {
      let value: TReply;
      try {
        value = await pending;
      } catch (error) {
        fail(ctx, msg, error);
        return;
      }
      answer(ctx, msg, value);
    } finally {
      ctx.end();
    }
  }

  return listen(nc, op, args, options, (ctx, msg) => {
    if (!msg.reply) {
      ctx.report(
        'reply',
        msg.subject,
        new Error(`message for operation '${op.id}' on '${msg.subject}' has no reply subject`),
      );
      return;
    }
    let payload: unknown;
    try {
      payload = decodeBody(msg);
    } catch {
      respondError(ctx, msg, 400, 'malformed JSON request');
      return;
    }
    const checked = checkReceived(op.messages, op.id, 'receive', payload, msg.headers, validateReceive);
    if (checked instanceof ValidationError) {
      const first = checked.issues[0];
      respondError(ctx, msg, 400, first === undefined ? 'invalid request' : `invalid request: ${formatIssue(first)}`);
      return;
    }
    let result: TReply | Promise<TReply>;
    try {
      result = handler(received(op, msg, checked.payload, checked.headers) as TMsg);
    } catch (error) {
      fail(ctx, msg, error);
      return;
    }
    if (isThenable(result)) {
      ctx.begin();
      void settle(ctx, msg, result);
    } else {
      answer(ctx, msg, result);
    }
  });
}

/** Per-subscription state shared by the message callbacks; created once per subscription. */
interface Context {
  readonly op: OperationSpec;
  report(kind: ErrorEvent['kind'], subject: string, error: unknown): void;
  /** Counts a handler still running, so drain() can wait for it. */
  begin(): void;
  end(): void;
}

/** Subscribes with the callback form and builds the {@link Handle}; a throw from `deliver` is reported, never rethrown. */
function listen(
  nc: NatsConnection,
  op: OperationSpec,
  args: ReceiveArgs,
  options: ServerOptions | undefined,
  deliver: (ctx: Context, msg: Msg) => void,
): Handle {
  const params = args.params ?? NO_VALUES;
  const subject = op.subject.subscription(params);
  const queue = op.queue?.build(args.queue ?? NO_VALUES);
  const match = expectedHeaders(op, args);
  const onError = options?.onError ?? logError;

  let running = 0;
  let idleWaiters: (() => void)[] = [];
  const ctx: Context = {
    op,
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
      if (running === 0 && idleWaiters.length > 0) {
        const waiters = idleWaiters;
        idleWaiters = [];
        for (const resolve of waiters) resolve();
      }
    },
  };
  function idle(): Promise<void> {
    if (running === 0) return Promise.resolve();
    return new Promise((resolve) => {
      idleWaiters.push(resolve);
    });
  }

  const subOptions: SubscriptionOptions = {
    callback: (err, msg) => {
      if (err !== null) {
        ctx.report('subscription', subject, err);
        return;
      }
      if (match !== undefined && !matches(msg.headers, match)) return;
      try {
        deliver(ctx, msg);
      } catch (error) {
        // Only a schema that throws (a refine or transform) gets here; this runs in the client's read
        // loop, where an exception would break the connection for every subscription.
        ctx.report('validation', msg.subject, error);
      }
    },
  };
  if (queue !== undefined) subOptions.queue = queue;
  const sub = nc.subscribe(subject, subOptions);

  const closed = sub.closed.then(async (err) => {
    if (err instanceof Error) ctx.report('subscription', subject, err);
    await idle();
  });
  let draining: Promise<void> | undefined;

  return {
    subject,
    queue,
    closed,
    drain() {
      draining ??= (async () => {
        if (!sub.isClosed() && !nc.isClosed()) {
          try {
            await sub.drain();
          } catch {
            // Closed meanwhile (connection closed or unsubscribed): delivery has stopped either way.
          }
        }
        await idle();
      })();
      return draining;
    },
    unsubscribe() {
      if (!sub.isClosed() && !nc.isClosed()) sub.unsubscribe();
    },
  };
}

/** Decodes and validates a message for `subscribe`; reports and answers `undefined` on failure. */
function receive(ctx: Context, msg: Msg, validate: boolean): object | undefined {
  const { op } = ctx;
  let payload: unknown;
  try {
    payload = decodeBody(msg);
  } catch (cause) {
    ctx.report('decode', msg.subject, new DecodeError(op.id, msg.subject, { cause }));
    return undefined;
  }
  const checked = checkReceived(op.messages, op.id, 'receive', payload, msg.headers, validate);
  if (checked instanceof ValidationError) {
    ctx.report('validation', msg.subject, checked);
    return undefined;
  }
  return received(op, msg, checked.payload, checked.headers);
}

function received(op: OperationSpec, msg: Msg, payload: unknown, headers: Record<string, unknown>): object {
  const subject = msg.subject;
  return { payload, headers, params: op.subject.parse(subject) ?? {}, subject, msg };
}

async function settleHandler(ctx: Context, pending: PromiseLike<void>, subject: string): Promise<void> {
  try {
    await pending;
  } catch (error) {
    ctx.report('handler', subject, error);
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

function respond(ctx: Context, msg: Msg, body: string | undefined, hdrs: MsgHdrs | undefined): void {
  try {
    msg.respond(body, hdrs === undefined ? undefined : { headers: hdrs });
  } catch (error) {
    // E.g. the connection closed while the handler ran; the caller will time out, the server hears why.
    ctx.report('reply', msg.subject, error);
  }
}

function respondError(ctx: Context, msg: Msg, status: number, description: string): void {
  respond(ctx, msg, undefined, errorHeaders(status, description));
}

function isThenable<T>(value: T | PromiseLike<T>): value is PromiseLike<T> {
  return typeof value === 'object' && value !== null && typeof (value as PromiseLike<T>).then === 'function';
}

/** Default onError: one concise line per failure. */
function logError(event: ErrorEvent): void {
  const message = event.error instanceof Error ? event.error.message : String(event.error);
  console.error(
    `asyncapi-nats: ${event.kind} error in operation '${event.operation}' on '${event.subject}': ${message}`,
  );
}
