/**
 * The streaming test doubles of `asyncapi-nats/testing`: `scriptStream` as a worker registered on a
 * real nats-server (a caller sees exactly the script: chunks, end, failure, cancellation), and
 * `fakeReplyStream` standing in for a client method, without NATS.
 */
import { connect as natsConnect } from '@nats-io/transport-node';
import { fakeReplyStream, scriptStream } from 'asyncapi-nats/testing';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import {
  type Handle,
  type NatsConnection,
  type OperationSpec,
  RemoteError,
  replyStream,
  requestStream,
  ServiceError,
  type StreamReceivedMessage,
  StreamTimeoutError,
  subjectTemplate,
  z,
} from '../../runtime/index.js';
import { uniquePrefix } from '../harness/util.js';

const Chunk = z.object({ text: z.string() });
type Chunk = z.infer<typeof Chunk>;
const End = z.object({ reason: z.string() });
type End = z.infer<typeof End>;

function op(): OperationSpec {
  return {
    id: 'complete',
    subject: subjectTemplate(`${uniquePrefix()}.complete`),
    messages: [{ name: 'Ask' }],
    streaming: {
      chunks: [{ name: 'Chunk', payload: Chunk }],
      end: { name: 'End', payload: End },
      firstChunkTimeoutMs: 5_000,
      idleTimeoutMs: 5_000,
      totalTimeoutMs: 10_000,
      window: 2,
    },
  };
}

let nc: NatsConnection;
const handles: Handle[] = [];
beforeAll(async () => {
  nc = await natsConnect({ servers: inject('natsUrl') });
});
afterAll(async () => {
  await Promise.all(handles.map((h) => h.drain()));
  await nc?.close();
});

async function serve(
  spec: OperationSpec,
  handler: (m: StreamReceivedMessage<unknown, unknown, unknown>) => AsyncIterable<Chunk>,
): Promise<void> {
  const handle = replyStream(nc, spec, {}, handler, { service: false, onError: () => {} });
  handles.push(handle);
  await handle.ready;
}

async function run(spec: OperationSpec): Promise<{ chunks: Chunk[]; end: End | undefined; error: unknown }> {
  const stream = requestStream<Chunk, End>(nc, spec, {});
  const chunks: Chunk[] = [];
  try {
    for await (const chunk of stream) chunks.push(chunk);
    return { chunks, end: stream.end, error: undefined };
  } catch (error) {
    return { chunks, end: stream.end, error };
  }
}

const script: Chunk[] = [{ text: 'Hel' }, { text: 'lo' }, { text: '!' }];

describe('streaming test doubles', () => {
  test('scriptStream - a caller receives the scripted chunks and end through a real server', async () => {
    const spec = op();
    await serve(spec, scriptStream(script, { end: { reason: 'stop' }, delayMs: 1 }));
    expect(await run(spec)).toEqual({ chunks: script, end: { reason: 'stop' }, error: undefined });
  });

  test('scriptStream - failAfter with a ServiceError: the chunks before it, then that RemoteError', async () => {
    const spec = op();
    await serve(spec, scriptStream(script, { failAfter: 2, error: new ServiceError(429, 'rate limited') }));
    const { chunks, error } = await run(spec);
    expect(chunks).toEqual(script.slice(0, 2));
    expect(error).toBeInstanceOf(RemoteError);
    expect(error).toMatchObject({ status: 429, description: 'rate limited' });
  });

  test('scriptStream - stops yielding once its stream is cancelled', async () => {
    const controller = new AbortController();
    const generator = scriptStream(script, { end: { reason: 'cut' } })({ signal: controller.signal });
    expect(await generator.next()).toEqual({ done: false, value: script[0] });
    controller.abort();
    expect(await generator.next()).toEqual({ done: true, value: { reason: 'cut' } });
  });

  test('fakeReplyStream - yields its chunks, then sets end', async () => {
    const stream = fakeReplyStream<Chunk, End>(script, { end: { reason: 'stop' } });
    const got: Chunk[] = [];
    for await (const chunk of stream) got.push(chunk);
    expect(got).toEqual(script);
    expect(stream.end).toEqual({ reason: 'stop' });
    expect(stream.cancelled).toBe(false);
  });

  test('fakeReplyStream - rejects with its error after the chunks', async () => {
    const timeout = new StreamTimeoutError('complete', 'a.b', 100, 'idle');
    const stream = fakeReplyStream<Chunk>(script.slice(0, 1), { error: timeout });
    expect(await stream.next()).toEqual({ done: false, value: script[0] });
    await expect(stream.next()).rejects.toBe(timeout);
    expect(stream.end).toBeUndefined();
  });

  test('fakeReplyStream - break marks it cancelled', async () => {
    const stream = fakeReplyStream<Chunk>(script);
    for await (const _ of stream) break;
    expect(stream.cancelled).toBe(true);
    expect(await stream.next()).toEqual({ done: true, value: undefined });
  });
});
