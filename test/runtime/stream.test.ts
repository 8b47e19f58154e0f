/**
 * Streaming replies on a real nats-server: `requestStream` against `replyStream`, with descriptors
 * written by hand (zod schemas), as generated code writes them. Order, the end message, every error
 * kind, cancellation reaching the handler, flow control, queue groups, busy, drain.
 */
import { connect as natsConnect } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import {
  BusyError,
  type ErrorEvent,
  type Handle,
  type NatsConnection,
  NoRespondersError,
  type OperationSpec,
  RemoteError,
  type ReplyStream,
  replyStream,
  request,
  requestStream,
  type ServerOptions,
  ServiceError,
  StreamCancelledError,
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
    await serve(
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
