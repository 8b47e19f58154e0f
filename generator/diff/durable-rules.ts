/**
 * `x-nats-jetstream` rules: a channel stored in a stream, the durable consumer its receivers share,
 * where the message id comes from, where dead letters go. What the runtime does with each setting
 * (runtime/jetstream-setup.ts, runtime/jetstream-consume.ts) decides its class:
 *
 * - what old and new processes must agree on to talk at all (stream name, subjects, retention,
 *   storage, consumer name, message id source, dead-letter subject and stream): breaking.
 * - limits (replicas, duplicate window, max age, max deliver, backoff): weaker than before (fewer
 *   copies, a shorter window or age, fewer or quicker retries) is breaking, since receivers lose
 *   what the old version promised them; stronger is not. The runtime applies stream limits to the
 *   existing stream when a process connects, and each worker counts deliveries itself.
 * - ack wait: non-breaking either way: the runtime keeps a message in progress while its handler
 *   runs, so the wait only decides how soon the message of a worker that died comes back.
 */
import type { DurableModel, OperationModel } from '../model/types.js';
import { type At, type Findings, inBoth, inNew, inOld } from './findings.js';
import { child } from './pointer.js';

const JS = 'x-nats-jetstream';

/** The NATS server's duplicate window when a stream states none (2 minutes). */
export const SERVER_DEFAULT_DUPLICATE_WINDOW_MS = 120_000;
/** The runtime's settings when the spec states none (runtime/jetstream-consume.ts). */
export const RUNTIME_DEFAULT_ACK_WAIT_MS = 30_000;
export const RUNTIME_DEFAULT_MAX_DELIVER = 5;
export const RUNTIME_DEFAULT_BACKOFF_MS: readonly number[] = [1_000, 5_000, 15_000];

/** A value in a message: strings in single quotes, the rest as JSON, `none` when absent. */
function quote(value: unknown): string {
  if (value === undefined) return 'none';
  return typeof value === 'string' ? `'${value}'` : JSON.stringify(value);
}

/** Where an operation's durable settings are: the channel's or the operation's `x-nats-jetstream`. */
function durableOwner(d: DurableModel, op: OperationModel): string {
  return d.location.pointer.startsWith('/channels/') ? `channel '${op.channel}'` : `operation '${op.id}'`;
}

/** Compares the durable settings of one operation in both versions. */
export function compareDurable(o: OperationModel, n: OperationModel, out: Findings): void {
  const a = o.durable;
  const b = n.durable;
  if (!a && !b) return;
  // Every key of the extension is compared below (through the model): its raw edits are explained.
  const covers: At[] = [...inBoth(child(o.location.pointer, JS), child(n.location.pointer, JS))];
  if (a) covers.push(inOld(a.location.pointer));
  if (b) covers.push(inNew(b.location.pointer));
  out.explain(...covers);
  if (!a || !b) {
    durabilityChanged(o, n, covers, out);
    return;
  }
  const ctx: Context = { a, b, n, covers, out };
  for (const setting of SETTINGS) compareSetting(ctx, setting);
}

function durabilityChanged(o: OperationModel, n: OperationModel, covers: readonly At[], out: Findings): void {
  const a = o.durable;
  const b = n.durable;
  const d = (b ?? a) as DurableModel;
  const owner = durableOwner(d, b ? n : o);
  out.add({
    kind: 'breaking',
    rule: 'nats-durability-changed',
    message: b
      ? `${owner} is now stored in JetStream stream '${b.stream.name}'`
      : `${owner} is no longer stored in JetStream (was stream '${a?.stream.name}')`,
    at: b ? inNew(b.location.pointer) : inOld(d.location.pointer),
    covers,
    before: a?.stream.name,
    after: b?.stream.name,
    help: b
      ? 'during a rollout old workers (core subscription) and new workers (durable consumer) each get a copy of every message, and the generated publish becomes async; switch every receiver at once'
      : 'messages still in the stream are never delivered, and during a rollout old (durable) and new (core) workers each get a copy of every message; drain the stream and switch every receiver at once',
  });
}

interface Context {
  readonly a: DurableModel;
  readonly b: DurableModel;
  readonly n: OperationModel;
  readonly covers: readonly At[];
  readonly out: Findings;
}

/** How a setting's change is classified: always breaking, or by whether the new value is weaker. */
type Verdict =
  | { readonly kind: 'identity'; readonly help: string }
  | {
      readonly kind: 'limit';
      /** True when `after` gives receivers less than `before` did. */
      readonly weaker: (before: unknown, after: unknown) => boolean;
      /** What a weaker value costs. */
      readonly cost: string;
      readonly help: string;
    }
  | { readonly kind: 'informational'; readonly why: string };

