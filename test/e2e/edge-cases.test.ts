/**
 * Generated code for the shapes the AI SDK spec does not have, run against a real nats-server:
 * keyword and digit-leading method names, an operation with several messages (one without payload),
 * header values coerced from text, request/reply on a subject without parameters, recursive payloads,
 * and a durable channel whose message id is a nested payload field, whose consumer name comes from the
 * queue group and which gives up after two deliveries (`max-deliver: 2`, `backoff-ms: [10]`), and a
 * streamed reply without an end message whose chunks are two different messages.
 * The module is generated fresh from test/fixtures/specs/edge-cases.asyncapi.yaml for this file.
 */
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { generateFiles, resolveOptions } from '../../generator/generate.js';
import { writeOutput } from '../../generator/write.js';
import {
  DeadLetterError,
  type DurableReceivedMessage,
  type Handle,
  type NatsConnection,
  type PublishAck,
  type ReceivedMessage,
  type ReplyStream,
  type StreamReceivedMessage,
  ValidationError,
} from '../../runtime/index.js';
import { waitFor } from '../harness/util.js';
import {
  Connections,
  consumerSettled,
  type DurableChannel,
  deadLetters,
  errorLog,
  headersOf,
  lastSeq,
  rejectionOf,
  thrown,
} from './helpers.js';

const OUT = 'test/fixtures/out/edge-cases-e2e';

/** The slice of the generated module this file uses (the module is generated at run time). */
interface EdgeModule {
  EdgeCasesApiXClient: new (
    nc: NatsConnection,
  ) => {
    delete(args: { params: { kind: string }; payload?: unknown; headers: Record<string, unknown> }): void;
    _2faVerify(args: { payload: { '2fa': string } }): Promise<{ ok: boolean }>;
    sendTree(args: { payload: unknown }): void;
    enqueueJob(args: { params: { region: string }; payload: Job }): Promise<PublishAck>;
    watchTicksV1(args: { payload?: unknown }): ReplyStream<unknown, undefined>;
  };
  EdgeCasesApiXServer: new (
    nc: NatsConnection,
    options?: object,
  ) => {
    class(args: {
      params: { kind: string };
      handler: (m: ReceivedMessage<unknown, unknown, unknown>) => void;
    }): unknown;
    answer2fa(args: { handler: (m: ReceivedMessage<{ '2fa': string }, unknown, unknown>) => { ok: boolean } }): unknown;
    takeJob(args: {
      params: { region: string };
      handler: (m: DurableReceivedMessage<Job, unknown, { region: string }>) => void | Promise<void>;
    }): Handle;
    serveTicks(args: {
      handler: (m: StreamReceivedMessage<unknown, unknown, unknown>) => AsyncIterable<unknown>;
    }): Handle;
    drain(): Promise<void>;
  };
}

/** The durable channel's payload: its message id is `meta.key`. */
interface Job {
  meta: { key: string };
}

/** The fixture's durable channel (stream EDGE_JOBS, memory storage, work queue). */
const JOBS: DurableChannel = {
  stream: 'EDGE_JOBS',
  consumer: 'edge_job_workers',
  prefix: 'edge.jobs',
  deadLetter: 'edge.dead.jobs',
  deadLetterStream: 'EDGE_JOBS_DEAD_LETTER',
};

let edge: EdgeModule;
const conns = new Connections();

beforeAll(async () => {
  const result = await generateFiles(
    resolveOptions({ spec: 'test/fixtures/specs/edge-cases.asyncapi.yaml', out: OUT }),
  );
  if (!result.files) throw new Error(`edge-cases has errors: ${JSON.stringify(result.problems)}`);
  await writeOutput(OUT, result.files);
  edge = (await import(path.resolve(OUT, 'index.ts'))) as EdgeModule;
}, 30_000);
afterAll(() => conns.close());

