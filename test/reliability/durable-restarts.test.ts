/**
 * Durable channel, single server: 5,000 `sendAgentTask` publishes while the server is SIGKILLed and
 * restarted three times, a `receiveAgentTask` worker consuming throughout on its own connection.
 *
 * How "0 lost, 0 stored twice" is counted: the stream is this test's own, so its last sequence is the
 * number of messages it ever stored, 5,000 when no retry was stored twice; and the worker records, per
 * task id, every stream sequence it was delivered from (a copy stored twice would show two sequences
 * for one id, a redelivery shows the same one again). At the end the consumer has nothing pending: every
 * stored message was delivered. Messages whose ack was lost in an outage stay "awaiting ack" until
 * the spec's ack_wait (30 s) redelivers them; the idempotent handler ignores them then.
 *
 * A second test is the regression test for a worker that stalls ~5 s after a crash (see its comment).
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { connect as natsConnect } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { AiSdkClient, AiSdkServer, type ReceiveAgentTaskReceived } from '../../generated/ai-sdk/index.js';
import { connect, type NatsConnection, type PublishAck, PublishError, watchConnection } from '../../runtime/index.js';
import { agentTask, tenant } from '../e2e/helpers.js';
import { type NatsProcess, startServer } from '../harness/servers.js';
import { gate, waitFor } from '../harness/util.js';
import { countErrors, crashAndRestart, ms, reportLine, streamState, waitConsumerDrained } from './helpers.js';

const TOTAL = 5_000;
const CRASH_AT = [1_250, 2_500, 3_750];
const DOWN_MS = 500;
const STREAM = 'AI_AGENT_TASKS';
/** maxInFlight of the worker in the resume test. */
const SLOTS = 8;

let server: NatsProcess;
const open: NatsConnection[] = [];

beforeAll(async () => {
  server = await startServer();
});
afterAll(async () => {
  await Promise.all(open.map((nc) => nc.close().catch(() => {})));
  await server?.dispose();
});

