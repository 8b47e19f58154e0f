/**
 * Durable channel on a 3-node JetStream cluster, stream with 3 replicas: the stream leader is SIGKILLed
 * three times while publishing goes on (each time: wait for a new leader, restart the killed node, wait
 * until it is a current replica again). The ai-sdk spec's streams have 1 replica, so this test declares
 * its own operation and uses the runtime's `durablePublish` and `consume` directly.
 *
 * Failover time is what a publisher sees: from the kill (process gone) to the first publish ack after it.
 * A second, recorded publisher issues one publish at each kill; the second test (a regression test for
 * a runtime bug, see its comment) checks that this publish never pauses its attempts for long.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { connect as natsConnect } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  type ConsumerStalledError,
  connect,
  consume,
  type DurableReceivedMessage,
  durablePublish,
  type ErrorEvent,
  type NatsConnection,
  type OperationSpec,
  type PublishAck,
  subjectTemplate,
  wildcard,
  z,
} from '../../runtime/index.js';
import { type NatsCluster, type NatsProcess, startCluster } from '../harness/servers.js';
import { waitFor } from '../harness/util.js';
import { consumerInfo, countErrors, ms, reportLine, streamState } from './helpers.js';

const TOTAL = 3_000;
const KILLS = 3;
/** Publishing lanes; each pauses between publishes while the kills go on, so publishing spans them. */
const LANES = 8;
const PACE_MS = 25;
const STREAM = 'REL_FAILOVER';

const Job = z.strictObject({ id: z.string().min(1), n: z.int().gte(0) });
type Job = z.infer<typeof Job>;
type Received = DurableReceivedMessage<Job, Record<string, never>, { tenant: string }>;

const jobOp: OperationSpec = {
  id: 'failoverJob',
  subject: subjectTemplate('rel.failover.{tenant}'),
  messages: [{ name: 'Job', payload: Job }],
  durable: {
    stream: { name: STREAM, subjects: ['rel.failover.*'], storage: 'file', replicas: 3, retention: 'limits' },
    // A short ack wait: a delivery lost with a dead leader comes back within seconds.
    consumer: { durable: 'failover-workers', ackWaitMs: 5_000, maxDeliver: 20, backoffMs: [100] },
    messageId: { payload: ['id'] },
    deadLetter: { subject: 'rel.dead.failover', stream: 'REL_FAILOVER_DEAD_LETTER' },
  },
};

let cluster: NatsCluster;
const open: NatsConnection[] = [];
/** Per kill: when a new stream leader was seen and when the first publish ack came, both from the kill. */
const failovers: { readonly elected: number; readonly firstAck: number }[] = [];
/**
 * Per kill: how long after the first publish ack following the kill (the stream accepting publishes
 * again) the worker handled a message again.
 */
const resumes: number[] = [];
/** Per kill: the longest time a publish issued at the kill spent not trying to publish (see longestStall). */
const stalls: number[] = [];

/** One request a connection made: its subject and when it started and settled (epoch ms). */
interface Call {
  readonly subject: string;
  readonly start: number;
  end: number;
}

/** Wraps `nc` so every `request` (JetStream publishes and API calls both are requests) is recorded. */
function recordRequests(nc: NatsConnection): { readonly nc: NatsConnection; readonly calls: Call[] } {
  const calls: Call[] = [];
  const proxy = new Proxy(nc, {
    get(target, prop) {
      const value: unknown = Reflect.get(target, prop, target);
      if (typeof value !== 'function') return value;
      if (prop !== 'request') return value.bind(target);
      return (subject: string, ...rest: unknown[]) => {
        const call: Call = { subject, start: Date.now(), end: Number.NaN };
        calls.push(call);
        const settle = (): void => {
          call.end = Date.now();
        };
        const pending = (value as (s: string, ...r: unknown[]) => Promise<unknown>).call(target, subject, ...rest);
        pending.then(settle, settle);
        return pending;
      };
    },
  });
  return { nc: proxy, calls };
}

/**
 * The longest stretch between `from` and `to` in which no publish attempt (a request on the stream's
 * subjects) was outstanding: time spent in backoff, waiting for a reconnect, or on stream checks.
 */
