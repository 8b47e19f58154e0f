import { type Msg, connect as natsConnect, headers as natsHeaders } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import {
  DecodeError,
  type ErrorEvent,
  InvalidSubjectParameterError,
  type NatsConnection,
  type OperationSpec,
  publish,
  type ReceivedMessage,
  subjectTemplate,
  subscribe,
  ValidationError,
  wildcard,
  z,
} from '../../runtime/index.js';
import { gate, uniquePrefix, waitFor } from '../harness/util.js';

const AgentMessage = z.object({ content: z.string(), seq: z.number().int() });
type AgentMessage = z.infer<typeof AgentMessage>;
const AgentHeaders = z.object({ 'x-trace-id': z.string().optional(), 'x-priority': z.coerce.number().optional() });
type AgentHeaders = z.infer<typeof AgentHeaders>;
type Received = ReceivedMessage<AgentMessage, AgentHeaders, { tenant_id: string }>;

/** An operation on a subject no other test uses. */
function agentOp(extra: Partial<OperationSpec> = {}): OperationSpec {
  return {
    id: 'sendAgentMessage',
    subject: subjectTemplate(`${uniquePrefix()}.agent.message.{tenant_id}`),
    messages: [
      { name: 'AgentMessage', payload: AgentMessage, headers: AgentHeaders, headerNames: ['x-trace-id', 'x-priority'] },
    ],
    ...extra,
  };
}

/** Collects handler calls and onError events. */
function recorder() {
  const seen: Received[] = [];
  const errors: ErrorEvent[] = [];
  return {
    seen,
    errors,
    handler: (m: Received) => {
      seen.push(m);
    },
    onError: (event: ErrorEvent) => {
      errors.push(event);
    },
  };
}

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