describe('reliability - durable restarts', () => {
  test('reliability - durable channel across 3 SIGKILL restarts: 5,000 publishes, 0 lost, 0 stored twice, each processed once', {
    timeout: 60_000,
  }, async () => {
    const t = tenant();
    const publisherNc = await connect({ servers: server.url, retry: { attempts: 5 } });
    const workerNc = await connect({ servers: server.url, retry: { attempts: 5 } });
    open.push(publisherNc, workerNc);
    const client = new AiSdkClient(publisherNc);
    const errors = countErrors();
    const worker = new AiSdkServer(workerNc, { onError: errors.onError });

    const invocations = new Map<string, number>();
    const sequences = new Map<string, Set<number>>();
    const effects = new Set<string>();
    let redeliveries = 0;
    let mismatched = 0;
    const handle = worker.receiveAgentTask({
      params: { tenant_id: t },
      handler: (m: ReceiveAgentTaskReceived) => {
        invocations.set(m.messageId, (invocations.get(m.messageId) ?? 0) + 1);
        let seqs = sequences.get(m.messageId);
        if (seqs === undefined) {
          seqs = new Set();
          sequences.set(m.messageId, seqs);
        }
        seqs.add(m.msg.info.streamSequence);
        if (m.deliveryCount > 1) redeliveries++;
        // Idempotent by message id: the side effect happens once whatever the deliveries.
        if (effects.has(m.messageId)) return;
        if (m.messageId !== m.payload.task_id) mismatched++;
        effects.add(m.messageId);
      },
    });

    const ids = Array.from({ length: TOTAL }, () => randomUUID());
    let acked = 0;
    const rejected: { id: string; error: unknown }[] = [];
    const started = Date.now();
    // All 5,000 at once: the client's window (maxPendingAcks 256) bounds what awaits an ack.
    const publishes = ids.map((id) =>
      client.sendAgentTask({ params: { tenant_id: t }, payload: agentTask({ task_id: id }) }).then(
        (ack) => {
          acked++;
          return ack;
        },
        (error: unknown) => {
          rejected.push({ id, error });
          return undefined;
        },
      ),
    );
    const outages: number[] = [];
    for (const at of CRASH_AT) {
      await waitFor(`${at} acks`, () => acked + rejected.length >= at, 30_000);
      outages.push(await crashAndRestart(server, DOWN_MS));
    }
    const acks = (await Promise.all(publishes)).filter((a): a is PublishAck => a !== undefined);
    const publishMs = Date.now() - started;

    await waitFor('every task processed', () => effects.size + rejected.length >= TOTAL, 30_000);
    const processedMs = Date.now() - started;
    const monitor = await natsConnect({ servers: server.url });
    open.push(monitor);
    const consumer = await waitConsumerDrained(monitor, STREAM, `agent-workers_${t}`, 10_000, 'delivered');
    await handle.drain();
    const state = await streamState(monitor, STREAM);

    const storedTwice = [...sequences.values()].filter((s) => s.size > 1).length;
    const retries = acks.reduce((sum, a) => sum + a.attempts - 1, 0);
    const retried = acks.filter((a) => a.attempts > 1).length;
    const duplicateAcks = acks.filter((a) => a.duplicate).length;
    const deliveredAgain = [...invocations.values()].filter((n) => n > 1).length;
    const published = new Set<string>(ids);
    const unknown = [...effects].filter((id) => !published.has(id)).length;
    // A rejected publish is only acceptable when the stream stored it anyway (the worker saw it).
    const rejectedUnstored = rejected.filter((r) => !sequences.has(r.id));
    reportLine(
      `durable restarts: ${TOTAL} sendAgentTask publishes across ${outages.length} SIGKILL restarts ` +
        `(down ${outages.map(ms).join(', ')}): ${acks.length} acked, ${rejected.length} rejected, ` +
        `${TOTAL - effects.size} lost, ${storedTwice} stored twice; ${retries} publish retries ` +
        `(${retried} publishes retried), ${duplicateAcks} acks said duplicate; ${redeliveries} redeliveries ` +
        `(${deliveredAgain} ids delivered more than once), ${effects.size} processed once after idempotency; ` +
        `stream stored ${state.last_seq} in total; at the end ${consumer.num_pending} undelivered, ` +
        `${consumer.num_ack_pending} processed but awaiting ack_wait redelivery (ack lost in an outage), ` +
        `${state.messages} left in the workqueue stream; worker errors ${errors.summary()}; publish ${ms(publishMs)}, ` +
        `all processed ${ms(processedMs)}`,
    );

    expect(
      rejectedUnstored.map((r) => `${r.id}: ${r.error instanceof PublishError ? r.error.message : String(r.error)}`),
    ).toEqual([]);
    expect(effects.size).toBe(TOTAL);
    expect(unknown).toBe(0);
    expect(mismatched).toBe(0);
    expect(storedTwice).toBe(0);
    expect(new Set(acks.map((a) => a.seq)).size).toBe(acks.length);
    // The stream is this test's own, created by its first publish (sequence 1): a last sequence of 5,000
    // means 5,000 stores in total, so no retry was stored twice.
    expect(state.last_seq).toBe(TOTAL);
    expect(consumer.num_pending).toBe(0);
  });

  // Runtime bug (runtime/jetstream-consume.ts, Worker.succeeded): a handler that finishes while the
  // connection is down has its double ack (`m.ackAck()`) sent into the void: the NATS client drops what
  // is published while disconnected, and nothing answers after a crash. The worker awaits the ack for
  // the client's default 5 s and holds the message's slot all that time, so a worker whose slots were
  // all in use at the crash fetches nothing for ~5 s after the server is back.
  test('reliability - a durable worker resumes within 2 s of a restart: acks lost in the outage do not hold its slots', {
    timeout: 30_000,
  }, async () => {
    const t = tenant();
    const publisherNc = await connect({ servers: server.url, retry: { attempts: 5 } });
    const workerNc = await connect({ servers: server.url, retry: { attempts: 5 } });
    open.push(publisherNc, workerNc);
    let disconnected = false;
    watchConnection(workerNc, (event) => {
      if (event.type === 'disconnected') disconnected = true;
    });
    const client = new AiSdkClient(publisherNc);
    const worker = new AiSdkServer(workerNc, { maxInFlight: SLOTS, onError: () => {} });
    const release = gate();
    let holding = 0;
    const processed = new Set<string>();
    const handle = worker.receiveAgentTask({
      params: { tenant_id: t },
      handler: async (m) => {
        if (m.payload.type === 'hold') {
          holding++;
          await release.promise;
        }
        processed.add(m.payload.task_id);
      },
    });
    await Promise.all(
      Array.from({ length: SLOTS }, () =>
        client.sendAgentTask({ params: { tenant_id: t }, payload: agentTask({ type: 'hold' }) }),
      ),
    );
    await waitFor('every slot in use', () => holding === SLOTS, 10_000);

    await server.kill();
    await waitFor('the worker to see the disconnect', () => disconnected, 5_000);
    // The handlers finish during the outage: their acks cannot reach the server.
    release.open();
    await sleep(300);
    await server.start();
    const restarted = Date.now();
    const next = agentTask();
    await client.sendAgentTask({ params: { tenant_id: t }, payload: next });
    await waitFor('the task sent after the restart', () => processed.has(next.task_id), 15_000);
    const resumedMs = Date.now() - restarted;
    handle.unsubscribe();
    reportLine(
      `durable restarts: a worker whose ${SLOTS} slots were all in use at a crash processed the first task ` +
        `sent after the restart ${ms(resumedMs)} after the server was back`,
    );

    expect(resumedMs).toBeLessThan(2_000);
  });

  test('reliability - a worker whose pull hears nothing in the second after a reconnect opens a fresh pull, and the next task arrives', {
    timeout: 30_000,
  }, async () => {
    const t = tenant();
    const name = `renew-${t}`;
    const publisherNc = await connect({ servers: server.url, retry: { attempts: 5 } });
    const workerNc = await connect({ servers: server.url, name, retry: { attempts: 5 } });
    open.push(publisherNc, workerNc);
    let reconnects = 0;
    watchConnection(workerNc, (event) => {
      if (event.type === 'reconnected') reconnects++;
    });
    const processed = new Set<string>();
    const handle = new AiSdkServer(workerNc, { onError: () => {} }).receiveAgentTask({
      params: { tenant_id: t },
      handler: (m) => {
        processed.add(m.payload.task_id);
      },
    });
    await handle.ready;
    /** The worker connection's pull inboxes (its request inbox, the wildcard `_INBOX.<id>.*`, is left out). */
    async function pulls(): Promise<string[]> {
      const connz = await server.connz('subs=true');
      const mine = connz.connections.find((c) => c.name === name);
      return (mine?.subscriptions_list ?? []).filter(
        (subject) => subject.startsWith('_INBOX.') && !subject.endsWith('.*'),
      );
    }
    let seen: string[] = [];
    const watch = setInterval(() => {
      pulls().then(
        (now) => {
          seen = now;
        },
        () => {},
      );
    }, 50);
    try {
      await waitFor('the pull', () => seen.length === 1, 5_000);
      const before = seen[0];
      await crashAndRestart(server, 300);
      await waitFor('the worker to reconnect', () => reconnects === 1, 10_000);
      // An idle worker receives nothing after the reconnect: about a second later its pull is replaced.
      await waitFor('a fresh pull', () => seen.length === 1 && seen[0] !== before, 5_000);
    } finally {
      clearInterval(watch);
    }

    const next = agentTask();
    await new AiSdkClient(publisherNc).sendAgentTask({ params: { tenant_id: t }, payload: next });
    await waitFor('the task sent after the renewal', () => processed.has(next.task_id), 5_000);
    handle.unsubscribe();
  });
});
