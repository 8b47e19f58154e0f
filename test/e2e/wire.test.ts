/**
 * What the spec constrains holds on the wire, both ways, against a real nats-server, with the module
 * generated fresh from test/fixtures/specs/wire.asyncapi.yaml: handlers and request callers get the
 * payload as sent (properties the schema does not list included); channel parameter rules are
 * checked before sending and on arrival; and the receive operations that share a subject (the
 * fixture's WebSocket-style session channel, its notes channel and its durable audit channel) each
 * get only their own messages, with a request answered exactly once. Peers that did not come from the
 * generator are plain `@nats-io/transport-node` clients.
 */
import path from 'node:path';
import { jetstream } from '@nats-io/jetstream';
import { createInbox, type Msg, type NatsConnection, headers as natsHeaders } from '@nats-io/transport-node';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { generateFiles, resolveOptions } from '../../generator/generate.js';
import { writeOutput } from '../../generator/write.js';
import {
  type DeadLetterError,
  type DurableReceivedMessage,
  type Handle,
  InvalidSubjectParameterError,
  type ReceivedMessage,
  RemoteError,
  type SubjectTemplate,
  wildcard,
} from '../../runtime/index.js';
import { gate, waitFor } from '../harness/util.js';
import {
  Connections,
  consumerReady,
  type DurableChannel,
  deadLetters,
  errorLog,
  headersOf,
  lastSeq,
  messageOf,
  rejection,
  settle,
  thrown,
} from './helpers.js';

const OUT = 'test/fixtures/out/wire-e2e';
const OUT_V2 = 'test/fixtures/out/wire-v2-e2e';

type Region = 'eu' | 'us';
type Session = { region?: Region | typeof wildcard; session_id: string | typeof wildcard };
type Ping = { type: 'ping'; req_id: number };
type Subscribe = { type: 'subscribe'; req_id: number; topic: string };
type Ack = { type: 'ack'; req_id: number };

/** The slice of the generated module this file uses (the module is generated at run time). */
interface WireModule {
  WireFixtureClient: new (
    nc: NatsConnection,
  ) => {
    sendPing(args: { params: { region?: Region; session_id: string }; payload: Ping }): Promise<{ type: 'pong' }>;
    sendSubscribe(args: { params: { region?: Region; session_id: string }; payload: Subscribe }): Promise<Ack>;
    sendUnsubscribe(args: {
      params: { region?: Region; session_id: string };
      payload: { type: 'unsubscribe'; req_id: number; topic: string };
    }): Promise<Ack>;
    sendNote(args: { params: { region: Region }; payload: unknown }): void;
    placeOrder(args: {
      params?: { customer?: string; kind?: string };
      payload: { customer: { id: string }; total: number };
      headers?: { kind?: string };
    }): void;
  };
  WireFixtureServer: new (
    nc: NatsConnection,
    options?: object,
  ) => {
    ping(args: {
      params: Session;
      handler: (m: ReceivedMessage<Ping, unknown, Record<string, string>>) => unknown;
    }): Handle;
    subscribe(args: {
      params: Session;
      handler: (m: ReceivedMessage<Subscribe, unknown, Record<string, string>>) => unknown;
    }): Handle;
    unsubscribe(args: { params: Session; handler: (m: ReceivedMessage<unknown, unknown, unknown>) => unknown }): Handle;
    onNote(args: {
      params: { region: Region | typeof wildcard };
      handler: (m: ReceivedMessage<unknown, unknown, unknown>) => void;
    }): Handle;
    onAlarm(args: {
      params: { region: Region | typeof wildcard };
      handler: (m: ReceivedMessage<unknown, unknown, unknown>) => void;
    }): Handle;
    onCreated(args: {
      params: { region: Region | typeof wildcard };
      handler: (m: DurableReceivedMessage<unknown, unknown, unknown>) => void;
    }): Handle;
    onDeleted(args: {
      params: { region: Region | typeof wildcard };
      handler: (m: DurableReceivedMessage<unknown, unknown, unknown>) => void;
    }): Handle;
    onOrder(args: {
      params: { customer: string | typeof wildcard; kind: string | typeof wildcard };
      handler: (m: ReceivedMessage<unknown, unknown, unknown>) => void;
    }): Handle;
    drain(): Promise<void>;
  };
}

