import { setTimeout as sleep } from 'node:timers/promises';
import { type JetStreamManager, jetstream, jetstreamManager, type StoredMsg } from '@nats-io/jetstream';
import { connect as natsConnect } from '@nats-io/transport-node';
import { afterAll, afterEach, beforeAll, describe, expect, inject, test } from 'vitest';
import {
  consume,
  DeadLetterError,
  type DurableReceivedMessage,
  type DurableSpec,
  durablePublish,
  type ErrorEvent,
  type Handle,
  type NatsConnection,
  NotConnectedError,
  type OperationSpec,
  PayloadTooLargeError,
  StreamSetupError,
  subjectTemplate,
  ValidationError,
  wildcard,
  z,
} from '../../runtime/index.js';
import { probe, resetProbe } from '../../runtime/jetstream-probe.js';
import { consumerName, jsContext } from '../../runtime/jetstream-setup.js';
import { gate, uniquePrefix, waitFor } from '../harness/util.js';

const Order = z.object({ orderId: z.string(), amount: z.number() });
type Order = z.infer<typeof Order>;
const OrderHeaders = z.object({ 'x-request-id': z.string().optional() });
type Received = DurableReceivedMessage<Order, z.infer<typeof OrderHeaders>, { tenant: string }>;

let nc: NatsConnection;
let jsm: JetStreamManager;
const streams = new Set<string>();
const handles: Handle[] = [];

beforeAll(async () => {
  nc = await natsConnect({ servers: inject('natsUrl') });
  jsm = await jetstreamManager(nc);
});
afterEach(async () => {
  for (const handle of handles.splice(0)) handle.unsubscribe();
  for (const name of streams) await jsm.streams.delete(name).catch(() => false);
  streams.clear();
});
afterAll(async () => {
  await nc?.close();
});

interface Options {
  readonly durable?: Partial<DurableSpec['stream']>;
  readonly consumer?: Partial<NonNullable<DurableSpec['consumer']>>;
  readonly messageId?: DurableSpec['messageId'];
}

/** A durable operation on its own subjects, stream and dead-letter stream (deleted after the test). */
function orderOp(options: Options = {}): OperationSpec {
  const p = uniquePrefix();
  const stream = `S_${p}`;
  const dlq = `DLQ_${p}`;
  streams.add(stream);
  streams.add(dlq);
  const durable: DurableSpec = {
    stream: { name: stream, subjects: [`${p}.orders.>`], storage: 'memory', ...options.durable },
    consumer: { durable: 'workers', backoffMs: [50], maxDeliver: 5, ...options.consumer },
    deadLetter: { subject: `${p}.dead`, stream: dlq },
    ...(options.messageId === undefined ? {} : { messageId: options.messageId }),
  };
  return {
    id: 'placeOrder',
    subject: subjectTemplate(`${p}.orders.{tenant}`),
    messages: [{ name: 'Order', payload: Order, headers: OrderHeaders, headerNames: ['x-request-id'] }],
    durable,
  };
}

function durableOf(op: OperationSpec): DurableSpec {
  if (op.durable === undefined) throw new Error('not durable');
  return op.durable;
}

function track(handle: Handle): Handle {
  handles.push(handle);
  return handle;
}

function errorsInto(list: ErrorEvent[]): (event: ErrorEvent) => void {
  return (event) => {
    list.push(event);
  };
}

async function messagesIn(stream: string): Promise<number> {
  return (await jsm.streams.info(stream)).state.messages;
}

async function stored(stream: string, seq: number): Promise<StoredMsg> {
  const msg = await jsm.streams.getMessage(stream, { seq });
  if (msg === null) throw new Error(`no message ${seq} in ${stream}`);
  return msg;
}

/** Polls an async check until it passes (its last failure is thrown after `timeoutMs`). */
async function eventually(check: () => Promise<void>, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await check();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await sleep(20);
    }
  }
}

const order = (n: number): Order => ({ orderId: `o-${n}`, amount: n });