describe('pubsub - round trips', () => {
  test('pubsub - publish reaches subscribe with payload, headers and params', async () => {
    const op = agentOp();
    const r = recorder();
    const handle = subscribe(nc, op, { params: { tenant_id: wildcard } }, r.handler, { onError: r.onError });
    await nc.flush();
    publish(nc, op, {
      params: { tenant_id: 'acme' },
      payload: { content: 'hi', seq: 1 },
      headers: { 'x-trace-id': 'tr-1', 'x-priority': 3 },
    });
    await waitFor('the message', () => r.seen.length === 1);
    const m = r.seen[0] as Received;
    expect(m.payload).toEqual({ content: 'hi', seq: 1 });
    expect(m.headers).toEqual({ 'x-trace-id': 'tr-1', 'x-priority': 3 });
    expect(m.params).toEqual({ tenant_id: 'acme' });
    expect(m.subject).toBe(op.subject.build({ tenant_id: 'acme' }));
    expect(m.msg.subject).toBe(m.subject);
    expect(r.errors).toEqual([]);
    expect(handle.subject).toBe(op.subject.pattern);
    expect(handle.queue).toBeUndefined();
    await handle.drain();
  });

  test('pubsub - a subscription for one tenant does not see another tenant', async () => {
    const op = agentOp();
    const r = recorder();
    const handle = subscribe(nc, op, { params: { tenant_id: 'acme' } }, r.handler, { onError: r.onError });
    await nc.flush();
    publish(nc, op, { params: { tenant_id: 'other' }, payload: { content: 'no', seq: 1 } });
    publish(nc, op, { params: { tenant_id: 'acme' }, payload: { content: 'yes', seq: 2 } });
    await waitFor('the message', () => r.seen.length === 1);
    await nc.flush();
    expect(r.seen.map((m) => m.payload.content)).toEqual(['yes']);
    await handle.drain();
  });

  test('pubsub - a plain client reads what publish sent as a JSON object', async () => {
    const op = agentOp();
    const subject = op.subject.build({ tenant_id: 'acme' });
    const sub = plain.subscribe(subject, { max: 1 });
    await plain.flush();
    publish(nc, op, {
      params: { tenant_id: 'acme' },
      payload: { content: 'hi', seq: 7 },
      headers: { 'x-priority': 2 },
    });
    for await (const msg of sub) {
      expect(msg.json()).toEqual({ content: 'hi', seq: 7 });
      expect(msg.string()).toBe('{"content":"hi","seq":7}');
      expect(msg.headers?.get('x-priority')).toBe('2');
      expect(msg.headers?.has('x-trace-id')).toBe(false);
    }
  });

  test('pubsub - subscribe accepts JSON published by a plain client', async () => {
    const op = agentOp();
    const r = recorder();
    const handle = subscribe(nc, op, { params: { tenant_id: wildcard } }, r.handler, { onError: r.onError });
    await nc.flush();
    const h = natsHeaders();
    h.set('x-priority', '5');
    h.set('x-undeclared', 'ignored');
    plain.publish(op.subject.build({ tenant_id: 'acme' }), JSON.stringify({ content: 'plain', seq: 2 }), {
      headers: h,
    });
    await waitFor('the message', () => r.seen.length === 1);
    expect(r.seen[0]?.payload).toEqual({ content: 'plain', seq: 2 });
    expect(r.seen[0]?.headers).toEqual({ 'x-priority': 5 });
    expect(r.errors).toEqual([]);
    await handle.drain();
  });

  test('pubsub - an operation without payload schema sends an empty body for undefined', async () => {
    const op: OperationSpec = {
      id: 'ping',
      subject: subjectTemplate(`${uniquePrefix()}.ping`),
      messages: [{ name: 'Ping' }],
    };
    const spy = plain.subscribe(op.subject.address, { max: 1 });
    const payloads: unknown[] = [];
    const handle = subscribe(nc, op, {}, (m: ReceivedMessage<unknown, object, object>) => {
      payloads.push(m.payload);
    });
    await Promise.all([nc.flush(), plain.flush()]);
    publish(nc, op, {});
    for await (const msg of spy) expect(msg.data.length).toBe(0);
    await waitFor('the message', () => payloads.length === 1);
    expect(payloads).toEqual([undefined]);
    await handle.drain();
  });

  test('pubsub - an operation with two messages accepts either and reports the first when neither fits', async () => {
    const op: OperationSpec = {
      id: 'event',
      subject: subjectTemplate(`${uniquePrefix()}.event`),
      messages: [
        { name: 'Created', payload: z.object({ created: z.string() }) },
        { name: 'Deleted', payload: z.object({ deleted: z.number() }) },
      ],
    };
    const seen: unknown[] = [];
    const errors: ErrorEvent[] = [];
    const handle = subscribe(
      nc,
      op,
      {},
      (m: ReceivedMessage<unknown, object, object>) => {
        seen.push(m.payload);
      },
      { onError: (e) => errors.push(e) },
    );
    await nc.flush();
    publish(nc, op, { payload: { deleted: 3 } });
    publish(nc, op, { payload: { created: 'x' } });
    expect(() => publish(nc, op, { payload: { other: true } })).toThrow(
      "invalid payload for operation 'event': created: Invalid input: expected string, received undefined",
    );
    plain.publish(op.subject.address, JSON.stringify({ deleted: 'nope' }));
    await waitFor('two messages and one error', () => seen.length === 2 && errors.length === 1);
    expect(seen).toEqual([{ deleted: 3 }, { created: 'x' }]);
    expect(errors[0]?.kind).toBe('validation');
    await handle.drain();
  });
});

