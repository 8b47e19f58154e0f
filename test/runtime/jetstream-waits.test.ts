/**
 * Nothing waits silently (issue 21, item 4) on the durable side: a handler that never settles is timed
 * out (its slot freed, its message nakked for redelivery or dead-lettered on its last delivery); a
 * consumer that can never be created makes `ready` reject (a conflicting consumer, permissions that deny
 * creating the stream, a server without JetStream); a worker that receives nothing while it has free
 * slots reports a `ConsumerStalledError`, and again when it resumes. All against real nats-server.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { AckPolicy, type JetStreamManager, jetstreamManager } from '@nats-io/jetstream';
import { connect as natsConnect } from '@nats-io/transport-node';
import { afterAll, afterEach, beforeAll, describe, expect, inject, test } from 'vitest';
import {
  ConsumerStalledError,
  connect,
  consume,
  DeadLetterError,
  type DurableReceivedMessage,
  durablePublish,
  type ErrorEvent,
  type Handle,
  HandlerTimeoutError,
  type NatsConnection,
  type OperationSpec,
  StreamSetupError,
  subjectTemplate,
  wildcard,
  z,
} from '../../runtime/index.js';
import { type NatsProcess, startServer } from '../harness/servers.js';
import { uniquePrefix, waitFor } from '../harness/util.js';
import { reportLine } from '../reliability/helpers.js';

const Job = z.object({ id: z.string() });
type Received = DurableReceivedMessage<z.infer<typeof Job>, Record<string, never>, { tenant: string }>;

let nc: NatsConnection;
let jsm: JetStreamManager;
const streams = new Set<string>();
const handles: Handle[] = [];
const servers: NatsProcess[] = [];
const connections: NatsConnection[] = [];

beforeAll(async () => {
  nc = await natsConnect({ servers: inject('natsUrl') });
  jsm = await jetstreamManager(nc);
});
afterEach(async () => {
  for (const handle of handles.splice(0)) handle.unsubscribe();
  for (const c of connections.splice(0)) await c.close().catch(() => {});
  for (const s of servers.splice(0)) await s.dispose();
  for (const name of streams) await jsm.streams.delete(name).catch(() => false);
  streams.clear();
});
afterAll(async () => {
  await nc?.close();
});

/** A durable operation on its own subjects and streams (deleted after the test). */
function jobOp(extra: Partial<OperationSpec> = {}, consumer: { maxDeliver?: number; backoffMs?: number[] } = {}) {
  const p = uniquePrefix();
  streams.add(`S_${p}`);
  streams.add(`DLQ_${p}`);
  const op: OperationSpec = {
    id: 'runJob',
    subject: subjectTemplate(`${p}.jobs.{tenant}`),
    messages: [{ name: 'Job', payload: Job }],
    durable: {
      stream: { name: `S_${p}`, subjects: [`${p}.jobs.>`], storage: 'memory' },
      consumer: { durable: 'workers', backoffMs: [50], maxDeliver: 5, ...consumer },
      messageId: { payload: ['id'] },
      deadLetter: { subject: `${p}.dead`, stream: `DLQ_${p}` },
    },
    ...extra,
  };
  return { op, prefix: p, stream: `S_${p}`, dlq: `DLQ_${p}` };
}

function track(handle: Handle): Handle {
  handles.push(handle);
  return handle;
}

const send = (connection: NatsConnection, op: OperationSpec, id: string) =>
  durablePublish(connection, op, { params: { tenant: 'acme' }, payload: { id } });

function timeouts(events: readonly ErrorEvent[]): HandlerTimeoutError[] {
  return events.flatMap((e) => (e.kind === 'handler' && e.error instanceof HandlerTimeoutError ? [e.error] : []));
}

function stalls(events: readonly ErrorEvent[]): ConsumerStalledError[] {
  return events.flatMap((e) => (e.kind === 'consumer' && e.error instanceof ConsumerStalledError ? [e.error] : []));
}

