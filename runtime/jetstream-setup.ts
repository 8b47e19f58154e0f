/**
 * JetStream plumbing shared by durable publish and consume: one context per connection (clients,
 * stream cache, publish window), creating or reconciling streams and durable consumers from the spec,
 * and telling transient failures (retry) from definitive ones (give up).
 */
import { createHash } from 'node:crypto';
import {
  AckPolicy,
  type ConsumerConfig,
  type ConsumerInfo,
  DeliverPolicy,
  JetStreamApiCodes,
  JetStreamApiError,
  type JetStreamClient,
  type JetStreamManager,
  jetstream,
  jetstreamManager,
  RetentionPolicy,
  StorageType,
  type StreamConfig,
  type StreamInfo,
  type StreamUpdateConfig,
} from '@nats-io/jetstream';
import { errors, type NatsConnection } from '@nats-io/transport-node';
import { StreamSetupError } from './errors.js';
import { type Wildcard, wildcard } from './subject.js';
import type { ConsumerSpec, DurableSpec, StreamSpec } from './types.js';

/** Per-connection JetStream state, created on first use and dropped with the connection. */
export interface JsContext {
  readonly js: JetStreamClient;
  manager(): Promise<JetStreamManager>;
  /** Setup promises by stream key, so each stream is checked once per connection. */
  readonly streams: Map<string, Promise<void>>;
  /** Both streams of a durable spec ready: the hot path's one lookup. */
  readonly ready: WeakMap<DurableSpec, Promise<void>>;
  /** Durable specs whose `ready` promise has resolved: a publish then sends without waiting a turn. */
  readonly settled: WeakSet<DurableSpec>;
  /** The durable publish window of this connection. */
  readonly window: Window;
}

const contexts = new WeakMap<NatsConnection, JsContext>();

/** The JetStream context of `nc`, created on first use. */
export function jsContext(nc: NatsConnection): JsContext {
  let ctx = contexts.get(nc);
  if (ctx === undefined) {
    let manager: Promise<JetStreamManager> | undefined;
    ctx = {
      js: jetstream(nc),
      // checkAPI: false skips an account-info round trip; the first real call reports a missing JetStream.
      manager: () => {
        manager ??= jetstreamManager(nc, { checkAPI: false });
        return manager;
      },
      streams: new Map(),
      ready: new WeakMap(),
      settled: new WeakSet(),
      window: new Window(),
    };
    contexts.set(nc, ctx);
  }
  return ctx;
}

/**
 * FIFO counting semaphore: at most `limit` holders; later callers queue in arrival order. The fast
 * path (a free slot, nobody waiting) allocates nothing. Each caller brings its own limit, because
 * `maxPendingAcks` is a per-call option over a per-connection window.
 */
export class Window {
  private active = 0;
  private queue: ({ readonly limit: number; readonly resolve: () => void } | undefined)[] = [];
  private head = 0;

  /** Holders right now. */
  get size(): number {
    return this.active;
  }

  /** Takes a slot: `undefined` when one was free at once, else a promise that resolves with the slot. */
  acquire(limit: number): Promise<void> | undefined {
    if (this.head === this.queue.length && this.active < limit) {
      this.active++;
      return undefined;
    }
    return new Promise((resolve) => {
      this.queue.push({ limit, resolve });
    });
  }

  /** Gives a slot back and hands free slots to the waiters at the head of the queue. */
  release(): void {
    this.active--;
    while (this.head < this.queue.length) {
      const next = this.queue[this.head];
      if (next === undefined || this.active >= next.limit) break;
      this.queue[this.head++] = undefined;
      this.active++;
      next.resolve();
    }
    if (this.head === this.queue.length) {
      this.queue.length = 0;
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
  }
}

const NANOS_PER_MS = 1_000_000;

/** Milliseconds as the nanoseconds JetStream configs use. */
export function nanos(ms: number): number {
  return Math.round(ms * NANOS_PER_MS);
}

/**
 * Whether `error` is a failure of the transport or of JetStream's availability (timeout, no
 * responders, a dropped connection, a 503 from the API) that a later attempt may not meet.
 * Anything else (the server refused, a closed connection, a bad argument) is definitive.
 */
export function isTransient(error: unknown): boolean {
  if (error instanceof TransientError) return true;
  const inner = error instanceof errors.RequestError && error.cause instanceof Error ? error.cause : error;
  if (inner instanceof errors.TimeoutError || inner instanceof errors.NoRespondersError) return true;
  if (error instanceof errors.RequestError && error.isNoResponders()) return true;
  if (inner instanceof errors.ConnectionError) return true;
  if (error instanceof JetStreamApiError) return error.status === 503;
  // The JetStream client's answer to "no responders" (no stream yet, JetStream restarting), a class it does
  // not export: recognised by name and by its cause, a request that nobody answered.
  if (error instanceof Error && error.name === 'JetStreamNotEnabled') return isTransient(error.cause);
  return false;
}

/** A failure worth another attempt that the client does not report itself (e.g. a disconnect mid-request). */
export class TransientError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'TransientError';
  }
}