function longestStall(calls: readonly Call[], from: number, to: number): number {
  const attempts = calls.filter((c) => c.subject.startsWith('rel.failover.')).sort((a, b) => a.start - b.start);
  let longest = 0;
  let covered = from;
  for (const c of attempts) {
    longest = Math.max(longest, c.start - covered);
    covered = Math.max(covered, Number.isNaN(c.end) ? to : c.end);
  }
  return Math.max(longest, to - covered);
}

beforeAll(async () => {
  cluster = await startCluster();
});
afterAll(async () => {
  await Promise.all(open.map((nc) => nc.close().catch(() => {})));
  await cluster?.dispose();
});

/** Waits until `stream`'s leader reports every other node as a current replica (a restarted node caught up). */
async function waitForReplicasCurrent(stream: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no report';
  for (;;) {
    const leader = await cluster.streamLeader(stream, Math.max(1, deadline - Date.now()));
    try {
      const jsz = await leader.jsz('accounts=true&streams=true');
      const detail = (jsz.account_details ?? [])
        .flatMap((account) => account.stream_detail ?? [])
        .find((d) => d.name === stream);
      const replicas = detail?.cluster?.replicas ?? [];
      last = replicas.map((r) => `${r.name}:${r.current ? 'current' : 'behind'}`).join(', ') || 'no replicas';
      if (replicas.length === cluster.nodes.length - 1 && replicas.every((r) => r.current)) return;
    } catch (error) {
      last = String(error);
    }
    if (Date.now() > deadline) throw new Error(`replicas of ${stream} not current after ${timeoutMs} ms (${last})`);
    await sleep(50);
  }
}