/** The fixture's durable channel (stream WIRE_AUDIT, memory storage, limits retention). */
const AUDIT: DurableChannel = {
  stream: 'WIRE_AUDIT',
  consumer: 'wire-created',
  prefix: 'wire.audit',
  deadLetter: 'wire.dead.audit',
  deadLetterStream: 'WIRE_AUDIT_DEAD_LETTER',
};

/** The 2.x fixture's module: one channel whose four parameters have schemas. */
interface WireV2Module {
  shopRegionStoreOrderOrderIdLineSubject: SubjectTemplate<'region' | 'store' | 'order_id' | 'line'>;
  WireParametersClient: new (
    nc: NatsConnection,
  ) => { emitLine(args: { params: Record<string, string>; payload: { sku: string } }): void };
  WireParametersServer: new (
    nc: NatsConnection,
    options?: object,
  ) => {
    onLine(args: {
      params: Record<string, string | typeof wildcard>;
      handler: (m: ReceivedMessage<unknown, unknown, unknown>) => void;
    }): Handle;
  };
}

let wire: WireModule;
let wireV2: WireV2Module;
const conns = new Connections();
let session = 0;

/** A session id no other test of this file uses. */
function sessionId(): string {
  session++;
  return `s${Date.now().toString(36)}${session}`;
}

beforeAll(async () => {
  const result = await generateFiles(resolveOptions({ spec: 'test/fixtures/specs/wire.asyncapi.yaml', out: OUT }));
  if (!result.files) throw new Error(`wire fixture has errors: ${JSON.stringify(result.problems)}`);
  await writeOutput(OUT, result.files);
  wire = (await import(path.resolve(OUT, 'index.ts'))) as WireModule;
  const v2 = await generateFiles(resolveOptions({ spec: 'test/fixtures/specs/wire-v2.asyncapi.yaml', out: OUT_V2 }));
  if (!v2.files) throw new Error(`wire-v2 fixture has errors: ${JSON.stringify(v2.problems)}`);
  await writeOutput(OUT_V2, v2.files);
  wireV2 = (await import(path.resolve(OUT_V2, 'index.ts'))) as WireV2Module;
}, 60_000);
afterEach(() => conns.close());
afterAll(() => conns.close());

/**
 * Sends a request from a plain client with its own inbox and collects every reply that arrives within
 * `ms` after the first (or after `ms`, when none does): how many answers a request got.
 */
async function everyReply(nc: NatsConnection, subject: string, body: unknown, ms = 300, raw?: string): Promise<Msg[]> {
  const inbox = createInbox();
  const replies: Msg[] = [];
  const sub = nc.subscribe(inbox, {
    callback: (err, msg) => {
      if (err === null) replies.push(msg);
    },
  });
  await nc.flush();
  nc.publish(subject, raw ?? (body === undefined ? undefined : JSON.stringify(body)), { reply: inbox });
  await nc.flush();
  await waitFor('a reply', () => replies.length > 0, 5_000).catch(() => {});
  await settle(ms);
  sub.unsubscribe();
  return replies;
}

/** A reply's service error, as `<code> <text>`; undefined for a successful reply. */
function serviceError(msg: Msg | undefined): string | undefined {
  const code = msg?.headers?.get('Nats-Service-Error-Code');
  return code ? `${code} ${msg?.headers?.get('Nats-Service-Error')}` : undefined;
}