function isApiError(error: unknown, code: number): boolean {
  return error instanceof JetStreamApiError && error.code === code;
}

/** Stream-already-exists (a racing creator); the API code the client does not name. */
const STREAM_NAME_IN_USE = 10058;

/** Transient failures pass through for a retry; anything else becomes a {@link StreamSetupError}. */
function setupFailure(error: unknown, stream: string, consumer: string | undefined, doing: string): unknown {
  if (error instanceof StreamSetupError || isTransient(error)) return error;
  const reason = error instanceof Error ? error.message : String(error);
  return new StreamSetupError(stream, consumer, `${doing} failed: ${reason}`, { cause: error });
}

/**
 * Makes sure the operation's stream and its dead-letter stream exist and match the spec, once per
 * connection (the setup promise is cached; a failed setup is forgotten so the next call retries).
 * `force` re-checks, e.g. after a memory stream vanished with a server restart.
 */
export function ensureStreams(ctx: JsContext, durable: DurableSpec, force = false): Promise<void> {
  let ready = force ? undefined : ctx.ready.get(durable);
  if (ready === undefined) {
    ctx.settled.delete(durable);
    const dlq = durable.deadLetter;
    const main = cached(ctx, durable.stream.name, force, () => setupStream(ctx, durable.stream));
    const dead = cached(ctx, deadLetterKey(dlq), force, () => setupDeadLetterStream(ctx, durable.stream, dlq));
    const created = Promise.all([main, dead]).then(() => undefined);
    ready = created;
    ctx.ready.set(durable, created);
    created.then(
      () => {
        if (ctx.ready.get(durable) === created) ctx.settled.add(durable);
      },
      () => {
        if (ctx.ready.get(durable) === created) ctx.ready.delete(durable);
      },
    );
  }
  return ready;
}

/** Checks (and repairs) a durable spec's streams without replacing the cached setup, so nothing waits on it. */
export function recheckStreams(ctx: JsContext, durable: DurableSpec): Promise<void> {
  return Promise.all([
    setupStream(ctx, durable.stream),
    setupDeadLetterStream(ctx, durable.stream, durable.deadLetter),
  ]).then(() => undefined);
}

function deadLetterKey(dlq: DurableSpec['deadLetter']): string {
  return `${dlq.stream}\u0000${dlq.subject}`;
}

function cached(ctx: JsContext, key: string, force: boolean, setup: () => Promise<void>): Promise<void> {
  let pending = force ? undefined : ctx.streams.get(key);
  if (pending === undefined) {
    const created = setup();
    pending = created;
    ctx.streams.set(key, created);
    created.catch(() => {
      if (ctx.streams.get(key) === created) ctx.streams.delete(key);
    });
  }
  return pending;
}

async function streamInfo(jsm: JetStreamManager, name: string, consumer?: string): Promise<StreamInfo | undefined> {
  try {
    return await jsm.streams.info(name);
  } catch (error) {
    if (isApiError(error, JetStreamApiCodes.StreamNotFound)) return undefined;
    throw setupFailure(error, name, consumer, 'stream info');
  }
}

async function addStream(
  jsm: JetStreamManager,
  config: Partial<StreamConfig> & { name: string },
): Promise<StreamInfo | undefined> {
  try {
    await jsm.streams.add(config);
    return undefined;
  } catch (error) {
    // Another process created it between our info and add: reconcile with what it made.
    if (isApiError(error, STREAM_NAME_IN_USE)) {
      const info = await streamInfo(jsm, config.name);
      if (info !== undefined) return info;
    }
    throw setupFailure(error, config.name, undefined, 'creating the stream');
  }
}

async function updateStream(jsm: JetStreamManager, name: string, changes: Partial<StreamUpdateConfig>): Promise<void> {
  try {
    await jsm.streams.update(name, changes);
  } catch (error) {
    throw setupFailure(error, name, undefined, `updating ${Object.keys(changes).join(', ')}`);
  }
}