describe('reliability - cluster failover', () => {
  test('reliability - R3 stream on a 3-node cluster: stream leader killed 3 times while publishing, 0 lost', {
    timeout: 90_000,
  }, async () => {
    const urls = [...cluster.urls];
    const publisherNc = await connect({ servers: urls, retry: { attempts: 5 } });
    const workerNc = await connect({ servers: urls, retry: { attempts: 5 } });
    open.push(publisherNc, workerNc);

    const errors = countErrors();
    const invocations = new Map<string, number>();
    const effects = new Set<string>();
    /** When the handler ran, in order (epoch ms). */
    const handled: number[] = [];
    const handle = consume<Received>(
      workerNc,
      jobOp,
      { params: { tenant: wildcard } },
      (m) => {
        handled.push(Date.now());
        invocations.set(m.messageId, (invocations.get(m.messageId) ?? 0) + 1);
        effects.add(m.messageId);
      },
      { onError: errors.onError },
    );

    // The stream exists once the first publish is acked; its leader is what gets killed.
    const acks: { readonly ack: PublishAck; readonly at: number }[] = [];
    const rejected: { id: string; error: unknown }[] = [];
    let issued = 0;
    let chaosDone = false;
    const publish = async (n: number): Promise<void> => {
      const id = `job-${n}`;
      try {
        const ack = await durablePublish(publisherNc, jobOp, { params: { tenant: 'acme' }, payload: { id, n } });
        acks.push({ ack, at: Date.now() });
      } catch (error) {
        rejected.push({ id, error });
      }
    };
    await publish(issued++);

    // A second publisher whose requests are recorded: one publish issued at each kill shows where its
    // time goes (publish attempts, stream checks, pauses) until the ack.
    const spyNc = await connect({ servers: urls, retry: { attempts: 5 } });
    open.push(spyNc);
    const recorder = recordRequests(spyNc);
    const spyIds: string[] = [];
    const spyPublish = async (id: string): Promise<void> => {
      spyIds.push(id);
      try {
        const ack = await durablePublish(recorder.nc, jobOp, { params: { tenant: 'acme' }, payload: { id, n: 0 } });
        acks.push({ ack, at: Date.now() });
      } catch (error) {
        rejected.push({ id, error });
      }
    };
    await spyPublish('spy-setup');
    const lanes = Array.from({ length: LANES }, async () => {
      while (!chaosDone || issued < TOTAL) {
        await publish(issued++);
        if (!chaosDone) await sleep(PACE_MS);
      }
    });

    const killed: string[] = [];
    const started = Date.now();
    try {
      await waitForReplicasCurrent(STREAM);
      for (let k = 0; k < KILLS; k++) {
        await waitFor('acks between kills', () => acks.length >= (k + 1) * 300, 30_000);
        const leader: NatsProcess = await cluster.streamLeader(STREAM);
        killed.push(leader.serverName ?? '?');
        await leader.kill();
        const killAt = Date.now();
        recorder.calls.length = 0;
        const spy = spyPublish(`spy-${k}`).then(() => {
          stalls.push(longestStall(recorder.calls, killAt, Date.now()));
        });
        await cluster.waitForStreamLeader(STREAM, leader);
        const electedAt = Date.now();
        // The killed node restarts while publishers are still waiting for their first ack.
        await leader.start();
        await waitFor('the first ack after the kill', () => acks.some((a) => a.at > killAt), 30_000);
        const firstAck = acks.find((a) => a.at > killAt)?.at ?? Number.NaN;
        failovers.push({ elected: electedAt - killAt, firstAck: firstAck - killAt });
        await waitFor(
          'the worker handling a message after the first ack',
          () => (handled.at(-1) ?? 0) >= firstAck,
          30_000,
        );
        resumes.push((handled.find((at) => at >= firstAck) ?? Number.NaN) - firstAck);
        await spy;
        await waitForReplicasCurrent(STREAM);
      }
    } finally {
      chaosDone = true;
    }
    await Promise.all(lanes);
    const publishMs = Date.now() - started;
    const total = issued + spyIds.length;

    await waitFor('every job consumed', () => effects.size + rejected.length >= total, 30_000);
    await handle.drain();
    const monitor = await natsConnect({ servers: urls });
    open.push(monitor);
    const state = await streamState(monitor, STREAM);

    const ackedIds = new Set(acks.map((a) => a.ack.messageId));
    const lost = [...ackedIds].filter((id) => !effects.has(id)).length;
    const retries = acks.reduce((sum, a) => sum + a.ack.attempts - 1, 0);
    const duplicateAcks = acks.filter((a) => a.ack.duplicate).length;
    const deliveredAgain = [...invocations.values()].filter((n) => n > 1).length;
    reportLine(
      `cluster failover: ${total} publishes to an R3 stream on 3 nodes, stream leader killed ${failovers.length} times ` +
        `(${killed.join(', ')}): failover (kill -> first ack) ${failovers.map((f) => ms(f.firstAck)).join(', ')}, ` +
        `worker resumed (first ack -> first message handled) ${resumes.map(ms).join(', ')}, ` +
        `max ${ms(Math.max(...failovers.map((f) => f.firstAck)))} (new leader seen after ` +
        `${failovers.map((f) => ms(f.elected)).join(', ')}); ${acks.length} acked, ${rejected.length} rejected, ${lost} lost, ` +
        `stream holds ${state.messages}; ${retries} publish retries, ${duplicateAcks} acks said duplicate; ` +
        `${deliveredAgain} ids delivered more than once, ${effects.size} processed once after idempotency; ` +
        `longest pause between publish attempts of a publish issued at the kill ${stalls.map(ms).join(', ')}; ` +
        `worker errors ${errors.summary()}; publishing ${ms(publishMs)}`,
    );

    expect(rejected.map((r) => `${r.id}: ${String(r.error)}`)).toEqual([]);
    expect(ackedIds.size).toBe(total);
    expect(lost).toBe(0);
    expect(effects.size).toBe(total);
    // Limits retention keeps everything: exactly one stored message per id, none lost, none twice.
    expect(state.messages).toBe(total);
    expect(failovers.every((f) => Number.isFinite(f.firstAck))).toBe(true);
  });

  // Runtime bug (see runtime/jetstream-publish.ts, sendWithRetry): a "no responders" answer (the stream
  // has no leader during the election) makes the publisher forget the stream setup and await a
  // $JS.API.STREAM.INFO re-check before its next attempt; without a leader that request goes unanswered
  // for the management client's 5 s timeout, so the publisher stops trying for 5 s at a time and the
  // first ack comes about 10 s after the kill even when a new leader took over after 5 s. The retry
  // pauses of the runtime itself are at most 2 s (RETRY_MAX_MS).
  test('reliability - during a stream leader election a durable publish never stops trying for more than 2.5 s', () => {
    expect(stalls).toHaveLength(KILLS);
    expect(Math.max(...stalls)).toBeLessThan(2_500);
  });
});

