/**
 * The receive core: what every receiving registration shares, whatever feeds it (a core NATS
 * subscription, a JetStream pull, a long-lived stream). Handler slots (`maxInFlight`), taken by
 * `begin` and freed by `end` for any work that holds one (a handler's promise, a durable message until
 * its ack is sent, a stream until it ends); the work waiting for a slot, oldest first, in a bounded
 * backlog with rate-limited `overflow` and `slow-consumer` reports; the idle waiters a drain awaits;
 * failures reported to `onError`, never thrown back into the client's read loop. Also the handler
 * timeout every kind of registration applies.
 */
import { OverflowError, SlowConsumerError } from './errors.js';
import { consoleLogger, errorEventLog } from './telemetry.js';
import type { ErrorEvent, OperationSpec, ServerOptions } from './types.js';

/** Handler slots of a registration without `options.maxInFlight`. */
export const DEFAULT_MAX_IN_FLIGHT = 64;
/** Items that may wait for a slot without `options.maxPending`. */
export const DEFAULT_MAX_PENDING = 10_000;
/** After the first, `overflow` and `slow-consumer` reports come at most this often (overflow with a count). */
const REPORT_INTERVAL_MS = 1_000;

/** What a {@link ReceiveCore} is for; resolved once per registration. */
export interface ReceiveCoreSettings {
  /** The operation's id, in every report. */
  readonly operation: string;
  /** The registration's subject (its subscription or filter), in the reports about it as a whole. */
  readonly subject: string;
  /** Slots: how many pieces of work may run at once. */
  readonly maxInFlight: number;
  /** How many items may wait for a slot through {@link ReceiveCore.wait} (Infinity: no bound). */
  readonly maxPending: number;
  readonly onError: (event: ErrorEvent) => void;
  /**
   * Called each time a slot frees, before the idle waiters are told: starts waiting work (see
   * {@link ReceiveCore.next}), or wakes a loop that waits for a slot.
   */
  readonly freed: () => void;
  /**
   * The text of an `overflow` report of `count` items refused (see {@link ReceiveCore.refused}); by
   * default, of `count` messages dropped with the backlog full.
   */
  readonly overflowText?: (count: number) => string;
}

/**
 * The slots, backlog, idle waiters and reports of one registration. `begin`/`end` count work whatever
 * it is, so the limit holds and a drain waits for it: a handler's promise, a message until its
 * settlement is sent, or a long-lived stream until it ends. Work that holds no slot but must end before
 * the registration is idle (a durable worker's acks awaiting their confirmation) is counted apart, by
 * `beginTrailing`/`endTrailing`.
 */
export class ReceiveCore<T> {
  readonly maxInFlight: number;
  /** Slots taken. */
  private running = 0;
  /** Work that holds no slot and that {@link ReceiveCore.idle} still waits for. */
  private trailing = 0;
  private readonly waiting: Backlog<T>;
  private idleWaiters: (() => void)[] = [];
  private readonly settings: ReceiveCoreSettings;
  private readonly overflow: RateLimited;
  /** Half the backlog raises `slow-consumer` while nothing is lost yet; re-armed once back at a quarter. */
  private readonly slowAt: number;
  private readonly rearmAt: number;
  private slowArmed = true;
  private lastSlowReport = Number.NEGATIVE_INFINITY;

  constructor(settings: ReceiveCoreSettings) {
    this.settings = settings;
    this.maxInFlight = settings.maxInFlight;
    const maxPending = settings.maxPending;
    this.waiting = new Backlog(maxPending);
    // An unbounded backlog still warns, at half the default bound.
    this.slowAt = Math.max(
      1,
      Math.ceil((maxPending === Number.POSITIVE_INFINITY ? DEFAULT_MAX_PENDING : maxPending) / 2),
    );
    this.rearmAt = Math.floor(this.slowAt / 2);
    this.overflow = rateLimited((count) => {
      const text =
        settings.overflowText?.(count) ??
        `'${settings.operation}' dropped ${plural(count, 'message')}: ${plural(this.maxInFlight, 'handler')} in flight (maxInFlight) and ${maxPending} waiting (maxPending)`;
      this.report('overflow', settings.subject, new OverflowError(settings.operation, text));
    });
  }

  /** Every slot is taken. */
  get full(): boolean {
    return this.running >= this.maxInFlight;
  }

  /** Items waiting for a slot. */
  get pending(): number {
    return this.waiting.length;
  }

  /** Takes a slot (the caller checked {@link ReceiveCore.full}, or starts what {@link ReceiveCore.next} gave). */
  begin(): void {
    this.running++;
  }

  /** Frees a slot: `freed` hands it on, then idle waiters hear of it when nothing is left. */
  end(): void {
    this.running--;
    this.settings.freed();
    this.settleIdle();
  }

  /** Counts work that holds no slot but that a drain waits for. */
  beginTrailing(): void {
    this.trailing++;
  }

  endTrailing(): void {
    this.trailing--;
    this.settleIdle();
  }

  /**
   * Puts an item in the backlog until a slot frees: beyond `maxPending` it is dropped and reported as
   * `overflow` (the first at once, then at most once a second with the count); half a backlog of waiting
   * items is reported as `slow-consumer`.
   */
  wait(item: T): void {
    if (!this.waiting.push(item)) {
      this.overflow.add();
      return;
    }
    if (this.slowArmed && this.waiting.length >= this.slowAt) this.slowConsumer();
  }

