/**
 * Connection robustness against real nats-server processes: typed status events across a crash and
 * restart, requests issued during an outage, a request in flight when the connection drops, publishing
 * while disconnected or closed, fast "no responders", payloads over `max_payload`, busy replies.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { headers as natsHeaders } from '@nats-io/transport-node';
import { afterAll, afterEach, beforeAll, describe, expect, inject, onTestFinished, test, vi } from 'vitest';
import {
  BusyError,
  type ConnectionEvent,
  ConnectionLostError,
  connect,
  type ErrorEvent,
  type NatsConnection,
  NoRespondersError,
  NotConnectedError,
  type OperationSpec,
  PayloadTooLargeError,
  publish,
  RemoteError,
  reply,
  request,
  subjectTemplate,
  TimeoutError,
  watchConnection,
} from '../../runtime/index.js';
import { connectionState, DisconnectWatch } from '../../runtime/status.js';
import { type NatsProcess, reservePorts, startServer } from '../harness/servers.js';
import { gate, uniquePrefix, waitFor } from '../harness/util.js';

/** A request/reply operation on a fresh subject, any JSON both ways. */
function echoOp(extra: Partial<OperationSpec> = {}): OperationSpec {
  return {
    id: 'echo',
    subject: subjectTemplate(`${uniquePrefix()}.echo`),
    messages: [{ name: 'Question' }],
    reply: { messages: [{ name: 'Answer' }], withHeaders: false },
    ...extra,
  };
}

/** A fire-and-forget operation on a fresh subject. */
function noteOp(): OperationSpec {
  return { id: 'note', subject: subjectTemplate(`${uniquePrefix()}.note`), messages: [{ name: 'Note' }] };
}

/** The rejection of `promise`, failing the test if it resolves. */
async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

/** The error `fn` throws, failing the test if it returns. */
function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

/** A client made by our `connect`, closed when the test ends, with its events recorded. */
async function client(url: string, name: string): Promise<{ nc: NatsConnection; events: ConnectionEvent[] }> {
  const events: ConnectionEvent[] = [];
  const nc = await connect({ servers: url, name, retry: { attempts: 5 }, onStatus: (e) => events.push(e) });
  onTestFinished(async () => {
    if (!nc.isClosed()) await nc.close();
  });
  return { nc, events };
}

/** Answers every request on `subject` with `{ echo: <request> }`, at once or when `hold` opens. */
function echoResponder(nc: NatsConnection, op: OperationSpec, hold?: Promise<void>): void {
  nc.subscribe(op.subject.address, {
    callback: (_err, msg) => {
      const answer = JSON.stringify({ echo: msg.json<unknown>() });
      if (hold === undefined) msg.respond(answer);
      else void hold.then(() => msg.respond(answer));
    },
  });
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;
}