/**
 * A worker resumes once the stream takes publishes again, whichever node dies: the one leading its
 * consumer, the one it is connected to, the one leading the stream. Per kill, resume is the time from the
 * first publish ack after the kill (the stream accepting publishes again) to the handling of the first
 * message published after the kill; a pause longer than the worker's stall threshold must be reported
 * (`ConsumerStalledError`, `onError` kind `consumer`).
 */
/**
 * Resolves once a running node other than `previous` reports leading the consumer (a node is trusted only
 * about itself), or at once with -1 when `previous` still leads it (the kill did not touch it).
 */
async function waitForConsumerLeader(stream: string, consumer: string, previous: string): Promise<number> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    for (const node of cluster.nodes.filter((n) => n.running)) {
      try {
        const jsz = await node.jsz('accounts=true&streams=true&consumers=true');
        const detail = (jsz.account_details ?? [])
          .flatMap((a) => a.stream_detail ?? [])
          .find((d) => d.name === stream) as
          | { consumer_detail?: { name: string; cluster?: { leader?: string } }[] }
          | undefined;
        const leader = detail?.consumer_detail?.find((c) => c.name === consumer)?.cluster?.leader;
        if (leader === node.serverName) return leader === previous ? -1 : 0;
      } catch {
        // A node still starting: ask the others.
      }
    }
    if (Date.now() > deadline) throw new Error(`no leader for consumer ${consumer} after 60 s`);
    await sleep(50);
  }
}