describe('durable publish', () => {
  test('durable publish - resolves the stream ack with sequence, duplicate false and one attempt', async () => {
    const op = orderOp();
    const ack = await durablePublish(nc, op, { params: { tenant: 'acme' }, payload: order(1) });
    expect(ack).toMatchObject({ stream: durableOf(op).stream.name, seq: 1, duplicate: false, attempts: 1 });
    expect(ack.messageId).toMatch(/^[0-9a-f-]{36}$/);
    const msg = await stored(durableOf(op).stream.name, 1);
    expect(msg.subject).toBe(op.subject.build({ tenant: 'acme' }));
    expect(msg.header.get('Nats-Msg-Id')).toBe(ack.messageId);
    expect(msg.json()).toEqual(order(1));
  });

  test('durable publish - creates the stream and its dead-letter stream from the spec', async () => {
    const op = orderOp({ durable: { duplicateWindowMs: 60_000, maxAgeMs: 3_600_000, retention: 'workqueue' } });
    await durablePublish(nc, op, { params: { tenant: 'acme' }, payload: order(1) });
    const { stream, deadLetter } = durableOf(op);
    const main = await jsm.streams.info(stream.name);
    expect(main.config).toMatchObject({
      subjects: stream.subjects,
      storage: 'memory',
      retention: 'workqueue',
      num_replicas: 1,
      duplicate_window: 60_000_000_000,
      max_age: 3_600_000_000_000,
    });
    const dead = await jsm.streams.info(deadLetter.stream);
    expect(dead.config).toMatchObject({ subjects: [deadLetter.subject], retention: 'limits', storage: 'memory' });
  });

  test('durable publish - an existing stream with other subjects gets exactly the spec subjects', async () => {
    const op = orderOp();
    const { stream } = durableOf(op);
    const extra = `${uniquePrefix()}.other`;
    await jsm.streams.add({ name: stream.name, subjects: [extra], storage: 'memory' as never });
    await durablePublish(nc, op, { params: { tenant: 'acme' }, payload: order(1) });
    expect((await jsm.streams.info(stream.name)).config.subjects).toEqual(stream.subjects);
  });

  test('durable publish - a stream with another retention is a StreamSetupError', async () => {
    const op = orderOp({ durable: { retention: 'workqueue' } });
    const { stream } = durableOf(op);
    await jsm.streams.add({ name: stream.name, subjects: [...stream.subjects], storage: 'memory' as never });
    const error = await durablePublish(nc, op, { params: { tenant: 'acme' }, payload: order(1) }).catch((e) => e);
    expect(error).toBeInstanceOf(StreamSetupError);
    expect(error.message).toBe(
      `stream '${stream.name}': exists with retention 'limits', the spec says 'workqueue' (retention cannot change)`,
    );
  });

  test('durable publish - a stream the server refuses is a StreamSetupError with the cause', async () => {
    const op = orderOp();
    const { stream } = durableOf(op);
    // Another stream already captures the same subjects: the server refuses the overlap.
    const squatter = `SQ_${uniquePrefix()}`;
    streams.add(squatter);
    await jsm.streams.add({ name: squatter, subjects: [...stream.subjects], storage: 'memory' as never });
    const error = await durablePublish(nc, op, { params: { tenant: 'acme' }, payload: order(1) }).catch((e) => e);
    expect(error).toBeInstanceOf(StreamSetupError);
    expect(error.message).toMatch(new RegExp(`^stream '${stream.name}': creating the stream failed: .*overlap`));
    expect(error.cause).toBeInstanceOf(Error);
  });

  test('durable publish - the same message id twice is stored once, the second ack says duplicate', async () => {
    const op = orderOp({ messageId: { payload: ['orderId'] } });
    const first = await durablePublish(nc, op, { params: { tenant: 'acme' }, payload: order(7) });
    const second = await durablePublish(nc, op, { params: { tenant: 'acme' }, payload: order(7) });
    expect(first).toMatchObject({ seq: 1, duplicate: false, messageId: 'o-7' });
    expect(second).toMatchObject({ seq: 1, duplicate: true, messageId: 'o-7' });
    expect(await messagesIn(durableOf(op).stream.name)).toBe(1);
  });

  test('durable publish - the message id comes from the named header', async () => {
    const op = orderOp({ messageId: { header: 'x-request-id' } });
    const ack = await durablePublish(nc, op, {
      params: { tenant: 'acme' },
      payload: order(1),
      headers: { 'x-request-id': 'req-42' },
    });
    expect(ack.messageId).toBe('req-42');
    const msg = await stored(durableOf(op).stream.name, ack.seq);
    expect(msg.header.get('Nats-Msg-Id')).toBe('req-42');
    expect(msg.header.get('x-request-id')).toBe('req-42');
  });

  test('durable publish - the message id comes from a payload path, numbers included', async () => {
    const Nested = z.object({ meta: z.object({ id: z.number() }) });
    const op: OperationSpec = {
      ...orderOp({ messageId: { payload: ['meta', 'id'] } }),
      messages: [{ name: 'N', payload: Nested }],
    };
    const ack = await durablePublish(nc, op, { params: { tenant: 'acme' }, payload: { meta: { id: 12 } } });
    expect(ack.messageId).toBe('12');
  });

  test('durable publish - a missing message id field is a ValidationError and nothing is sent', async () => {
    const op = orderOp({ messageId: { header: 'x-request-id' } });
    const error = await durablePublish(nc, op, { params: { tenant: 'acme' }, payload: order(1) }).catch((e) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect(error.message).toBe(
      "invalid headers for operation 'placeOrder': x-request-id: required as the message id: a non-empty value without CR or LF",
    );
    const byPayload = orderOp({ messageId: { payload: ['customer', 'id'] } });
    const other = await durablePublish(nc, byPayload, { params: { tenant: 'acme' }, payload: order(1) }).catch(
      (e) => e,
    );
    expect(other).toBeInstanceOf(ValidationError);
    expect(other.message).toBe(
      "invalid payload for operation 'placeOrder': customer.id: required as the message id: a non-empty string without CR or LF, or a number",
    );
    // Nothing was sent: not even the stream exists.
    await expect(jsm.streams.info(durableOf(op).stream.name)).rejects.toThrow('stream not found');
  });

  test('durable publish - an invalid payload is a ValidationError and nothing is stored', async () => {
    const op = orderOp();
    await durablePublish(nc, op, { params: { tenant: 'acme' }, payload: order(1) });
    const error = await durablePublish(nc, op, { params: { tenant: 'acme' }, payload: { orderId: 5 } }).catch((e) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect(error.direction).toBe('send');
    expect(await messagesIn(durableOf(op).stream.name)).toBe(1);
  });

  test('durable publish - a message over max_payload is a PayloadTooLargeError before anything is sent', async () => {
    const op = orderOp();
    const huge = { orderId: 'x'.repeat(2 * 1024 * 1024), amount: 1 };
    const error = await durablePublish(nc, op, { params: { tenant: 'acme' }, payload: huge }).catch((e) => e);
    expect(error).toBeInstanceOf(PayloadTooLargeError);
    await expect(jsm.streams.info(durableOf(op).stream.name)).rejects.toThrow('stream not found');
  });

  test('durable publish - on a closed connection it is a NotConnectedError', async () => {
    const own = await natsConnect({ servers: inject('natsUrl') });
    await own.close();
    const op = orderOp();
    const error = await durablePublish(own, op, { params: { tenant: 'acme' }, payload: order(1) }).catch((e) => e);
    expect(error).toBeInstanceOf(NotConnectedError);
    expect(error.closed).toBe(true);
  });

  test('durable publish - a stream deleted behind its back is created again', async () => {
    const op = orderOp();
    const { stream } = durableOf(op);
    await durablePublish(nc, op, { params: { tenant: 'acme' }, payload: order(1) });
    await jsm.streams.delete(stream.name);
    const ack = await durablePublish(nc, op, { params: { tenant: 'acme' }, payload: order(2) });
    expect(ack).toMatchObject({ stream: stream.name, seq: 1, duplicate: false });
    expect(ack.attempts).toBeGreaterThan(1);
  });

  test('durable publish window - 1,000 concurrent publishes keep at most maxPendingAcks awaiting acks', async () => {
    const op = orderOp();
    await durablePublish(nc, op, { params: { tenant: 'acme' }, payload: order(0) });
    resetProbe();
    const started = performance.now();
    const acks = await Promise.all(
      Array.from({ length: 1_000 }, (_, i) =>
        durablePublish(nc, op, { params: { tenant: 'acme' }, payload: order(i + 1) }, { maxPendingAcks: 16 }),
      ),
    );
    const ms = performance.now() - started;
    expect(probe.maxPublishing).toBeLessThanOrEqual(16);
    expect(probe.maxPublishing).toBeGreaterThan(1);
    expect(new Set(acks.map((a) => a.seq)).size).toBe(1_000);
    expect(await messagesIn(durableOf(op).stream.name)).toBe(1_001);
    console.log(
      `durable publish: 1,000 messages with maxPendingAcks 16 in ${ms.toFixed(0)} ms (${Math.round(1_000_000 / ms)} msgs/s, peak ${probe.maxPublishing} awaiting acks)`,
    );
  });

  test('durable publish window - callers beyond the window are served in arrival order', async () => {
    const op = orderOp();
    await durablePublish(nc, op, { params: { tenant: 'acme' }, payload: order(0) });
    const acks = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        durablePublish(nc, op, { params: { tenant: 'acme' }, payload: order(i + 1) }, { maxPendingAcks: 1 }),
      ),
    );
    // One at a time, first come first served: sequences follow call order.
    expect(acks.map((a) => a.seq)).toEqual(Array.from({ length: 50 }, (_, i) => i + 2));
  });
});