describe('durable handler timeout', () => {
  test('durable handler timeout - a handler that never settles frees its slot, is reported, and its message is nakked and redelivered', async () => {
    const { op } = jobOp({ handlerTimeoutMs: 300 });
    const events: ErrorEvent[] = [];
    const seen: { id: string; delivery: number; at: number }[] = [];
    const t0 = Date.now();
    track(
      consume<Received>(
        nc,
        op,
        { params: { tenant: wildcard } },
        (m) => {
          seen.push({ id: m.payload.id, delivery: m.deliveryCount, at: Date.now() - t0 });
          // The first delivery of 'stuck' never settles; everything else is done at once.
          if (m.payload.id === 'stuck' && m.deliveryCount === 1) return new Promise<void>(() => {});
          return Promise.resolve();
        },
        { maxInFlight: 1, onError: (e) => events.push(e) },
      ),
    );
    await send(nc, op, 'stuck');
    await send(nc, op, 'next');
    await waitFor('the stuck message redelivered and handled', () =>
      seen.some((s) => s.id === 'stuck' && s.delivery === 2),
    );
    await waitFor('the next message handled', () => seen.some((s) => s.id === 'next'));
    // With one slot, 'next' could only run once the stuck handler's slot was freed by its timeout.
    const next = seen.find((s) => s.id === 'next');
    const again = seen.find((s) => s.id === 'stuck' && s.delivery === 2);
    reportLine(
      `handler timeout (durable): a handler that never settles, timeout 300 ms, maxInFlight 1: the next message started ` +
        `after ${next?.at} ms, the stuck one was nakked and redelivered (delivery 2) after ${again?.at} ms`,
    );
    expect(next?.at).toBeGreaterThanOrEqual(300);
    const [timedOut, ...more] = timeouts(events);
    expect(more).toEqual([]);
    expect(timedOut).toBeInstanceOf(HandlerTimeoutError);
    expect(timedOut?.code).toBe('HANDLER_TIMEOUT');
    expect(timedOut?.outcome).toBe('nak');
    expect(timedOut?.timeoutMs).toBe(300);
    expect(timedOut?.message).toBe(
      `handler of 'runJob' on '${op.subject.build({ tenant: 'acme' })}' did not settle within 300 ms: nakked for redelivery`,
    );
    // Both acked in the end: nothing awaits an ack (the last ack may still be on its way).
    let pending = -1;
    for (let i = 0; i < 50 && pending !== 0; i++) {
      pending = (await jsm.consumers.info(op.durable?.stream.name ?? '', 'workers')).num_ack_pending;
      if (pending !== 0) await sleep(20);
    }
    expect(pending).toBe(0);
  });

  test('durable handler timeout - on its last delivery a timed-out message is dead-lettered (max-deliveries)', async () => {
    const { op, dlq } = jobOp({ handlerTimeoutMs: 200 }, { maxDeliver: 2 });
    const events: ErrorEvent[] = [];
    let calls = 0;
    track(
      consume<Received>(
        nc,
        op,
        { params: { tenant: wildcard } },
        () => {
          calls++;
          return new Promise<void>(() => {});
        },
        { onError: (e) => events.push(e) },
      ),
    );
    await send(nc, op, 'hangs');
    await waitFor('a dead letter', () => events.some((e) => e.kind === 'dead-letter'), 5_000);
    expect(calls).toBe(2);
    expect(timeouts(events).map((e) => e.outcome)).toEqual(['nak', 'dead-letter']);
    const dead = events.find((e) => e.kind === 'dead-letter')?.error;
    expect(dead).toBeInstanceOf(DeadLetterError);
    expect((dead as DeadLetterError).reason).toBe('max-deliveries');
    expect((dead as DeadLetterError).stored).toBe(true);
    expect((await jsm.streams.info(dlq)).state.messages).toBe(1);
  });

  test('durable handler timeout - options.handlerTimeoutMs overrides the spec; Infinity turns it off; a bad value is a RangeError', async () => {
    const { op } = jobOp({ handlerTimeoutMs: 60_000 });
    const events: ErrorEvent[] = [];
    track(
      consume<Received>(nc, op, { params: { tenant: wildcard } }, () => new Promise<void>(() => {}), {
        handlerTimeoutMs: 100,
        onError: (e) => events.push(e),
      }),
    );
    await send(nc, op, 'a');
    await waitFor('a timeout after 100 ms', () => timeouts(events).length > 0, 3_000);
    expect(timeouts(events)[0]?.timeoutMs).toBe(100);

    const off = jobOp({ handlerTimeoutMs: 100 });
    const quiet: ErrorEvent[] = [];
    let done = 0;
    track(
      consume<Received>(
        nc,
        off.op,
        { params: { tenant: wildcard } },
        async () => {
          await sleep(400);
          done++;
        },
        { handlerTimeoutMs: Number.POSITIVE_INFINITY, onError: (e) => quiet.push(e) },
      ),
    );
    await send(nc, off.op, 'slow');
    await waitFor('the slow handler done', () => done === 1, 3_000);
    expect(quiet).toEqual([]);
    expect(() => consume(nc, op, { params: { tenant: wildcard } }, () => {}, { handlerTimeoutMs: 0 })).toThrow(
      new RangeError(
        "invalid handlerTimeoutMs for 'runJob': 0 (expected a positive whole number of milliseconds, or Infinity)",
      ),
    );
  });
});