describe('reliability - cluster failover, worker resume', () => {
  const resumeOp: OperationSpec = {
    id: 'resumeJob',
    subject: subjectTemplate('rel.resume.{tenant}'),
    messages: [{ name: 'Job', payload: Job }],
    durable: {
      stream: { name: 'REL_RESUME', subjects: ['rel.resume.*'], storage: 'file', replicas: 3, retention: 'limits' },
      consumer: { durable: 'resume-workers', ackWaitMs: 5_000, maxDeliver: 20, backoffMs: [100] },
      messageId: { payload: ['id'] },
      deadLetter: { subject: 'rel.dead.resume', stream: 'REL_RESUME_DEAD_LETTER' },
    },
  };

  test('reliability - a durable worker resumes within about a second of the stream accepting publishes, after killing the consumer leader, its own server and the stream leader', {
    timeout: 120_000,
  }, async () => {
    const urls = [...cluster.urls];
    const publisherNc = await connect({ servers: urls, retry: { attempts: 5 } });
    const workerNc = await connect({ servers: urls, retry: { attempts: 5 } });
    const monitor = await natsConnect({ servers: urls });
    open.push(publisherNc, workerNc, monitor);
    const counted = countErrors();
    const testStart = Date.now();
    /** When each `onError` event came, from the start of the test. */
    const eventTimes = new Map<ErrorEvent, number>();
    const errors = {
      ...counted,
      onError: (event: ErrorEvent) => {
        eventTimes.set(event, Date.now() - testStart);
        counted.onError(event);
      },
    };
    const handledAt = new Map<string, number>();
    const handle = consume<Received>(
      workerNc,
      resumeOp,
      { params: { tenant: wildcard } },
      (m) => {
        if (!handledAt.has(m.messageId)) handledAt.set(m.messageId, Date.now());
      },
      { onError: errors.onError },
    );
    const ackedAt = new Map<string, number>();
    let n = 0;
    let stop = false;
    const publishing = (async () => {
      while (!stop) {
        const id = `r-${n++}`;
        void durablePublish(publisherNc, resumeOp, { params: { tenant: 'acme' }, payload: { id, n } }).then(
          () => ackedAt.set(id, Date.now()),
          () => {},
        );
        await sleep(20);
      }
    })();
    await handle.ready;
    await waitFor('first messages handled', () => handledAt.size >= 50, 30_000);
    await waitForReplicasCurrent('REL_RESUME');

    const rounds: {
      target: string;
      node: string;
      firstAck: number;
      consumerLeader: number;
      handled: number;
      resume: number;
      /** From the later of the first ack and the consumer leader's election to the first new message handled. */
      afterElection: number;
    }[] = [];
    const targets = ['consumer leader', 'worker server', 'stream leader'] as const;
    const kills: number[] = [];
    for (const target of targets) {
      const info = await consumerInfo(monitor, 'REL_RESUME', 'resume-workers');
      const name =
        target === 'consumer leader'
          ? info.cluster?.leader
          : target === 'worker server'
            ? workerNc.info?.server_name
            : (await cluster.streamLeader('REL_RESUME')).serverName;
      const node = cluster.nodes.find((p) => p.serverName === name);
      if (node === undefined) throw new Error(`no node for the ${target} (${name})`);
      await node.kill();
      const killAt = Date.now();
      kills.push(killAt - testStart);
      const elected = waitForConsumerLeader('REL_RESUME', 'resume-workers', info.cluster?.leader ?? '').then((found) =>
        found < 0 ? -1 : Date.now() - killAt,
      );
      await waitFor('an ack after the kill', () => [...ackedAt.values()].some((at) => at > killAt), 30_000);
      const firstAck = Math.min(...[...ackedAt.values()].filter((at) => at > killAt));
      const after = [...ackedAt].filter(([, at]) => at > killAt).map(([id]) => id);
      await waitFor('a message published after the kill handled', () => after.some((id) => handledAt.has(id)), 60_000);
      const firstHandled = Math.min(...after.flatMap((id) => handledAt.get(id) ?? []));
      rounds.push({
        target,
        node: name ?? '?',
        firstAck: firstAck - killAt,
        consumerLeader: await elected,
        handled: firstHandled - killAt,
        resume: Math.max(0, firstHandled - firstAck),
        afterElection: Math.max(0, firstHandled - killAt - Math.max(firstAck - killAt, await elected)),
      });
      await node.start();
      await waitForReplicasCurrent('REL_RESUME');
      await waitFor('messages handled again', () => handledAt.size >= n - 100, 30_000);
    }
    stop = true;
    await publishing;
    await handle.drain();
    const stalls = errors.events.filter((e) => e.error instanceof Error && e.error.name === 'ConsumerStalledError');
    reportLine(
      `worker resume: ${rounds.map((r) => `${r.target} (${r.node}) killed: first publish ack ${ms(r.firstAck)} after the kill, consumer leader ${r.consumerLeader < 0 ? 'unchanged' : `elected after ${ms(r.consumerLeader)}`}, first new message handled after ${ms(r.handled)} (${ms(r.resume)} after the first ack, ${ms(r.afterElection)} after both the first ack and a consumer leader)`).join('; ')}; ` +
        `stall reports ${stalls.map((e) => `at ${ms(eventTimes.get(e) ?? Number.NaN)}: ${(e.error as Error).message}`).join(' | ') || 'none'}; ` +
        `kills at ${kills.map(ms).join(', ')}; worker errors ${errors.summary()}`,
    );
    // The worker cannot consume before its consumer has a leader again, which may come later than the
    // stream's: resume is counted from whichever came last. A silent pull is replaced every second or so
    // (measured 1-1,181 ms in 12 kills); the bound leaves room for a loaded machine.
    expect(Math.max(...rounds.map((r) => r.afterElection))).toBeLessThan(2_000);
    // Every pause of the consumer itself longer than the stall threshold (3 s: no leader, so no message and
    // no heartbeat) was reported, and its end too. A stream without a leader while the consumer keeps its
    // own is not a stall of the worker: it has nothing to deliver, and its heartbeats come.
    const paused = rounds.filter((r) => r.consumerLeader > 3_500).length;
    expect(stalls.filter((e) => (e.error as ConsumerStalledError).resumed).length).toBeGreaterThanOrEqual(paused);
    expect(stalls.filter((e) => !(e.error as ConsumerStalledError).resumed).length).toBeGreaterThanOrEqual(paused);
  });
});
