/** Durable publish and consume across server restarts, on a server of their own. */
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect as natsConnect } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  AckError,
  consume,
  type DurableReceivedMessage,
  type DurableSpec,
  durablePublish,
  type ErrorEvent,
  type NatsConnection,
  type OperationSpec,
  PublishError,
  subjectTemplate,
  wildcard,
  z,
} from '../../runtime/index.js';
import { type NatsProcess, startServer } from '../harness/servers.js';
import { uniquePrefix, waitFor } from '../harness/util.js';

const Order = z.object({ orderId: z.string() });
type Received = DurableReceivedMessage<z.infer<typeof Order>, Record<string, never>, { tenant: string }>;

let server: NatsProcess;
let nc: NatsConnection;

beforeAll(async () => {
  server = await startServer();
  nc = await natsConnect({
    servers: server.url,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 100,
    reconnectJitter: 0,
  });
});
afterAll(async () => {
  await nc?.close();
  await server?.dispose();
});

function orderOp(
  storage: 'file' | 'memory',
  consumer: DurableSpec['consumer'] = { durable: 'workers', backoffMs: [50] },
): OperationSpec {
  const p = uniquePrefix();
  const durable: DurableSpec = {
    stream: { name: `S_${p}`, subjects: [`${p}.orders.>`], storage },
    consumer,
    deadLetter: { subject: `${p}.dead`, stream: `DLQ_${p}` },
    messageId: { payload: ['orderId'] },
  };
  return {
    id: 'placeOrder',
    subject: subjectTemplate(`${p}.orders.{tenant}`),
    messages: [{ name: 'Order', payload: Order }],
    durable,
  };
}

/**
 * Stops the process `pid` (SIGSTOP) and returns once it is stopped: the signal alone may take effect
 * after the caller's next write has been answered.
 */
function freeze(pid: number): void {
  process.kill(pid, 'SIGSTOP');
  const until = Date.now() + 2_000;
  // Field 3 of /proc/<pid>/stat is the state; T is stopped.
  while (readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0] !== 'T') {
    if (Date.now() > until) throw new Error(`process ${pid} did not stop within 2 s`);
  }
}