describe('pubsub - groups', () => {
  test('pubsub - two queue group members handle each message once', async () => {
    const op = agentOp({ queue: subjectTemplate('workers') });
    const a: number[] = [];
    const b: number[] = [];
    const ha = subscribe(nc, op, { params: { tenant_id: wildcard } }, (m: Received) => {
      a.push(m.payload.seq);
    });
    const hb = subscribe(nc, op, { params: { tenant_id: wildcard } }, (m: Received) => {
      b.push(m.payload.seq);
    });
    expect(ha.queue).toBe('workers');
    await nc.flush();
    for (let seq = 0; seq < 50; seq++)
      publish(nc, op, { params: { tenant_id: 'acme' }, payload: { content: 'x', seq } });
    await waitFor('50 messages', () => a.length + b.length === 50);
    await nc.flush();
    expect([...a, ...b].sort((x, y) => x - y)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    await Promise.all([ha.drain(), hb.drain()]);
  });

  test('pubsub - matchHeaders delivers only to the member the header names', async () => {
    const op = agentOp({
      queue: subjectTemplate('agent.{agent_id}'),
      matchHeaders: [{ header: 'x-agent-id', value: subjectTemplate('{agent_id}') }],
      messages: [
        {
          name: 'AgentMessage',
          payload: AgentMessage,
          headers: z.object({ 'x-agent-id': z.string() }),
          headerNames: ['x-agent-id'],
        },
      ],
    });
    const got: Record<string, number[]> = { a: [], b: [] };
    const errors: ErrorEvent[] = [];
    const handles = ['a', 'b'].map((agent_id) =>
      subscribe(
        nc,
        op,
        { params: { tenant_id: wildcard }, queue: { agent_id } },
        (m: Received) => {
          got[agent_id]?.push(m.payload.seq);
        },
        { onError: (e) => errors.push(e) },
      ),
    );
    expect(handles.map((h) => h.queue)).toEqual(['agent.a', 'agent.b']);
    await nc.flush();
    publish(nc, op, { params: { tenant_id: 't' }, payload: { content: 'x', seq: 1 }, headers: { 'x-agent-id': 'b' } });
    publish(nc, op, { params: { tenant_id: 't' }, payload: { content: 'x', seq: 2 }, headers: { 'x-agent-id': 'a' } });
    // No member: skipped silently, not an error.
    plain.publish(op.subject.build({ tenant_id: 't' }), JSON.stringify({ content: 'x', seq: 3 }));
    publish(nc, op, { params: { tenant_id: 't' }, payload: { content: 'x', seq: 4 }, headers: { 'x-agent-id': 'b' } });
    await waitFor('three messages', () => (got.a?.length ?? 0) + (got.b?.length ?? 0) === 3);
    await Promise.all([nc.flush(), plain.flush()]);
    await nc.flush();
    expect(got).toEqual({ a: [2], b: [1, 4] });
    expect(errors).toEqual([]);
    await Promise.all(handles.map((h) => h.drain()));
  });

  test('pubsub - matchHeaders on a wildcard parameter throws at subscribe time', () => {
    const op = agentOp({ matchHeaders: [{ header: 'x-tenant', value: subjectTemplate('{tenant_id}') }] });
    expect(() => subscribe(nc, op, { params: { tenant_id: wildcard } }, () => {})).toThrow(
      InvalidSubjectParameterError,
    );
    expect(() => subscribe(nc, op, { params: { tenant_id: wildcard } }, () => {})).toThrow(
      "invalid value for subject parameter 'tenant_id': Symbol(asyncapi-nats.wildcard) (a wildcard is only allowed in a subscription)",
    );
  });
});

describe('pubsub - failures', () => {
  test('pubsub - an invalid payload on send throws ValidationError and publishes nothing', async () => {
    const op = agentOp();
    const subject = op.subject.build({ tenant_id: 'acme' });
    const spied: string[] = [];
    const spy = nc.subscribe(subject, {
      callback: (_err, msg) => {
        spied.push(msg.string());
      },
    });
    await nc.flush();
    let thrown: unknown;
    try {
      publish(nc, op, { params: { tenant_id: 'acme' }, payload: { content: 1, seq: 1 } });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ValidationError);
    const error = thrown as ValidationError;
    expect(error.message).toBe(
      "invalid payload for operation 'sendAgentMessage': content: Invalid input: expected string, received number",
    );
    expect(error).toMatchObject({ code: 'VALIDATION', operation: 'sendAgentMessage', direction: 'send' });
    expect(error.issues).toEqual([{ path: 'content', message: 'Invalid input: expected string, received number' }]);
    // A marker sent after it on the same connection arrives alone: the invalid message never left.
    nc.publish(subject, 'marker');
    await waitFor('the marker', () => spied.length === 1);
    expect(spied).toEqual(['marker']);
    spy.unsubscribe();
  });

  test('pubsub - invalid headers on send throw ValidationError naming the headers', () => {
    const op = agentOp();
    expect(() =>
      publish(nc, op, {
        params: { tenant_id: 'acme' },
        payload: { content: 'x', seq: 1 },
        headers: { 'x-priority': 'high' },
      }),
    ).toThrow(
      "invalid headers for operation 'sendAgentMessage': x-priority: Invalid input: expected number, received NaN",
    );
  });

  test('pubsub - validate.send false sends an invalid payload anyway', async () => {
    const op = agentOp();
    const sub = plain.subscribe(op.subject.build({ tenant_id: 'acme' }), { max: 1 });
    await plain.flush();
    publish(nc, op, { params: { tenant_id: 'acme' }, payload: { content: 1 } }, { validate: { send: false } });
    for await (const msg of sub) expect(msg.json()).toEqual({ content: 1 });
  });

  test('pubsub - a bad parameter throws before anything is sent', () => {
    const op = agentOp();
    expect(() => publish(nc, op, { params: { tenant_id: '>' }, payload: { content: 'x', seq: 1 } })).toThrow(
      "invalid value for subject parameter 'tenant_id': '>' (wildcards are not allowed)",
    );
  });

  test('pubsub - an invalid incoming payload goes to onError and the next valid message is delivered', async () => {
    const op = agentOp();
    const r = recorder();
    const handle = subscribe(nc, op, { params: { tenant_id: wildcard } }, r.handler, { onError: r.onError });
    await nc.flush();
    const subject = op.subject.build({ tenant_id: 'acme' });
    plain.publish(subject, JSON.stringify({ content: 1, seq: 1 }));
    plain.publish(subject, JSON.stringify({ content: 'ok', seq: 2 }));
    await waitFor('the valid message', () => r.seen.length === 1);
    expect(r.seen.map((m) => m.payload.seq)).toEqual([2]);
    expect(r.errors).toHaveLength(1);
    const event = r.errors[0] as ErrorEvent;
    expect(event).toMatchObject({ kind: 'validation', operation: 'sendAgentMessage', subject });
    expect(event.error).toBeInstanceOf(ValidationError);
    expect((event.error as ValidationError).direction).toBe('receive');
    expect((event.error as ValidationError).message).toBe(
      "invalid payload for operation 'sendAgentMessage': content: Invalid input: expected string, received number",
    );
    await handle.drain();
  });

  test('pubsub - malformed JSON goes to onError as DecodeError and the next message is delivered', async () => {
    const op = agentOp();
    const r = recorder();
    const handle = subscribe(nc, op, { params: { tenant_id: wildcard } }, r.handler, { onError: r.onError });
    await nc.flush();
    const subject = op.subject.build({ tenant_id: 'acme' });
    plain.publish(subject, '{not json');
    plain.publish(subject, JSON.stringify({ content: 'ok', seq: 2 }));
    await waitFor('the valid message', () => r.seen.length === 1);
    expect(r.errors).toHaveLength(1);
    const event = r.errors[0] as ErrorEvent;
    expect(event.kind).toBe('decode');
    expect(event.error).toBeInstanceOf(DecodeError);
    expect((event.error as DecodeError).message).toBe(
      `malformed JSON for operation 'sendAgentMessage' on '${subject}'`,
    );
    expect((event.error as DecodeError).cause).toBeInstanceOf(SyntaxError);
    await handle.drain();
  });

  test('pubsub - a throwing or rejecting handler goes to onError and the subscription keeps running', async () => {
    const op = agentOp();
    const errors: ErrorEvent[] = [];
    const calls: number[] = [];
    const handle = subscribe(
      nc,
      op,
      { params: { tenant_id: wildcard } },
      async (m: Received) => {
        calls.push(m.payload.seq);
        if (m.payload.seq === 1) throw new Error('boom');
        if (m.payload.seq === 2) await Promise.reject(new Error('async boom'));
      },
      { onError: (e) => errors.push(e) },
    );
    const syncThrow = subscribe(
      nc,
      op,
      { params: { tenant_id: wildcard } },
      (m: Received) => {
        if (m.payload.seq === 1) throw new Error('sync boom');
      },
      { onError: (e) => errors.push(e) },
    );
    await nc.flush();
    for (const seq of [1, 2, 3]) publish(nc, op, { params: { tenant_id: 'acme' }, payload: { content: 'x', seq } });
    await waitFor('three calls', () => calls.length === 3);
    await waitFor('three errors', () => errors.length === 3);
    expect(calls).toEqual([1, 2, 3]);
    expect(errors.map((e) => e.kind)).toEqual(['handler', 'handler', 'handler']);
    expect(errors.map((e) => (e.error as Error).message).sort()).toEqual(['async boom', 'boom', 'sync boom']);
    await Promise.all([handle.drain(), syncThrow.drain()]);
  });

  test('pubsub - the default onError writes one line to console.error', async () => {
    const op = agentOp();
    const lines: unknown[][] = [];
    const original = console.error;
    console.error = (...args: unknown[]) => {
      lines.push(args);
    };
    try {
      const handle = subscribe(nc, op, { params: { tenant_id: wildcard } }, () => {});
      await nc.flush();
      const subject = op.subject.build({ tenant_id: 'acme' });
      plain.publish(subject, 'nope');
      await waitFor('the log line', () => lines.length === 1);
      expect(lines).toEqual([
        [
          `asyncapi-nats: decode error in operation 'sendAgentMessage' on '${subject}': malformed JSON for operation 'sendAgentMessage' on '${subject}'`,
        ],
      ]);
      await handle.drain();
    } finally {
      console.error = original;
    }
  });
});

describe('pubsub - lifecycle', () => {
  test('pubsub - drain waits for an in-flight async handler', async () => {
    const op = agentOp();
    const release = gate();
    let started = false;
    let finished = false;
    let calls = 0;
    const handle = subscribe(nc, op, { params: { tenant_id: wildcard } }, async () => {
      calls++;
      started = true;
      await release.promise;
      finished = true;
    });
    await nc.flush();
    publish(nc, op, { params: { tenant_id: 'acme' }, payload: { content: 'x', seq: 1 } });
    await waitFor('the handler to start', () => started);
    let drained = false;
    const draining = handle.drain().then(() => {
      drained = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(drained).toBe(false);
    release.open();
    await draining;
    expect(finished).toBe(true);
    await handle.closed;
    // Delivery has stopped: a later message reaches no handler.
    publish(nc, op, { params: { tenant_id: 'acme' }, payload: { content: 'x', seq: 2 } });
    await nc.flush();
    expect(calls).toBe(1);
    await handle.drain();
  });

  test('pubsub - unsubscribe stops delivery and resolves closed', async () => {
    const op = agentOp();
    const seen: Msg[] = [];
    const handle = subscribe(nc, op, { params: { tenant_id: wildcard } }, (m: Received) => {
      seen.push(m.msg);
    });
    await nc.flush();
    handle.unsubscribe();
    await handle.closed;
    publish(nc, op, { params: { tenant_id: 'acme' }, payload: { content: 'x', seq: 1 } });
    await nc.flush();
    expect(seen).toEqual([]);
    handle.unsubscribe();
    await handle.drain();
  });
});

describe('pubsub - regressions', () => {
  // Regression: JSON.stringify's own TypeError escaped publish() for a payload JSON cannot represent.
  test.each([
    ['a BigInt', { n: 10n }, 'Do not know how to serialize a BigInt'],
    [
      'a cycle',
      (() => {
        const o: Record<string, unknown> = {};
        o.self = o;
        return o;
      })(),
      'Converting circular structure to JSON',
    ],
  ])('pubsub - a payload with %s is a typed ValidationError, nothing sent', async (_what, payload, reason) => {
    const op: OperationSpec = {
      id: 'untyped',
      subject: subjectTemplate(`${uniquePrefix()}.untyped`),
      messages: [{ name: 'Any' }],
    };
    const seen: Msg[] = [];
    const spy = plain.subscribe(op.subject.address, {
      callback: (_e, m) => {
        seen.push(m);
      },
    });
    await plain.flush();
    let error: unknown;
    try {
      publish(nc, op, { payload });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).direction).toBe('send');
    expect((error as ValidationError).message).toContain(
      `invalid payload for operation 'untyped': not representable as JSON: ${reason}`,
    );
    await nc.flush();
    await plain.flush();
    expect(seen).toEqual([]);
    spy.unsubscribe();
  });

  test('pubsub - a schema that throws is reported and does not break the connection', async () => {
    const op: OperationSpec = {
      id: 'fragile',
      subject: subjectTemplate(`${uniquePrefix()}.fragile`),
      messages: [
        {
          name: 'Fragile',
          payload: z.object({ n: z.number() }).transform((v) => {
            if (v.n === 0) throw new Error('transform blew up');
            return v;
          }),
        },
      ],
    };
    const seen: unknown[] = [];
    const errors: ErrorEvent[] = [];
    const handle = subscribe(
      nc,
      op,
      {},
      (m: ReceivedMessage<unknown, object, object>) => {
        seen.push(m.payload);
      },
      { onError: (e) => errors.push(e) },
    );
    await nc.flush();
    plain.publish(op.subject.address, JSON.stringify({ n: 0 }));
    plain.publish(op.subject.address, JSON.stringify({ n: 1 }));
    await waitFor('the next message', () => seen.length === 1);
    expect(seen).toEqual([{ n: 1 }]);
    expect(errors.map((e) => [e.kind, (e.error as Error).message])).toEqual([['validation', 'transform blew up']]);
    expect(nc.isClosed()).toBe(false);
    await handle.drain();
  });
});