describe('durable consume', () => {
  async function publishAll(op: OperationSpec, count: number, tenant = 'acme'): Promise<void> {
    await Promise.all(
      Array.from({ length: count }, (_, i) => durablePublish(nc, op, { params: { tenant }, payload: order(i) })),
    );
  }

  async function consumerInfo(op: OperationSpec, name = 'workers') {
    return jsm.consumers.info(durableOf(op).stream.name, name);
  }

  test('durable consume - delivers each message once with payload, params, message id and an explicit ack', async () => {
    const op = orderOp({ durable: { retention: 'workqueue' }, messageId: { payload: ['orderId'] } });
    await publishAll(op, 20);
    const seen: Received[] = [];
    const errors: ErrorEvent[] = [];
    const handle = track(
      consume<Received>(
        nc,
        op,
        { params: { tenant: wildcard } },
        (m) => {
          seen.push(m);
        },
        { onError: errorsInto(errors) },
      ),
    );
    expect(handle.subject).toBe(op.subject.subscription({ tenant: wildcard }));
    expect(handle.queue).toBe('workers');
    await waitFor('20 messages', () => seen.length === 20);
    await handle.drain();
    expect(new Set(seen.map((m) => m.payload.orderId)).size).toBe(20);
    const first = seen.find((m) => m.payload.orderId === 'o-3') as Received;
    expect(first).toMatchObject({
      payload: order(3),
      params: { tenant: 'acme' },
      subject: op.subject.build({ tenant: 'acme' }),
      messageId: 'o-3',
      deliveryCount: 1,
    });
    expect(errors).toEqual([]);
    const info = await consumerInfo(op);
    expect(info.num_pending).toBe(0);
    expect(info.num_ack_pending).toBe(0);
    expect(info.config).toMatchObject({ ack_policy: 'explicit', ack_wait: 30_000_000_000, max_deliver: -1 });
    // Workqueue retention: every acked message is gone.
    expect(await messagesIn(durableOf(op).stream.name)).toBe(0);
  });

  test('durable consume - a handler that throws twice is redelivered with backoff and then acked', async () => {
    const op = orderOp({ consumer: { backoffMs: [50] } });
    await publishAll(op, 1);
    const deliveries: number[] = [];
    const errors: ErrorEvent[] = [];
    const done = gate();
    track(
      consume<Received>(
        nc,
        op,
        { params: { tenant: wildcard } },
        async (m) => {
          deliveries.push(m.deliveryCount);
          if (m.deliveryCount < 3) throw new Error(`flaky ${m.deliveryCount}`);
          done.open();
        },
        { onError: errorsInto(errors) },
      ),
    );
    await done.promise;
    await eventually(async () => {
      expect((await consumerInfo(op)).num_ack_pending).toBe(0);
    });
    expect(deliveries).toEqual([1, 2, 3]);
    expect(errors.map((e) => [e.kind, (e.error as Error).message])).toEqual([
      ['handler', 'flaky 1'],
      ['handler', 'flaky 2'],
    ]);
    const info = await consumerInfo(op);
    expect(info.num_ack_pending).toBe(0);
    expect(info.num_pending).toBe(0);
  });

  test('durable consume - a handler that always throws dead-letters after maxDeliver with reason headers', async () => {
    const op = orderOp({ consumer: { backoffMs: [20], maxDeliver: 3 }, messageId: { payload: ['orderId'] } });
    await durablePublish(nc, op, {
      params: { tenant: 'acme' },
      payload: order(9),
      headers: { 'x-request-id': 'r-9' },
    });
    let calls = 0;
    const errors: ErrorEvent[] = [];
    track(
      consume<Received>(
        nc,
        op,
        { params: { tenant: wildcard } },
        () => {
          calls++;
          throw new Error('boom\nsecond line');
        },
        { onError: errorsInto(errors) },
      ),
    );
    const { deadLetter, stream } = durableOf(op);
    await waitFor('the dead letter', () => errors.some((e) => e.kind === 'dead-letter'));
    await sleep(300);
    expect(calls).toBe(3);
    expect(errors.map((e) => e.kind)).toEqual(['handler', 'handler', 'dead-letter']);
    const event = errors[2] as ErrorEvent;
    expect(event.error).toBeInstanceOf(DeadLetterError);
    expect((event.error as DeadLetterError).stored).toBe(true);
    expect((event.error as Error).message).toBe(
      `message ${stream.name}:1 on '${op.subject.build({ tenant: 'acme' })}' dead-lettered to '${deadLetter.subject}' (max-deliveries): boom\nsecond line`,
    );
    const dead = await stored(deadLetter.stream, 1);
    expect(dead.subject).toBe(deadLetter.subject);
    expect(dead.json()).toEqual(order(9));
    expect(Object.fromEntries([...dead.header].map(([k, v]) => [k, v.join(',')]))).toEqual({
      'x-request-id': 'r-9',
      'Nats-Msg-Id': `${stream.name}:1`,
      'Nats-Expected-Stream': deadLetter.stream,
      'Nats-Dead-Letter-Message-Id': 'o-9',
      'Nats-Dead-Letter-Reason': 'max-deliveries',
      'Nats-Dead-Letter-Error': 'boom second line',
      'Nats-Dead-Letter-Subject': op.subject.build({ tenant: 'acme' }),
      'Nats-Dead-Letter-Stream': stream.name,
      'Nats-Dead-Letter-Sequence': '1',
      'Nats-Dead-Letter-Deliveries': '3',
    });
    // The original was terminated: nothing pending, nothing waiting for an ack, never delivered again.
    const info = await consumerInfo(op);
    expect(info.num_ack_pending).toBe(0);
    expect(info.num_pending).toBe(0);
    expect(info.num_redelivered).toBe(0);
    expect(await messagesIn(deadLetter.stream)).toBe(1);
  });

  test('durable consume - a dead-lettering that fails naks the message and a later delivery dead-letters it', async () => {
    const op = orderOp({ consumer: { backoffMs: [50], maxDeliver: 2 } });
    const { deadLetter } = durableOf(op);
    let calls = 0;
    const errors: ErrorEvent[] = [];
    const handle = track(
      consume<Received>(
        nc,
        op,
        { params: { tenant: wildcard } },
        () => {
          calls++;
          throw new Error('always');
        },
        { onError: errorsInto(errors) },
      ),
    );
    await eventually(async () => {
      await jsm.consumers.info(durableOf(op).stream.name, 'workers');
    });
    // Break the dead-letter route behind the worker's back: another stream now captures the subject, so
    // the dead-letter publish (which expects stream deadLetter.stream) is refused.
    const squatter = `SQ_${uniquePrefix()}`;
    streams.add(squatter);
    await jsm.streams.update(deadLetter.stream, { subjects: [`${deadLetter.subject}.unused`] });
    await jsm.streams.add({ name: squatter, subjects: [deadLetter.subject], storage: 'memory' as never });
    await durablePublish(nc, op, { params: { tenant: 'acme' }, payload: order(1) });
    await waitFor('a failed dead-lettering', () => errors.some((e) => e.kind === 'dead-letter'));
    const failed = errors.find((e) => e.kind === 'dead-letter')?.error as DeadLetterError;
    expect(failed.stored).toBe(false);
    expect(failed.message).toMatch(/could not be dead-lettered .* \(max-deliveries\), it will be redelivered: /);
    // Repair the route: the next delivery (over maxDeliver) goes straight to the dead-letter subject.
    await jsm.streams.delete(squatter);
    await jsm.streams.update(deadLetter.stream, { subjects: [deadLetter.subject] });
    await waitFor('a stored dead letter', () =>
      errors.some((e) => e.kind === 'dead-letter' && (e.error as DeadLetterError).stored),
    );
    await handle.drain();
    expect(calls).toBe(2);
    const dead = await stored(deadLetter.stream, 1);
    expect(Number(dead.header.get('Nats-Dead-Letter-Deliveries'))).toBeGreaterThanOrEqual(3);
    expect(await messagesIn(deadLetter.stream)).toBe(1);
    expect((await consumerInfo(op)).num_ack_pending).toBe(0);
  });

  test('durable consume - a non-JSON message is dead-lettered (decode) and the next one still arrives', async () => {
    const op = orderOp();
    await durablePublish(nc, op, { params: { tenant: 'acme' }, payload: order(0) });
    const js = jetstream(nc);
    await js.publish(op.subject.build({ tenant: 'acme' }), 'not json {');
    await durablePublish(nc, op, { params: { tenant: 'acme' }, payload: order(2) });
    const seen: string[] = [];
    const errors: ErrorEvent[] = [];
    track(
      consume<Received>(
        nc,
        op,
        { params: { tenant: wildcard } },
        (m) => {
          seen.push(m.payload.orderId);
        },
        { onError: errorsInto(errors), maxInFlight: 1 },
      ),
    );
    await waitFor('both valid messages', () => seen.length === 2);
    expect(seen).toEqual(['o-0', 'o-2']);
    await waitFor('the report', () => errors.length === 1);
    expect(errors[0]?.kind).toBe('dead-letter');
    expect(((errors[0] as ErrorEvent).error as DeadLetterError).reason).toBe('decode');
    const dead = await stored(durableOf(op).deadLetter.stream, 1);
    expect(dead.string()).toBe('not json {');
    expect(dead.header.get('Nats-Dead-Letter-Reason')).toBe('decode');
    expect(dead.header.get('Nats-Dead-Letter-Error')).toBe(
      `malformed JSON for operation 'placeOrder' on '${op.subject.build({ tenant: 'acme' })}'`,
    );
    expect(dead.header.get('Nats-Dead-Letter-Sequence')).toBe('2');
    expect(dead.header.get('Nats-Dead-Letter-Deliveries')).toBe('1');
  });

  test('durable publish window - dead letters take no slot, and every settled publish gives its slot back', async () => {
    const op = orderOp();
    const window = jsContext(nc).window;
    await durablePublish(nc, op, { params: { tenant: 'acme' }, payload: order(0) });
    await jetstream(nc).publish(op.subject.build({ tenant: 'acme' }), 'not json {');
    const errors: ErrorEvent[] = [];
    track(consume<Received>(nc, op, { params: { tenant: wildcard } }, () => {}, { onError: errorsInto(errors) }));
    await waitFor('the dead letter', () => errors.length === 1);
    expect(((errors[0] as ErrorEvent).error as DeadLetterError).stored).toBe(true);
    // A publish the stream refuses (another stream's subject) and one that fails validation.
    const misfiled = {
      ...op,
      durable: { ...durableOf(op), stream: { ...durableOf(op).stream, name: 'NOT_THIS_ONE' } },
    };
    await expect(
      durablePublish(nc, misfiled, { params: { tenant: 'acme' }, payload: order(1) }, { publishTimeoutMs: 2_000 }),
    ).rejects.toThrow();
    await expect(
      durablePublish(nc, op, { params: { tenant: 'acme' }, payload: { orderId: 1 } as unknown as Order }),
    ).rejects.toBeInstanceOf(ValidationError);
    expect(window.size).toBe(0);
    // With one slot, publishes still go one at a time: a slot given back twice would let two through.
    resetProbe();
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        durablePublish(nc, op, { params: { tenant: 'acme' }, payload: order(i + 2) }, { maxPendingAcks: 1 }),
      ),
    );
    expect(probe.maxPublishing).toBe(1);
    expect(window.size).toBe(0);
  });

  test('durable consume - an invalid message is dead-lettered (validation) with the issue in a header', async () => {
    const op = orderOp();
    await durablePublish(
      nc,
      op,
      { params: { tenant: 'acme' }, payload: { orderId: 1 } },
      { validate: { send: false } },
    );
    const errors: ErrorEvent[] = [];
    let calls = 0;
    track(
      consume<Received>(
        nc,
        op,
        { params: { tenant: wildcard } },
        () => {
          calls++;
        },
        { onError: errorsInto(errors) },
      ),
    );
    await waitFor('the dead letter', () => errors.length === 1);
    expect(calls).toBe(0);
    expect(((errors[0] as ErrorEvent).error as DeadLetterError).reason).toBe('validation');
    expect(((errors[0] as ErrorEvent).error as Error).cause).toBeInstanceOf(ValidationError);
    const dead = await stored(durableOf(op).deadLetter.stream, 1);
    expect(dead.header.get('Nats-Dead-Letter-Reason')).toBe('validation');
    expect(dead.header.get('Nats-Dead-Letter-Error')).toMatch(/^invalid payload for operation 'placeOrder': orderId: /);
    await eventually(async () => {
      expect((await consumerInfo(op)).num_ack_pending).toBe(0);
    });
  });

  test('durable consume - maxInFlight 8 bounds concurrent handlers over 2,000 messages, each processed once', async () => {
    const op = orderOp();
    await publishAll(op, 2_000);
    const counts = new Map<string, number>();
    let running = 0;
    let peak = 0;
    const started = performance.now();
    track(
      consume<Received>(
        nc,
        op,
        { params: { tenant: wildcard } },
        async (m) => {
          running++;
          peak = Math.max(peak, running);
          await sleep(2);
          counts.set(m.payload.orderId, (counts.get(m.payload.orderId) ?? 0) + 1);
          running--;
        },
        { maxInFlight: 8 },
      ),
    );
    await waitFor('2,000 messages', () => counts.size === 2_000, 30_000);
    const ms = performance.now() - started;
    expect(peak).toBeLessThanOrEqual(8);
    expect(peak).toBe(8);
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
    console.log(
      `durable consume: 2,000 messages, 2 ms handler, maxInFlight 8 in ${ms.toFixed(0)} ms (${Math.round(2_000_000 / ms)} msgs/s; the handlers alone allow at most 8 / 2 ms = 4,000 msgs/s)`,
    );
  });

  test('durable consume - throughput with a no-op handler and the default maxInFlight', async () => {
    const op = orderOp();
    const count = 5_000;
    for (let i = 0; i < count; i += 1_000) {
      await Promise.all(
        Array.from({ length: 1_000 }, (_, j) =>
          durablePublish(nc, op, { params: { tenant: 'acme' }, payload: order(i + j) }),
        ),
      );
    }
    let seen = 0;
    const started = performance.now();
    track(
      consume<Received>(nc, op, { params: { tenant: wildcard } }, () => {
        seen++;
      }),
    );
    await waitFor(`${count} messages`, () => seen === count, 30_000);
    const ms = performance.now() - started;
    console.log(
      `durable consume: ${count} messages, no-op handler, maxInFlight 64 in ${ms.toFixed(0)} ms (${Math.round((count * 1000) / ms)} msgs/s)`,
    );
  });

  test('durable consume - drain finishes running and prefetched messages and acks them; the next worker gets the rest, nothing twice', async () => {
    const op = orderOp();
    await publishAll(op, 30);
    const release = gate();
    const first: string[] = [];
    const handle = track(
      consume<Received>(
        nc,
        op,
        { params: { tenant: wildcard } },
        async (m) => {
          first.push(m.payload.orderId);
          await release.promise;
        },
        { maxInFlight: 5 },
      ),
    );
    await waitFor('5 running handlers', () => first.length === 5);
    const drained = handle.drain();
    let finished = false;
    void drained.then(() => {
      finished = true;
    });
    await sleep(50);
    expect(finished).toBe(false);
    expect(first).toHaveLength(5);
    release.open();
    await drained;
    // The 5 running, and at most maxInFlight more that were already prefetched when the drain began.
    expect(first.length).toBeGreaterThanOrEqual(5);
    expect(first.length).toBeLessThanOrEqual(10);
    const info = await consumerInfo(op);
    expect(info.num_ack_pending).toBe(0);
    expect(info.num_pending).toBe(30 - first.length);
    const second: Received[] = [];
    track(
      consume<Received>(nc, op, { params: { tenant: wildcard } }, (m) => {
        second.push(m);
      }),
    );
    const rest = 30 - first.length;
    await waitFor(`the other ${rest}`, () => second.length === rest);
    await sleep(100);
    expect(second).toHaveLength(rest);
    expect(second.every((m) => m.deliveryCount === 1)).toBe(true);
    expect(new Set([...first, ...second.map((m) => m.payload.orderId)]).size).toBe(30);
  });

  test('durable consume - unsubscribe stops at once; closed resolves when running handlers settle; prefetched messages go back at once', async () => {
    const op = orderOp();
    await publishAll(op, 10);
    const release = gate();
    const first: string[] = [];
    const handle = track(
      consume<Received>(
        nc,
        op,
        { params: { tenant: wildcard } },
        async (m) => {
          first.push(m.payload.orderId);
          await release.promise;
        },
        { maxInFlight: 2 },
      ),
    );
    await waitFor('2 running handlers', () => first.length === 2);
    // The prefetched messages have arrived (a message still on the wire when the pull closes is
    // dropped by the client and comes back only after ack_wait: that race is not what this tests).
    await sleep(100);
    handle.unsubscribe();
    let closed = false;
    void handle.closed.then(() => {
      closed = true;
    });
    await sleep(50);
    expect(closed).toBe(false);
    release.open();
    await handle.closed;
    await sleep(50);
    expect(first).toHaveLength(2);
    // The other 8 reach the next worker at once (prefetched ones were nakked, not left to ack_wait),
    // and the 2 handled ones never come back.
    const second: Received[] = [];
    track(
      consume<Received>(nc, op, { params: { tenant: wildcard } }, (m) => {
        second.push(m);
      }),
    );
    await waitFor('the other 8', () => second.length === 8, 5_000);
    await sleep(100);
    expect(second).toHaveLength(8);
    expect(new Set([...first, ...second.map((m) => m.payload.orderId)]).size).toBe(10);
    const info = await consumerInfo(op);
    expect(info.num_ack_pending).toBe(0);
    expect(info.num_pending).toBe(0);
  });

  test('durable consume - two workers on the same operation share the durable consumer', async () => {
    const op = orderOp();
    await publishAll(op, 200);
    const a: string[] = [];
    const b: string[] = [];
    const handler = (into: string[]) => async (m: Received) => {
      into.push(m.payload.orderId);
      await sleep(1);
    };
    const ha = track(consume<Received>(nc, op, { params: { tenant: wildcard } }, handler(a), { maxInFlight: 4 }));
    const hb = track(consume<Received>(nc, op, { params: { tenant: wildcard } }, handler(b), { maxInFlight: 4 }));
    await waitFor('200 messages', () => a.length + b.length === 200);
    await Promise.all([ha.drain(), hb.drain()]);
    expect(a.length).toBeGreaterThan(0);
    expect(b.length).toBeGreaterThan(0);
    expect(new Set([...a, ...b]).size).toBe(200);
    expect(ha.queue).toBe(hb.queue);
    expect((await jsm.consumers.list(durableOf(op).stream.name).next()).map((c) => c.name)).toEqual(['workers']);
  });

  test('durable consume - concrete parameters get their own consumer and filter', async () => {
    const op = orderOp();
    await publishAll(op, 3, 'acme');
    await publishAll(op, 2, 'globex');
    const seen: string[] = [];
    const handle = track(
      consume<Received>(nc, op, { params: { tenant: 'globex' } }, (m) => {
        seen.push(m.params.tenant);
      }),
    );
    expect(handle.queue).toBe('workers_globex');
    expect(handle.subject).toBe(op.subject.build({ tenant: 'globex' }));
    await waitFor('2 messages', () => seen.length === 2);
    await handle.drain();
    expect(seen).toEqual(['globex', 'globex']);
    expect((await consumerInfo(op, 'workers_globex')).config.filter_subject).toBe(handle.subject);
  });

  test('durable consume - a saturated worker holds at most maxInFlight running and maxInFlight prefetched messages', async () => {
    const op = orderOp();
    await publishAll(op, 20);
    const release = gate();
    let running = 0;
    const handle = track(
      consume<Received>(
        nc,
        op,
        { params: { tenant: wildcard } },
        async () => {
          running++;
          await release.promise;
        },
        { maxInFlight: 2 },
      ),
    );
    await waitFor('2 running handlers', () => running === 2);
    await sleep(600); // past the park delay: the pull is closed, nothing more is asked for
    const info = await consumerInfo(op);
    expect(running).toBe(2);
    expect(info.num_ack_pending).toBeGreaterThanOrEqual(2);
    expect(info.num_ack_pending).toBeLessThanOrEqual(4);
    expect(info.num_pending).toBe(20 - info.num_ack_pending);
    release.open();
    await waitFor('all 20', () => running === 20);
    await handle.drain();
    expect((await consumerInfo(op)).num_ack_pending).toBe(0);
  });

  // 250 ms: shorter than the default park delay, so the prefetched messages must be parked (and their
  // progress signalled) within a quarter of the ack wait, counted from their delivery.
  test.each([400, 250])(
    'durable consume - prefetched messages waiting behind slow handlers past ack_wait (%i ms) are kept, not redelivered to another worker',
    async (ackWaitMs) => {
      const op = orderOp({ consumer: { ackWaitMs } });
      await publishAll(op, 6);
      const seen: Received[] = [];
      const slow = async (m: Received) => {
        seen.push(m);
        await sleep(1_000);
      };
      const a = track(consume<Received>(nc, op, { params: { tenant: wildcard } }, slow, { maxInFlight: 2 }));
      await waitFor('the first worker busy', () => seen.length === 2);
      // The second worker joins once the first holds prefetched messages; they must not leak to it.
      const b = track(consume<Received>(nc, op, { params: { tenant: wildcard } }, slow, { maxInFlight: 2 }));
      // At least 6: a redelivery (the property under test failing) shows as a delivery count below, not as a timeout.
      await waitFor('all 6 handled', () => seen.length >= 6, 10_000);
      await Promise.all([a.drain(), b.drain()]);
      expect(seen.every((m) => m.deliveryCount === 1)).toBe(true);
      expect(new Set(seen.map((m) => m.payload.orderId)).size).toBe(6);
      await sleep(500);
      expect(seen).toHaveLength(6);
      expect((await consumerInfo(op)).num_ack_pending).toBe(0);
    },
  );

  test('durable consume - a long handler signals progress and is not redelivered', async () => {
    const op = orderOp({ consumer: { ackWaitMs: 400 } });
    await publishAll(op, 1);
    const deliveries: number[] = [];
    const done = gate();
    track(
      consume<Received>(nc, op, { params: { tenant: wildcard } }, async (m) => {
        deliveries.push(m.deliveryCount);
        await sleep(1_500);
        done.open();
      }),
    );
    await done.promise;
    await sleep(100);
    expect(deliveries).toEqual([1]);
    const info = await consumerInfo(op);
    expect(info.num_ack_pending).toBe(0);
    expect(info.num_redelivered).toBe(0);
  });

  test('durable consume - a consumer deleted behind its back is reported and recreated', async () => {
    const op = orderOp();
    const seen: string[] = [];
    const errors: ErrorEvent[] = [];
    track(
      consume<Received>(
        nc,
        op,
        { params: { tenant: wildcard } },
        (m) => {
          seen.push(m.payload.orderId);
        },
        { onError: errorsInto(errors) },
      ),
    );
    await eventually(async () => {
      await consumerInfo(op);
    });
    await jsm.consumers.delete(durableOf(op).stream.name, 'workers');
    await sleep(200);
    await publishAll(op, 3);
    await waitFor('3 messages after the recreation', () => seen.length === 3, 15_000);
    expect(errors.length).toBeGreaterThan(0);
    expect(errors.every((e) => e.kind === 'consumer')).toBe(true);
  });

  test('durable consume - an existing consumer is updated to the spec', async () => {
    const op = orderOp({ consumer: { ackWaitMs: 10_000 } });
    await publishAll(op, 1);
    const { stream } = durableOf(op);
    await jsm.consumers.add(stream.name, {
      durable_name: 'workers',
      ack_policy: 'explicit' as never,
      ack_wait: 5_000_000_000,
      max_deliver: 3,
      max_ack_pending: 2,
      filter_subject: `${op.subject.pattern}`,
    });
    let seen = 0;
    const handle = track(
      consume<Received>(
        nc,
        op,
        { params: { tenant: wildcard } },
        () => {
          seen++;
        },
        { maxInFlight: 16 },
      ),
    );
    await waitFor('the message', () => seen === 1);
    await handle.drain();
    const info = await consumerInfo(op);
    expect(info.config).toMatchObject({ ack_wait: 10_000_000_000, max_deliver: -1, max_ack_pending: 16 });
  });

  test('durable consume - closing the connection ends the worker and resolves closed', async () => {
    const own = await natsConnect({ servers: inject('natsUrl') });
    const op = orderOp();
    let seen = 0;
    const handle = consume<Received>(own, op, { params: { tenant: wildcard } }, () => {
      seen++;
    });
    await durablePublish(own, op, { params: { tenant: 'acme' }, payload: order(1) });
    await waitFor('the message', () => seen === 1);
    await own.close();
    await handle.closed;
  });

  test('durable consume - onError that throws does not stop the worker', async () => {
    const op = orderOp();
    await durablePublish(
      nc,
      op,
      { params: { tenant: 'acme' }, payload: { orderId: 1 } },
      { validate: { send: false } },
    );
    await durablePublish(nc, op, { params: { tenant: 'acme' }, payload: order(2) });
    const seen: string[] = [];
    const original = console.error;
    const printed: unknown[][] = [];
    console.error = (...args: unknown[]) => {
      printed.push(args);
    };
    try {
      track(
        consume<Received>(
          nc,
          op,
          { params: { tenant: wildcard } },
          (m) => {
            seen.push(m.payload.orderId);
          },
          {
            maxInFlight: 1,
            onError: () => {
              throw new Error('bad listener');
            },
          },
        ),
      );
      await waitFor('the valid message', () => seen.length === 1);
    } finally {
      console.error = original;
    }
    expect(seen).toEqual(['o-2']);
    expect(String(printed[0]?.[0])).toBe("asyncapi-nats: onError threw for operation 'placeOrder':");
  });
});