describe('wire - receivers keep the data', () => {
  test('wire - a handler gets the payload as a plain client sent it, properties the schema does not list included', async () => {
    const nc = await conns.runtime();
    const plain = await conns.plain();
    const errors = errorLog();
    const server = new wire.WireFixtureServer(nc, { onError: errors.onError });
    const got: unknown[] = [];
    await server.onNote({ params: { region: 'eu' }, handler: (m) => void got.push(m.payload) }).ready;
    const sent = { text: 'hello', author: { name: 'ada', roles: ['admin'] }, tags: ['a', 'b'], n: 1.5 };
    plain.publish('wire.notes.eu', JSON.stringify(sent));
    await waitFor('the note', () => got.length === 1);
    expect(got).toEqual([sent]);
    expect(errors.events).toEqual([]);
  });

  test('wire - a reply handler and a generated caller both see the properties the schemas do not list', async () => {
    const nc = await conns.runtime();
    const plain = await conns.plain();
    const id = sessionId();
    const seen: unknown[] = [];
    // A plain responder on the session subject: its reply carries a property Pong does not list.
    const sub = plain.subscribe(`wire.session.eu.${id}`, {
      callback: (_err, msg) => {
        seen.push(msg.json());
        msg.respond(JSON.stringify({ type: 'pong', req_id: 7, server: 'eu-1' }));
      },
    });
    await plain.flush();
    const client = new wire.WireFixtureClient(nc);
    const pong = await client.sendPing({
      params: { session_id: id },
      payload: { type: 'ping', req_id: 7, sentAt: 'now' } as Ping,
    });
    expect(pong).toEqual({ type: 'pong', req_id: 7, server: 'eu-1' });
    expect(seen).toEqual([{ type: 'ping', req_id: 7, sentAt: 'now' }]);
    sub.unsubscribe();

    // And the other way round: a generated reply handler gets what a plain caller sent.
    const server = new wire.WireFixtureServer(nc);
    const handled: unknown[] = [];
    await server.ping({
      params: { session_id: id },
      handler: (m) => {
        handled.push(m.payload);
        return { type: 'pong', req_id: m.payload.req_id };
      },
    }).ready;
    const replies = await everyReply(plain, `wire.session.eu.${id}`, { type: 'ping', req_id: 8, client: 'cli' }, 50);
    expect(handled).toEqual([{ type: 'ping', req_id: 8, client: 'cli' }]);
    expect(replies.map((r) => r.json())).toEqual([{ type: 'pong', req_id: 8 }]);
  });
});

describe('wire - channel parameters', () => {
  test('wire - a client refuses a parameter value the enum does not allow, before anything is sent', async () => {
    const nc = await conns.runtime();
    const plain = await conns.plain();
    const seen: string[] = [];
    plain.subscribe('wire.>', { callback: (_err, msg) => void seen.push(msg.subject) });
    await plain.flush();
    const client = new wire.WireFixtureClient(nc);
    const error = thrown(() => client.sendNote({ params: { region: 'zz' as Region }, payload: { text: 'x' } }));
    expect(error).toBeInstanceOf(InvalidSubjectParameterError);
    expect((error as Error).message).toBe(
      `invalid value for subject parameter 'region': 'zz' (Invalid option: expected one of "eu"|"us")`,
    );
    const request = await rejection(
      client.sendPing({
        params: { region: 'zz' as Region, session_id: sessionId() },
        payload: { type: 'ping', req_id: 1 },
      }),
    );
    expect(request).toBeInstanceOf(InvalidSubjectParameterError);
    await nc.flush();
    await plain.flush();
    expect(seen).toEqual([]);
  });

  test('wire - a parameter left out takes its default (the session region is eu)', async () => {
    const nc = await conns.runtime();
    const plain = await conns.plain();
    const id = sessionId();
    const subjects: string[] = [];
    plain.subscribe(`wire.session.*.${id}`, {
      callback: (_err, msg) => {
        subjects.push(msg.subject);
        msg.respond(JSON.stringify({ type: 'pong', req_id: 1 }));
      },
    });
    await plain.flush();
    await new wire.WireFixtureClient(nc).sendPing({ params: { session_id: id }, payload: { type: 'ping', req_id: 1 } });
    expect(subjects).toEqual([`wire.session.eu.${id}`]);
  });

  test('wire - a message on a subject whose parameter breaks the enum is reported and never handled', async () => {
    const nc = await conns.runtime();
    const plain = await conns.plain();
    const errors = errorLog();
    const server = new wire.WireFixtureServer(nc, { onError: errors.onError });
    const got: unknown[] = [];
    const handle = server.onNote({ params: { region: wildcard }, handler: (m) => void got.push(m.payload) });
    await handle.ready;
    plain.publish('wire.notes.zz', JSON.stringify({ text: 'from nowhere' }));
    plain.publish('wire.notes.us', JSON.stringify({ text: 'from us' }));
    await waitFor('the valid note', () => got.length === 1);
    await waitFor('the report', () => errors.events.length === 1);
    expect(got).toEqual([{ text: 'from us' }]);
    expect(errors.events.map((e) => [e.kind, e.operation, e.subject])).toEqual([
      ['validation', 'onNote', 'wire.notes.zz'],
    ]);
    expect(errors.events[0]?.error).toBeInstanceOf(InvalidSubjectParameterError);
    expect(messageOf(errors.events[0]?.error)).toBe(
      `invalid value for subject parameter 'region': 'zz' (Invalid option: expected one of "eu"|"us")`,
    );
    expect(handle.stats).toMatchObject({ numRequests: 2, numErrors: 1 });
  });

  test('wire - a request on a subject whose parameter breaks the enum is answered 400 once and never handled', async () => {
    const nc = await conns.runtime();
    const plain = await conns.plain();
    const server = new wire.WireFixtureServer(nc);
    const id = sessionId();
    const handled: string[] = [];
    const params: Session = { region: wildcard, session_id: id };
    await server.ping({
      params,
      handler: (m) => {
        handled.push(m.subject);
        return { type: 'pong', req_id: 1 };
      },
    }).ready;
    await server.subscribe({
      params,
      handler: (m) => {
        handled.push(m.subject);
        return { type: 'ack', req_id: 1 };
      },
    }).ready;
    const replies = await everyReply(plain, `wire.session.zz.${id}`, { type: 'ping', req_id: 1 });
    expect(replies.map(serviceError)).toEqual([
      `400 invalid value for subject parameter 'region': 'zz' (Invalid option: expected one of "eu"|"us")`,
    ]);
    expect(handled).toEqual([]);
  });
});