  /** Puts an item in the backlog without reports (for a caller whose backlog is bounded by other means). */
  park(item: T): void {
    this.waiting.push(item);
  }

  /** The oldest waiting item when a slot is free (the caller starts it); `undefined` otherwise. */
  next(): T | undefined {
    if (this.running >= this.maxInFlight) return undefined;
    const item = this.waiting.shift();
    if (item !== undefined && this.waiting.length <= this.rearmAt) this.slowArmed = true;
    return item;
  }

  /** The oldest waiting item, slot or not: for a caller that settles it without a handler. */
  shift(): T | undefined {
    return this.waiting.shift();
  }

  /** Discards the waiting items (running work finishes). */
  clear(): void {
    this.waiting.clear();
    this.settleIdle();
  }

  /** Counts an item refused because every slot was taken, for the rate-limited `overflow` report. */
  refused(): void {
    this.overflow.add();
  }

  /** Resolves once nothing runs, trails or waits. */
  idle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => {
      this.idleWaiters.push(resolve);
    });
  }

  /** {@link ReceiveCore.idle}, then the last `overflow` count is reported. */
  async finish(): Promise<void> {
    await this.idle();
    this.overflow.flush();
  }

  /** Reports a failure to `onError`; a throw from `onError` is logged, never rethrown. */
  report(kind: ErrorEvent['kind'], subject: string, error: unknown): void {
    const operation = this.settings.operation;
    try {
      this.settings.onError({ kind, operation, subject, error });
    } catch (thrown) {
      // onError runs inside the client's read loop: a throw there must not take the connection down.
      console.error(`asyncapi-nats: onError threw for operation '${operation}':`, thrown);
    }
  }

  private isIdle(): boolean {
    return this.running === 0 && this.trailing === 0 && this.waiting.length === 0;
  }

  private settleIdle(): void {
    if (this.idleWaiters.length > 0 && this.isIdle()) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const resolve of waiters) resolve();
    }
  }

  private slowConsumer(): void {
    const now = Date.now();
    if (now - this.lastSlowReport < REPORT_INTERVAL_MS) return;
    this.slowArmed = false;
    this.lastSlowReport = now;
    const { operation, subject, maxPending } = this.settings;
    const text = `'${operation}' is falling behind: ${this.waiting.length} messages waiting for a handler (maxInFlight ${this.maxInFlight}, maxPending ${maxPending})`;
    this.report('slow-consumer', subject, new SlowConsumerError(operation, text));
  }
}

/**
 * Items waiting for a slot, oldest first, at most `limit` of them: a ring buffer that grows by doubling
 * (so an idle registration holds a few entries, not `limit`) and lets go of its array once emptied after
 * a burst.
 */
export class Backlog<T> {
  private items: (T | undefined)[] = [];
  private head = 0;
  /** Items waiting. */
  length = 0;

  constructor(private readonly limit: number) {}

  /** Appends `item`; `false` when the backlog is full. */
  push(item: T): boolean {
    if (this.length >= this.limit) return false;
    if (this.length === this.items.length) this.grow();
    this.items[(this.head + this.length) % this.items.length] = item;
    this.length++;
    return true;
  }

  /** Removes and returns the oldest item. */
  shift(): T | undefined {
    if (this.length === 0) return undefined;
    const item = this.items[this.head];
    this.items[this.head] = undefined;
    this.head = (this.head + 1) % this.items.length;
    this.length--;
    if (this.length === 0) {
      this.head = 0;
      if (this.items.length > 1024) this.items = [];
    }
    return item;
  }

  clear(): void {
    this.items = [];
    this.head = 0;
    this.length = 0;
  }

  private grow(): void {
    const old = this.items;
    const size = Math.min(Math.max(16, old.length * 2), this.limit);
    const items: (T | undefined)[] = new Array(size);
    for (let i = 0; i < this.length; i++) items[i] = old[(this.head + i) % old.length];
    this.items = items;
    this.head = 0;
  }
}

/** Counts events for a report that comes at most once per {@link REPORT_INTERVAL_MS} (see {@link rateLimited}). */
export interface RateLimited {
  add(): void;
  /** Reports what is left and stops the timer. */
  flush(): void;
}

/**
 * Counts events and calls `report` with the count: for the first at once, then at most once per
 * {@link REPORT_INTERVAL_MS} with the count since the last call, so a flood costs one report a second.
 */
export function rateLimited(report: (count: number) => void): RateLimited {
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

export function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

/** A limit option: `fallback` when absent; an integer of at least `min`, or Infinity, when given. */
export function limit(value: number | undefined, fallback: number, name: string, min: number): number {
  if (value === undefined) return fallback;
  if (value === Number.POSITIVE_INFINITY || (Number.isInteger(value) && value >= min)) return value;
  throw new RangeError(`invalid ${name}: ${value} (expected an integer of at least ${min}, or Infinity)`);
}

/** Where a registration's failures go: `onError`, else the `logger`, else one line on stderr. */
export function errorHandler(options: ServerOptions | undefined): (event: ErrorEvent) => void {
  if (options?.onError !== undefined) return options.onError;
  const logger = options?.logger ?? consoleLogger;
  return (event) => logger(errorEventLog(event));
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