/**
 * Creates the stream from the spec, or brings an existing one in line: subjects become exactly the
 * spec's (not a union: a stream capturing more than declared would swallow other channels' messages),
 * and the limits the spec states are set. Retention and storage cannot change on a live stream, so a
 * mismatch there, when the spec states them, is a {@link StreamSetupError}.
 */
async function setupStream(ctx: JsContext, spec: StreamSpec): Promise<void> {
  const jsm = await ctx.manager();
  let info = await streamInfo(jsm, spec.name);
  if (info === undefined) {
    const config: Partial<StreamConfig> & { name: string } = {
      name: spec.name,
      subjects: [...spec.subjects],
      storage: spec.storage === 'memory' ? StorageType.Memory : StorageType.File,
      num_replicas: spec.replicas ?? 1,
      retention: retentionOf(spec.retention),
    };
    if (spec.duplicateWindowMs !== undefined) config.duplicate_window = nanos(spec.duplicateWindowMs);
    if (spec.maxAgeMs !== undefined) config.max_age = nanos(spec.maxAgeMs);
    info = await addStream(jsm, config);
    if (info === undefined) return;
  }
  const have = info.config;
  if (spec.retention !== undefined && have.retention !== retentionOf(spec.retention)) {
    throw new StreamSetupError(
      spec.name,
      undefined,
      `exists with retention '${have.retention}', the spec says '${spec.retention}' (retention cannot change)`,
    );
  }
  if (spec.storage !== undefined && have.storage !== spec.storage) {
    throw new StreamSetupError(
      spec.name,
      undefined,
      `exists with storage '${have.storage}', the spec says '${spec.storage}' (storage cannot change)`,
    );
  }
  const changes: Partial<StreamUpdateConfig> = {};
  let changed = false;
  if (!sameSet(have.subjects ?? [], spec.subjects)) {
    changes.subjects = [...spec.subjects];
    changed = true;
  }
  if (spec.replicas !== undefined && have.num_replicas !== spec.replicas) {
    changes.num_replicas = spec.replicas;
    changed = true;
  }
  if (spec.duplicateWindowMs !== undefined && have.duplicate_window !== nanos(spec.duplicateWindowMs)) {
    changes.duplicate_window = nanos(spec.duplicateWindowMs);
    changed = true;
  }
  if (spec.maxAgeMs !== undefined && have.max_age !== nanos(spec.maxAgeMs)) {
    changes.max_age = nanos(spec.maxAgeMs);
    changed = true;
  }
  if (changed) await updateStream(jsm, spec.name, changes);
}

/**
 * The dead-letter stream: limits retention, the main stream's storage and replicas, capturing exactly
 * the dead-letter subject. One dead-letter stream may serve several operations (each its own subject),
 * so an existing stream only gets the subject added when none of its subjects covers it.
 */
async function setupDeadLetterStream(ctx: JsContext, main: StreamSpec, dlq: DurableSpec['deadLetter']): Promise<void> {
  const jsm = await ctx.manager();
  let info = await streamInfo(jsm, dlq.stream);
  if (info === undefined) {
    info = await addStream(jsm, {
      name: dlq.stream,
      subjects: [dlq.subject],
      storage: main.storage === 'memory' ? StorageType.Memory : StorageType.File,
      num_replicas: main.replicas ?? 1,
      retention: RetentionPolicy.Limits,
    });
    if (info === undefined) return;
  }
  const subjects = info.config.subjects ?? [];
  if (subjects.some((pattern) => subjectMatches(pattern, dlq.subject))) return;
  await updateStream(jsm, dlq.stream, { subjects: [...subjects, dlq.subject] });
}

function retentionOf(retention: StreamSpec['retention']): RetentionPolicy {
  if (retention === 'workqueue') return RetentionPolicy.Workqueue;
  if (retention === 'interest') return RetentionPolicy.Interest;
  return RetentionPolicy.Limits;
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  const set = new Set(a);
  return b.every((s) => set.has(s));
}

/** Whether NATS pattern `pattern` (`*`, trailing `>`) matches the literal subject `subject`. */
export function subjectMatches(pattern: string, subject: string): boolean {
  const want = pattern.split('.');
  const have = subject.split('.');
  for (let i = 0; i < want.length; i++) {
    const token = want[i];
    if (token === '>') return have.length > i;
    if (i >= have.length || (token !== '*' && token !== have[i])) return false;
  }
  return want.length === have.length;
}

/** Resolved consumer settings of one `consume` call. */
export interface ConsumerSettings {
  readonly stream: string;
  readonly name: string;
  readonly filter: string;
  readonly ackWaitMs: number;
  readonly maxInFlight: number;
}