/** One setting of the extension. */
interface Setting {
  readonly rule: string;
  /** `the retention of stream 'S' of channel 'c'`. */
  readonly what: (ctx: Context) => string;
  /** Where the key is written: on the stream's (channel's) extension or the operation's. */
  readonly on: 'stream' | 'operation';
  readonly key: string;
  readonly read: (d: DurableModel) => unknown;
  readonly verdict: Verdict;
  /** What an absent value means, for messages (`the server's default 120000`). */
  readonly absent?: string;
}

const streamOf = (ctx: Context) => `stream '${ctx.b.stream.name}' of ${durableOwner(ctx.b, ctx.n)}`;
const operation = (ctx: Context) => `operation '${ctx.n.id}'`;

const RECONCILED =
  'the runtime applies it to the existing stream when a new process connects (an old process that reconnects sets it back until every process runs the new version)';
const RECREATE =
  'JetStream cannot change it on an existing stream, and the runtime refuses to start against a stream that differs (StreamSetupError): recreate the stream, moving its messages, while every process is stopped';
const PER_WORKER = 'each worker applies its own value, so during a rollout old and new workers differ';

/** Number settings where less is weaker; `missing` is what an absent value means. */
function lessIsWeaker(missing: number): (before: unknown, after: unknown) => boolean {
  const value = (v: unknown) => (typeof v === 'number' ? v : missing);
  return (before, after) => value(after) < value(before);
}

/** A backoff schedule is weaker when any redelivery comes sooner than before (the last delay repeats). */
function quickerBackoff(before: unknown, after: unknown): boolean {
  const schedule = (v: unknown) =>
    Array.isArray(v) && v.length > 0 ? (v as number[]) : (RUNTIME_DEFAULT_BACKOFF_MS as number[]);
  const x = schedule(before);
  const y = schedule(after);
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const was = x[Math.min(i, x.length - 1)] as number;
    const now = y[Math.min(i, y.length - 1)] as number;
    if (now < was) return true;
  }
  return false;
}