describe('wire - parameters the message carries (location)', () => {
  const order = { customer: { id: 'c1' }, total: 3 };

  test('wire - a parameter left out is taken from the message; one that differs from it is refused before sending', async () => {
    const nc = await conns.runtime();
    const plain = await conns.plain();
    const seen: string[] = [];
    plain.subscribe('wire.orders.>', { callback: (_err, msg) => void seen.push(msg.subject) });
    await plain.flush();
    const client = new wire.WireFixtureClient(nc);
    client.placeOrder({ payload: order, headers: { kind: 'rush' } });
    client.placeOrder({ params: { customer: 'c1', kind: 'slow' }, payload: order });
    const differs = thrown(() =>
      client.placeOrder({ params: { customer: 'c2' }, payload: order, headers: { kind: 'rush' } }),
    );
    const header = thrown(() =>
      client.placeOrder({ params: { kind: 'slow' }, payload: order, headers: { kind: 'rush' } }),
    );
    const missing = thrown(() => client.placeOrder({ payload: order }));
    await waitFor('two orders', () => seen.length === 2);
    await nc.flush();
    await plain.flush();
    expect(seen).toEqual(['wire.orders.c1.rush', 'wire.orders.c1.slow']);
    expect([differs, header, missing].map(messageOf)).toEqual([
      `invalid value for subject parameter 'customer': 'c2' (payload /customer/id of the message is "c1")`,
      `invalid value for subject parameter 'kind': 'slow' (header 'kind' of the message is "rush")`,
      "invalid value for subject parameter 'kind': undefined (missing)",
    ]);
    expect(differs).toBeInstanceOf(InvalidSubjectParameterError);
  });

  test('wire - a received message whose payload or header differs from its subject is reported and never handled', async () => {
    const nc = await conns.runtime();
    const plain = await conns.plain();
    const errors = errorLog();
    const server = new wire.WireFixtureServer(nc, { onError: errors.onError });
    const got: unknown[] = [];
    await server.onOrder({ params: { customer: wildcard, kind: wildcard }, handler: (m) => void got.push(m.subject) })
      .ready;
    const hdrs = (kind: string) => {
      const h = natsHeaders();
      h.set('kind', kind);
      return h;
    };
    plain.publish('wire.orders.c9.rush', JSON.stringify(order), { headers: hdrs('rush') });
    plain.publish('wire.orders.c1.rush', JSON.stringify(order), { headers: hdrs('slow') });
    plain.publish('wire.orders.c1.rush', JSON.stringify(order), { headers: hdrs('rush') });
    plain.publish('wire.orders.c1.bulk', JSON.stringify(order));
    await waitFor('two orders and two reports', () => got.length === 2 && errors.events.length === 2);
    expect(got).toEqual(['wire.orders.c1.rush', 'wire.orders.c1.bulk']);
    expect(errors.events.map((e) => [e.kind, e.subject, messageOf(e.error)])).toEqual([
      [
        'validation',
        'wire.orders.c9.rush',
        `invalid value for subject parameter 'customer': 'c9' (payload /customer/id of the message is "c1")`,
      ],
      [
        'validation',
        'wire.orders.c1.rush',
        `invalid value for subject parameter 'kind': 'rush' (header 'kind' of the message is "slow")`,
      ],
    ]);
  });
});