describe('durable consumer that cannot be created', () => {
  test('durable ready - a conflicting consumer (ack policy none) rejects ready with StreamSetupError; the worker retries and recovers once it is removed', async () => {
    const { op, stream } = jobOp();
    await jsm.streams.add({
      name: stream,
      subjects: op.durable?.stream.subjects as string[],
      storage: 'memory' as never,
    });
    await jsm.consumers.add(stream, { durable_name: 'workers', ack_policy: AckPolicy.None });
    const events: ErrorEvent[] = [];
    const handled: string[] = [];
    const t0 = Date.now();
    const handle = track(
      consume<Received>(nc, op, { params: { tenant: wildcard } }, (m) => void handled.push(m.payload.id), {
        onError: (e) => events.push(e),
      }),
    );
    const error = await handle.ready.then(
      () => undefined,
      (e: unknown) => e,
    );
    const rejectedAfter = Date.now() - t0;
    expect(rejectedAfter).toBeLessThan(2_000);
    expect(error).toBeInstanceOf(StreamSetupError);
    expect((error as StreamSetupError).message).toBe(
      `consumer 'workers' of stream '${stream}': exists with ack policy 'none', explicit acks are required (the policy cannot change)`,
    );
    expect(events[0]?.kind).toBe('consumer');
    // An operator fixes it: the worker, still retrying, creates its consumer and consumes.
    await jsm.consumers.delete(stream, 'workers');
    await send(nc, op, 'after-fix');
    const fixedAt = Date.now();
    await waitFor('the message after the fix handled', () => handled.includes('after-fix'), 10_000);
    reportLine(
      `ready (conflicting consumer): rejected with StreamSetupError after ${rejectedAfter} ms; once the conflict was ` +
        `removed the still-retrying worker handled a new message ${Date.now() - fixedAt} ms later`,
    );
  });

  test('durable ready - permissions that deny creating the stream reject ready with StreamSetupError at once', async () => {
    const server = await startServer({
      config: `authorization { users = [ { user: w, password: w, permissions: { publish: { allow: [">"], deny: ["$JS.API.STREAM.CREATE.>"] }, subscribe: { allow: [">"] } } } ] }`,
    });
    servers.push(server);
    const worker = await connect({
      servers: server.url,
      credentials: { user: 'w', password: 'w' },
      retry: { attempts: 3 },
    });
    connections.push(worker);
    const { op, stream } = jobOp();
    const events: ErrorEvent[] = [];
    const t0 = Date.now();
    const handle = track(
      consume(worker, op, { params: { tenant: wildcard } }, () => {}, { onError: (e) => events.push(e) }),
    );
    const error = await handle.ready.then(
      () => undefined,
      (e: unknown) => e,
    );
    reportLine(
      `ready (stream creation denied by permissions): rejected with StreamSetupError after ${Date.now() - t0} ms`,
    );
    expect(error).toBeInstanceOf(StreamSetupError);
    expect((error as Error).message).toBe(
      `stream '${stream}': creating the stream failed: Permissions Violation for Publish to "$JS.API.STREAM.CREATE.${stream}"`,
    );
    expect(events.map((e) => e.kind)).toContain('consumer');
  });

  test('durable ready - a server without JetStream: a stall is reported after 3 s and ready rejects after 15 s with ConsumerStalledError', {
    timeout: 30_000,
  }, async () => {
    const server = await startServer({ jetstream: false });
    servers.push(server);
    const worker = await connect({ servers: server.url, retry: { attempts: 3 } });
    connections.push(worker);
    const { op, stream } = jobOp();
    const events: ErrorEvent[] = [];
    const t0 = Date.now();
    const handle = track(
      consume(worker, op, { params: { tenant: wildcard } }, () => {}, { onError: (e) => events.push(e) }),
    );
    await waitFor('a stall report', () => stalls(events).length > 0, 6_000);
    const reported = Date.now() - t0;
    expect(reported).toBeGreaterThanOrEqual(3_000);
    const [stall] = stalls(events);
    expect(stall?.code).toBe('CONSUMER_STALLED');
    expect(stall?.resumed).toBe(false);
    expect(stall?.stream).toBe(stream);
    expect(stall?.consumer).toBe('workers');
    expect(stall?.subject).toBe(op.subject.subscription({ tenant: wildcard }));
    expect(stall?.cause).toBeDefined();
    const error = await handle.ready.then(
      () => undefined,
      (e: unknown) => e,
    );
    const rejected = Date.now() - t0;
    reportLine(
      `ready (server without JetStream): stall reported after ${reported} ms, ready rejected with ConsumerStalledError ` +
        `after ${rejected} ms; ${events.length - 1} failed attempts reported meanwhile`,
    );
    expect(error).toBeInstanceOf(ConsumerStalledError);
    expect(rejected).toBeGreaterThanOrEqual(15_000);
    expect(rejected).toBeLessThan(17_000);
    // Each failed attempt was reported as it happened, too.
    expect(
      events.filter((e) => e.kind === 'consumer' && !(e.error instanceof ConsumerStalledError)).length,
    ).toBeGreaterThan(3);
  });
});

