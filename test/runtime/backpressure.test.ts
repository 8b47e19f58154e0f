import { connect as natsConnect } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import {
  type AsyncApiNatsError,
  type ErrorEvent,
  HandlerTimeoutError,
  type NatsConnection,
  type OperationSpec,
  type ReceivedMessage,
  RemoteError,
  reply,
  request,
  subjectTemplate,
  subscribe,
  wildcard,
  z,
} from '../../runtime/index.js';
import { gate, uniquePrefix, waitFor } from '../harness/util.js';

const AgentMessage = z.object({ content: z.string(), seq: z.number().int() });
type AgentMessage = z.infer<typeof AgentMessage>;
type Received = ReceivedMessage<AgentMessage, Record<string, never>, { tenant_id: string }>;

/** An operation on a subject no other test uses. */
function agentOp(): OperationSpec {
  return {
    id: 'sendAgentMessage',
    subject: subjectTemplate(`${uniquePrefix()}.agent.message.{tenant_id}`),
    messages: [{ name: 'AgentMessage', payload: AgentMessage }],
  };
}

const Ask = z.object({ prompt: z.string() });
const Answer = z.object({ text: z.string() });

function askOp(): OperationSpec {
  return {
    id: 'askModel',
    subject: subjectTemplate(`${uniquePrefix()}.ask`),
    messages: [{ name: 'Ask', payload: Ask }],
    reply: { messages: [{ name: 'Answer', payload: Answer }], withHeaders: false },
  };
}

const any = { params: { tenant_id: wildcard } } as const;

let nc: NatsConnection;
let plain: NatsConnection;
beforeAll(async () => {
  nc = await natsConnect({ servers: inject('natsUrl') });
  plain = await natsConnect({ servers: inject('natsUrl') });
});
afterAll(async () => {
  await nc?.close();
  await plain?.close();
});

/**
 * Publishes `count` valid messages from the plain connection, seq `from`.., and waits until `nc` has them
 * all. Answers the peak heapUsed seen between batches.
 */
async function flood(op: OperationSpec, count: number, from = 0): Promise<number> {
  const subject = op.subject.build({ tenant_id: 'acme' });
  const padding = 'x'.repeat(180);
  let peak = process.memoryUsage().heapUsed;
  for (let i = 0; i < count; i++) {
    plain.publish(subject, JSON.stringify({ content: padding, seq: from + i }));
    if (i % 5_000 === 4_999) {
      await plain.flush();
      peak = Math.max(peak, process.memoryUsage().heapUsed);
    }
  }
  // Once the server has processed the publishes, a PONG to `nc` queues behind the messages routed to it.
  await plain.flush();
  await nc.flush();
  return Math.max(peak, process.memoryUsage().heapUsed);
}

function ofKind(errors: readonly ErrorEvent[], kind: ErrorEvent['kind']): AsyncApiNatsError[] {
  return errors.filter((e) => e.kind === kind).map((e) => e.error as AsyncApiNatsError);
}

/** The drop counts of `overflow` reports, read back from their messages. */
function counts(errors: readonly ErrorEvent[]): number[] {
  return ofKind(errors, 'overflow').map((e) => Number(/ (\d+) (?:message|request)/.exec(e.message)?.[1]));
}

const sum = (values: readonly number[]) => values.reduce((a, b) => a + b, 0);
const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

