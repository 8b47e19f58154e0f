/**
 * Credentials written in server URLs (`nats://user:password@host`, `nats://token@host`, as the `nats`
 * CLI and nats.go take them) against real nats-server processes with user/password and token auth;
 * refused logins, at the first connection and at a reconnect; and a known secret that must never
 * appear in anything the runtime prints, throws, reports or exports.
 */
import { inspect } from 'node:util';
import { connect as natsConnect, errors as natsErrors } from '@nats-io/transport-node';
import * as otelApi from '@opentelemetry/api';
import { metrics, trace } from '@opentelemetry/api';
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, onTestFinished, test, vi } from 'vitest';
import {
  AiSdkClient,
  AiSdkServer,
  exampleChatCompletionRequest,
  exampleChatCompletionResponse,
} from '../../generated/ai-sdk/index.js';
import { connectOptionsFromEnv } from '../../runtime/env.js';
import {
  AsyncApiNatsError,
  ConnectError,
  type ConnectionEvent,
  type ConnectOptions,
  connect,
  jsonLogger,
  type LogEvent,
  type NatsConnection,
  redactServerUrl,
  useOpenTelemetry,
  wildcard,
} from '../../runtime/index.js';
import { parseServerUrl, redactUrlsIn } from '../../runtime/server-url.js';
import { connectionState } from '../../runtime/status.js';
import { type NatsProcess, reservePorts, startServer } from '../harness/servers.js';
import { waitFor } from '../harness/util.js';

const servers: NatsProcess[] = [];
afterAll(async () => {
  await Promise.all(servers.map((s) => s.dispose()));
});

/** A server with `config` appended (JetStream off), disposed after the file. */
async function serverWith(config: string, ports?: { client: number; monitor: number }): Promise<NatsProcess> {
  const server = await startServer({ jetstream: false, config, ...(ports === undefined ? {} : { ports }) });
  servers.push(server);
  return server;
}

/** `nats://127.0.0.1:<port>` of `server` with `userinfo@` written in. */
function withUserInfo(server: NatsProcess, userinfo: string): string {
  return server.url.replace('nats://', `nats://${userinfo}@`);
}

/** Connects with our `connect`, closing the connection when the test ends. */
async function open(options: ConnectOptions): Promise<NatsConnection> {
  const nc = await connect({ retry: { attempts: 1 }, logger: false, ...options });
  onTestFinished(async () => {
    if (!nc.isClosed()) await nc.close();
  });
  return nc;
}

/** The rejection of `promise`, failing the test if it resolves. */
async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    const value = await promise;
    if (value !== null && typeof value === 'object' && 'close' in value) await (value as NatsConnection).close();
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

const USERS =
  'authorization { users: [ { user: alice, password: "s3cr3t-pw" }, { user: bob, password: "1234" }, { user: carol, password: "p@ss:w/rd" } ] }';