describe('wire - AsyncAPI 2.x parameter schemas', () => {
  const valid = { region: 'eu', store: 'shop1', order_id: '6f1c2a7e-0d9b-4c1e-9a7b-3f1d2c4b5a69', line: '12' };

  test.each([
    ['a region off its pattern', { region: 'EU' }, `'region': 'EU' (Invalid string: must match pattern /^[a-z]{2}$/u)`],
    [
      'a store code under its minLength',
      { store: 'ab' },
      `'store': 'ab' (Too small: expected string to have >=3 characters)`,
    ],
    [
      'a store code over its maxLength',
      { store: 'abcdefghi' },
      `'store': 'abcdefghi' (Too big: expected string to have <=8 characters)`,
    ],
    ['an order id that is no uuid', { order_id: 'o-1' }, `'order_id': 'o-1' (Invalid UUID)`],
    ['a line number below its minimum', { line: '0' }, `'line': '0' (Too small: expected number to be >=1)`],
    ['a line number that is no integer', { line: 'x' }, `'line': 'x' (Invalid header value "x": expected integer)`],
  ])('wire - build() refuses %s', (_name, change, reason) => {
    const subject = wireV2.shopRegionStoreOrderOrderIdLineSubject;
    expect(subject.build(valid)).toBe('shop.eu.shop1.order.6f1c2a7e-0d9b-4c1e-9a7b-3f1d2c4b5a69.12');
    const error = thrown(() => subject.build({ ...valid, ...change }));
    expect(error).toBeInstanceOf(InvalidSubjectParameterError);
    expect((error as Error).message).toBe(`invalid value for subject parameter ${reason}`);
  });

  test('wire - a message whose subject breaks a 2.x parameter schema is reported; one that fits is handled', async () => {
    const nc = await conns.runtime();
    const plain = await conns.plain();
    const errors = errorLog();
    const got: unknown[] = [];
    const server = new wireV2.WireParametersServer(nc, { onError: errors.onError });
    await server.onLine({
      params: { region: wildcard, store: 'shop1', order_id: wildcard, line: wildcard },
      handler: (m) => void got.push(m.params),
    }).ready;
    plain.publish('shop.eu.shop1.order.o-1.12', JSON.stringify({ sku: 'a' }));
    plain.publish(`shop.eu.shop1.order.${valid.order_id}.12`, JSON.stringify({ sku: 'a' }));
    await waitFor('the valid line and the report', () => got.length === 1 && errors.events.length === 1);
    expect(got).toEqual([valid]);
    expect(errors.events.map((e) => [e.kind, e.subject, (e.error as Error).message])).toEqual([
      [
        'validation',
        'shop.eu.shop1.order.o-1.12',
        "invalid value for subject parameter 'order_id': 'o-1' (Invalid UUID)",
      ],
    ]);
  });
});

