import { connect } from '@nats-io/transport-node';
import { afterEach, expect, inject, test } from 'vitest';
import { startNats } from '../harness/nats.js';

const savedUrl = process.env.NATS_URL;
afterEach(() => {
  if (savedUrl === undefined) delete process.env.NATS_URL;
  else process.env.NATS_URL = savedUrl;
});

test('harness - the provided server accepts connections and round-trips a message', async () => {
  const nc = await connect({ servers: inject('natsUrl') });
  try {
    const sub = nc.subscribe('harness.ping', { max: 1 });
    nc.publish('harness.ping', 'pong');
    for await (const msg of sub) expect(msg.string()).toBe('pong');
  } finally {
    await nc.close();
  }
});

test('harness - NATS_URL wins and stop() leaves that server alone', async () => {
  process.env.NATS_URL = inject('natsUrl');
  const server = await startNats();
  expect(server).toMatchObject({ url: inject('natsUrl'), kind: 'env' });
  await server.stop();
  const nc = await connect({ servers: inject('natsUrl') });
  await nc.close();
});
