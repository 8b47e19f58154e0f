/**
 * Streaming replies under nats-server permissions (a server of its own with an `authorization` block):
 * what a worker and a caller need. `allow_responses: true` lets a worker answer a request once, which
 * a stream outgrows at its first chunk; `allow_responses: { max: -1 }` (no limit) lets it stream, and
 * the caller needs to publish to the worker's inbox prefix, where its credit and cancel go.
 */
import { expect, onTestFinished, test } from 'vitest';
import {
  connect,
  PermissionError,
  replyStream,
  requestStream,
  StreamTimeoutError,
  subjectTemplate,
  z,
} from '../../runtime/index.js';
import { startServer } from '../harness/servers.js';

const Chunk = z.object({ i: z.number().int() });
type Chunk = z.infer<typeof Chunk>;

const op = {
  id: 'count',
  subject: subjectTemplate('count.stream'),
  messages: [{ name: 'Ask' }],
  streaming: {
    chunks: [{ name: 'Chunk', payload: Chunk }],
    firstChunkTimeoutMs: 1_000,
    idleTimeoutMs: 1_000,
    totalTimeoutMs: 10_000,
    window: 4,
  },
};

function authorization(responses: string, callerPublishes: string): string {
  return `authorization {
  users = [
    { user: caller, password: pw, permissions: {
        publish: { allow: [${callerPublishes}] }
        subscribe: { allow: ["_INBOX.caller.>"] } } }
    { user: worker, password: pw, permissions: {
        subscribe: { allow: ["count.stream", "_INBOX.worker.>"] }
        allow_responses: ${responses} } }
  ]
}`;
}

async function streamUnder(
  responses: string,
  callerPublishes = '"count.stream", "_INBOX.worker.>"',
): Promise<{ chunks: number[]; error: unknown }> {
  const server = await startServer({ jetstream: false, config: authorization(responses, callerPublishes) });
  onTestFinished(() => server.dispose());
  const quiet = { logger: false } as const;
  const caller = await connect({ servers: server.url, user: 'caller', pass: 'pw', tenant: 'caller', ...quiet });
  const worker = await connect({ servers: server.url, user: 'worker', pass: 'pw', tenant: 'worker', ...quiet });
  onTestFinished(async () => {
    await Promise.all([caller.close(), worker.close()]);
  });
  const handle = replyStream(
    worker,
    op,
    {},
    async function* () {
      for (let i = 0; i < 20; i++) yield { i };
    },
    { service: false, onError: () => {} },
  );
  await handle.ready;
  const chunks: number[] = [];
  try {
    for await (const chunk of requestStream<Chunk>(caller, op, {})) chunks.push(chunk.i);
    return { chunks, error: undefined };
  } catch (error) {
    return { chunks, error };
  }
}

test('stream permissions - allow_responses { max: -1 } and publish to the worker inbox: the whole stream', {
  timeout: 30_000,
}, async () => {
  const { chunks, error } = await streamUnder('{ max: -1 }');
  expect(error).toBeUndefined();
  expect(chunks).toEqual(Array.from({ length: 20 }, (_, i) => i));
});

test('stream permissions - allow_responses: true answers once: only open gets through, the caller times out', {
  timeout: 30_000,
}, async () => {
  const { chunks, error } = await streamUnder('true');
  expect(chunks).toEqual([]);
  expect(error).toBeInstanceOf(StreamTimeoutError);
  expect((error as StreamTimeoutError).phase).toBe('first-chunk');
});

test('stream permissions - a caller refused the request subject: PermissionError at once, not a timeout', {
  timeout: 30_000,
}, async () => {
  const { chunks, error } = await streamUnder('{ max: -1 }', '"_INBOX.worker.>"');
  expect(chunks).toEqual([]);
  expect(error).toBeInstanceOf(PermissionError);
  expect(error).toMatchObject({ action: 'publish', subject: 'count.stream' });
});

test('stream permissions - a caller refused the worker inbox: its first credit fails the stream with PermissionError', {
  timeout: 30_000,
}, async () => {
  const { error } = await streamUnder('{ max: -1 }', '"count.stream"');
  expect(error).toBeInstanceOf(PermissionError);
  expect((error as PermissionError).subject).toMatch(/^_INBOX\.worker\./);
});