describe('wire - several receive operations on one subject', () => {
  async function sessionServer(
    id: string,
    ops: readonly ('ping' | 'subscribe' | 'unsubscribe')[],
    onError = errorLog(),
  ) {
    const nc = await conns.runtime();
    const server = new wire.WireFixtureServer(nc, { onError: onError.onError });
    const calls: string[] = [];
    const params = { session_id: id };
    const handles: Handle[] = [];
    if (ops.includes('ping'))
      handles.push(
        server.ping({
          params,
          handler: (m) => {
            calls.push(`ping ${m.payload.req_id}`);
            return { type: 'pong', req_id: m.payload.req_id };
          },
        }),
      );
    if (ops.includes('subscribe'))
      handles.push(
        server.subscribe({
          params,
          handler: (m) => {
            calls.push(`subscribe ${m.payload.topic}`);
            return { type: 'ack', req_id: m.payload.req_id };
          },
        }),
      );
    if (ops.includes('unsubscribe'))
      handles.push(
        server.unsubscribe({
          params,
          handler: (m) => {
            const p = m.payload as { req_id: number; topic: string };
            calls.push(`unsubscribe ${p.topic}`);
            return { type: 'ack', req_id: p.req_id };
          },
        }),
      );
    await Promise.all(handles.map((h) => h.ready));
    return { nc, server, calls, handles, errors: onError };
  }

  test('wire - a plain request on the shared subject gets exactly one reply, from the operation its type names', async () => {
    const id = sessionId();
    const { calls, handles } = await sessionServer(id, ['ping', 'subscribe', 'unsubscribe']);
    const plain = await conns.plain();
    const subject = `wire.session.eu.${id}`;
    const ping = await everyReply(plain, subject, { type: 'ping', req_id: 1 });
    const sub = await everyReply(plain, subject, { type: 'subscribe', req_id: 2, topic: 'prices' });
    const unsub = await everyReply(plain, subject, { type: 'unsubscribe', req_id: 3, topic: 'prices' });
    expect([ping, sub, unsub].map((replies) => replies.map((r) => [serviceError(r), r.json()]))).toEqual([
      [[undefined, { type: 'pong', req_id: 1 }]],
      [[undefined, { type: 'ack', req_id: 2 }]],
      [[undefined, { type: 'ack', req_id: 3 }]],
    ]);
    expect(calls).toEqual(['ping 1', 'subscribe prices', 'unsubscribe prices']);
    // One subscription on the server for the three operations; each counts only its own requests.
    expect(new Set(handles.map((h) => h.subject))).toEqual(new Set([subject]));
    expect(handles.map((h) => h.stats.numRequests)).toEqual([1, 1, 1]);
  });

  test("wire - generated clients get their own operation's reply", async () => {
    const id = sessionId();
    await sessionServer(id, ['ping', 'subscribe', 'unsubscribe']);
    const client = new wire.WireFixtureClient(await conns.runtime());
    const params = { session_id: id };
    await expect(client.sendPing({ params, payload: { type: 'ping', req_id: 4 } })).resolves.toEqual({
      type: 'pong',
      req_id: 4,
    });
    await expect(
      client.sendSubscribe({ params, payload: { type: 'subscribe', req_id: 5, topic: 't' } }),
    ).resolves.toEqual({ type: 'ack', req_id: 5 });
  });

  test("wire - a request that fits no operation's message gets one 400 that says why", async () => {
    const id = sessionId();
    const { calls } = await sessionServer(id, ['ping', 'subscribe', 'unsubscribe']);
    const plain = await conns.plain();
    const subject = `wire.session.eu.${id}`;
    const unknownType = await everyReply(plain, subject, { type: 'teleport', req_id: 1 });
    const badSubscribe = await everyReply(plain, subject, { type: 'subscribe', req_id: 1, topic: '' });
    const empty = await everyReply(plain, subject, undefined);
    const notJson = await everyReply(plain, subject, undefined, 300, '{"type": "ping"');
    expect(unknownType.map(serviceError)).toEqual([
      '400 invalid request: type: Invalid option: expected one of "ping"|"subscribe"|"unsubscribe"',
    ]);
    expect(badSubscribe.map(serviceError)).toEqual([
      '400 invalid request: topic: Too small: expected string to have >=1 characters',
    ]);
    expect(empty.map(serviceError)).toEqual([
      '400 invalid request: Invalid input: expected object, received undefined',
    ]);
    expect(notJson.map(serviceError)).toEqual(['400 malformed JSON request']);
    expect(calls).toEqual([]);
  });

  test('wire - a request for an operation registered nowhere on the subscription is answered 501 at once, not left to time out', async () => {
    const id = sessionId();
    const errors = errorLog();
    const { calls } = await sessionServer(id, ['ping', 'subscribe'], errors);
    const plain = await conns.plain();
    const replies = await everyReply(plain, `wire.session.eu.${id}`, { type: 'unsubscribe', req_id: 9, topic: 't' });
    expect(replies.map(serviceError)).toEqual(["501 operation 'unsubscribe' is not served here"]);
    const client = new wire.WireFixtureClient(await conns.runtime());
    const error = await rejection(
      client.sendUnsubscribe({ params: { session_id: id }, payload: { type: 'unsubscribe', req_id: 10, topic: 't' } }),
    );
    // A RemoteError, not a TimeoutError: the caller learns at once that nobody serves the operation.
    expect(error).toBeInstanceOf(RemoteError);
    expect(error).toMatchObject({ status: 501 });
    expect(calls).toEqual([]);
    expect(errors.events.map((e) => [e.kind, e.operation])).toEqual([
      ['unhandled', 'ping'],
      ['unhandled', 'ping'],
    ]);
    expect(messageOf(errors.events[0]?.error)).toBe(
      `no handler for operation 'unsubscribe' on 'wire.session.eu.${id}': it is not registered on this subscription`,
    );
  });

  test('wire - one registration that stops leaves the others answering; its requests then get 501', async () => {
    const id = sessionId();
    const { handles } = await sessionServer(id, ['ping', 'subscribe']);
    const plain = await conns.plain();
    const subject = `wire.session.eu.${id}`;
    handles[1]?.unsubscribe();
    await handles[1]?.closed;
    const ping = await everyReply(plain, subject, { type: 'ping', req_id: 1 }, 50);
    const sub = await everyReply(plain, subject, { type: 'subscribe', req_id: 2, topic: 't' }, 50);
    expect(ping.map((r) => r.json())).toEqual([{ type: 'pong', req_id: 1 }]);
    expect(sub.map(serviceError)).toEqual(["501 operation 'subscribe' is not served here"]);
  });

  test('wire - draining the server finishes the request in flight, answers it once, then ends the one subscription', async () => {
    const id = sessionId();
    const nc = await conns.runtime();
    const server = new wire.WireFixtureServer(nc);
    const params = { session_id: id };
    const release = gate();
    let started = false;
    const handles = [
      server.ping({
        params,
        handler: async (m) => {
          started = true;
          await release.promise;
          return { type: 'pong', req_id: m.payload.req_id };
        },
      }),
      server.subscribe({ params, handler: (m) => ({ type: 'ack', req_id: m.payload.req_id }) }),
    ];
    await Promise.all(handles.map((h) => h.ready));
    const plain = await conns.plain();
    const replies = everyReply(plain, `wire.session.eu.${id}`, { type: 'ping', req_id: 3 }, 50);
    await waitFor('the handler', () => started);
    let drained = false;
    const draining = server.drain().then(() => {
      drained = true;
    });
    await settle(50);
    expect(drained).toBe(false);
    release.open();
    await draining;
    await Promise.all(handles.map((h) => h.closed));
    expect((await replies).map((r) => r.json())).toEqual([{ type: 'pong', req_id: 3 }]);
    // Nobody listens any more: the server itself answers "no responders" (status 503).
    const after = await everyReply(plain, `wire.session.eu.${id}`, { type: 'ping', req_id: 4 }, 20);
    expect(after.map((r) => [r.headers?.code, serviceError(r)])).toEqual([[503, undefined]]);
  });

  test('wire - subscribe operations told apart by their schemas each get only their messages; one fitting neither is reported once, with the first operation’s error', async () => {
    const nc = await conns.runtime();
    const plain = await conns.plain();
    const errors = errorLog();
    const server = new wire.WireFixtureServer(nc, { onError: errors.onError });
    const notes: unknown[] = [];
    const alarms: unknown[] = [];
    await server.onNote({ params: { region: 'us' }, handler: (m) => void notes.push(m.payload) }).ready;
    await server.onAlarm({ params: { region: 'us' }, handler: (m) => void alarms.push(m.payload) }).ready;
    plain.publish('wire.notes.us', JSON.stringify({ text: 'hi', level: 9 }));
    plain.publish('wire.notes.us', JSON.stringify({ level: 3 }));
    plain.publish('wire.notes.us', JSON.stringify({ level: 9 }));
    await waitFor('both messages and the report', () => notes.length + alarms.length + errors.events.length === 3);
    await settle(50);
    expect(notes).toEqual([{ text: 'hi', level: 9 }]);
    expect(alarms).toEqual([{ level: 3 }]);
    expect(errors.events.map((e) => [e.kind, e.operation, (e.error as Error).message])).toEqual([
      // Both payloads fail; of two payload failures the one of the earlier operation is reported.
      [
        'validation',
        'onNote',
        "invalid payload for operation 'onNote': text: Invalid input: expected string, received undefined",
      ],
    ]);
  });
});