describe('edge cases - generated code on a real server', () => {
  test('edge cases - a payload-less message of a multi-message operation arrives with typed, coerced headers', async () => {
    const nc = await conns.runtime();
    const errors = errorLog();
    const server = new edge.EdgeCasesApiXServer(nc, { onError: errors.onError });
    const got: ReceivedMessage<unknown, unknown, unknown>[] = [];
    const kind = `k${Date.now()}`;
    server.class({ params: { kind }, handler: (m) => void got.push(m) });
    await nc.flush();

    const client = new edge.EdgeCasesApiXClient(nc);
    client.delete({ params: { kind }, headers: { attempt: 3, replay: true } });
    client.delete({
      params: { kind },
      payload: { id: '6f1c2a7e-0d9b-4c1e-9a7b-3f1d2c4b5a69' },
      headers: { attempt: 1 },
    });
    await waitFor('both events', () => got.length === 2);

    expect(got[0]?.payload).toBeUndefined();
    expect(got[0]?.headers).toEqual({ attempt: 3, replay: true });
    expect(got[0]?.params).toEqual({ kind });
    expect(got[1]?.payload).toEqual({ id: '6f1c2a7e-0d9b-4c1e-9a7b-3f1d2c4b5a69' });
    expect(got[1]?.headers).toEqual({ attempt: 1 });
    expect(errors.events).toEqual([]);
    await server.drain();
  });

  test('edge cases - a header that cannot be parsed as its declared number is a ValidationError on send', async () => {
    const nc = await conns.runtime();
    const client = new edge.EdgeCasesApiXClient(nc);
    const error = thrown(() => client.delete({ params: { kind: 'x' }, headers: { attempt: 'many' } }));
    expect(error).toBeInstanceOf(ValidationError);
    // Of the operation's two messages, Deleted fits the call (no payload) and only its header fails:
    // that error is reported, not Created's "payload required".
    expect((error as ValidationError).part).toBe('headers');
    expect((error as ValidationError).issues.map((i) => i.path)).toEqual(['attempt']);
  });

  test('edge cases - request/reply on a subject without parameters, with a digit-leading operation id', async () => {
    const nc = await conns.runtime();
    const server = new edge.EdgeCasesApiXServer(nc);
    server.answer2fa({ handler: (m) => ({ ok: m.payload['2fa'] === '123456' }) });
    await nc.flush();
    const client = new edge.EdgeCasesApiXClient(nc);
    await expect(client._2faVerify({ payload: { '2fa': '123456' } })).resolves.toEqual({ ok: true });
    await expect(client._2faVerify({ payload: { '2fa': '000000' } })).resolves.toEqual({ ok: false });
    await server.drain();
  });

  test('edge cases - a streamed reply without an end message: chunks of two messages in order, then the iterator ends', async () => {
    const nc = await conns.runtime();
    const errors = errorLog();
    const server = new edge.EdgeCasesApiXServer(nc, { onError: errors.onError });
    const tree = { value: 'root', children: [{ value: 'leaf' }] };
    const org = { name: 'Acme', employees: [{ name: 'Ada' }] };
    const ticks = server.serveTicks({
      // Any async iterable of chunks will do when no end message is declared.
      handler: async function* () {
        yield tree;
        yield org;
        yield tree;
      },
    });
    await ticks.ready;
    const client = new edge.EdgeCasesApiXClient(nc);
    const stream = client.watchTicksV1({});
    const got: unknown[] = [];
    for await (const chunk of stream) got.push(chunk);
    expect(got).toEqual([tree, org, tree]);
    expect(stream.end).toBeUndefined();
    expect(errors.events).toEqual([]);
    await server.drain();
  });

  test('edge cases - a recursive payload is validated to its full depth before sending', async () => {
    const nc = await conns.runtime();
    const client = new edge.EdgeCasesApiXClient(nc);
    const deep = { value: 'root', children: [{ value: 'a', children: [{ value: 42 }] }] };
    const error = thrown(() => client.sendTree({ payload: deep }));
    expect(error).toBeInstanceOf(ValidationError);
    expect(() =>
      client.sendTree({ payload: { value: 'root', children: [{ value: 'a', children: [{ value: 'b' }] }] } }),
    ).not.toThrow();
  });
  test('edge cases - a durable job is stored under its nested meta.key and consumed by edge_job_workers_<region>', async () => {
    const region = `r${randomUUID().slice(0, 8)}`;
    const nc = await conns.runtime();
    const jsm = await conns.jsm();
    const errors = errorLog();
    const server = new edge.EdgeCasesApiXServer(nc, { onError: errors.onError });
    const got: DurableReceivedMessage<Job, unknown, { region: string }>[] = [];
    const handle = server.takeJob({ params: { region }, handler: (m) => void got.push(m) });
    try {
      // The consumer name is the queue group `edge.job.workers` made a legal name, plus the region.
      expect(handle.queue).toBe(`edge_job_workers_${region}`);
      expect(handle.subject).toBe(`edge.jobs.${region}`);
      const client = new edge.EdgeCasesApiXClient(nc);
      const key = `job-${region}`;
      const ack = await client.enqueueJob({ params: { region }, payload: { meta: { key } } });
      expect(ack).toEqual({
        stream: 'EDGE_JOBS',
        seq: expect.any(Number),
        duplicate: false,
        messageId: key,
        attempts: 1,
      });
      expect((await client.enqueueJob({ params: { region }, payload: { meta: { key } } })).duplicate).toBe(true);
      // Without the nested field there is no message id: rejected before sending.
      const error = await rejectionOf(() => client.enqueueJob({ params: { region }, payload: { meta: {} } as Job }));
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).issues.map((i) => i.path)).toEqual(['meta.key']);

      await waitFor('the job', () => got.length === 1);
      await consumerSettled(jsm, JOBS, handle.queue ?? '');
      expect(got.map((m) => [m.payload, m.messageId, m.deliveryCount, m.params])).toEqual([
        [{ meta: { key } }, key, 1, { region }],
      ]);
      expect(errors.events).toEqual([]);
    } finally {
      await server.drain();
      await jsm.consumers.delete(JOBS.stream, handle.queue ?? '').catch(() => false);
    }
  });

  test('edge cases - a job whose handler always throws is redelivered once, then dead-lettered (max-deliveries)', async () => {
    const region = `r${randomUUID().slice(0, 8)}`;
    const subject = `edge.jobs.${region}`;
    const nc = await conns.runtime();
    const jsm = await conns.jsm();
    const errors = errorLog();
    const after = await lastSeq(jsm, JOBS.deadLetterStream);
    const server = new edge.EdgeCasesApiXServer(nc, { onError: errors.onError });
    const deliveries: number[] = [];
    const boom = new Error('no such job\nsecond line');
    const handle = server.takeJob({
      params: { region },
      handler: (m) => {
        deliveries.push(m.deliveryCount);
        throw boom;
      },
    });
    try {
      const key = `job-${region}`;
      const ack = await new edge.EdgeCasesApiXClient(nc).enqueueJob({ params: { region }, payload: { meta: { key } } });
      const [dead] = await deadLetters(jsm, JOBS, subject, after, 1);
      await waitFor('the dead-letter report', () => errors.events.length === 2);
      // max-deliver 2: the first throw naks (redelivered after 10 ms), the second is the last delivery.
      expect(deliveries).toEqual([1, 2]);
      expect(errors.events.map((e) => [e.kind, e.operation, e.subject])).toEqual([
        ['handler', 'takeJob', subject],
        ['dead-letter', 'takeJob', subject],
      ]);
      expect(errors.events[0]?.error).toBe(boom);
      const error = errors.events[1]?.error as DeadLetterError;
      expect(error).toBeInstanceOf(DeadLetterError);
      expect(error).toMatchObject({ reason: 'max-deliveries', stored: true, stream: 'EDGE_JOBS', sequence: ack.seq });
      expect(error.cause).toBe(boom);
      expect(error.message).toBe(
        `message EDGE_JOBS:${ack.seq} on '${subject}' dead-lettered to 'edge.dead.jobs' (max-deliveries): no such job\nsecond line`,
      );
      expect(dead?.json()).toEqual({ meta: { key } });
      expect(headersOf(dead?.header)).toEqual({
        'Nats-Msg-Id': `EDGE_JOBS:${ack.seq}`,
        'Nats-Expected-Stream': 'EDGE_JOBS_DEAD_LETTER',
        'Nats-Dead-Letter-Message-Id': key,
        'Nats-Dead-Letter-Reason': 'max-deliveries',
        // The error on one line: CR/LF folded.
        'Nats-Dead-Letter-Error': 'no such job second line',
        'Nats-Dead-Letter-Subject': subject,
        'Nats-Dead-Letter-Stream': 'EDGE_JOBS',
        'Nats-Dead-Letter-Sequence': String(ack.seq),
        'Nats-Dead-Letter-Deliveries': '2',
      });
      const info = await consumerSettled(jsm, JOBS, handle.queue ?? '');
      expect(info).toMatchObject({ num_pending: 0, num_ack_pending: 0 });
    } finally {
      await server.drain();
      await jsm.consumers.delete(JOBS.stream, handle.queue ?? '').catch(() => false);
    }
  });
});
