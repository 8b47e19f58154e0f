/**
 * A nats-server killed (SIGKILL) in the middle of a streaming reply: the caller's iterator rejects
 * with ConnectionLostError at once, never hangs, and the handler is stopped by its own timeouts once
 * the caller is gone. Alone in its file: it spawns and kills its own server.
 */
import { connect as natsConnect } from '@nats-io/transport-node';
import { expect, onTestFinished, test } from 'vitest';
import {
  ConnectionLostError,
  replyStream,
  requestStream,
  StreamCancelledError,
  subjectTemplate,
  wildcard,
  z,
} from '../../runtime/index.js';
import { startServer } from '../harness/servers.js';
import { uniquePrefix } from '../harness/util.js';

const Chunk = z.object({ i: z.number().int() });
type Chunk = z.infer<typeof Chunk>;

test('stream - a server killed mid-stream: ConnectionLostError from the iterator, the handler cancelled later', {
  timeout: 60_000,
}, async () => {
  const natsServer = await startServer({ jetstream: false });
  onTestFinished(() => natsServer.dispose());
  const caller = await natsConnect({ servers: natsServer.url, reconnectTimeWait: 100 });
  const worker = await natsConnect({ servers: natsServer.url, reconnectTimeWait: 100 });
  onTestFinished(async () => {
    await Promise.all([caller, worker].map((c) => (c.isClosed() ? undefined : c.close())));
  });
  const op = {
    id: 'tokens',
    subject: subjectTemplate(`${uniquePrefix()}.tokens.{tenant_id}`),
    messages: [{ name: 'Ask' }],
    streaming: {
      chunks: [{ name: 'Chunk', payload: Chunk }],
      firstChunkTimeoutMs: 5_000,
      idleTimeoutMs: 5_000,
      totalTimeoutMs: 2_000,
      window: 4,
    },
  };
  let reason: Promise<unknown> = Promise.resolve();
  const handle = replyStream(
    worker,
    op,
    { params: { tenant_id: wildcard } },
    async function* (m: { signal: AbortSignal }) {
      reason = new Promise((resolve) => m.signal.addEventListener('abort', () => resolve(m.signal.reason)));
      yield { i: 0 };
      await reason;
    },
    { service: false },
  );
  await handle.ready;
  const stream = requestStream<Chunk>(caller, op, { params: { tenant_id: 'acme' }, payload: {} });
  expect((await stream.next()).value).toEqual({ i: 0 });
  const pending = stream.next().catch((error: unknown) => error);
  await natsServer.kill();
  expect(await pending).toBeInstanceOf(ConnectionLostError);
  expect(await stream.next()).toEqual({ done: true, value: undefined });
  await natsServer.restart();
  const why = await reason;
  expect(why).toBeInstanceOf(StreamCancelledError);
  expect((why as StreamCancelledError).reason).toBe('total-timeout');
  await handle.drain();
});