describe('durable outage', () => {
  test('durable outage - a publish issued while the server is down is stored once after it returns', async () => {
    const op = orderOp('file');
    await durablePublish(nc, op, { params: { tenant: 'acme' }, payload: { orderId: 'o-1' } });
    await server.stop();
    await waitFor('the disconnect', () => !(nc as unknown as { protocol: { connected: boolean } }).protocol.connected);
    const pending = durablePublish(nc, op, { params: { tenant: 'acme' }, payload: { orderId: 'o-2' } });
    await sleep(300);
    await server.start();
    const ack = await pending;
    expect(ack).toMatchObject({ seq: 2, duplicate: false, messageId: 'o-2' });
    const jsm = await jetstreamManager(nc);
    expect((await jsm.streams.info(`${op.durable?.stream.name}`)).state.messages).toBe(2);
  });

  test('durable outage - publishes in flight across a server crash are each stored exactly once', async () => {
    const op = orderOp('file');
    await durablePublish(nc, op, { params: { tenant: 'acme' }, payload: { orderId: 'o-0' } });
    const count = 2_000;
    const all = Promise.all(
      Array.from({ length: count }, (_, i) =>
        durablePublish(nc, op, { params: { tenant: 'acme' }, payload: { orderId: `o-${i + 1}` } }),
      ),
    );
    await sleep(30);
    await server.kill();
    await sleep(200);
    await server.start();
    const acks = await all;
    const jsm = await jetstreamManager(nc);
    const stored = (await jsm.streams.info(`${op.durable?.stream.name}`)).state.messages;
    expect(stored).toBe(count + 1);
    expect(new Set(acks.map((a) => a.seq)).size).toBe(count);
    console.log(
      `durable outage: ${count} publishes across a crash: ${acks.filter((a) => a.attempts > 1).length} retried, ${acks.filter((a) => a.duplicate).length} acks said duplicate, ${stored - 1} stored`,
    );
  });

  test('durable outage - a worker across a server crash processes every message and leaves none unacked', async () => {
    const quickOp = orderOp('file', { durable: 'workers', ackWaitMs: 2_000 });
    const durable = quickOp.durable as DurableSpec;
    const count = 2_000;
    await Promise.all(
      Array.from({ length: count }, (_, i) =>
        durablePublish(nc, quickOp, { params: { tenant: 'acme' }, payload: { orderId: `o-${i}` } }),
      ),
    );
    const seen = new Map<string, number>();
    const handle = consume<Received>(
      nc,
      quickOp,
      { params: { tenant: wildcard } },
      async (m) => {
        await sleep(1);
        seen.set(m.payload.orderId, (seen.get(m.payload.orderId) ?? 0) + 1);
      },
      { maxInFlight: 16, onError: () => {} },
    );
    await waitFor('a few hundred messages', () => seen.size >= 300, 10_000);
    await server.kill();
    await sleep(200);
    await server.start();
    await waitFor('every message', () => seen.size === count, 30_000);
    const jsm = await jetstreamManager(nc);
    let info = await jsm.consumers.info(durable.stream.name, 'workers');
    const deadline = Date.now() + 10_000;
    while ((info.num_ack_pending > 0 || info.num_pending > 0) && Date.now() < deadline) {
      await sleep(100);
      info = await jsm.consumers.info(durable.stream.name, 'workers');
    }
    await handle.drain();
    expect(info.num_ack_pending).toBe(0);
    expect(info.num_pending).toBe(0);
    const again = [...seen.values()].filter((n) => n > 1).length;
    console.log(`durable outage: ${count} messages consumed across a crash, ${again} processed more than once`);
  });

  test('durable outage - an ack awaiting its confirmation when the server dies is reported at once, and the message comes back', async () => {
    // A short ack wait, so the redelivery after the restart comes in seconds.
    const op = orderOp('file', { durable: 'workers', ackWaitMs: 2_000 });
    await durablePublish(nc, op, { params: { tenant: 'acme' }, payload: { orderId: 'o-1' } });
    const errors: ErrorEvent[] = [];
    const deliveries: string[] = [];
    const handle = consume<Received>(
      nc,
      op,
      { params: { tenant: wildcard } },
      (m) => {
        deliveries.push(m.payload.orderId);
        // Freeze the server before the ack goes out, and wait until it is stopped: the ack is then
        // written to its socket and never confirmed.
        if (deliveries.length === 1) freeze(server.pid);
      },
      { onError: (e) => errors.push(e) },
    );
    try {
      await waitFor('the first delivery', () => deliveries.length === 1);
      await sleep(200);
      expect(errors).toEqual([]);
      const killed = performance.now();
      await server.kill();
      await waitFor('the ack failure', () => errors.some((e) => e.kind === 'ack'), 10_000);
      const reportedMs = performance.now() - killed;
      const acks = errors.filter((e) => e.kind === 'ack');
      expect(acks).toHaveLength(1);
      const failure = acks[0] as ErrorEvent;
      expect(failure.error).toBeInstanceOf(AckError);
      expect(String((failure.error as AckError).cause)).toContain('disconnected before the ack was confirmed');
      // At the disconnect, not at the end of the client's 5 s ack timeout.
      expect(reportedMs).toBeLessThan(2_000);
      // The ack never reached the stream, so the server delivers the message again after its restart
      // (its delivery count may start at 1 again: a killed server can lose it).
      await server.start();
      await waitFor('the redelivery', () => deliveries.length === 2, 30_000);
      expect(deliveries).toEqual(['o-1', 'o-1']);
      await handle.drain();
    } finally {
      // Whatever failed above, the next tests get a running server.
      if (server.running) process.kill(server.pid, 'SIGCONT');
      else await server.start();
    }
  });

  test('durable outage - a server that stays away past publishTimeoutMs is a PublishError', async () => {
    const op = orderOp('file');
    await durablePublish(nc, op, { params: { tenant: 'acme' }, payload: { orderId: 'o-1' } });
    await server.stop();
    try {
      const started = Date.now();
      const error = await durablePublish(
        nc,
        op,
        { params: { tenant: 'acme' }, payload: { orderId: 'o-2' } },
        { publishTimeoutMs: 500 },
      ).catch((e) => e);
      expect(Date.now() - started).toBeLessThan(2_000);
      expect(error).toBeInstanceOf(PublishError);
      expect(error.messageId).toBe('o-2');
      expect(error.message).toMatch(
        /^durable publish 'placeOrder' on '.*' \(message id 'o-2'\) not acknowledged after \d+ attempts?: /,
      );
    } finally {
      await server.start();
    }
  });

  test('durable outage - publishTimeoutMs counts the wait for a window slot', async () => {
    const op = orderOp('file');
    await durablePublish(nc, op, { params: { tenant: 'acme' }, payload: { orderId: 'o-0' } });
    await server.stop();
    try {
      const started = Date.now();
      const results = await Promise.allSettled(
        Array.from({ length: 40 }, (_, i) =>
          durablePublish(
            nc,
            op,
            { params: { tenant: 'acme' }, payload: { orderId: `o-${i + 1}` } },
            { publishTimeoutMs: 600, maxPendingAcks: 4 },
          ),
        ),
      );
      // Ten rounds of 600 ms if the queue wait were not counted; one budget (plus slack) when it is.
      expect(Date.now() - started).toBeLessThan(2_000);
      expect(results.every((r) => r.status === 'rejected' && r.reason instanceof PublishError)).toBe(true);
    } finally {
      await server.start();
    }
  });

  test('durable outage - a worker keeps consuming after a restart loses its memory stream and consumer', async () => {
    const op = orderOp('memory');
    const seen: string[] = [];
    const errors: ErrorEvent[] = [];
    const handle = consume<Received>(
      nc,
      op,
      { params: { tenant: wildcard } },
      (m) => {
        seen.push(m.payload.orderId);
      },
      { onError: (e) => errors.push(e) },
    );
    await durablePublish(nc, op, { params: { tenant: 'acme' }, payload: { orderId: 'o-1' } });
    await waitFor('the first message', () => seen.length === 1);
    await server.restart();
    // The publisher recreates the stream (no responders → setup again); the worker recreates its consumer.
    await durablePublish(nc, op, { params: { tenant: 'acme' }, payload: { orderId: 'o-2' } });
    await waitFor('the message after the restart', () => seen.includes('o-2'), 20_000);
    await handle.drain();
    expect(seen).toEqual(['o-1', 'o-2']);
    expect(errors.length).toBeGreaterThan(0);
    expect(errors.every((e) => e.kind === 'consumer')).toBe(true);
  });
});