describe('durable consume - consumer names', () => {
  const spec = { durable: 'workers' };
  const cases: [string, { params: Record<string, string | typeof wildcard>; want: string | RegExp }][] = [
    ['all wildcards keep the plain name', { params: { tenant: wildcard, id: wildcard }, want: 'workers' }],
    ['concrete values are appended', { params: { tenant: 'acme', id: '42' }, want: 'workers_acme_42' }],
    [
      'a wildcard among values is marked and hashed',
      { params: { tenant: 'acme', id: wildcard }, want: /^workers_acme___[0-9a-f]{8}$/ },
    ],
    [
      'unsafe characters are replaced and hashed',
      { params: { tenant: 'a/b', id: 'c:d' }, want: /^workers_a_b_c_d_[0-9a-f]{8}$/ },
    ],
  ];
  for (const [name, { params, want }] of cases) {
    test(`durable consume - consumer names: ${name}`, () => {
      const got = consumerName(spec, ['tenant', 'id'], params);
      if (typeof want === 'string') expect(got).toBe(want);
      else expect(got).toMatch(want);
    });
  }
  test('durable consume - consumer names: different values never share a name', () => {
    const a = consumerName(spec, ['tenant', 'id'], { tenant: 'x', id: wildcard });
    const b = consumerName(spec, ['tenant', 'id'], { tenant: wildcard, id: 'x' });
    const c = consumerName(spec, ['tenant', 'id'], { tenant: 'a/b', id: 'c' });
    const d = consumerName(spec, ['tenant', 'id'], { tenant: 'a_b', id: 'c' });
    expect(new Set([a, b, c, d]).size).toBe(4);
  });
});
