/**
 * A 25 s outage, longer than the NATS client's default reconnect budget (10 attempts 2 s apart). Alone
 * in its file because it takes about 30 s: vitest runs files in parallel, so it costs no extra wall time.
 */
import { connect as natsConnect } from '@nats-io/transport-node';
import { expect, onTestFinished, test } from 'vitest';
import { type ConnectionEvent, connect, request, subjectTemplate } from '../../runtime/index.js';
import { startServer } from '../harness/servers.js';
import { uniquePrefix, waitFor } from '../harness/util.js';

const OUTAGE_MS = 25_000;

test('connection - after a 25 s outage our client is connected again and a request works', {
  timeout: 90_000,
}, async () => {
  const server = await startServer({ jetstream: false });
  onTestFinished(() => server.dispose());
  const events: ConnectionEvent[] = [];
  const nc = await connect({ servers: server.url, onStatus: (e) => events.push(e) });
  const responder = await connect({ servers: server.url });
  // The same server with the client's own defaults, for contrast.
  const plain = await natsConnect({ servers: server.url });
  onTestFinished(async () => {
    await Promise.all([nc, responder, plain].map((c) => (c.isClosed() ? undefined : c.close())));
  });
  const op = {
    id: 'echo',
    subject: subjectTemplate(`${uniquePrefix()}.echo`),
    messages: [{ name: 'Question' }],
    reply: { messages: [{ name: 'Answer' }], withHeaders: false },
  } as const;
  responder.subscribe(op.subject.address, {
    callback: (_err, msg) => {
      msg.respond(JSON.stringify(msg.json()));
    },
  });
  await responder.flush();

  await server.kill();
  await new Promise((resolve) => setTimeout(resolve, OUTAGE_MS));
  const restarted = Date.now();
  await server.start();
  await waitFor('the reconnect', () => events.some((e) => e.type === 'reconnected'), 10_000);
  const reconnectMs = Date.now() - restarted;
  const started = Date.now();
  await expect(request(nc, op, { payload: { after: 'outage' } }, { timeoutMs: 5_000 })).resolves.toEqual({
    after: 'outage',
  });
  console.log(
    `connection - after a ${OUTAGE_MS / 1000} s outage: reconnected ${reconnectMs} ms after the server restart began, first request took ${Date.now() - started} ms`,
  );
  expect(events.map((e) => e.type)).toEqual(['connected', 'disconnected', 'reconnecting', 'reconnected']);
  expect(nc.isClosed()).toBe(false);
  // The client's defaults would have given up: this is what `connect`'s defaults are for.
  expect(plain.isClosed()).toBe(true);
});