describe('connection - against a server that crashes and restarts', () => {
  let server: NatsProcess;
  beforeAll(async () => {
    server = await startServer({ jetstream: false });
  });
  afterAll(async () => {
    await server?.dispose();
  });
  afterEach(async () => {
    // A failed test may leave the server down; the next one needs it.
    if (!server.running) await server.start();
  });

  /** Kills the server and waits until every given client has seen it. */
  async function crash(...clients: NatsConnection[]): Promise<void> {
    await server.kill();
    await waitFor('clients to see the crash', () => clients.every((nc) => !connectionState(nc).connected));
  }

  test('connection - disconnected, reconnecting, reconnected and closed arrive as typed events', async () => {
    const { nc, events } = await client(server.url, 'events');
    const watched: ConnectionEvent[] = [];
    const stop = watchConnection(nc, (e) => watched.push(e));
    expect(events).toEqual([{ type: 'connected', server: `127.0.0.1:${server.port}` }]);

    const down = Date.now();
    await crash(nc);
    await waitFor('reconnecting', () => events.some((e) => e.type === 'reconnecting'));
    await server.start();
    await waitFor('reconnected', () => events.some((e) => e.type === 'reconnected'));
    console.log(`connection - back ${Date.now() - down} ms after the crash (server restart included)`);
    stop();
    await nc.close();
    await waitFor('closed', () => events.some((e) => e.type === 'closed'));

    const where = `127.0.0.1:${server.port}`;
    expect(events).toEqual([
      { type: 'connected', server: where },
      { type: 'disconnected', server: where },
      { type: 'reconnecting' },
      { type: 'reconnected', server: where },
      { type: 'closed' },
    ]);
    // The second listener was removed before the close.
    expect(watched).toEqual(events.slice(1, 4));
  });

  test('connection - a listener that throws is reported once and keeps its events', async () => {
    const { nc } = await client(server.url, 'throwing-listener');
    const errorSpy = vi.spyOn(console, 'error').mockImplementation(() => {});
    onTestFinished(() => errorSpy.mockRestore());
    const seen: string[] = [];
    watchConnection(nc, (e) => {
      seen.push(e.type);
      throw new Error(`listener broke on ${e.type}`);
    });
    await crash(nc);
    await server.start();
    await waitFor('reconnected', () => seen.includes('reconnected'));
    expect(seen).toEqual(['disconnected', 'reconnecting', 'reconnected']);
    // Besides connect()'s default log of the outage (no logger given: stderr), one line about the listener.
    const printed = errorSpy.mock.calls.map((call) => String(call[0]));
    expect(printed.filter((line) => line.includes('listener'))).toEqual([
      "asyncapi-nats: a connection status listener threw on 'disconnected' (printed once; later throws of this listener are ignored)",
    ]);
    expect(printed.filter((line) => !line.includes('listener'))).toEqual([
      `asyncapi-nats: connection.disconnected: disconnected ${nc.getServer()}`,
      `asyncapi-nats: connection.reconnected: reconnected ${nc.getServer()}`,
    ]);
  });

  test('connection - publish while disconnected throws NotConnectedError, after close with closed true', async () => {
    const { nc } = await client(server.url, 'publisher');
    const op = noteOp();
    const subject = op.subject.build({});
    await crash(nc);
    const down = thrown(() => publish(nc, op, { payload: { n: 1 } }));
    expect(down).toBeInstanceOf(NotConnectedError);
    expect(down).toMatchObject({ code: 'NOT_CONNECTED', operation: 'note', subject, closed: false });
    expect((down as Error).message).toBe(`'note' on '${subject}' not sent: the connection is reconnecting`);

    await server.start();
    await waitFor('reconnected', () => connectionState(nc).connected);
    publish(nc, op, { payload: { n: 2 } });

    await nc.close();
    const closed = thrown(() => publish(nc, op, { payload: { n: 3 } }));
    expect(closed).toBeInstanceOf(NotConnectedError);
    expect((closed as NotConnectedError).closed).toBe(true);
    expect((closed as Error).message).toBe(`'note' on '${subject}' not sent: the connection is closed`);
    // A request on a closed connection fails the same way, at once.
    const op2 = echoOp();
    const error = await rejection(request(nc, op2, { payload: 1 }));
    expect(error).toBeInstanceOf(NotConnectedError);
    expect((error as NotConnectedError).closed).toBe(true);
  });

  test('connection - a request issued during a 0.7 s outage is answered after the reconnect', async () => {
    const op = echoOp();
    const responder = await client(server.url, 'responder');
    echoResponder(responder.nc, op);
    await responder.nc.flush();
    const { nc } = await client(server.url, 'requester');

    const latencies: number[] = [];
    for (let round = 0; round < 5; round++) {
      await crash(nc, responder.nc);
      const pending: Promise<void>[] = [];
      // Ten requests spread over the outage, each timed from its own start.
      for (let i = 0; i < 10; i++) {
        const started = Date.now();
        pending.push(
          request(nc, op, { payload: { round, i } }, { timeoutMs: 5_000 }).then((reply) => {
            expect(reply).toEqual({ echo: { round, i } });
            latencies.push(Date.now() - started);
          }),
        );
        await new Promise((resolve) => setTimeout(resolve, 70));
      }
      await server.start();
      await Promise.all(pending);
    }
    latencies.sort((a, b) => a - b);
    const p50 = percentile(latencies, 50);
    const p99 = percentile(latencies, 99);
    console.log(
      `connection - ${latencies.length} requests issued during 0.7 s outages: P50 ${p50} ms, P99 ${p99} ms, max ${latencies.at(-1)} ms`,
    );
    expect(latencies).toHaveLength(50);
    // The figure the issue asks for: requests issued during a short outage finish within 2 s.
    expect(p99).toBeLessThan(2_000);
  });

  test('connection - a request in flight when the connection drops fails at once with ConnectionLostError', async () => {
    const op = echoOp();
    const subject = op.subject.build({});
    const responder = await client(server.url, 'silent-responder');
    let received = false;
    responder.nc.subscribe(subject, {
      callback: () => {
        received = true;
      },
    });
    await responder.nc.flush();
    const { nc } = await client(server.url, 'requester');

    const pending = rejection(request(nc, op, { payload: 1 }, { timeoutMs: 10_000 }));
    await waitFor('the request to arrive', () => received);
    const dropped = Date.now();
    await server.kill();
    const error = await pending;
    const ms = Date.now() - dropped;
    console.log(`connection - in-flight request failed ${ms} ms after the connection dropped (timeout 10000 ms)`);
    expect(error).toBeInstanceOf(ConnectionLostError);
    expect(error).toMatchObject({ code: 'CONNECTION_LOST', operation: 'echo', subject });
    expect((error as Error).message).toBe(
      `request 'echo' on '${subject}' lost its connection before the reply arrived`,
    );
    expect(ms).toBeLessThan(10_000);
  });

  test('connection - at a disconnect every watch still watched is told once; unwatched ones are not', async () => {
    const { nc } = await client(server.url, 'watcher');
    const state = connectionState(nc);
    const told: string[] = [];
    class Named extends DisconnectWatch {
      constructor(readonly name: string) {
        super();
      }
      disconnected(): void {
        told.push(this.name);
      }
    }
    const [first, middle, last, never] = ['first', 'middle', 'last', 'never'].map((n) => new Named(n)) as Named[];
    for (const w of [first, middle, last] as Named[]) state.watch(w);
    state.unwatch(middle as Named);
    state.unwatch(never as Named); // never watched: nothing happens
    state.unwatch(middle as Named); // twice: nothing happens
    await crash(nc);
    await waitFor('the watches to be told', () => told.length >= 2);
    await sleep(50);
    expect(told.sort()).toEqual(['first', 'last']);
    // Told once: a watch is no longer watched after its disconnect, so the next one tells nobody.
    await server.start();
    await waitFor('the reconnect', () => state.connected, 10_000);
    await crash(nc);
    await sleep(50);
    expect(told).toHaveLength(2);
  });

  test("connection - with onDisconnect 'wait' a reply sent after the reconnect still arrives", async () => {
    const op = echoOp();
    const responder = await client(server.url, 'late-responder');
    const hold = gate();
    let received = false;
    responder.nc.subscribe(op.subject.address, {
      callback: (_err, msg) => {
        received = true;
        void hold.promise.then(() => msg.respond(JSON.stringify({ late: true })));
      },
    });
    await responder.nc.flush();
    const { nc } = await client(server.url, 'patient-requester');

    const pending = request(nc, op, { payload: 1 }, { timeoutMs: 10_000, onDisconnect: 'wait' });
    await waitFor('the request to arrive', () => received);
    await crash(nc, responder.nc);
    await server.start();
    await waitFor('both reconnected', () => connectionState(nc).connected && connectionState(responder.nc).connected);
    // The requester's inbox subscription is re-sent on reconnect; flushing makes sure the server has it.
    await nc.flush();
    hold.open();
    await expect(pending).resolves.toEqual({ late: true });
  });

  test('connection - a request issued during an outage longer than its timeout rejects with TimeoutError', async () => {
    const op = echoOp();
    const subject = op.subject.build({});
    const { nc } = await client(server.url, 'impatient-requester');
    await crash(nc);
    const error = await rejection(request(nc, op, { payload: 1 }, { timeoutMs: 200 }));
    expect(error).toBeInstanceOf(TimeoutError);
    expect((error as Error).message).toBe(`request 'echo' on '${subject}' timed out after 200 ms`);
  });

  test('connection - right after a reconnect, no responders is retried until the responder is back', async () => {
    const op = echoOp();
    const { nc } = await client(server.url, 'early-requester');
    await crash(nc);
    await server.start();
    await waitFor('reconnected', () => connectionState(nc).connected);
    // The responder comes back after the requester, as a slower-reconnecting service would.
    const pending = request(nc, op, { payload: 'x' }, { timeoutMs: 3_000 });
    await new Promise((resolve) => setTimeout(resolve, 300));
    const responder = await client(server.url, 'slow-responder');
    echoResponder(responder.nc, op);
    await expect(pending).resolves.toEqual({ echo: 'x' });
  });
});

