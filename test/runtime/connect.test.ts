import { createServer } from 'node:net';
import { errors as natsErrors } from '@nats-io/transport-node';
import { expect, inject, test } from 'vitest';
import { ConnectError, connect } from '../../runtime/index.js';

/** A loopback port nobody listens on: bound, then released. */
async function deadPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

test('connect - connects to a live server', async () => {
  const nc = await connect({ servers: inject('natsUrl'), retry: { attempts: 1 } });
  expect(nc.isClosed()).toBe(false);
  await nc.close();
});

test('connect - a dead port fails with ConnectError after the configured attempts', async () => {
  const server = `127.0.0.1:${await deadPort()}`;
  const started = Date.now();
  let thrown: unknown;
  try {
    await connect({ servers: server, retry: { attempts: 3, initialDelayMs: 10, maxDelayMs: 20 } });
  } catch (error) {
    thrown = error;
  }
  expect(Date.now() - started).toBeLessThan(2_000);
  expect(thrown).toBeInstanceOf(ConnectError);
  const error = thrown as ConnectError;
  expect(error).toMatchObject({ name: 'ConnectError', code: 'CONNECT', attempts: 3, servers: [server] });
  expect(error.message).toBe(`could not connect to '${server}' after 3 attempts: connection refused`);
  expect(error.cause).toBeInstanceOf(natsErrors.ConnectionError);
});

test.each([
  ['exclusive options', { servers: '127.0.0.1:4222', port: 4222 }, natsErrors.InvalidArgumentError],
  ['an invalid URL', { servers: 'nats://[bad' }, TypeError],
])('connect - %s fail at once without retrying', async (_name, options, causeClass) => {
  let thrown: unknown;
  try {
    await connect({ ...options, retry: { attempts: 5, initialDelayMs: 5_000 } });
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(ConnectError);
  expect((thrown as ConnectError).attempts).toBe(1);
  expect((thrown as ConnectError).cause).toBeInstanceOf(causeClass);
});