describe('backpressure - subscribe', () => {
  test('backpressure - maxInFlight 8 bounds concurrency exactly and all 2,000 messages are processed', async () => {
    const op = agentOp();
    const errors: ErrorEvent[] = [];
    let active = 0;
    let maxActive = 0;
    let done = 0;
    const handle = subscribe(
      nc,
      op,
      any,
      async () => {
        active++;
        maxActive = Math.max(maxActive, active);
        await new Promise((resolve) => setTimeout(resolve, 1));
        active--;
        done++;
      },
      { maxInFlight: 8, onError: (e) => errors.push(e) },
    );
    await nc.flush();
    await flood(op, 2_000);
    await waitFor('2,000 messages', () => done === 2_000, 20_000);
    console.log(`backpressure: max concurrency ${maxActive} of maxInFlight 8 over 2,000 messages`);
    expect(maxActive).toBe(8);
    expect(errors).toEqual([]);
    await handle.drain();
  });

  test('backpressure - a synchronous handler holds its slot only during its call', async () => {
    const op = agentOp();
    const errors: ErrorEvent[] = [];
    let done = 0;
    const handle = subscribe(
      nc,
      op,
      any,
      () => {
        done++;
      },
      { maxInFlight: 1, maxPending: 0, onError: (e) => errors.push(e) },
    );
    await nc.flush();
    await flood(op, 500);
    await waitFor('500 messages', () => done === 500);
    expect(errors).toEqual([]);
    await handle.drain();
  });

  test('backpressure - beyond maxPending messages are dropped, reported as rate-limited overflow with counts, buffered ones processed in order', async () => {
    const op = agentOp();
    const errors: ErrorEvent[] = [];
    const release = gate();
    const started: number[] = [];
    let done = 0;
    const handle = subscribe(
      nc,
      op,
      any,
      async (m: Received) => {
        started.push(m.payload.seq);
        await release.promise;
        done++;
      },
      { maxInFlight: 4, maxPending: 100, onError: (e) => errors.push(e) },
    );
    await nc.flush();
    const before = process.memoryUsage().heapUsed;
    const grown = (await flood(op, 1_000)) - before;
    console.log(`backpressure: heapUsed peak growth ${mb(grown)} with 1,000 messages against maxPending 100`);
    expect(grown).toBeLessThan(64 * 1024 * 1024);
    // 4 running + 100 waiting: 896 dropped; the first reported at once, the rest a second later in one
    // report (or a few, should the flood itself take over a second).
    expect(counts(errors)).toEqual([1]);
    await waitFor('every drop reported', () => sum(counts(errors)) === 896, 5_000);
    const reports = counts(errors);
    console.log(`backpressure: overflow reports with counts ${JSON.stringify(reports)}`);
    expect(reports.length).toBeLessThanOrEqual(3);
    const overflow = ofKind(errors, 'overflow');
    expect(overflow.map((e) => e.message)).toEqual(
      reports.map(
        (n) =>
          `'sendAgentMessage' dropped ${n} ${n === 1 ? 'message' : 'messages'}: 4 handlers in flight (maxInFlight) and 100 waiting (maxPending)`,
      ),
    );
    expect(overflow[0]).toMatchObject({ name: 'OverflowError', code: 'OVERFLOW', operation: 'sendAgentMessage' });
    expect(errors.find((e) => e.kind === 'overflow')).toMatchObject({
      operation: 'sendAgentMessage',
      subject: handle.subject,
    });
    expect(started).toEqual([0, 1, 2, 3]);
    release.open();
    await waitFor('the buffered messages', () => done === 104);
    expect(started).toEqual(Array.from({ length: 104 }, (_, i) => i));
    await handle.drain();
    expect(done).toBe(104);
    expect(sum(counts(errors))).toBe(896);
  });

  test('backpressure - a 100k flood against a blocked handler keeps memory bounded and onError quiet', async () => {
    const op = agentOp();
    const errors: ErrorEvent[] = [];
    const release = gate();
    let done = 0;
    const handle = subscribe(
      nc,
      op,
      any,
      async () => {
        await release.promise;
        done++;
      },
      { maxInFlight: 1, maxPending: 100, onError: (e) => errors.push(e) },
    );
    await nc.flush();
    const before = process.memoryUsage().heapUsed;
    const started = performance.now();
    const grown = (await flood(op, 100_000)) - before;
    const seconds = (performance.now() - started) / 1000;
    console.log(
      `backpressure: 100,000 messages in ${seconds.toFixed(2)} s against a blocked handler (maxPending 100): ` +
        `heapUsed peak growth ${mb(grown)}, ${errors.length} onError calls`,
    );
    expect(grown).toBeLessThan(64 * 1024 * 1024);
    // The first drop, one report a second, one slow-consumer warning.
    expect(errors.length).toBeLessThanOrEqual(2 + Math.ceil(seconds));
    release.open();
    await handle.drain();
    expect(done).toBe(101);
    // drain() reports what the last interval had not yet reported.
    expect(sum(counts(errors))).toBe(100_000 - 101);
    expect(ofKind(errors, 'slow-consumer')).toHaveLength(1);

    // For contrast, the same flood with an unbounded buffer (printed only).
    const unbounded = agentOp();
    const hold = gate();
    let held = 0;
    const open = subscribe(
      nc,
      unbounded,
      any,
      async () => {
        await hold.promise;
        held++;
      },
      { maxInFlight: 1, maxPending: Number.POSITIVE_INFINITY, onError: () => {} },
    );
    await nc.flush();
    const base = process.memoryUsage().heapUsed;
    const unboundedGrowth = (await flood(unbounded, 100_000)) - base;
    console.log(`backpressure: the same flood with maxPending Infinity: heapUsed peak growth ${mb(unboundedGrowth)}`);
    hold.open();
    await open.drain();
    expect(held).toBe(100_000);
  });

  test('backpressure - half a buffer of waiting messages is reported as slow-consumer, again after recovering', async () => {
    const op = agentOp();
    const errors: ErrorEvent[] = [];
    let release = gate();
    let done = 0;
    const handle = subscribe(
      nc,
      op,
      any,
      async () => {
        await release.promise;
        done++;
      },
      { maxInFlight: 1, maxPending: 100, onError: (e) => errors.push(e) },
    );
    await nc.flush();
    await flood(op, 60);
    const slow = errors.filter((e) => e.kind === 'slow-consumer');
    expect(slow).toHaveLength(1);
    expect(slow[0]).toMatchObject({ operation: 'sendAgentMessage', subject: handle.subject });
    expect(slow[0]?.error).toMatchObject({
      code: 'SLOW_CONSUMER',
      message:
        "'sendAgentMessage' is falling behind: 50 messages waiting for a handler (maxInFlight 1, maxPending 100)",
    });
    release.open();
    await waitFor('60 messages', () => done === 60);
    // Recovered: the next episode is reported too (reports are at most one a second).
    await new Promise((resolve) => setTimeout(resolve, 1_050));
    release = gate();
    await flood(op, 60);
    expect(ofKind(errors, 'slow-consumer')).toHaveLength(2);
    release.open();
    await handle.drain();
    expect(done).toBe(120);
    expect(ofKind(errors, 'overflow')).toEqual([]);
  });

  test('backpressure - drain processes buffered messages before it resolves', async () => {
    const op = agentOp();
    const errors: ErrorEvent[] = [];
    const release = gate();
    const seqs: number[] = [];
    let started = 0;
    const handle = subscribe(
      nc,
      op,
      any,
      async (m: Received) => {
        started++;
        await release.promise;
        seqs.push(m.payload.seq);
      },
      { maxInFlight: 2, onError: (e) => errors.push(e) },
    );
    await nc.flush();
    await flood(op, 20);
    expect(started).toBe(2);
    let drained = false;
    const draining = handle.drain().then(() => {
      drained = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(drained).toBe(false);
    expect(seqs).toEqual([]);
    release.open();
    await draining;
    expect(seqs).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(errors).toEqual([]);
    // Delivery has stopped.
    await flood(op, 1, 20);
    expect(started).toBe(20);
  });

  test('backpressure - unsubscribe discards buffered messages; running handlers finish', async () => {
    const op = agentOp();
    const release = gate();
    let started = 0;
    let done = 0;
    const handle = subscribe(
      nc,
      op,
      any,
      async () => {
        started++;
        await release.promise;
        done++;
      },
      { maxInFlight: 1 },
    );
    await nc.flush();
    await flood(op, 10);
    handle.unsubscribe();
    release.open();
    await handle.closed;
    expect([started, done]).toEqual([1, 1]);
  });

  test.each([
    ['maxInFlight', 0, 'invalid maxInFlight: 0 (expected an integer of at least 1, or Infinity)'],
    ['maxInFlight', 2.5, 'invalid maxInFlight: 2.5 (expected an integer of at least 1, or Infinity)'],
    ['maxInFlight', Number.NaN, 'invalid maxInFlight: NaN (expected an integer of at least 1, or Infinity)'],
    ['maxPending', -1, 'invalid maxPending: -1 (expected an integer of at least 0, or Infinity)'],
  ])('backpressure - %s %s throws a RangeError at subscribe time', (name, value, message) => {
    expect(() => subscribe(nc, agentOp(), any, () => {}, { [name]: value })).toThrow(new RangeError(message));
  });

  test('backpressure - throughput without contention stays high (100k messages)', async () => {
    for (const kind of ['sync', 'async'] as const) {
      const op = agentOp();
      const errors: ErrorEvent[] = [];
      const n = 100_000;
      let done = 0;
      const handler =
        kind === 'sync'
          ? () => {
              done++;
            }
          : async () => {
              done++;
            };
      const handle = subscribe(nc, op, any, handler, { onError: (e) => errors.push(e) });
      await nc.flush();
      const started = performance.now();
      await flood(op, n);
      await waitFor(`${n} messages`, () => done === n, 30_000);
      const seconds = (performance.now() - started) / 1000;
      console.log(
        `backpressure: ${kind} handler, 100,000 messages (decode + zod) in ${seconds.toFixed(2)} s: ${Math.round(n / seconds)} msgs/s`,
      );
      expect(errors).toEqual([]);
      await handle.drain();
    }
  });
});

describe('backpressure - reply', () => {
  test('backpressure - requests beyond maxInFlight get an immediate 503 busy, then succeed once slots free', async () => {
    const op = askOp();
    const errors: ErrorEvent[] = [];
    let release = gate();
    let started = 0;
    const handle = reply(
      nc,
      op,
      {},
      async (m: ReceivedMessage<{ prompt: string }, object, object>) => {
        started++;
        await release.promise;
        return { text: `re: ${m.payload.prompt}` };
      },
      { maxInFlight: 3, onError: (e) => errors.push(e) },
    );
    await nc.flush();
    const ask = (i: number) =>
      plain.request(op.subject.address, JSON.stringify({ prompt: `p${i}` }), { timeout: 5_000 });
    const pending = [0, 1, 2, 3, 4].map(ask);
    const [first, second, third, fourth, fifth] = pending;
    const busy = await Promise.all([fourth, fifth]);
    for (const msg of busy) {
      expect(msg?.data.length).toBe(0);
      expect(msg?.headers?.get('Nats-Service-Error-Code')).toBe('503');
      expect(msg?.headers?.get('Nats-Service-Error')).toBe("busy: 'askModel' is at its limit of 3 requests in flight");
    }
    expect(started).toBe(3);
    release.open();
    const answered = await Promise.all([first, second, third]);
    expect(answered.map((msg) => msg?.json())).toEqual([{ text: 're: p0' }, { text: 're: p1' }, { text: 're: p2' }]);
    expect(answered.map((msg) => msg?.headers?.has('Nats-Service-Error-Code') ?? false)).toEqual([false, false, false]);
    // Slots are free again: a new burst of three is answered.
    release = gate();
    release.open();
    const again = await Promise.all([5, 6, 7].map(ask));
    expect(again.map((msg) => msg.json())).toEqual([{ text: 're: p5' }, { text: 're: p6' }, { text: 're: p7' }]);
    await handle.drain();
    const overflow = errors.filter((e) => e.kind === 'overflow');
    expect(overflow.map((e) => (e.error as Error).message)).toEqual([
      "'askModel' refused 1 request as busy: 3 handlers in flight (maxInFlight)",
      "'askModel' refused 1 request as busy: 3 handlers in flight (maxInFlight)",
    ]);
    expect(errors.filter((e) => e.kind !== 'overflow')).toEqual([]);
  });
});

describe('backpressure - handler timeout', () => {
  test('handler timeout - subscribe: a handler that never settles frees its slot after handlerTimeoutMs and is reported', async () => {
    const op = { ...agentOp(), handlerTimeoutMs: 200 };
    const errors: ErrorEvent[] = [];
    const started: number[] = [];
    const t0 = Date.now();
    const handle = subscribe<Received>(
      nc,
      op,
      any,
      (m) => {
        started.push(m.payload.seq);
        return new Promise<void>(() => {});
      },
      { maxInFlight: 1, onError: (e) => errors.push(e) },
    );
    await handle.ready;
    const subject = op.subject.build({ tenant_id: 'acme' });
    plain.publish(subject, JSON.stringify({ content: 'a', seq: 1 }));
    plain.publish(subject, JSON.stringify({ content: 'b', seq: 2 }));
    await waitFor('the second handler started', () => started.length === 2, 3_000);
    // One slot: the second message waited for the first handler's timeout.
    expect(Date.now() - t0).toBeGreaterThanOrEqual(200);
    await waitFor('both timed out', () => errors.length === 2, 3_000);
    expect(errors.map((e) => [e.kind, (e.error as HandlerTimeoutError).outcome])).toEqual([
      ['handler', 'released'],
      ['handler', 'released'],
    ]);
    expect(errors[0]?.error).toBeInstanceOf(HandlerTimeoutError);
    expect((errors[0]?.error as Error | undefined)?.message).toBe(
      `handler of 'sendAgentMessage' on '${subject}' did not settle within 200 ms: its slot freed`,
    );
    // A drain does not wait for handlers that timed out.
    await handle.drain();
    expect(handle.stats.numErrors).toBe(2);
  });

  test('handler timeout - reply: the caller gets 504 at the timeout instead of waiting out its own, and it is reported', async () => {
    const op = { ...askOp(), handlerTimeoutMs: 250 };
    const errors: ErrorEvent[] = [];
    const handle = reply(nc, op, {}, () => new Promise<{ text: string }>(() => {}), { onError: (e) => errors.push(e) });
    await handle.ready;
    const t0 = Date.now();
    const failure = await request(plain, op, { payload: { prompt: 'hi' } }, { timeoutMs: 5_000 }).then(
      () => undefined,
      (e: unknown) => e,
    );
    const took = Date.now() - t0;
    console.log(`backpressure: a reply handler that never settles (timeout 250 ms) answered 504 after ${took} ms`);
    expect(failure).toBeInstanceOf(RemoteError);
    expect((failure as RemoteError).status).toBe(504);
    expect((failure as RemoteError).description).toBe('handler timed out after 250 ms');
    expect(took).toBeGreaterThanOrEqual(250);
    expect(took).toBeLessThan(2_000);
    expect(errors.map((e) => [e.kind, (e.error as HandlerTimeoutError).outcome])).toEqual([['handler', 'error-reply']]);
    handle.unsubscribe();
  });

  test('handler timeout - a handler that settles in time is untouched, and a late rejection is still reported', async () => {
    const op = { ...askOp(), handlerTimeoutMs: 150 };
    const errors: ErrorEvent[] = [];
    let call = 0;
    const handle = reply(
      nc,
      op,
      {},
      async () => {
        call++;
        if (call === 1) return { text: 'quick' };
        await new Promise((resolve) => setTimeout(resolve, 300));
        throw new Error('late failure');
      },
      { onError: (e) => errors.push(e) },
    );
    await handle.ready;
    const quick = await request(plain, op, { payload: { prompt: 'a' } });
    expect(quick).toEqual({ text: 'quick' });
    await request(plain, op, { payload: { prompt: 'b' } }).catch(() => {});
    await waitFor('the late rejection reported', () => errors.length === 2, 3_000);
    expect(errors[0]?.error).toBeInstanceOf(HandlerTimeoutError);
    expect(errors[1]).toMatchObject({ kind: 'handler', error: new Error('late failure') });
    handle.unsubscribe();
  });
});