test('connect - by default the first connection is retried until a late server starts', async () => {
  const [client, monitor] = await reservePorts(2);
  if (client === undefined || monitor === undefined) throw new Error('no ports');
  const events: ConnectionEvent[] = [];
  const connecting = connect({
    servers: `127.0.0.1:${client}`,
    retry: { initialDelayMs: 50, maxDelayMs: 200 },
    onStatus: (e) => events.push(e),
  });
  await waitFor('two failed attempts', () => events.length >= 2);
  const late = await startServer({ jetstream: false, ports: { client, monitor } });
  onTestFinished(() => late.dispose());
  const nc = await connecting;
  onTestFinished(() => nc.close());
  const failed = events.filter((e) => e.type === 'connect-failed');
  expect(failed.length).toBeGreaterThanOrEqual(2);
  expect(failed.map((e) => e.attempt)).toEqual(failed.map((_e, i) => i + 1));
  for (const event of failed) expect(event.delayMs).toBeLessThanOrEqual(200);
  expect(events.at(-1)).toEqual({ type: 'connected', server: `127.0.0.1:${client}` });
});

describe('connection - on the shared server', () => {
  let nc: NatsConnection;
  let other: NatsConnection;
  beforeAll(async () => {
    nc = await connect({ servers: inject('natsUrl'), retry: { attempts: 5 } });
    other = await connect({ servers: inject('natsUrl'), retry: { attempts: 5 } });
  });
  afterAll(async () => {
    await nc?.close();
    await other?.close();
  });

  test('connection - no responders rejects with NoRespondersError in milliseconds', async () => {
    const op = echoOp();
    const subject = op.subject.build({});
    const times: number[] = [];
    for (let i = 0; i < 5; i++) {
      const started = performance.now();
      const error = await rejection(request(nc, op, { payload: i }, { timeoutMs: 10_000 }));
      times.push(performance.now() - started);
      expect(error).toBeInstanceOf(NoRespondersError);
      expect((error as Error).message).toBe(`no responders for request 'echo' on '${subject}'`);
    }
    console.log(`connection - no responders took ${times.map((t) => t.toFixed(1)).join(', ')} ms (issue asks < 50 ms)`);
    expect(Math.max(...times)).toBeLessThan(1_000);
  });

  test('connection - closing the connection while a reply is awaited rejects with ConnectionLostError', async () => {
    const op = echoOp();
    const subject = op.subject.build({});
    let received = false;
    other.subscribe(subject, {
      callback: () => {
        received = true;
      },
    });
    await other.flush();
    const own = await connect({ servers: inject('natsUrl'), retry: { attempts: 5 } });
    const pending = rejection(request(own, op, { payload: 1 }, { timeoutMs: 10_000 }));
    await waitFor('the request to arrive', () => received);
    await own.close();
    const error = await pending;
    expect(error).toBeInstanceOf(ConnectionLostError);
    expect((error as Error).message).toBe(
      `request 'echo' on '${subject}' lost its connection before the reply arrived`,
    );
  });

  test('connection - a 503 busy service error rejects with BusyError, other 503s with RemoteError', async () => {
    const op = echoOp();
    const description = 'busy: echo is at its limit of 2 requests in flight';
    let busy = true;
    other.subscribe(op.subject.address, {
      callback: (_err, msg) => {
        const hdrs = natsHeaders();
        hdrs.set('Nats-Service-Error-Code', '503');
        hdrs.set('Nats-Service-Error', busy ? description : 'maintenance');
        msg.respond(undefined, { headers: hdrs });
      },
    });
    await other.flush();
    const error = await rejection(request(nc, op, { payload: 1 }));
    expect(error).toBeInstanceOf(BusyError);
    expect(error).toBeInstanceOf(RemoteError);
    expect(error).toMatchObject({ name: 'BusyError', code: 'BUSY', status: 503, description, operation: 'echo' });
    expect((error as Error).message).toBe(`request 'echo' failed: 503 ${description}`);
    busy = false;
    const other503 = await rejection(request(nc, op, { payload: 1 }));
    expect(other503).not.toBeInstanceOf(BusyError);
    expect(other503).toMatchObject({ name: 'RemoteError', code: 'REMOTE', status: 503, description: 'maintenance' });
  });
});

