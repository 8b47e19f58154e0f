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

test('harness - with no NATS_URL, no Docker and no nats-server binary it fails and says how to get a server', async () => {
  const { execFile } = await import('node:child_process');
  const { promisify } = await import('node:util');
  const script =
    "import('./test/harness/nats.ts').then((m) => m.startNats()).then(" +
    '() => process.exit(0), (e) => { console.error(e.message); process.exit(3); })';
  const env: Record<string, string> = { PATH: '/nonexistent', HOME: process.env.HOME ?? '/tmp' };
  const result = await promisify(execFile)(process.execPath, ['--import', 'tsx', '-e', script], { env }).then(
    () => ({ code: 0, stderr: '' }),
    (e: { code: number; stderr: string }) => ({ code: e.code, stderr: e.stderr }),
  );
  expect(result.code).toBe(3);
  expect(result.stderr).toContain('no NATS server for the tests');
  expect(result.stderr).toContain('apt-get install -y nats-server');
  expect(result.stderr).toContain('NATS_URL');
}, 30_000);
