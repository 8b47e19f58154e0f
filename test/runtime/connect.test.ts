/**
 * `connect`: the first connection against live and dead ports, its bounds (`retry.attempts`,
 * `retry.timeoutMs`), and what it tells while it retries: every failed attempt reaches `onStatus`, the
 * logger (stderr by default) gets the first at once and then at most one line per `logIntervalMs`.
 */
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { errors as natsErrors } from '@nats-io/transport-node';
import { expect, inject, onTestFinished, test, vi } from 'vitest';
import { ConnectError, type ConnectionEvent, connect, type LogEvent } from '../../runtime/index.js';
import { reservePorts, startServer } from '../harness/servers.js';
import { waitFor } from '../harness/util.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** The rejection of `promise`, failing the test if it resolves. */
async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

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

test('connect - failures are logged at the first attempt, then at most once per logIntervalMs with a count; retry.timeoutMs ends it', async () => {
  const server = `127.0.0.1:${await deadPort()}`;
  const logs: { at: number; event: LogEvent }[] = [];
  const events: ConnectionEvent[] = [];
  const started = Date.now();
  const error = await rejection(
    connect({
      servers: server,
      retry: { timeoutMs: 1_600, initialDelayMs: 10, maxDelayMs: 40, logIntervalMs: 500 },
      logger: (event) => logs.push({ at: Date.now() - started, event }),
      onStatus: (event) => events.push(event),
    }),
  );
  const elapsed = Date.now() - started;
  expect(elapsed).toBeGreaterThanOrEqual(1_500);
  expect(elapsed).toBeLessThan(4_000);
  expect(error).toBeInstanceOf(ConnectError);
  const failed = events.filter((e) => e.type === 'connect-failed');
  expect(error).toMatchObject({ reason: 'connection', attempts: failed.length + 1 });
  // Every attempt reached onStatus (dozens); the log got a few lines.
  expect(failed.length).toBeGreaterThan(10);
  const lines = logs.map((l) => l.event);
  for (const line of lines) expect(line).toMatchObject({ level: 'warn', event: 'connection.connect-failed' });
  expect(lines[0]?.message).toMatch(
    new RegExp(
      `^cannot connect to '${server}' \\(connection refused\\); retrying for up to 1\\.6 s; next attempt in \\d+ ms$`,
    ),
  );
  expect(lines.length).toBeGreaterThanOrEqual(2);
  expect(lines.length).toBeLessThanOrEqual(4);
  for (let i = 1; i < logs.length; i++) {
    expect((logs[i]?.at ?? 0) - (logs[i - 1]?.at ?? 0)).toBeGreaterThanOrEqual(500);
    expect(lines[i]?.message).toMatch(
      new RegExp(
        `^still cannot connect to '${server}' \\(connection refused\\) after \\d+ attempts in [\\d.]+ (ms|s); next attempt in \\d+ ms \\(\\d+ failed attempts not logged since the last line\\)$`,
      ),
    );
  }
  // The counts add up: each failed attempt is either a line or counted in the next one.
  const counted = lines
    .slice(1)
    .reduce((sum, line) => sum + Number(/\((\d+) failed attempts not logged/.exec(line.message)?.[1]), 0);
  const lastLineAttempt = Number(/after (\d+) attempts/.exec(lines.at(-1)?.message ?? '')?.[1]);
  expect(counted + lines.length).toBe(lastLineAttempt);
  console.log(
    `connect - ${failed.length + 1} failed attempts in ${elapsed} ms gave ${lines.length} log lines (first at ${logs[0]?.at} ms); ConnectError at ${elapsed} ms for timeoutMs 1600`,
  );
});

test('connect - without a logger the failures go to stderr; logger: false silences them', async () => {
  const server = `nats://127.0.0.1:${await deadPort()}`;
  const printed: string[] = [];
  const spy = vi.spyOn(console, 'error').mockImplementation((...args: unknown[]) => {
    printed.push(args.map(String).join(' '));
  });
  onTestFinished(() => spy.mockRestore());
  await rejection(connect({ servers: server, retry: { attempts: 3, initialDelayMs: 10, maxDelayMs: 20 } }));
  expect(printed).toEqual([
    expect.stringMatching(
      new RegExp(
        `^asyncapi-nats: connection\\.connect-failed: cannot connect to '${server}' \\(connection refused\\); retrying up to 3 attempts; next attempt in \\d+ ms$`,
      ),
    ),
  ]);
  printed.length = 0;
  await rejection(connect({ servers: server, retry: { attempts: 3, initialDelayMs: 10 }, logger: false }));
  expect(printed).toEqual([]);
});

test('connect - the quickstart against a server that is not running says so on stderr at once, password masked', async () => {
  const port = await deadPort();
  const spawned = Date.now();
  // node with tsx's loader, not the tsx binary: one process, so killing it by its pid ends the retry loop.
  const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=source', 'examples/quickstart.ts'], {
    cwd: ROOT,
    env: { ...process.env, NATS_URL: `nats://alice:quickstart-s3cret@127.0.0.1:${port}` },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  onTestFinished(() => {
    if (child.exitCode === null && child.pid !== undefined) child.kill('SIGKILL');
  });
  let stderr = '';
  let stdout = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  // tsx needs a few seconds to start under load; the line itself comes at the first failed attempt.
  await waitFor('the first connect-failed line', () => stderr.includes('\n') || child.exitCode !== null, 30_000);
  const firstLineMs = Date.now() - spawned;
  child.kill('SIGKILL');
  expect(child.exitCode, `exited early:\n${stderr}`).toBe(null);
  console.log(
    `connect - the quickstart printed its first connect-failed line ${firstLineMs} ms after spawn (tsx start included)`,
  );
  expect(stderr.split('\n')[0]).toMatch(
    new RegExp(
      `^asyncapi-nats: connection\\.connect-failed: cannot connect to 'nats://alice:\\*\\*\\*@127\\.0\\.0\\.1:${port}' \\(connection refused\\); retrying for up to 60\\.0 s; next attempt in \\d+ ms$`,
    ),
  );
  expect(`${stdout}${stderr}`).not.toContain('quickstart-s3cret');
}, 40_000);

test('connect - after failed attempts, the connect is logged with how many failed', async () => {
  const [client, monitor] = await reservePorts(2);
  if (client === undefined || monitor === undefined) throw new Error('no ports');
  const logs: LogEvent[] = [];
  const connecting = connect({
    servers: `127.0.0.1:${client}`,
    retry: { initialDelayMs: 50, maxDelayMs: 200 },
    logger: (e) => logs.push(e),
  });
  await waitFor('a failed attempt', () => logs.length >= 1);
  const late = await startServer({ jetstream: false, ports: { client, monitor } });
  onTestFinished(() => late.dispose());
  const nc = await connecting;
  onTestFinished(() => nc.close());
  expect(logs.at(-1)).toMatchObject({ level: 'info', event: 'connection.connected' });
  expect(logs.at(-1)?.message).toMatch(
    new RegExp(`^connected 127\\.0\\.0\\.1:${client} after \\d+ failed attempts? in [\\d.]+ m?s$`),
  );
});

test('connect - a lasting outage is logged again once per logIntervalMs until the reconnect', async () => {
  const server = await startServer({ jetstream: false });
  onTestFinished(() => server.dispose());
  const logs: { at: number; event: LogEvent }[] = [];
  const nc = await connect({
    servers: server.url,
    retry: { logIntervalMs: 300 },
    logger: (event) => logs.push({ at: Date.now(), event }),
  });
  onTestFinished(() => nc.close());
  const where = nc.getServer();
  await server.kill();
  const killed = Date.now();
  await waitFor(
    'two reminders',
    () => logs.filter((l) => l.event.event === 'connection.reconnecting').length >= 3,
    10_000,
  );
  await server.start();
  await waitFor('the reconnect', () => logs.some((l) => l.event.event === 'connection.reconnected'), 10_000);
  const reminders = logs.filter((l) => l.event.event === 'connection.reconnecting' && l.event.level === 'warn');
  expect(reminders.length).toBeGreaterThanOrEqual(2);
  for (const reminder of reminders) {
    expect(reminder.event.message).toMatch(
      new RegExp(`^still disconnected from ${where} after [\\d.]+ m?s; reconnecting$`),
    );
  }
  for (let i = 1; i < reminders.length; i++) {
    expect((reminders[i]?.at ?? 0) - (reminders[i - 1]?.at ?? 0)).toBeGreaterThanOrEqual(250);
  }
  expect((reminders[0]?.at ?? 0) - killed).toBeGreaterThanOrEqual(250);
  // None after the reconnect.
  const count = logs.length;
  await new Promise((resolve) => setTimeout(resolve, 700));
  expect(logs.slice(count).filter((l) => l.event.event === 'connection.reconnecting')).toEqual([]);
});