describe('connection - a server with max_payload 1024', () => {
  let server: NatsProcess;
  let nc: NatsConnection;
  let spy: NatsConnection;
  beforeAll(async () => {
    server = await startServer({ jetstream: false, config: 'max_payload: 1024' });
    nc = await connect({ servers: server.url, retry: { attempts: 5 } });
    spy = await connect({ servers: server.url, retry: { attempts: 5 } });
  });
  afterAll(async () => {
    await nc?.close();
    await spy?.close();
    await server?.dispose();
  });

  test('connection - an oversize payload throws PayloadTooLargeError and nothing is sent', async () => {
    const seen: string[] = [];
    spy.subscribe('>', {
      callback: (_err, msg) => {
        seen.push(msg.subject);
      },
    });
    await spy.flush();
    const op = noteOp();
    const subject = op.subject.build({});
    const big = 'x'.repeat(2_000);

    const error = thrown(() => publish(nc, op, { payload: big }));
    expect(error).toBeInstanceOf(PayloadTooLargeError);
    expect(error).toMatchObject({ code: 'PAYLOAD_TOO_LARGE', size: 2_002, maxPayload: 1024, subject });
    expect((error as Error).message).toBe(
      `'note' on '${subject}' is 2002 bytes, over the server's max_payload of 1024`,
    );
    const viaRequest = await rejection(request(nc, echoOp(), { payload: big }));
    expect(viaRequest).toBeInstanceOf(PayloadTooLargeError);

    // Headers count too: a small body with a big header is refused the same way.
    const byHeader = thrown(() => publish(nc, op, { payload: 1, headers: { trace: 'h'.repeat(2_000) } }));
    expect(byHeader).toBeInstanceOf(PayloadTooLargeError);
    expect((byHeader as PayloadTooLargeError).size).toBeGreaterThan(2_000);

    // Multi-byte text is measured in UTF-8 bytes: 400 × 'é' is 800 bytes plus quotes, under the limit.
    publish(nc, op, { payload: 'é'.repeat(400) });
    // Exactly at the limit with headers (body + the header block the client encodes) is sent; one more byte is not.
    const block = natsHeaders();
    block.set('trace', 't');
    const atLimit = 'x'.repeat(1024 - Buffer.byteLength(block.toString()) - 2);
    const overByOne = thrown(() => publish(nc, op, { payload: `${atLimit}x`, headers: { trace: 't' } }));
    expect(overByOne).toMatchObject({ code: 'PAYLOAD_TOO_LARGE', size: 1025 });
    publish(nc, op, { payload: atLimit, headers: { trace: 't' } });
    await nc.flush();
    await waitFor('the two messages within the limit', () => seen.length === 2);
    await spy.flush();
    expect(seen).toEqual([subject, subject]);
    // The connection survived the refused messages.
    expect(nc.isClosed()).toBe(false);
  });

  test('connection - a reply over max_payload answers 500 reply too large instead of leaving the caller to time out', async () => {
    const op = echoOp();
    const events: ErrorEvent[] = [];
    const handle = reply(nc, op, {}, () => 'y'.repeat(2_000), { onError: (e) => events.push(e) });
    await nc.flush();
    const error = await rejection(request(nc, op, { payload: 'small' }, { timeoutMs: 5_000 }));
    expect(error).toBeInstanceOf(RemoteError);
    expect(error).toMatchObject({ status: 500, description: 'reply too large' });
    expect(events.map((e) => [e.kind, (e.error as Error).name])).toEqual([['reply', 'PayloadTooLargeError']]);
    await handle.drain();
  });
});
