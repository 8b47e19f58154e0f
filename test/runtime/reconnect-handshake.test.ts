/**
 * A server that dies between its INFO and the PONG of a reconnect. The client's disconnect then joins the
 * dial still waiting for that PONG, which ends only at the dial timeout: 20 s with the client's default
 * (measured: durable workers idle for 20 s after a quick series of restarts), 2 s with `connect`'s.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { expect, onTestFinished, test } from 'vitest';
import { type ConnectionEvent, connect } from '../../runtime/index.js';
import { startServer } from '../harness/servers.js';
import { waitFor } from '../harness/util.js';

const INFO = `INFO ${JSON.stringify({ server_id: 'STAND_IN', version: '2.9.10', proto: 1, headers: true, max_payload: 1048576 })}\r\n`;

/** Listens on the port until closed: sends INFO, then drops each connection once the client's CONNECT arrives. */
async function standIn(port: number): Promise<{ readonly dials: () => number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  let dials = 0;
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    socket.write(INFO);
    socket.once('data', () => {
      dials++;
      socket.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  return {
    dials: () => dials,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

test('connection - a reconnect whose server dies mid-handshake is dialled again within 2 s, not after 20 s', {
  timeout: 30_000,
}, async () => {
  const server = await startServer({ jetstream: false });
  onTestFinished(() => server.dispose());
  const events: ConnectionEvent[] = [];
  const nc = await connect({ servers: server.url, onStatus: (e) => events.push(e) });
  onTestFinished(() => nc.close());

  await server.kill();
  const stand = await standIn(server.port);
  try {
    await waitFor('a reconnect handshake cut after CONNECT', () => stand.dials() >= 1, 10_000);
  } finally {
    await stand.close();
  }
  await server.start();
  const back = Date.now();
  await waitFor('the reconnect', () => events.some((e) => e.type === 'reconnected'), 25_000);
  const ms = Date.now() - back;
  console.log(`connection - reconnected ${ms} ms after the real server was back (the cut handshake held the dial)`);
  expect(ms).toBeLessThan(5_000);
});