/** Every setting, grouped by concern: the stream's identity, its limits, dead letters, the consumer, the message id. */
const SETTINGS: readonly Setting[] = [
  {
    rule: 'nats-stream-changed',
    what: (ctx) => `the JetStream stream of ${durableOwner(ctx.b, ctx.n)}`,
    on: 'stream',
    key: 'stream',
    read: (d) => d.stream.name,
    verdict: {
      kind: 'identity',
      help: 'the new stream starts empty: messages still in the old one are not delivered to the new consumers; drain it first',
    },
  },
  {
    rule: 'nats-stream-changed',
    what: (ctx) => `the subjects of ${streamOf(ctx)}`,
    on: 'stream',
    key: 'subjects',
    read: (d) => d.stream.subjects,
    verdict: {
      kind: 'identity',
      help: `the runtime sets the stream's subjects to exactly the spec's when a process connects, so old and new processes keep resetting them; until every process runs the new version, publishes to subjects the stream does not capture fail`,
    },
  },
  {
    rule: 'nats-stream-changed',
    what: (ctx) => `the retention of ${streamOf(ctx)}`,
    on: 'stream',
    key: 'retention',
    read: (d) => d.stream.retention,
    verdict: { kind: 'identity', help: RECREATE },
  },
  {
    rule: 'nats-stream-changed',
    what: (ctx) => `the storage of ${streamOf(ctx)}`,
    on: 'stream',
    key: 'storage',
    read: (d) => d.stream.storage,
    verdict: { kind: 'identity', help: RECREATE },
  },
  {
    rule: 'nats-stream-limits-changed',
    what: (ctx) => `the replicas of ${streamOf(ctx)}`,
    on: 'stream',
    key: 'replicas',
    read: (d) => d.stream.replicas,
    verdict: {
      kind: 'limit',
      weaker: lessIsWeaker(1),
      cost: 'fewer copies: a server failure can lose messages the old setting kept',
      help: RECONCILED,
    },
  },
  {
    rule: 'nats-stream-limits-changed',
    what: (ctx) => `the duplicate window of ${streamOf(ctx)}`,
    on: 'stream',
    key: 'duplicate-window-ms',
    absent: `the server's default ${SERVER_DEFAULT_DUPLICATE_WINDOW_MS}`,
    read: (d) => d.stream.duplicateWindowMs,
    verdict: {
      kind: 'limit',
      weaker: lessIsWeaker(SERVER_DEFAULT_DUPLICATE_WINDOW_MS),
      cost: 'a publisher retry that comes later than the new window is stored twice, so its message is handled twice',
      help: RECONCILED,
    },
  },
  {
    rule: 'nats-stream-limits-changed',
    what: (ctx) => `the max age of ${streamOf(ctx)}`,
    on: 'stream',
    key: 'max-age-ms',
    absent: 'no limit',
    read: (d) => d.stream.maxAgeMs,
    verdict: {
      kind: 'limit',
      weaker: lessIsWeaker(Infinity),
      cost: 'messages expire sooner: a receiver that is down for longer than the new age loses them',
      help: RECONCILED,
    },
  },
  {
    rule: 'nats-dead-letter-changed',
    what: (ctx) => `the dead-letter subject of ${streamOf(ctx)}`,
    on: 'stream',
    key: 'dead-letter',
    read: (d) => d.deadLetter.subject,
    verdict: {
      kind: 'identity',
      help: 'whatever reads dead letters must follow; letters already stored stay where they are, and old workers keep using the old subject until they are gone',
    },
  },
  {
    rule: 'nats-dead-letter-changed',
    what: (ctx) => `the dead-letter stream of ${streamOf(ctx)}`,
    on: 'stream',
    key: 'dead-letter-stream',
    read: (d) => d.deadLetter.stream,
    verdict: {
      kind: 'identity',
      help: 'whatever reads dead letters must follow; letters already stored stay in the old stream',
    },
  },
  {
    rule: 'nats-consumer-changed',
    what: (ctx) => `the durable consumer of ${operation(ctx)}`,
    on: 'operation',
    key: 'consumer',
    read: (d) => d.consumer?.durable,
    verdict: {
      kind: 'identity',
      help: 'the new consumer starts apart from the old one: messages pending on the old consumer are not delivered to new workers (on a workqueue stream the server refuses the second consumer)',
    },
  },
  {
    rule: 'nats-delivery-changed',
    what: (ctx) => `ack-wait-ms of ${operation(ctx)}`,
    on: 'operation',
    key: 'ack-wait-ms',
    absent: `the runtime's default ${RUNTIME_DEFAULT_ACK_WAIT_MS}`,
    read: (d) => d.consumer?.ackWaitMs,
    verdict: {
      kind: 'informational',
      why: 'the runtime keeps a message in progress while its handler runs, so this only changes how soon the message of a worker that died is delivered again; the runtime applies it to the existing consumer',
    },
  },
  {
    rule: 'nats-delivery-changed',
    what: (ctx) => `max-deliver of ${operation(ctx)}`,
    on: 'operation',
    key: 'max-deliver',
    absent: `the runtime's default ${RUNTIME_DEFAULT_MAX_DELIVER}`,
    read: (d) => d.consumer?.maxDeliver,
    verdict: {
      kind: 'limit',
      weaker: lessIsWeaker(RUNTIME_DEFAULT_MAX_DELIVER),
      cost: 'messages are dead-lettered after fewer attempts, including ones a later attempt would have handled',
      help: PER_WORKER,
    },
  },
  {
    rule: 'nats-delivery-changed',
    what: (ctx) => `backoff-ms of ${operation(ctx)}`,
    on: 'operation',
    key: 'backoff-ms',
    absent: `the runtime's default ${JSON.stringify(RUNTIME_DEFAULT_BACKOFF_MS)}`,
    read: (d) => d.consumer?.backoffMs,
    verdict: {
      kind: 'limit',
      weaker: quickerBackoff,
      cost: 'some redeliveries come sooner, so a failure that lasts a while uses up the attempts faster and dead-letters messages the old schedule would have retried past it',
      help: PER_WORKER,
    },
  },
  {
    rule: 'nats-message-id-changed',
    what: (ctx) => `the message id source of ${operation(ctx)}`,
    on: 'operation',
    key: 'message-id',
    read: (d) => d.messageId,
    verdict: {
      kind: 'identity',
      help: "old and new publishers give the same message different ids, so the stream's duplicate detection lets both through",
    },
  },
];

function compareSetting(ctx: Context, s: Setting): void {
  const before = s.read(ctx.a);
  const after = s.read(ctx.b);
  if (JSON.stringify(before) === JSON.stringify(after)) return;
  const at = s.on === 'stream' ? child(ctx.b.location.pointer, s.key) : child(ctx.n.location.pointer, JS, s.key);
  const shown = (v: unknown) => (v === undefined && s.absent !== undefined ? `none (${s.absent})` : quote(v));
  const changed = `${s.what(ctx)} changed from ${shown(before)} to ${shown(after)}`;
  const v = s.verdict;
  const base = { rule: s.rule, at: inNew(at), covers: ctx.covers, before, after };
  if (v.kind === 'identity') {
    ctx.out.add({ ...base, kind: 'breaking', message: changed, help: v.help });
  } else if (v.kind === 'informational') {
    ctx.out.add({ ...base, kind: 'non-breaking', message: `${changed}; ${v.why}` });
  } else if (v.weaker(before, after)) {
    ctx.out.add({ ...base, kind: 'breaking', message: `${changed}: weaker; ${v.cost}`, help: v.help });
  } else {
    ctx.out.add({ ...base, kind: 'non-breaking', message: `${changed}: stronger`, help: v.help });
  }
}
