/**
 * Streaming replies under nats-server permissions (a server of its own with an `authorization` block):
 * what a worker and a caller need. `allow_responses: true` lets a worker answer a request once, which
 * a stream outgrows at its first chunk; `allow_responses: { max: -1 }` (no limit) lets it stream, for
 * as long as the permission's `expires` (2 minutes unless set: docs/security.md sets it to the
 * stream's total timeout plus a second), and the caller needs to publish to the worker's inbox prefix,
 * where its credit and cancel go.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { expect, onTestFinished, test } from 'vitest';
import {
  connect,
  type ErrorEvent,
  PermissionError,
  replyStream,
  requestStream,
  ServerCore,
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
  chunkDelayMs = 0,
): Promise<{ chunks: number[]; error: unknown; workerErrors: ErrorEvent[] }> {
  const server = await startServer({ jetstream: false, config: authorization(responses, callerPublishes) });
  onTestFinished(() => server.dispose());
  const quiet = { logger: false } as const;
  const caller = await connect({ servers: server.url, user: 'caller', pass: 'pw', tenant: 'caller', ...quiet });
  const worker = await connect({ servers: server.url, user: 'worker', pass: 'pw', tenant: 'worker', ...quiet });
  onTestFinished(async () => {
    await Promise.all([caller.close(), worker.close()]);
  });
  const workerErrors: ErrorEvent[] = [];
  // Registered as a generated server registers it (through ServerCore, which watches for refusals).
  const options = { service: false, onError: (e: ErrorEvent) => workerErrors.push(e) } as const;
  const core = new ServerCore(worker, { name: 'count', version: '1.0.0' }, options);
  const handle = core.track(
    replyStream(
      worker,
      op,
      {},
      async function* () {
        for (let i = 0; i < 20; i++) {
          if (chunkDelayMs > 0) await sleep(chunkDelayMs);
          yield { i };
        }
      },
      options,
    ),
    op,
  );
  await handle.ready;
  const chunks: number[] = [];
  try {
    for await (const chunk of requestStream<Chunk>(caller, op, {})) chunks.push(chunk.i);
    return { chunks, error: undefined, workerErrors };
  } catch (error) {
    return { chunks, error, workerErrors };
  }
}

test('stream permissions - allow_responses { max: -1 } and publish to the worker inbox: the whole stream', {
  timeout: 30_000,
}, async () => {
  const { chunks, error } = await streamUnder('{ max: -1 }');
  expect(error).toBeUndefined();
  expect(chunks).toEqual(Array.from({ length: 20 }, (_, i) => i));
});

test('stream permissions - the documented form, allow_responses { max: -1, expires: total timeout + 1 s }: the whole stream', {
  timeout: 30_000,
}, async () => {
  const expires = `${Math.ceil((op.streaming.totalTimeoutMs + 1_000) / 1_000)}s`;
  const { chunks, error, workerErrors } = await streamUnder(`{ max: -1, expires: "${expires}" }`);
  expect(error).toBeUndefined();
  expect(chunks).toEqual(Array.from({ length: 20 }, (_, i) => i));
  expect(workerErrors).toEqual([]);
});

test('stream permissions - allow_responses { max: -1 } still expires: chunks after expires are refused, the worker hears of it and the caller stops', {
  timeout: 30_000,
}, async () => {
  // nats-server's expiry defaults to 2 minutes even with max -1; here 1 s, with a chunk every 250 ms.
  const { chunks, error, workerErrors } = await streamUnder('{ max: -1, expires: "1s" }', undefined, 250);
  expect(chunks.length).toBeGreaterThan(0);
  expect(chunks.length).toBeLessThan(20);
  expect(error).toBeInstanceOf(StreamTimeoutError);
  const refused = workerErrors.find((e) => e.kind === 'permission');
  expect(refused?.error).toBeInstanceOf(PermissionError);
  expect(refused?.subject).toMatch(/^_INBOX\.caller\./);
});

test('stream permissions - allow_responses: true answers once: only open gets through, the caller times out, the worker hears of it', {
  timeout: 30_000,
}, async () => {
  const { chunks, error, workerErrors } = await streamUnder('true');
  expect(chunks).toEqual([]);
  expect(error).toBeInstanceOf(StreamTimeoutError);
  expect((error as StreamTimeoutError).phase).toBe('first-chunk');
  // The caller cannot know why; the worker's onError names the refused chunk's subject.
  const refused = workerErrors.find((e) => e.kind === 'permission');
  expect(refused?.error).toBeInstanceOf(PermissionError);
  expect(refused?.subject).toMatch(/^_INBOX\.caller\./);
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