describe('credentials in server URLs', () => {
  let users: NatsProcess;
  let tokens: NatsProcess;
  beforeAll(async () => {
    [users, tokens] = await Promise.all([serverWith(USERS), serverWith('authorization { token: "t0k3n-value" }')]);
  });

  test('credentials - the NATS client alone ignores them, and dials a numeric password as the port', async () => {
    // Why connect() takes them out itself: transport-node 3.4 sends no credentials from a URL...
    const refused = await rejection(
      natsConnect({ servers: withUserInfo(users, 'alice:s3cr3t-pw'), maxReconnectAttempts: 0 }),
    );
    expect(refused).toBeInstanceOf(natsErrors.AuthorizationError);
    // ...and reads `bob:1234@host:port` as host:1234.
    const misread = await rejection(
      natsConnect({ servers: withUserInfo(users, 'bob:1234'), maxReconnectAttempts: 0, timeout: 1_000 }),
    );
    expect(misread).toBeInstanceOf(natsErrors.ConnectionError);
    expect((misread as Error).message).toBe('connection refused');
  });

  test.each([
    ['user:password', 'alice:s3cr3t-pw'],
    ['a numeric password', 'bob:1234'],
    ['a percent-encoded password with @, : and /', `carol:${encodeURIComponent('p@ss:w/rd')}`],
  ])('credentials - %s in the URL authenticates against a user/password server', async (_name, userinfo) => {
    const nc = await open({ servers: withUserInfo(users, userinfo) });
    await nc.flush();
    expect(nc.getServer()).toBe(users.url.replace('nats://', ''));
  });

  test('credentials - nats://token@host authenticates against a token server, and without it is refused', async () => {
    const nc = await open({ servers: withUserInfo(tokens, 't0k3n-value') });
    await nc.flush();
    const error = await rejection(connect({ servers: tokens.url, retry: { attempts: 1 }, logger: false }));
    expect(error).toMatchObject({ name: 'ConnectError', reason: 'authorization' });
  });

  test('credentials - several servers share the credentials of the URL that carries them', async () => {
    // The first entry is a dead port: the client moves on to the second, which needs the credentials.
    const [dead] = await reservePorts(1);
    const nc = await open({ servers: [`nats://alice:s3cr3t-pw@127.0.0.1:${dead}`, users.url] });
    await nc.flush();
  });

  test('credentials - in the URL and as options, or different per server, fail at once with ConnectError', async () => {
    const cases: [ConnectOptions, string][] = [
      [
        { servers: withUserInfo(users, 'alice:s3cr3t-pw'), credentials: { user: 'alice', password: 's3cr3t-pw' } },
        "'servers' carry credentials and other credentials are given too (credentials, user, pass, token or authenticator): give one of them",
      ],
      [
        { servers: withUserInfo(users, 'alice:s3cr3t-pw'), token: 't0k3n-value' },
        "'servers' carry credentials and other credentials are given too (credentials, user, pass, token or authenticator): give one of them",
      ],
      [
        { servers: [withUserInfo(users, 'alice:s3cr3t-pw'), withUserInfo(users, 'bob:1234')] },
        "'servers' carry different credentials: give every server the same ones (they are used for all servers, including those a cluster announces)",
      ],
      [
        { servers: withUserInfo(users, 'alice:%zz-s3cr3t-pw') },
        `'servers' '${withUserInfo(users, 'alice:***')}' has malformed percent-encoding in its credentials`,
      ],
    ];
    for (const [options, reason] of cases) {
      const started = Date.now();
      const error = await rejection(
        connect({ retry: { attempts: 5, initialDelayMs: 5_000 }, logger: false, ...options }),
      );
      expect(Date.now() - started).toBeLessThan(2_000);
      expect(error).toBeInstanceOf(ConnectError);
      expect(error).toMatchObject({ attempts: 1, reason: 'options' });
      expect((error as Error).message).toContain(reason);
      expect(inspect(error, { depth: 5 })).not.toMatch(/s3cr3t|1234/);
    }
  });

  test('credentials - redaction keeps the user and masks the password or token', () => {
    expect(redactServerUrl('nats://alice:s3cr3t@host:4222')).toBe('nats://alice:***@host:4222');
    expect(redactServerUrl('nats://t0k3n@host:4222')).toBe('nats://***@host:4222');
    expect(redactServerUrl('tls://u:p@ss@host')).toBe('tls://u:***@host');
    expect(redactServerUrl('alice:s3cr3t@host:4222')).toBe('alice:***@host:4222');
    expect(redactServerUrl('nats://host:4222')).toBe('nats://host:4222');
    expect(parseServerUrl('nats://u:p%40ss@h:1')).toEqual({
      url: 'nats://h:1',
      redacted: 'nats://u:***@h:1',
      credentials: { user: 'u', password: 'p@ss' },
    });
    expect(redactUrlsIn("could not connect to 'nats://a:b@h1,tls://tok@h2' (mail x@y.org)")).toBe(
      "could not connect to 'nats://a:***@h1,tls://***@h2' (mail x@y.org)",
    );
  });

  test('env - NATS_URL credentials pass to connect; with NATS_USER or NATS_TOKEN too they are a CONFIG error', async () => {
    const options = connectOptionsFromEnv({ NATS_URL: withUserInfo(users, 'alice:s3cr3t-pw') });
    expect(options).toEqual({ servers: [withUserInfo(users, 'alice:s3cr3t-pw')] });
    const nc = await open(options);
    await nc.flush();
    for (const [extra, kind] of [
      [{ NATS_USER: 'alice', NATS_PASSWORD: 'x' }, 'NATS_USER/NATS_PASSWORD'],
      [{ NATS_TOKEN: 'x' }, 'NATS_TOKEN'],
    ] as const) {
      let thrown: unknown;
      try {
        connectOptionsFromEnv({ NATS_URL: withUserInfo(users, 'alice:s3cr3t-pw'), ...extra });
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(AsyncApiNatsError);
      expect((thrown as AsyncApiNatsError).message).toBe(
        `conflicting NATS credentials in the environment: NATS_URL (credentials in the URL), ${kind} (set one kind)`,
      );
    }
  });
});

describe('refused logins', () => {
  test('auth - wrong credentials with defaults: reported at the first attempt, retried, connected once the user exists', async () => {
    const [client, monitor] = await reservePorts(2);
    if (client === undefined || monitor === undefined) throw new Error('no ports');
    const ports = { client, monitor };
    const before = await serverWith('authorization { users: [ { user: someone, password: "else" } ] }', ports);
    const events: ConnectionEvent[] = [];
    const logs: LogEvent[] = [];
    const started = Date.now();
    const connecting = connect({
      servers: `nats://dave:d4ve-pw@127.0.0.1:${client}`,
      retry: { initialDelayMs: 50, maxDelayMs: 200 },
      onStatus: (e) => events.push(e),
      logger: (e) => logs.push(e),
    });
    await waitFor('the first refused attempt', () => events.length >= 1);
    // Reported within one attempt, typed, and logged as an error.
    const firstReportMs = Date.now() - started;
    expect(firstReportMs).toBeLessThan(2_000);
    expect(events[0]).toMatchObject({
      type: 'connect-failed',
      attempt: 1,
      reason: 'authorization',
      servers: [`nats://dave:***@127.0.0.1:${client}`],
      error: expect.any(natsErrors.AuthorizationError),
    });
    expect(logs[0]).toMatchObject({ level: 'error', event: 'connection.connect-failed' });
    expect(logs[0]?.message).toMatch(
      new RegExp(
        `^the server at 'nats://dave:\\*\\*\\*@127\\.0\\.0\\.1:${client}' refused the credentials \\(Authorization Violation\\); retrying until it succeeds, since the user or account may be added on the server later; next attempt in \\d+ ms\\. Set retry\\.attempts or retry\\.timeoutMs to give up instead$`,
      ),
    );
    // The user is added (a config change and restart on the same ports): the retry gets through.
    await waitFor('a second refused attempt', () => events.length >= 2);
    await before.dispose();
    await serverWith('authorization { users: [ { user: dave, password: "d4ve-pw" } ] }', ports);
    const userAdded = Date.now();
    const nc = await connecting;
    onTestFinished(() => nc.close());
    console.log(
      `auth - refused login reported ${firstReportMs} ms after connect() began; ${events.length - 1} refused attempts; connected ${Date.now() - userAdded} ms after the server with the user was up`,
    );
    expect(events.at(-1)).toEqual({ type: 'connected', server: `127.0.0.1:${client}` });
    expect(logs.at(-1)?.message).toMatch(
      new RegExp(`^connected 127\\.0\\.0\\.1:${client} after \\d+ failed attempts? in `),
    );
  });

  test('auth - with retry.attempts a refused login ends in ConnectError with reason authorization', async () => {
    const server = await serverWith('authorization { users: [ { user: erin, password: "right" } ] }');
    const error = await rejection(
      connect({
        servers: withUserInfo(server, 'erin:wrong'),
        retry: { attempts: 2, initialDelayMs: 10 },
        logger: false,
      }),
    );
    expect(error).toMatchObject({
      name: 'ConnectError',
      code: 'CONNECT',
      reason: 'authorization',
      attempts: 2,
      servers: [withUserInfo(server, 'erin:***')],
      message: `could not connect to '${withUserInfo(server, 'erin:***')}' after 2 attempts: Authorization Violation`,
    });
    expect((error as Error).cause).toBeInstanceOf(natsErrors.AuthorizationError);
  });

  test('auth - a login refused at a reconnect is retried and reported (logged rate-limited), and the connection comes back', async () => {
    const [client, monitor] = await reservePorts(2);
    if (client === undefined || monitor === undefined) throw new Error('no ports');
    const ports = { client, monitor };
    const good = 'authorization { users: [ { user: frank, password: "fr4nk-pw" } ] }';
    let server = await serverWith(good, ports);
    const events: ConnectionEvent[] = [];
    const logs: LogEvent[] = [];
    const nc = await open({
      servers: `nats://frank:fr4nk-pw@127.0.0.1:${client}`,
      onStatus: (e) => events.push(e),
      logger: (e) => logs.push(e),
      retry: { logIntervalMs: 60_000 },
    });
    // The server comes back without the user: every reconnect is refused.
    await server.dispose();
    server = await serverWith('authorization { users: [ { user: frank, password: "changed" } ] }', ports);
    const refused = () =>
      events.filter((e) => e.type === 'server-error' && e.error instanceof natsErrors.AuthorizationError);
    // The client alone would close the connection after the second refusal in a row (about 0.6 s).
    await waitFor('a refused reconnect', () => refused().length >= 1, 10_000);
    const refusedSince = Date.now();
    await waitFor('four refused reconnects', () => refused().length >= 4, 10_000);
    expect(nc.isClosed()).toBe(false);
    const refusalLines = logs.filter((e) => e.event === 'connection.server-error');
    expect(refusalLines).toHaveLength(1);
    expect(refusalLines[0]).toMatchObject({
      level: 'error',
      message:
        'the server refused the credentials at a reconnect (Authorization Violation); retrying, since they may be restored on the server or rotated in a creds file',
    });
    // The user is restored: the connection comes back by itself.
    const refusals = refused().length;
    const refusedFor = Date.now() - refusedSince;
    await server.dispose();
    server = await serverWith(good, ports);
    const restored = Date.now();
    await waitFor('the reconnect', () => events.some((e) => e.type === 'reconnected'), 10_000);
    await nc.flush();
    console.log(
      `auth - ${refusals} refused reconnects in ${refusedFor} ms, 1 log line, connection open; reconnected ${Date.now() - restored} ms after the user was restored`,
    );
  });
});

describe('secrets', () => {
  const SECRET = 'Zq9xSECRETv7Kp';
  const spans = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] });
  const metricExporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  const reader = new PeriodicExportingMetricReader({ exporter: metricExporter, exportIntervalMillis: 3_600_000 });
  const meterProvider = new MeterProvider({ readers: [reader] });
  beforeAll(() => {
    trace.setGlobalTracerProvider(tracerProvider);
    metrics.setGlobalMeterProvider(meterProvider);
    useOpenTelemetry(otelApi);
  });
  afterAll(async () => {
    await tracerProvider.shutdown();
    await meterProvider.shutdown();
    trace.disable();
    metrics.disable();
  });

  test('secrets - a known password never appears in errors, .servers, events, log lines, stderr, spans or metrics', async () => {
    const captured: string[] = [];
    /** Everything a value would show when printed, logged or inspected, cause chain included. */
    const keep = (value: unknown) => {
      captured.push(typeof value === 'string' ? value : inspect(value, { depth: 8, showHidden: true }));
      if (value instanceof Error) captured.push(String(value), value.stack ?? '');
    };
    const stderr = vi.spyOn(console, 'error').mockImplementation((...args: unknown[]) => {
      for (const arg of args) keep(arg);
    });
    onTestFinished(() => stderr.mockRestore());
    const logger = (e: LogEvent) => keep(e);
    const json = jsonLogger((line) => keep(line));
    const onStatus = (e: ConnectionEvent) => keep(e);

    const [client, monitor, dead] = await reservePorts(3);
    if (client === undefined || monitor === undefined || dead === undefined) throw new Error('no ports');
    const ports = { client, monitor };
    const config = `authorization { users: [ { user: grace, password: "${SECRET}" } ] }`;
    let server = await serverWith(config, ports);
    const url = `nats://grace:${SECRET}@127.0.0.1:${client}`;

    // 1. A failed first connection with attempts, to a dead port: default logger (stderr), then our logger, then JSON.
    for (const log of [undefined, logger, json]) {
      keep(
        await rejection(
          connect({
            servers: `nats://grace:${SECRET}@127.0.0.1:${dead}`,
            retry: { attempts: 3, initialDelayMs: 10, maxDelayMs: 20 },
            onStatus,
            ...(log === undefined ? {} : { logger: log }),
          }),
        ),
      );
    }
    // 2. A refused login with the secret as the password of another user, and as a token.
    for (const servers of [`nats://mallory:${SECRET}@127.0.0.1:${client}`, `nats://${SECRET}@127.0.0.1:${client}`]) {
      keep(await rejection(connect({ servers, retry: { attempts: 2, initialDelayMs: 10 }, onStatus })));
      keep(await rejection(connect({ servers, retry: { attempts: 2, initialDelayMs: 10 }, onStatus, logger: json })));
    }
    // 3. Options that can never work.
    keep(await rejection(connect({ servers: url, credentials: { token: 'x' } })));
    keep(await rejection(connect({ servers: [url, `nats://grace:other@127.0.0.1:${dead}`] })));

    // 4. A working connection: status events across a restart, a refused reconnect, reconnect; traced traffic.
    const nc = await connect({ servers: url, onStatus, logger });
    onTestFinished(async () => {
      if (!nc.isClosed()) await nc.close();
    });
    const quiet = await connect({ servers: url, onStatus }); // default logger: stderr
    onTestFinished(async () => {
      if (!quiet.isClosed()) await quiet.close();
    });
    keep(nc.getServer());
    const worker = new AiSdkServer(nc, { logger, service: false });
    worker.replyChatCompletion({
      params: { tenant_id: wildcard },
      handler: async ({ payload, params }) => {
        if (params.tenant_id === 'fails') throw new Error('handler failed');
        return exampleChatCompletionResponse({ model: payload.model });
      },
    });
    const caller = new AiSdkClient(nc);
    await caller.requestChatCompletion({ params: { tenant_id: 'ok' }, payload: exampleChatCompletionRequest() });
    keep(
      await rejection(
        caller.requestChatCompletion({ params: { tenant_id: 'fails' }, payload: exampleChatCompletionRequest() }),
      ),
    );
    await server.dispose();
    server = await serverWith(`authorization { users: [ { user: grace, password: "changed" } ] }`, ports);
    await waitFor(
      'a refused reconnect',
      () => captured.some((text) => text.includes('refused the credentials at a reconnect')),
      10_000,
    );
    await server.dispose();
    server = await serverWith(config, ports);
    await waitFor(
      'both connections back',
      () => connectionState(nc).connected && connectionState(quiet).connected,
      10_000,
    );
    await nc.flush();
    await quiet.flush();
    await caller.requestChatCompletion({ params: { tenant_id: 'ok' }, payload: exampleChatCompletionRequest() });
    await worker.drain();
    await nc.close();
    await quiet.close();

    // 5. Everything exported: spans (names, attributes, status, events) and metrics (labels).
    await reader.forceFlush();
    const exportedSpans = spans.getFinishedSpans();
    expect(exportedSpans.length).toBeGreaterThan(0);
    for (const span of exportedSpans)
      keep({ name: span.name, attributes: span.attributes, status: span.status, events: span.events });
    keep(JSON.stringify(metricExporter.getMetrics()));

    const all = captured.join('\n');
    // The run did go through the paths it claims to, with the redacted form in their text...
    expect(all).toContain(`nats://grace:***@127.0.0.1:${dead}`);
    expect(all).toContain('refused the credentials');
    expect(all).toContain('Authorization Violation');
    expect(all).toContain('connection.disconnected');
    expect(all).toContain('reconnected');
    expect(all).toContain('asyncapi_nats.operation.count');
    // ...and the secret nowhere.
    expect(all.includes(SECRET), 'the secret appears in the captured output').toBe(false);
    console.log(
      `secrets - searched ${captured.length} captured texts (${all.length} characters, ${exportedSpans.length} spans): 0 occurrences of the password`,
    );
  });
});