/**
 * Creates the durable pull consumer, or updates an existing one to the settings: explicit acks, the
 * filter subject, `ack_wait`, unlimited server-side deliveries (the runtime counts deliveries itself and
 * dead-letters: a server-side `max_deliver` would strand a message whose dead-lettering failed on its
 * last delivery), and `max_ack_pending` at least `maxInFlight`. Returns the consumer's info.
 */
export async function ensureConsumer(ctx: JsContext, settings: ConsumerSettings): Promise<ConsumerInfo> {
  const jsm = await ctx.manager();
  const { stream, name } = settings;
  let info: ConsumerInfo | undefined;
  try {
    info = await jsm.consumers.info(stream, name);
  } catch (error) {
    if (!isApiError(error, JetStreamApiCodes.ConsumerNotFound)) {
      throw setupFailure(error, stream, name, 'consumer info');
    }
  }
  if (info === undefined) {
    const config: Partial<ConsumerConfig> = {
      durable_name: name,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      filter_subject: settings.filter,
      ack_wait: nanos(settings.ackWaitMs),
      max_deliver: -1,
      max_ack_pending: Math.max(DEFAULT_MAX_ACK_PENDING, settings.maxInFlight),
    };
    try {
      return await jsm.consumers.add(stream, config);
    } catch (error) {
      // A second worker may have created it a moment ago; then reconcile with the one it made.
      try {
        info = await jsm.consumers.info(stream, name);
      } catch {
        throw setupFailure(error, stream, name, 'creating the consumer');
      }
    }
  }
  const have = info.config;
  if (have.ack_policy !== AckPolicy.Explicit) {
    throw new StreamSetupError(
      stream,
      name,
      `exists with ack policy '${have.ack_policy}', explicit acks are required (the policy cannot change)`,
    );
  }
  if (have.deliver_subject !== undefined && have.deliver_subject !== '') {
    throw new StreamSetupError(stream, name, 'exists as a push consumer, a pull consumer is required');
  }
  const changes: Partial<ConsumerConfig> = {};
  let changed = false;
  if ((have.filter_subject ?? '') !== settings.filter) {
    changes.filter_subject = settings.filter;
    changed = true;
  }
  if (have.ack_wait !== nanos(settings.ackWaitMs)) {
    changes.ack_wait = nanos(settings.ackWaitMs);
    changed = true;
  }
  if (have.max_deliver !== undefined && have.max_deliver > 0) {
    changes.max_deliver = -1;
    changed = true;
  }
  const pending = have.max_ack_pending;
  if (pending !== undefined && pending > 0 && pending < settings.maxInFlight) {
    changes.max_ack_pending = settings.maxInFlight;
    changed = true;
  }
  if (!changed) return info;
  try {
    return await jsm.consumers.update(stream, name, changes);
  } catch (error) {
    throw setupFailure(error, stream, name, `updating ${Object.keys(changes).join(', ')}`);
  }
}

/** The server's own default, kept when the handler limit is lower, so several workers can share a consumer. */
const DEFAULT_MAX_ACK_PENDING = 1000;

const NAME_UNSAFE = /[^A-Za-z0-9_-]/g;
const MAX_NAME_LENGTH = 200;

/**
 * The durable consumer name for a subscription: the spec's name, plus the subject parameter values
 * when any is concrete (`orders_acme`), so each filter gets its own consumer. Characters JetStream
 * names cannot hold (`.` `*` `>` `/` `\` whitespace, anything outside `[A-Za-z0-9_-]`) become `_`, and
 * then a short hash of the exact values is appended so different values never share a name.
 */
export function consumerName(
  spec: ConsumerSpec,
  parameters: readonly string[],
  params: Readonly<Record<string, string | Wildcard>>,
): string {
  let concrete = false;
  const values = parameters.map((name) => {
    const value = params[name];
    if (value === wildcard || value === undefined) return '*';
    concrete = true;
    return value;
  });
  const raw = concrete ? `${spec.durable}_${values.join('_')}` : spec.durable;
  const safe = raw.replace(NAME_UNSAFE, '_');
  if (safe === raw && safe.length <= MAX_NAME_LENGTH) return safe;
  // Values cannot contain '.', so joining them with it keys the hash unambiguously.
  const hash = createHash('sha256')
    .update(`${spec.durable}\u0000${values.join('.')}`)
    .digest('hex')
    .slice(0, 8);
  return `${safe.slice(0, MAX_NAME_LENGTH)}_${hash}`;
}