describe('durable stall reports', () => {
  test('durable stall - a 4 s outage is reported as a stall after 3 s and as resumed when messages flow again, with its duration', {
    timeout: 30_000,
  }, async () => {
    const server = await startServer();
    servers.push(server);
    const worker = await connect({ servers: server.url, retry: { attempts: 3 } });
    const publisher = await connect({ servers: server.url, retry: { attempts: 3 } });
    connections.push(worker, publisher);
    // File storage: the stream outlives the crash.
    const memory = jobOp().op;
    const durable = memory.durable as NonNullable<OperationSpec['durable']>;
    const op: OperationSpec = { ...memory, durable: { ...durable, stream: { ...durable.stream, storage: 'file' } } };
    const events: ErrorEvent[] = [];
    const handled: string[] = [];
    const handle = track(
      consume<Received>(worker, op, { params: { tenant: wildcard } }, (m) => void handled.push(m.payload.id), {
        onError: (e) => events.push(e),
      }),
    );
    await handle.ready;
    await send(publisher, op, 'before');
    await waitFor('the first message', () => handled.includes('before'));
    // Idle with heartbeats for a while: quiet is not a stall.
    await sleep(3_500);
    expect(stalls(events)).toEqual([]);
    await server.kill();
    await sleep(4_000);
    await server.start();
    await send(publisher, op, 'after');
    await waitFor('the message after the outage', () => handled.includes('after'), 10_000);
    await waitFor('the resume report', () => stalls(events).some((s) => s.resumed), 3_000);
    const [stalled, resumed, ...more] = stalls(events);
    reportLine(
      `stall (4 s outage of a single server): reported after ${Math.round(stalled?.durationMs ?? 0)} ms without messages ` +
        `or heartbeats, resumed after ${Math.round(resumed?.durationMs ?? 0)} ms`,
    );
    expect(more).toEqual([]);
    expect(stalled?.resumed).toBe(false);
    expect(stalled?.durationMs).toBeGreaterThanOrEqual(3_000);
    expect(resumed?.resumed).toBe(true);
    expect(resumed?.durationMs).toBeGreaterThanOrEqual(4_000);
    expect(resumed?.message).toMatch(
      /^'runJob' on '.*' \(consumer 'workers' of stream 'S_.*'\) resumed after \d+ ms without messages or heartbeats$/,
    );
  });
});
