/**
 * Streaming replies on a real nats-server: `requestStream` against `replyStream`, with descriptors
 * written by hand (zod schemas), as generated code writes them. Order, the end message, every error
 * kind, cancellation reaching the handler, flow control, queue groups, busy, drain.
 */
import { connect as natsConnect, headers as natsHeaders } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import {
  BusyError,
  ConnectionLostError,
  type ErrorEvent,
  type Handle,
  type NatsConnection,
  NoRespondersError,
  type OperationSample,
  type OperationSpec,
  RemoteError,
  type ReplyStream,
  replyStream,
  request,
  requestStream,
  type ServerOptions,
  ServiceError,
  StreamCancelledError,
  StreamInterruptedError,
  type StreamingSpec,
  type StreamReceivedMessage,
  StreamTimeoutError,
  subjectTemplate,
  ValidationError,
  wildcard,
  z,
} from '../../runtime/index.js';
import { gate, uniquePrefix, waitFor } from '../harness/util.js';

const Ask = z.object({ prompt: z.string() });
type Ask = z.infer<typeof Ask>;
const Chunk = z.object({ i: z.number().int(), text: z.string() });
type Chunk = z.infer<typeof Chunk>;
const End = z.object({ count: z.number().int() });
type End = z.infer<typeof End>;
type AskMsg = StreamReceivedMessage<Ask, Record<string, never>, { tenant_id: string }>;

function streamOp(extra: Partial<OperationSpec> = {}, streaming: Partial<StreamingSpec> = {}): OperationSpec {
  return {
    id: 'streamTokens',
    subject: subjectTemplate(`${uniquePrefix()}.stream.{tenant_id}`),
    messages: [{ name: 'Ask', payload: Ask }],
    streaming: {
      chunks: [{ name: 'Chunk', payload: Chunk }],
      end: { name: 'End', payload: End },
      firstChunkTimeoutMs: 10_000,
      idleTimeoutMs: 10_000,
      totalTimeoutMs: 30_000,
      window: 4,
      ...streaming,
    },
    ...extra,
  };
}

const ask = { params: { tenant_id: 'acme' }, payload: { prompt: 'hi' } } as const;

let nc: NatsConnection;
let server: NatsConnection;
const handles: Handle[] = [];
beforeAll(async () => {
  nc = await natsConnect({ servers: inject('natsUrl') });
  server = await natsConnect({ servers: inject('natsUrl') });
});
afterAll(async () => {
  await Promise.all(handles.map((h) => h.drain()));
  await nc?.close();
  await server?.close();
});

/** Registers a streaming handler on the server connection and waits until the server knows it. */
async function serve(
  op: OperationSpec,
  handler: (m: AskMsg) => AsyncIterable<Chunk> | AsyncGenerator<Chunk, End, undefined>,
  options: ServerOptions = {},
  on: NatsConnection = server,
): Promise<Handle> {
  const handle = replyStream(on, op, { params: { tenant_id: wildcard } }, handler, { service: false, ...options });
  handles.push(handle);
  await handle.ready;
  return handle;
}

async function collect<T>(stream: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const chunk of stream) out.push(chunk);
  return out;
}

/** Resolves with the reason the handler's signal aborted with. */
function abortReason(signal: AbortSignal): Promise<unknown> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve(signal.reason);
    else signal.addEventListener('abort', () => resolve(signal.reason), { once: true });
  });
}

/** Settles when `signal` aborts: a handler's stand-in for a model call that only ends when cancelled. */
function untilAborted(signal: AbortSignal): Promise<void> {
  return abortReason(signal).then(() => undefined);
}