describe('wire - several durable operations on one channel', () => {
  beforeAll(async () => {
    const nc = await conns.plain();
    const jsm = await conns.jsm();
    await jsm.streams.delete(AUDIT.stream).catch(() => false);
    await nc.flush();
  });

  test("wire - each consumer hands over only its own operation's messages; one fitting neither, or on a subject the enum refuses, is dead-lettered once", async () => {
    const nc = await conns.runtime();
    const jsm = await conns.jsm();
    const errors = errorLog();
    const server = new wire.WireFixtureServer(nc, { onError: errors.onError });
    const created: unknown[] = [];
    const deleted: unknown[] = [];
    const after = await lastSeq(jsm, AUDIT.deadLetterStream);
    const a = server.onCreated({ params: { region: wildcard }, handler: (m) => void created.push(m.payload) });
    const b = server.onDeleted({ params: { region: wildcard }, handler: (m) => void deleted.push(m.payload) });
    try {
      await a.ready;
      await b.ready;
      await consumerReady(jsm, AUDIT, a);
      await consumerReady(jsm, AUDIT, b);
      const js = jetstream(await conns.plain());
      await js.publish('wire.audit.eu', JSON.stringify({ kind: 'created', id: '1', extra: true }));
      await js.publish('wire.audit.eu', JSON.stringify({ kind: 'deleted', id: '1' }));
      await js.publish('wire.audit.us', JSON.stringify({ kind: 'archived', id: '2' }));
      await js.publish('wire.audit.zz', JSON.stringify({ kind: 'created', id: '3' }));
      const dead = [
        ...(await deadLetters(jsm, AUDIT, 'wire.audit.us', after, 1)),
        ...(await deadLetters(jsm, AUDIT, 'wire.audit.zz', after, 1)),
      ];
      await waitFor('both handlers', () => created.length === 1 && deleted.length === 1);
      await waitFor('both reports', () => errors.events.length === 2);
      await settle(100);
      expect(created).toEqual([{ kind: 'created', id: '1', extra: true }]);
      expect(deleted).toEqual([{ kind: 'deleted', id: '1' }]);
      expect(dead.map((d) => [headersOf(d.header)['Nats-Dead-Letter-Reason'], d.json()])).toEqual([
        ['validation', { kind: 'archived', id: '2' }],
        ['validation', { kind: 'created', id: '3' }],
      ]);
      // The channel's first operation dead-letters; the other one acks and says nothing.
      expect(errors.events.map((e) => [e.kind, e.operation, e.subject])).toEqual([
        ['dead-letter', 'onCreated', 'wire.audit.us'],
        ['dead-letter', 'onCreated', 'wire.audit.zz'],
      ]);
      expect(errors.events.map((e) => (e.error as DeadLetterError).reason)).toEqual(['validation', 'validation']);
      expect(a.stats.numRequests).toBe(3);
      expect(b.stats.numRequests).toBe(1);
      const [ia, ib] = await Promise.all([
        jsm.consumers.info(AUDIT.stream, a.queue ?? ''),
        jsm.consumers.info(AUDIT.stream, b.queue ?? ''),
      ]);
      expect([ia.num_ack_pending, ib.num_ack_pending, ia.num_pending, ib.num_pending]).toEqual([0, 0, 0, 0]);
    } finally {
      await server.drain();
      await jsm.streams.delete(AUDIT.stream).catch(() => false);
    }
  });
});