describe('streaming replies', () => {
  test('stream - 500 chunks arrive in order and the end message is typed', async () => {
    const op = streamOp();
    await serve(op, async function* () {
      for (let i = 0; i < 500; i++) yield { i, text: `t${i}` };
      return { count: 500 };
    });
    const stream: ReplyStream<Chunk, End> = requestStream<Chunk, End>(nc, op, ask);
    const chunks = await collect(stream);
    expect(chunks.map((c) => c.i)).toEqual(Array.from({ length: 500 }, (_, i) => i));
    const end: End | undefined = stream.end;
    expect(end).toEqual({ count: 500 });
  });

  test('stream - the metrics hook gets one sample per stream, failed ones with their code', async () => {
    const op = streamOp();
    await serve(op, async function* (m) {
      yield { i: 0, text: 'x' };
      if (m.payload.prompt === 'fail') throw new ServiceError(409, 'conflict');
      return { count: 1 };
    });
    const samples: OperationSample[] = [];
    const metrics = (sample: OperationSample) => samples.push(sample);
    await collect(requestStream<Chunk, End>(nc, op, ask, { metrics }));
    await collectInto(requestStream<Chunk, End>(nc, op, { ...ask, payload: { prompt: 'fail' } }, { metrics }), []);
    expect(samples.map((s) => [s.operation, s.kind, s.ok, s.error])).toEqual([
      ['streamTokens', 'request', true, undefined],
      ['streamTokens', 'request', false, 'REMOTE'],
    ]);
  });

  test('stream - without a declared end message the stream just finishes, end undefined', async () => {
    const { end: _, ...withoutEnd } = streamOp().streaming as StreamingSpec;
    const op = streamOp({ streaming: withoutEnd });
    await serve(op, async function* () {
      yield { i: 0, text: 'only' };
    });
    const stream = requestStream<Chunk>(nc, op, ask);
    expect(await collect(stream)).toEqual([{ i: 0, text: 'only' }]);
    expect(stream.end).toBeUndefined();
  });

  test('stream - nothing is sent before the first next(): a stream never iterated reaches no handler', async () => {
    const op = streamOp();
    let calls = 0;
    await serve(op, async function* (m) {
      calls++;
      yield { i: 0, text: m.payload.prompt };
      return { count: 1 };
    });
    requestStream<Chunk, End>(nc, op, { ...ask, payload: { prompt: 'never' } });
    expect(await collect(requestStream<Chunk, End>(nc, op, ask))).toEqual([{ i: 0, text: 'hi' }]);
    await nc.flush();
    await server.flush();
    expect(calls).toBe(1);
  });

  test('stream - a handler that throws mid-stream: the chunks before it, then RemoteError 500, reported', async () => {
    const op = streamOp();
    const errors: ErrorEvent[] = [];
    const handle = await serve(
      op,
      async function* () {
        yield { i: 0, text: 'a' };
        yield { i: 1, text: 'b' };
        throw new Error('model crashed');
      },
      { onError: (e) => errors.push(e) },
    );
    const got: Chunk[] = [];
    const failure = await collectInto(requestStream<Chunk, End>(nc, op, ask), got);
    expect(got.map((c) => c.text)).toEqual(['a', 'b']);
    expect(failure).toBeInstanceOf(RemoteError);
    expect((failure as RemoteError).status).toBe(500);
    expect((failure as RemoteError).description).toBe('internal error');
    expect(errors.map((e) => [e.kind, (e.error as Error).message])).toEqual([['handler', 'model crashed']]);
    expect(handle.stats).toMatchObject({ numRequests: 1, numErrors: 1, lastError: '500:internal error' });
  });

  test('stream - a ServiceError ends the stream with its status and message, not reported', async () => {
    const op = streamOp();
    const errors: ErrorEvent[] = [];
    await serve(
      op,
      async function* () {
        yield { i: 0, text: 'a' };
        throw new ServiceError(422, 'no such model');
      },
      { onError: (e) => errors.push(e) },
    );
    const got: Chunk[] = [];
    const failure = await collectInto(requestStream<Chunk, End>(nc, op, ask), got);
    expect(got).toHaveLength(1);
    expect(failure).toBeInstanceOf(RemoteError);
    expect(failure).toMatchObject({ status: 422, description: 'no such model' });
    expect(errors).toEqual([]);
  });

  test('stream - an invalid chunk at the server: 500 invalid chunk, the generator is returned, reported', async () => {
    const op = streamOp();
    const errors: ErrorEvent[] = [];
    let finalized = false;
    await serve(
      op,
      async function* () {
        try {
          yield { i: 0, text: 'ok' };
          yield { i: 1.5, text: 'bad' };
          yield { i: 2, text: 'never sent' };
        } finally {
          finalized = true;
        }
      },
      { onError: (e) => errors.push(e) },
    );
    const got: Chunk[] = [];
    const failure = await collectInto(requestStream<Chunk, End>(nc, op, ask), got);
    expect(got).toEqual([{ i: 0, text: 'ok' }]);
    expect(failure).toMatchObject({ status: 500, description: 'invalid chunk' });
    await waitFor('the generator to be returned', () => finalized);
    expect(errors.map((e) => e.kind)).toEqual(['reply']);
    expect(errors[0]?.error).toBeInstanceOf(ValidationError);
  });

  test('stream - an invalid chunk at the caller: ValidationError, and the handler is cancelled', async () => {
    const op = streamOp();
    let reason: Promise<unknown> = Promise.resolve();
    await serve(
      op,
      async function* (m) {
        reason = abortReason(m.signal);
        yield { i: 0, text: 'ok' };
        yield { i: 'one', text: 'bad' } as unknown as Chunk;
        await untilAborted(m.signal);
      },
      { validate: { send: false } },
    );
    const got: Chunk[] = [];
    const failure = await collectInto(requestStream<Chunk, End>(nc, op, ask), got);
    expect(got).toEqual([{ i: 0, text: 'ok' }]);
    expect(failure).toBeInstanceOf(ValidationError);
    expect((failure as ValidationError).direction).toBe('reply');
    const why = await reason;
    expect(why).toBeInstanceOf(StreamCancelledError);
    expect((why as StreamCancelledError).reason).toBe('caller-cancelled');
  });

  test('stream - no first chunk in time: StreamTimeoutError first-chunk, the handler is cancelled', async () => {
    const op = streamOp();
    let reason: Promise<unknown> = Promise.resolve();
    await serve(op, async function* (m) {
      reason = abortReason(m.signal);
      await untilAborted(m.signal);
      yield* [];
    });
    const failure = await collectInto(requestStream<Chunk, End>(nc, op, ask, { firstChunkTimeoutMs: 150 }), []);
    expect(failure).toBeInstanceOf(StreamTimeoutError);
    expect((failure as StreamTimeoutError).phase).toBe('first-chunk');
    expect(await reason).toBeInstanceOf(StreamCancelledError);
  });

  test('stream - streams on one connection with different first-chunk timeouts each time out at their own', async () => {
    const op = streamOp();
    await serve(op, async function* (m) {
      await untilAborted(m.signal);
      yield* [];
    });
    // The connection's one deadline timer is armed for the 10 s stream, then re-armed for the 150 ms one.
    const slow = requestStream<Chunk, End>(nc, op, ask, { firstChunkTimeoutMs: 10_000 });
    const slowFailure = slow.next().catch((error: unknown) => error);
    await nc.flush();
    const failure = await collectInto(requestStream<Chunk, End>(nc, op, ask, { firstChunkTimeoutMs: 150 }), []);
    expect(failure).toMatchObject({ code: 'STREAM_TIMEOUT', phase: 'first-chunk', timeoutMs: 150 });
    await slow.cancel();
    expect(await slowFailure).toEqual({ done: true, value: undefined });
  });

  test('stream - no next chunk while the caller waits: StreamTimeoutError idle, after the first chunk', async () => {
    const op = streamOp();
    await serve(op, async function* (m) {
      yield { i: 0, text: 'first' };
      await untilAborted(m.signal);
    });
    const got: Chunk[] = [];
    const failure = await collectInto(requestStream<Chunk, End>(nc, op, ask, { idleTimeoutMs: 150 }), got);
    expect(got).toHaveLength(1);
    expect(failure).toMatchObject({ code: 'STREAM_TIMEOUT', phase: 'idle' });
  });

  test('stream - chunks that keep coming within the idle time: no idle timeout over a stream longer than it', async () => {
    const op = streamOp();
    await serve(op, async function* () {
      for (let i = 0; i < 10; i++) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        yield { i, text: 'x' };
      }
      return { count: 10 };
    });
    // One idle timer for the stream: it fires while a next() waits, finds the wait younger than the
    // idle time, and re-arms for the rest.
    const stream = requestStream<Chunk, End>(nc, op, ask, { idleTimeoutMs: 300 });
    const got: Chunk[] = [];
    expect(await collectInto(stream, got)).toBeUndefined();
    expect(got).toHaveLength(10);
    expect(stream.end).toEqual({ count: 10 });
  });

  test('stream - a stream that never ends: StreamTimeoutError total', async () => {
    const op = streamOp();
    await serve(op, async function* (m) {
      for (let i = 0; !m.signal.aborted; i++) {
        yield { i, text: 'more' };
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    });
    const failure = await collectInto(requestStream<Chunk, End>(nc, op, ask, { totalTimeoutMs: 300 }), []);
    expect(failure).toMatchObject({ code: 'STREAM_TIMEOUT', phase: 'total' });
  });

  test('stream - the first chunk in time, then the total passes: StreamTimeoutError total, not first-chunk', async () => {
    const op = streamOp();
    await serve(op, async function* (m) {
      for (let i = 0; !m.signal.aborted; i++) {
        yield { i, text: 'more' };
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    });
    // One timer serves both: it fires at the first-chunk time, finds the first chunk in, re-arms for the total.
    const got: Chunk[] = [];
    const stream = requestStream<Chunk, End>(nc, op, ask, { firstChunkTimeoutMs: 100, totalTimeoutMs: 400 });
    const failure = await collectInto(stream, got);
    expect(failure).toMatchObject({ code: 'STREAM_TIMEOUT', phase: 'total' });
    expect(got.length).toBeGreaterThan(1);
  });

  test('stream - the server enforces the spec total on each open stream: 504 to each caller, the handlers cancelled total-timeout', async () => {
    const op = streamOp({}, { totalTimeoutMs: 300 });
    const reasons: unknown[] = [];
    await serve(op, async function* (m) {
      yield { i: 0, text: 'first' };
      reasons.push(await abortReason(m.signal));
    });
    // Two streams started apart: the server's one total timer cancels the first, then re-arms for the second.
    const first = requestStream<Chunk, End>(nc, op, ask, { totalTimeoutMs: 10_000 });
    expect((await first.next()).done).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const second = requestStream<Chunk, End>(nc, op, ask, { totalTimeoutMs: 10_000 });
    expect((await second.next()).done).toBe(false);
    for (const stream of [first, second]) {
      const failure = await stream.next().catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(RemoteError);
      expect(failure).toMatchObject({ status: 504, description: 'stream exceeded its total timeout of 300 ms' });
    }
    expect(reasons).toHaveLength(2);
    for (const reason of reasons) expect(reason).toMatchObject({ code: 'STREAM_CANCELLED', reason: 'total-timeout' });
  });

  test('stream - nobody serves the subject: NoRespondersError', async () => {
    const failure = await collectInto(requestStream<Chunk, End>(nc, streamOp(), ask), []);
    expect(failure).toBeInstanceOf(NoRespondersError);
  });

  test('stream - maxInFlight counts open streams: one more is refused BusyError', async () => {
    const op = streamOp();
    const release = gate();
    const errors: ErrorEvent[] = [];
    await serve(
      op,
      async function* () {
        yield { i: 0, text: 'holding' };
        await release.promise;
        return { count: 1 };
      },
      { maxInFlight: 1, onError: (e) => errors.push(e) },
    );
    const first = requestStream<Chunk, End>(nc, op, ask);
    expect((await first.next()).value).toEqual({ i: 0, text: 'holding' });
    const failure = await collectInto(requestStream<Chunk, End>(nc, op, ask), []);
    expect(failure).toBeInstanceOf(BusyError);
    expect(errors.map((e) => e.kind)).toEqual(['overflow']);
    release.open();
    expect(await first.next()).toEqual({ done: true, value: undefined });
    expect(first.end).toEqual({ count: 1 });
  });

  test('stream - a plain request (no stream header) is answered 400 with the reason', async () => {
    const op = streamOp();
    await serve(op, async function* () {
      yield { i: 0, text: 'never' };
    });
    const { streaming: _, ...rest } = op;
    const plain: OperationSpec = { ...rest, reply: { messages: [], withHeaders: false } };
    const failure = await request(nc, plain, ask).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(RemoteError);
    expect((failure as RemoteError).status).toBe(400);
    expect((failure as RemoteError).description).toBe(
      'this operation streams its reply: request it with header Asyncapi-Nats-Stream: 1 (a streaming client; see docs/streaming.md)',
    );
  });

  test('stream - an invalid request is answered 400 before the stream opens: RemoteError', async () => {
    const op = streamOp();
    await serve(op, async function* () {
      yield { i: 0, text: 'never' };
    });
    const failure = await collectInto(
      requestStream<Chunk, End>(nc, op, { ...ask, payload: { prompt: 42 } }, { validate: { send: false } }),
      [],
    );
    expect(failure).toBeInstanceOf(RemoteError);
    expect(failure).toMatchObject({ status: 400 });
    expect((failure as RemoteError).description).toMatch(/^invalid request: prompt/);
  });

  test('stream - the caller closing its connection mid-stream: ConnectionLostError, no hang', async () => {
    const op = streamOp();
    await serve(op, async function* (m) {
      yield { i: 0, text: 'first' };
      await untilAborted(m.signal);
    });
    const caller = await natsConnect({ servers: inject('natsUrl') });
    const stream = requestStream<Chunk, End>(caller, op, ask);
    expect((await stream.next()).value).toEqual({ i: 0, text: 'first' });
    const pending = stream.next().catch((error: unknown) => error);
    await caller.close();
    expect(await pending).toBeInstanceOf(ConnectionLostError);
  });

  test('stream - an AbortSignal rejects with its reason and cancels the handler (signal, finally)', async () => {
    const op = streamOp();
    let reason: Promise<unknown> = Promise.resolve();
    let finalized = false;
    await serve(op, async function* (m) {
      reason = abortReason(m.signal);
      try {
        for (let i = 0; ; i++) yield { i, text: 'tok' };
      } finally {
        finalized = true;
      }
    });
    const controller = new AbortController();
    const stream = requestStream<Chunk, End>(nc, op, ask, { signal: controller.signal });
    await stream.next();
    await stream.next();
    controller.abort(new Error('user pressed stop'));
    await expect(stream.next()).rejects.toThrow('user pressed stop');
    expect(await stream.next()).toEqual({ done: true, value: undefined });
    const why = await reason;
    expect(why).toBeInstanceOf(StreamCancelledError);
    expect((why as StreamCancelledError).reason).toBe('caller-cancelled');
    await waitFor('the generator to be returned', () => finalized);
  });

  test('stream - break out of for await cancels the handler (signal, finally)', async () => {
    const op = streamOp();
    let reason: Promise<unknown> = Promise.resolve();
    let finalized = false;
    await serve(op, async function* (m) {
      reason = abortReason(m.signal);
      try {
        for (let i = 0; ; i++) yield { i, text: 'tok' };
      } finally {
        finalized = true;
      }
    });
    const got: number[] = [];
    for await (const chunk of requestStream<Chunk, End>(nc, op, ask)) {
      got.push(chunk.i);
      if (got.length === 3) break;
    }
    expect(got).toEqual([0, 1, 2]);
    expect(await reason).toMatchObject({ code: 'STREAM_CANCELLED', reason: 'caller-cancelled' });
    await waitFor('the generator to be returned', () => finalized);
  });

  /** A hand-written server speaking the wire protocol of docs/streaming.md: `send(reply, hdrs)` scripts it. */
  function handServer(
    op: ReturnType<typeof streamOp>,
    send: (reply: string, hdrs: (kind: string, seq: number) => ReturnType<typeof natsHeaders>) => void,
  ) {
    const control = `${op.subject.address.split('.')[0]}.control`;
    const controls: string[] = [];
    const controlSub = server.subscribe(control, {
      callback: (_err, msg) => {
        controls.push(msg.headers?.get('Asyncapi-Nats-Stream-Kind') ?? '');
      },
    });
    const fake = server.subscribe(op.subject.address.replace('{tenant_id}', '*'), {
      callback: (_err, msg) => {
        send(msg.reply as string, (kind, seq) => {
          const h = natsHeaders();
          h.set('Asyncapi-Nats-Stream-Kind', kind);
          h.set('Asyncapi-Nats-Stream-Seq', String(seq));
          if (kind === 'open') h.set('Asyncapi-Nats-Stream-Control', control);
          return h;
        });
      },
    });
    return {
      controls,
      unsubscribe() {
        fake.unsubscribe();
        controlSub.unsubscribe();
      },
    };
  }

  test('stream - a server in another language: a lost chunk is StreamInterruptedError (gap) when the end counts it', async () => {
    const op = streamOp();
    // Chunks are plain JSON bodies; this server loses chunk 2 of 3, and its `end` says 3 were sent.
    const fake = handServer(op, (reply, hdrs) => {
      server.publish(reply, undefined, { headers: hdrs('open', 0) });
      server.publish(reply, JSON.stringify({ i: 0, text: 'a' }));
      server.publish(reply, JSON.stringify({ i: 2, text: 'c' }));
      server.publish(reply, JSON.stringify({ count: 3 }), { headers: hdrs('end', 3) });
    });
    await server.flush();
    const got: Chunk[] = [];
    const stream = requestStream<Chunk, End>(nc, op, ask);
    const failure = await collectInto(stream, got);
    // The chunks that arrived are handed out, then the gap: the caller cannot tell which one was lost.
    expect(got).toEqual([
      { i: 0, text: 'a' },
      { i: 2, text: 'c' },
    ]);
    expect(failure).toBeInstanceOf(StreamInterruptedError);
    expect(failure).toMatchObject({ reason: 'gap', expectedSeq: 2, receivedSeq: 3 });
    expect((failure as Error).message).toBe("stream 'streamTokens' interrupted: the server sent 3 chunks, 2 arrived");
    expect(stream.end).toBeUndefined();
    fake.unsubscribe();
  });

  test('stream - a server in another language: more chunks than the window is StreamInterruptedError (protocol), and it gets a cancel', async () => {
    const op = streamOp({}, { window: 4 });
    // Window 4: after the first chunk is taken (credit 1) the server may have 5 sent; it sends 6.
    const fake = handServer(op, (reply, hdrs) => {
      server.publish(reply, undefined, { headers: hdrs('open', 0) });
      for (let i = 0; i < 6; i++) server.publish(reply, JSON.stringify({ i, text: 'x' }));
    });
    await server.flush();
    const stream = requestStream<Chunk, End>(nc, op, ask);
    const first = await stream.next();
    expect(first).toEqual({ done: false, value: { i: 0, text: 'x' } });
    // Every chunk the server published is in before the caller takes another.
    await server.flush();
    await nc.flush();
    const got: Chunk[] = [];
    const failure = await collectInto(stream, got);
    expect(got.map((c) => c.i)).toEqual([1, 2, 3, 4]);
    expect(failure).toBeInstanceOf(StreamInterruptedError);
    expect(failure).toMatchObject({ reason: 'protocol', expectedSeq: 6, receivedSeq: 6 });
    expect((failure as Error).message).toBe("stream 'streamTokens' interrupted: more chunks than the window of 4");
    await waitFor('the cancel on the control subject', () => fake.controls.includes('cancel'));
    // Window 4: credit for the chunk taken (a quarter window), then the cancel.
    expect(fake.controls).toEqual(['credit', 'cancel']);
    fake.unsubscribe();
  });

  test('stream - a slow reader is bounded: the generator never runs more than window chunks ahead', async () => {
    const window = 8;
    const op = streamOp({}, { window });
    let produced = 0;
    let consumed = 0;
    let mostAhead = 0;
    await serve(op, async function* () {
      for (let i = 0; i < 200; i++) {
        produced++;
        mostAhead = Math.max(mostAhead, produced - consumed);
        yield { i, text: 'x' };
      }
      return { count: 200 };
    });
    const stream = requestStream<Chunk, End>(nc, op, ask);
    await stream.next();
    consumed++;
    // The server runs ahead as far as the window lets it (no credit yet: the caller credits every
    // window/2 chunks taken), then waits for credit.
    await waitFor('the generator to fill the window', () => produced === window);
    await server.flush();
    await nc.flush();
    expect(produced).toBe(window);
    for await (const _ of stream) {
      consumed++;
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(consumed).toBe(200);
    expect(mostAhead).toBeLessThanOrEqual(window);
  });

  test('stream - credit beyond what was sent does not widen the window (a caller that acks too much)', async () => {
    const op = streamOp({}, { window: 4 });
    let produced = 0;
    await serve(op, async function* (m) {
      for (let i = 0; !m.signal.aborted; i++) {
        produced++;
        yield { i, text: 'x' };
      }
    });
    // A hand-written caller that, once the first window (chunks 1-4) is in, acks a million, then stops.
    const inbox = `_INBOX.${uniquePrefix()}`;
    let control = '';
    let received = 0;
    const credit = (ack: number) => {
      const h = natsHeaders();
      h.set('Asyncapi-Nats-Stream-Kind', 'credit');
      h.set('Asyncapi-Nats-Stream-Ack', String(ack));
      nc.publish(control, undefined, { headers: h });
    };
    const sub = nc.subscribe(inbox, {
      callback: (_err, msg) => {
        const kind = msg.headers?.get('Asyncapi-Nats-Stream-Kind');
        if (kind === 'open') control = msg.headers?.get('Asyncapi-Nats-Stream-Control') ?? '';
        else if (kind === undefined && ++received === 4) credit(1_000_000);
      },
    });
    const request = natsHeaders();
    request.set('Asyncapi-Nats-Stream', '1');
    request.set('Asyncapi-Nats-Stream-Window', '4');
    nc.publish(op.subject.build({ tenant_id: 'acme' }), JSON.stringify(ask.payload), {
      reply: inbox,
      headers: request,
    });
    // The server had sent 4 chunks when the credit came: it may send up to 4 + window, no more.
    await waitFor('the second window', () => produced === 8);
    await nc.flush();
    await server.flush();
    expect(produced).toBe(8);
    const cancel = natsHeaders();
    cancel.set('Asyncapi-Nats-Stream-Kind', 'cancel');
    nc.publish(control, undefined, { headers: cancel });
    sub.unsubscribe();
  });

  test('stream - a queue group delivers each stream to one worker, whole', async () => {
    const op = streamOp({ queue: subjectTemplate('stream-workers') });
    const other = await natsConnect({ servers: inject('natsUrl') });
    const calls: string[] = [];
    const worker = (name: string) =>
      async function* (m: AskMsg): AsyncGenerator<Chunk, End, undefined> {
        calls.push(m.payload.prompt);
        for (let i = 0; i < 5; i++) yield { i, text: name };
        return { count: 5 };
      };
    const a = await serve(op, worker('a'));
    const b = await serve(op, worker('b'), {}, other);
    const streams = await Promise.all(
      Array.from({ length: 20 }, (_, n) =>
        collect(requestStream<Chunk, End>(nc, op, { ...ask, payload: { prompt: `p${n}` } })),
      ),
    );
    for (const chunks of streams) {
      expect(chunks).toHaveLength(5);
      expect(new Set(chunks.map((c) => c.text)).size).toBe(1);
    }
    expect(calls.sort()).toEqual(Array.from({ length: 20 }, (_, n) => `p${n}`).sort());
    expect(a.stats.numRequests + b.stats.numRequests).toBe(20);
    await b.drain();
    await other.close();
  });

  test('stream - the server closing its connection mid-stream cancels the handler; the caller times out', async () => {
    const op = streamOp();
    const worker = await natsConnect({ servers: inject('natsUrl') });
    let reason: Promise<unknown> = Promise.resolve();
    const handle = await serve(
      op,
      async function* (m) {
        reason = abortReason(m.signal);
        yield { i: 0, text: 'first' };
        await untilAborted(m.signal);
      },
      {},
      worker,
    );
    const stream = requestStream<Chunk, End>(nc, op, ask, { idleTimeoutMs: 200 });
    expect((await stream.next()).value).toEqual({ i: 0, text: 'first' });
    await worker.close();
    expect(await reason).toMatchObject({ code: 'STREAM_CANCELLED', reason: 'server-closing' });
    await handle.closed;
    expect(await stream.next().catch((e: unknown) => e)).toMatchObject({ code: 'STREAM_TIMEOUT', phase: 'idle' });
  });

  test('stream - drain waits for open streams, then cancels them with server-closing', async () => {
    const op = streamOp();
    let reason: Promise<unknown> = Promise.resolve();
    const handle = replyStream(
      server,
      op,
      { params: { tenant_id: wildcard } },
      async function* (m: AskMsg) {
        reason = abortReason(m.signal);
        yield { i: 0, text: 'first' };
        await untilAborted(m.signal);
      },
      { service: false, streamDrainTimeoutMs: 100 },
    );
    await handle.ready;
    const stream = requestStream<Chunk, End>(nc, op, ask);
    expect((await stream.next()).value).toEqual({ i: 0, text: 'first' });
    await handle.drain();
    expect(await reason).toMatchObject({ code: 'STREAM_CANCELLED', reason: 'server-closing' });
    const failure = await stream.next().catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(RemoteError);
    expect(failure).toMatchObject({ status: 503, description: 'server closing: stream stopped' });
  });
});

/** Iterates `stream` into `out`; resolves with the error it ended with (undefined when it ended normally). */
async function collectInto<T>(stream: AsyncIterable<T>, out: T[]): Promise<unknown> {
  try {
    for await (const chunk of stream) out.push(chunk);
    return undefined;
  } catch (error) {
    return error;
  }
}
