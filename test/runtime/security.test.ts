/**
 * Credentials, TLS and tenant isolation against real nats-server processes, and the environment
 * variables that configure them.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { errors as natsErrors, nkeys } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, onTestFinished, test } from 'vitest';
import {
  AiSdkClient,
  AiSdkServer,
  exampleAgentMessage,
  exampleChatCompletionRequest,
  exampleChatCompletionResponse,
  exampleRagQuery,
} from '../../generated/ai-sdk/index.js';
import { connectOptionsFromEnv } from '../../runtime/env.js';
import {
  AsyncApiNatsError,
  ConnectError,
  type ConnectionEvent,
  type ConnectOptions,
  connect,
  type ErrorEvent,
  InvalidSubjectParameterError,
  type LogEvent,
  type NatsConnection,
  type OperationSpec,
  PermissionError,
  request,
  subjectTemplate,
  wildcard,
} from '../../runtime/index.js';
import { type NatsProcess, startServer } from '../harness/servers.js';
import { waitFor } from '../harness/util.js';
import { documentedAuthorization } from '../security/nats-permissions.js';

const dir = mkdtempSync(join(tmpdir(), 'asyncapi-nats-security-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A file in this run's temp dir. */
function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

/** Starts a server with `config` appended, disposed after the file. */
async function serverWith(config: string): Promise<NatsProcess> {
  const server = await startServer({ jetstream: false, config });
  servers.push(server);
  return server;
}
const servers: NatsProcess[] = [];
afterAll(async () => {
  await Promise.all(servers.map((s) => s.dispose()));
});

/** Connects with our `connect`, closing the connection when the test ends. */
async function open(options: ConnectOptions): Promise<NatsConnection> {
  const nc = await connect({ retry: { attempts: 1 }, ...options });
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

/** `connect` must fail at once, without a second attempt, even with a generous retry budget. */
async function failsAtOnce(options: ConnectOptions, url: string): Promise<ConnectError> {
  const started = Date.now();
  const error = await rejection(connect({ servers: url, retry: { attempts: 10, initialDelayMs: 5_000 }, ...options }));
  expect(Date.now() - started).toBeLessThan(5_000);
  expect(error).toBeInstanceOf(ConnectError);
  expect((error as ConnectError).attempts).toBe(1);
  return error as ConnectError;
}

const quoted = JSON.stringify;

describe('security - credentials', () => {
  test('security - a token server accepts the token and refuses a client without one', async () => {
    const server = await serverWith(`authorization { token: ${quoted('t0k3n')} }`);
    const nc = await open({ servers: server.url, credentials: { token: 't0k3n' } });
    await nc.flush();
    const error = await rejection(connect({ servers: server.url, retry: { attempts: 2, initialDelayMs: 10 } }));
    expect(error).toBeInstanceOf(ConnectError);
    expect((error as ConnectError).message).toBe(
      `could not connect to '${server.url}' after 2 attempts: Authorization Violation`,
    );
    expect((error as ConnectError).cause).toBeInstanceOf(natsErrors.AuthorizationError);
  });

  test('security - user and password; a wrong password fails after retry.attempts with connect-failed events', async () => {
    const server = await serverWith(
      `authorization { users: [ { user: alice, password: ${quoted('correct horse')} } ] }`,
    );
    const nc = await open({ servers: server.url, credentials: { user: 'alice', password: 'correct horse' } });
    await nc.flush();

    const events: ConnectionEvent[] = [];
    const error = await rejection(
      connect({
        servers: server.url,
        credentials: { user: 'alice', password: 'wrong' },
        retry: { attempts: 3, initialDelayMs: 10, maxDelayMs: 20 },
        onStatus: (e) => events.push(e),
      }),
    );
    expect(error).toBeInstanceOf(ConnectError);
    expect(error).toMatchObject({ attempts: 3, servers: [server.url] });
    expect((error as Error).message).toBe(
      `could not connect to '${server.url}' after 3 attempts: Authorization Violation`,
    );
    expect(events.map((e) => (e.type === 'connect-failed' ? e.attempt : e.type))).toEqual([1, 2]);
    for (const event of events) {
      expect(event).toMatchObject({ type: 'connect-failed', error: expect.any(natsErrors.AuthorizationError) });
    }
  });

  test('security - an nkey user connects with its seed; a malformed seed fails at once', async () => {
    const user = nkeys.createUser();
    const server = await serverWith(`authorization { users: [ { nkey: ${quoted(user.getPublicKey())} } ] }`);
    const seed = new TextDecoder().decode(user.getSeed());
    const nc = await open({ servers: server.url, credentials: { nkeySeed: seed } });
    await nc.flush();

    const error = await failsAtOnce({ credentials: { nkeySeed: 'SUNOTASEED' } }, server.url);
    expect(error.message).toMatch(
      new RegExp(
        `^could not connect to '${server.url}' after 1 attempt: 'credentials.nkeySeed' is not a valid nkey seed`,
      ),
    );
    expect(error.cause).toBeInstanceOf(natsErrors.InvalidArgumentError);

    const other = new TextDecoder().decode(nkeys.createUser().getSeed());
    const refused = await rejection(
      connect({ servers: server.url, credentials: { nkeySeed: other }, retry: { attempts: 1 } }),
    );
    expect((refused as Error).message).toBe(
      `could not connect to '${server.url}' after 1 attempt: Authorization Violation`,
    );
  });

  describe('security - creds files (operator mode)', () => {
    const operator = nkeys.createOperator();
    const account = nkeys.createAccount();
    let server: NatsProcess;
    beforeAll(async () => {
      server = await serverWith(
        [
          `operator: ${quoted(jwt(operator, operator.getPublicKey(), 'test-operator', { type: 'operator', version: 2 }))}`,
          'resolver: MEMORY',
          `resolver_preload: { ${account.getPublicKey()}: ${quoted(accountJwt(operator, account))} }`,
        ].join('\n'),
      );
    });

    test('security - a creds file signed by a trusted account connects', async () => {
      const path = file('user.creds', credsFile(account, nkeys.createUser()));
      const nc = await open({ servers: server.url, credentials: { credsFile: path } });
      await nc.flush();
      expect(nc.isClosed()).toBe(false);
    });

    test('security - a creds file from an unknown account is refused by the server', async () => {
      const path = file('stranger.creds', credsFile(nkeys.createAccount(), nkeys.createUser()));
      const error = await rejection(
        connect({ servers: server.url, credentials: { credsFile: path }, retry: { attempts: 1 } }),
      );
      expect(error).toBeInstanceOf(ConnectError);
      expect((error as Error).message).toBe(
        `could not connect to '${server.url}' after 1 attempt: Authorization Violation`,
      );
    });

    test('security - a missing or malformed creds file fails at once with ConnectError', async () => {
      const missing = join(dir, 'nope.creds');
      const error = await failsAtOnce({ credentials: { credsFile: missing } }, server.url);
      expect(error.message).toBe(
        `could not connect to '${server.url}' after 1 attempt: 'credentials.credsFile' cannot be read: ENOENT: no such file or directory, open '${missing}'`,
      );
      const garbage = file('garbage.creds', 'this is not a creds file\n');
      const malformed = await failsAtOnce({ credentials: { credsFile: garbage } }, server.url);
      expect(malformed.message).toBe(
        `could not connect to '${server.url}' after 1 attempt: 'credentials.credsFile' is not a valid creds file: unable to parse credentials`,
      );
    });
  });
});

describe('security - TLS', () => {
  let ca: string;
  let server: NatsProcess;
  let mutual: NatsProcess;
  let clientCert: string;
  let clientKey: string;
  beforeAll(async () => {
    const pki = makePki();
    ca = pki.ca;
    clientCert = pki.clientCert;
    clientKey = pki.clientKey;
    server = await serverWith(`tls { cert_file: ${quoted(pki.serverCert)}, key_file: ${quoted(pki.serverKey)} }`);
    mutual = await serverWith(
      `tls { cert_file: ${quoted(pki.serverCert)}, key_file: ${quoted(pki.serverKey)}, ca_file: ${quoted(ca)}, verify: true }`,
    );
  });

  test('security - TLS with the CA file connects and exchanges messages', async () => {
    const nc = await open({ servers: server.url, tls: { caFile: ca } });
    const op: OperationSpec = {
      id: 'ping',
      subject: subjectTemplate('secure.ping'),
      messages: [{ name: 'Ping' }],
      reply: { messages: [{ name: 'Pong' }], withHeaders: false },
    };
    nc.subscribe('secure.ping', {
      callback: (_err, msg) => {
        msg.respond(JSON.stringify('pong'));
      },
    });
    await expect(request(nc, op, { payload: 'ping' })).resolves.toBe('pong');
  });

  test('security - a self-signed server is refused without its CA', async () => {
    const error = await rejection(connect({ servers: server.url, tls: {}, retry: { attempts: 1 } }));
    expect(error).toBeInstanceOf(ConnectError);
    expect((error as Error).message).toMatch(/after 1 attempt: .*(self[- ]signed|unable to (get|verify))/i);
  });

  test('security - a missing CA file fails at once', async () => {
    const missing = join(dir, 'missing-ca.pem');
    const error = await failsAtOnce({ tls: { caFile: missing } }, server.url);
    expect(error.message).toBe(
      `could not connect to '${server.url}' after 1 attempt: 'tls.caFile' cannot be read: ENOENT: no such file or directory, access '${missing}'`,
    );
  });

  test('security - mutual TLS needs the client certificate', async () => {
    const nc = await open({ servers: mutual.url, tls: { caFile: ca, certFile: clientCert, keyFile: clientKey } });
    await nc.flush();
    // With TLS 1.3 the server refuses the missing certificate after the client's side of the handshake
    // is done, and transport-node 3.4 only notices at its dial timeout (20 s by default): keep it short.
    const error = await rejection(
      connect({ servers: mutual.url, tls: { caFile: ca }, timeout: 1_000, retry: { attempts: 1 } }),
    );
    expect(error).toBeInstanceOf(ConnectError);
  });
});

describe('security - tenant isolation (the permissions of docs/security.md)', () => {
  let server: NatsProcess;
  beforeAll(async () => {
    server = await serverWith(documentedAuthorization());
  });

  /** Connects as a documented user (`<name>-pw`), with its inbox prefix unless `tenant` is false. */
  async function as(user: string, inbox: string | false, events: ConnectionEvent[] = []): Promise<NatsConnection> {
    return open({
      servers: server.url,
      credentials: { user, password: `${user}-pw` },
      ...(inbox === false ? {} : { tenant: inbox }),
      onStatus: (e) => events.push(e),
    });
  }

  /** The gateway worker serves every tenant; its replies are allowed by `allow_responses` alone. */
  async function gatewayWorker(): Promise<string[]> {
    const tenants: string[] = [];
    const worker = new AiSdkServer(await as('gateway-worker', 'gateway-worker'));
    await worker.replyChatCompletion({
      params: { tenant_id: wildcard },
      handler: (m) => {
        tenants.push(m.params.tenant_id);
        return exampleChatCompletionResponse();
      },
    }).ready;
    return tenants;
  }

  /** An agent of `tenant` receiving the messages for `planner`. */
  async function planner(nc: NatsConnection, tenant: string, seen: unknown[], errors: ErrorEvent[] = []) {
    const agent = new AiSdkServer(nc, { onError: (e) => errors.push(e) });
    return agent.receiveAgentMessage({
      params: { tenant_id: tenant },
      queue: { agent_id: 'planner' },
      handler: (m) => void seen.push(m.payload.content),
    });
  }
  const message = (content: string) => ({
    payload: exampleAgentMessage({ content }),
    headers: { target_agent_id: 'planner', source_agent_id: 'researcher' },
  });

  test('security - a tenant with tenant set gets its reply through the worker', async () => {
    const served = await gatewayWorker();
    const acme = new AiSdkClient(await as('acme-gateway', 'acme'));
    await expect(
      acme.requestChatCompletion({ params: { tenant_id: 'acme' }, payload: exampleChatCompletionRequest() }),
    ).resolves.toEqual(exampleChatCompletionResponse());
    expect(served).toEqual(['acme']);
  });

  test('security - without tenant the default inbox is refused, so the request cannot get its reply', async () => {
    await gatewayWorker();
    const acme = new AiSdkClient(await as('acme-gateway', false));
    const error = await rejection(
      acme.requestChatCompletion(
        { params: { tenant_id: 'acme' }, payload: exampleChatCompletionRequest() },
        { timeoutMs: 1_000 },
      ),
    );
    // The client fails the request at once with the server's refusal of its reply subscription.
    expect(error).toBeInstanceOf(PermissionError);
    expect(error).toMatchObject({ code: 'PERMISSION_DENIED', action: 'subscription' });
    expect((error as Error).message).toMatch(
      /^'requestChatCompletion': the server refused subscribing to '_INBOX\.[A-Za-z0-9]+\.\*'$/,
    );
    expect(((error as Error).cause as Error).cause).toBeInstanceOf(natsErrors.PermissionViolationError);
  });

  // Regression: the refusal reached onError twice (the subscription callback and its `closed` both reported it).
  test("security - subscribing to another tenant's subject is refused, reported to onError once, and the connection survives", async () => {
    const events: ConnectionEvent[] = [];
    const nc = await as('acme-agent', 'acme', events);
    const errors: ErrorEvent[] = [];
    const own: unknown[] = [];
    await (await planner(nc, 'acme', own)).ready;
    const handle = await planner(nc, 'globex', [], errors);
    await expect(handle.ready).rejects.toThrow();
    await handle.closed;
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({
      kind: 'subscription',
      operation: 'receiveAgentMessage',
      subject: 'ai.agent.message.globex',
    });
    expect((errors[0]?.error as Error | undefined)?.message).toBe(
      'Permissions Violation for Subscription to "ai.agent.message.globex" using queue "agent.planner"',
    );
    expect(events.map((e) => e.type)).toEqual(['connected', 'server-error']);
    // Still connected: its own traffic goes on.
    new AiSdkClient(nc).sendAgentMessage({ params: { tenant_id: 'acme' }, ...message('still here') });
    await waitFor('own message', () => own.length === 1);
    expect(own).toEqual(['still here']);
  });

  test("security - publishing to another tenant's subject is refused and reported to the client's onError; that tenant sees nothing", async () => {
    const seen: unknown[] = [];
    const globexNc = await as('globex-agent', 'globex');
    await (await planner(globexNc, 'globex', seen)).ready;
    const acmeNc = await as('acme-agent', 'acme');
    const own: unknown[] = [];
    await (await planner(acmeNc, 'acme', own)).ready;
    const errors: ErrorEvent[] = [];
    const acme = new AiSdkClient(acmeNc, { onError: (e) => errors.push(e) });

    acme.sendAgentMessage({ params: { tenant_id: 'globex' }, ...message('from acme') });
    await acmeNc.flush();
    await waitFor('the refusal', () => errors.length === 1);
    expect(errors[0]).toMatchObject({
      kind: 'permission',
      operation: 'sendAgentMessage',
      subject: 'ai.agent.message.globex',
      error: expect.any(PermissionError),
    });
    expect((errors[0]?.error as Error | undefined)?.message).toBe(
      "'sendAgentMessage': the server refused publishing to 'ai.agent.message.globex'",
    );
    // Globex's own message arrives, acme's never did.
    new AiSdkClient(globexNc).sendAgentMessage({ params: { tenant_id: 'globex' }, ...message('from globex') });
    await waitFor('globex message', () => seen.length > 0);
    await globexNc.flush();
    expect(seen).toEqual(['from globex']);
    // Acme's connection survived the refusal.
    acme.sendAgentMessage({ params: { tenant_id: 'acme' }, ...message('own') });
    await waitFor('own message', () => own.length === 1);
    expect(errors).toHaveLength(1);
  });

  test('security - a tenant that is not one subject token is rejected before connecting', async () => {
    const error = await rejection(connect({ servers: server.url, tenant: 'acme.*' }));
    expect(error).toBeInstanceOf(InvalidSubjectParameterError);
    expect((error as Error).message).toBe(
      "invalid value for subject parameter 'tenant': 'acme.*' (wildcards are not allowed)",
    );
  });

  // '\ud800' and '\udc00' reach the wire as the same bytes as U+FFFD: two tenants would share an inbox.
  test('security - a tenant with a lone UTF-16 surrogate is rejected before connecting', async () => {
    const error = await rejection(connect({ servers: server.url, tenant: 'acme\ud800' }));
    expect(error).toBeInstanceOf(InvalidSubjectParameterError);
    expect((error as Error).message).toBe(
      "invalid value for subject parameter 'tenant': 'acme\\ud800' (contains a lone UTF-16 surrogate, which is not valid Unicode)",
    );
  });
});

describe('security - permission violations reach onError or the logger', () => {
  // The worker permissions docs/security.md showed before they were derived from the spec: no $SRV.
  const OLD_WORKER = `authorization { users: [
    { user: worker, password: worker-pw, permissions: {
        subscribe: { allow: ["ai.gateway.responses.*"] }
        allow_responses: true
    } }
    { user: caller, password: caller-pw }
  ] }`;

  test('security - a generated server with defaults reports each of its 9 refused $SRV subscriptions to onError with the subject', async () => {
    const server = await serverWith(OLD_WORKER);
    const nc = await open({ servers: server.url, credentials: { user: 'worker', password: 'worker-pw' } });
    const errors: ErrorEvent[] = [];
    const worker = new AiSdkServer(nc, { onError: (e) => errors.push(e) });
    await worker.replyChatCompletion({
      params: { tenant_id: wildcard },
      handler: () => exampleChatCompletionResponse(),
    }).ready;
    await waitFor('9 refusals', () => errors.length >= 9);
    const id = worker.service?.id ?? '';
    expect(errors.map((e) => [e.kind, e.operation, e.subject])).toEqual(
      ['PING', 'INFO', 'STATS'].flatMap((verb) => [
        ['permission', 'ai-sdk', `$SRV.${verb}`],
        ['permission', 'ai-sdk', `$SRV.${verb}.ai-sdk`],
        ['permission', 'ai-sdk', `$SRV.${verb}.ai-sdk.${id}`],
      ]),
    );
    expect((errors[0]?.error as Error | undefined)?.message).toBe(
      "'ai-sdk': the server refused subscribing to '$SRV.PING'",
    );
    // The requests themselves are still answered.
    const caller = await open({ servers: server.url, credentials: { user: 'caller', password: 'caller-pw' } });
    await expect(
      new AiSdkClient(caller).requestChatCompletion({
        params: { tenant_id: 'acme' },
        payload: exampleChatCompletionRequest(),
      }),
    ).resolves.toEqual(exampleChatCompletionResponse());
  });

  test('security - without onError, refusals go to the logger: a server refusal and a client publish refusal', async () => {
    const server = await serverWith(OLD_WORKER);
    const nc = await open({ servers: server.url, credentials: { user: 'worker', password: 'worker-pw' } });
    const logged: LogEvent[] = [];
    const logger = (e: LogEvent) => logged.push(e);
    new AiSdkServer(nc, { logger, service: { name: 'gateway' } }); // no registration needed: $SRV is refused at once
    new AiSdkClient(nc, { logger }).publishRagQuery({ params: { tenant_id: 'acme' }, payload: exampleRagQuery() });
    await waitFor('10 log lines', () => logged.length >= 10);
    expect(logged[0]).toMatchObject({
      level: 'error',
      event: 'permission',
      operation: 'gateway',
      subject: '$SRV.PING',
      message: "'gateway': the server refused subscribing to '$SRV.PING'",
    });
    expect(logged.find((e) => e.operation === 'publishRagQuery')).toMatchObject({
      level: 'error',
      event: 'permission',
      subject: 'ai.rag.queries.acme',
      message: "'publishRagQuery': the server refused publishing to 'ai.rag.queries.acme'",
    });
  });
});

describe('env - connectOptionsFromEnv', () => {
  const seed = new TextDecoder().decode(nkeys.createUser().getSeed());
  test.each<[string, { given: Record<string, string>; want: ConnectOptions }]>([
    ['nothing set gives no options', { given: {}, want: {} }],
    ['one URL', { given: { NATS_URL: 'nats://a:4222' }, want: { servers: ['nats://a:4222'] } }],
    [
      'a comma-separated URL list, spaces and empty entries dropped',
      { given: { NATS_URL: ' nats://a:1 , nats://b:2,' }, want: { servers: ['nats://a:1', 'nats://b:2'] } },
    ],
    ['a token', { given: { NATS_TOKEN: 's3cret' }, want: { credentials: { token: 's3cret' } } }],
    [
      'user and password',
      { given: { NATS_USER: 'alice', NATS_PASSWORD: 'pw' }, want: { credentials: { user: 'alice', password: 'pw' } } },
    ],
    ['an nkey seed as text', { given: { NATS_NKEY: seed }, want: { credentials: { nkeySeed: seed } } }],
    [
      'a creds file',
      { given: { NATS_CREDS: '/etc/nats/app.creds' }, want: { credentials: { credsFile: '/etc/nats/app.creds' } } },
    ],
    ['a CA file alone', { given: { NATS_CA: '/ca.pem' }, want: { tls: { caFile: '/ca.pem' } } }],
    [
      'client certificate and key',
      {
        given: { NATS_CA: '/ca.pem', NATS_CERT: '/c.pem', NATS_KEY: '/k.pem' },
        want: { tls: { caFile: '/ca.pem', certFile: '/c.pem', keyFile: '/k.pem' } },
      },
    ],
    ['a tenant', { given: { NATS_TENANT: 'acme' }, want: { tenant: 'acme' } }],
    ['empty values count as unset', { given: { NATS_URL: '', NATS_TOKEN: ' ', NATS_USER: '' }, want: {} }],
  ])('env - %s', (_name, { given, want }) => {
    expect(connectOptionsFromEnv(given)).toEqual(want);
  });

  test.each<[string, { given: Record<string, string>; message: string }]>([
    [
      'token and user/password',
      {
        given: { NATS_TOKEN: 't', NATS_USER: 'u', NATS_PASSWORD: 'p' },
        message: 'conflicting NATS credentials in the environment: NATS_TOKEN, NATS_USER/NATS_PASSWORD (set one kind)',
      },
    ],
    [
      'nkey and creds',
      {
        given: { NATS_NKEY: seed, NATS_CREDS: '/x.creds' },
        message: 'conflicting NATS credentials in the environment: NATS_NKEY, NATS_CREDS (set one kind)',
      },
    ],
    ['a user without password', { given: { NATS_USER: 'u' }, message: 'NATS_USER is set but NATS_PASSWORD is not' }],
    [
      'a password without user',
      { given: { NATS_PASSWORD: 'p' }, message: 'NATS_PASSWORD is set but NATS_USER is not' },
    ],
    ['a certificate without key', { given: { NATS_CERT: '/c.pem' }, message: 'NATS_CERT is set but NATS_KEY is not' }],
    ['a key without certificate', { given: { NATS_KEY: '/k.pem' }, message: 'NATS_KEY is set but NATS_CERT is not' }],
    [
      'an nkey that is neither a seed nor a file',
      {
        given: { NATS_NKEY: '/no/such.nk' },
        message:
          "NATS_NKEY is neither an nkey seed nor a readable file: '/no/such.nk' (ENOENT: no such file or directory, open '/no/such.nk')",
      },
    ],
  ])('env - %s is a CONFIG error', (_name, { given, message }) => {
    let error: unknown;
    try {
      connectOptionsFromEnv(given);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(AsyncApiNatsError);
    expect(error).toMatchObject({ code: 'CONFIG', message });
  });

  test('env - NATS_NKEY may name a file holding the seed', () => {
    const path = file('user.nk', `${seed}\n`);
    expect(connectOptionsFromEnv({ NATS_NKEY: path })).toEqual({ credentials: { nkeySeed: seed } });
    const empty = file('empty.nk', 'no seed here\n');
    expect(() => connectOptionsFromEnv({ NATS_NKEY: empty })).toThrow(`NATS_NKEY file '${empty}' holds no nkey seed`);
  });

  test('env - the options connect to a token server', async () => {
    const server = await serverWith(`authorization { token: ${quoted('from-env')} }`);
    const nc = await open(connectOptionsFromEnv({ NATS_URL: server.url, NATS_TOKEN: 'from-env' }));
    await nc.flush();
    expect(nc.isClosed()).toBe(false);
  });
});

// ---------------------------------------------------------------------------------------------------
// Operator-mode JWTs, signed here with nkeys (the @nats-io/jwt package is not a dependency).

type KeyPair = ReturnType<typeof nkeys.createUser>;

function b64(data: Uint8Array | string): string {
  return Buffer.from(data).toString('base64url');
}

/** A NATS v2 JWT: `{typ, alg: ed25519-nkey}` header, claims, ed25519 signature by `issuer`. */
function jwt(issuer: KeyPair, subject: string, name: string, nats: object): string {
  const header = b64(JSON.stringify({ typ: 'JWT', alg: 'ed25519-nkey' }));
  const claims = b64(
    JSON.stringify({
      jti: b64(crypto.getRandomValues(new Uint8Array(16))),
      iat: Math.floor(Date.now() / 1000),
      iss: issuer.getPublicKey(),
      name,
      sub: subject,
      nats,
    }),
  );
  return `${header}.${claims}.${b64(issuer.sign(new TextEncoder().encode(`${header}.${claims}`)))}`;
}

function accountJwt(operator: KeyPair, account: KeyPair): string {
  const limits = { subs: -1, data: -1, payload: -1, imports: -1, exports: -1, wildcards: true, conn: -1, leaf: -1 };
  return jwt(operator, account.getPublicKey(), 'test-account', { type: 'account', version: 2, limits });
}

/** A `.creds` file as `nsc` writes it: the user JWT, then the user's seed. */
function credsFile(account: KeyPair, user: KeyPair): string {
  const userJwt = jwt(account, user.getPublicKey(), 'test-user', {
    type: 'user',
    version: 2,
    pub: {},
    sub: {},
    subs: -1,
    data: -1,
    payload: -1,
  });
  return [
    '-----BEGIN NATS USER JWT-----',
    userJwt,
    '------END NATS USER JWT------',
    '',
    '************************* IMPORTANT *************************',
    'NKEY Seed printed below can be used to sign and prove identity.',
    '',
    '-----BEGIN USER NKEY SEED-----',
    new TextDecoder().decode(user.getSeed()),
    '------END USER NKEY SEED------',
    '',
  ].join('\n');
}

// ---------------------------------------------------------------------------------------------------
// A throwaway PKI: CA, server certificate for 127.0.0.1, client certificate.

function makePki(): { ca: string; serverCert: string; serverKey: string; clientCert: string; clientKey: string } {
  const at = (name: string): string => join(dir, name);
  const openssl = (...args: string[]): void => {
    execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  };
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl(
    'req',
    '-x509',
    ...ec,
    '-keyout',
    at('ca.key'),
    '-out',
    at('ca.pem'),
    '-days',
    '2',
    '-subj',
    '/CN=asyncapi-nats test CA',
  );
  const issue = (name: string, ext: string): void => {
    openssl('req', ...ec, '-keyout', at(`${name}.key`), '-out', at(`${name}.csr`), '-subj', `/CN=${name}`);
    writeFileSync(at(`${name}.ext`), ext);
    openssl(
      'x509',
      '-req',
      '-in',
      at(`${name}.csr`),
      '-CA',
      at('ca.pem'),
      '-CAkey',
      at('ca.key'),
      '-CAcreateserial',
      '-out',
      at(`${name}.pem`),
      '-days',
      '2',
      '-extfile',
      at(`${name}.ext`),
    );
  };
  issue('server', 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
  issue('client', 'extendedKeyUsage=clientAuth\n');
  return {
    ca: at('ca.pem'),
    serverCert: at('server.pem'),
    serverKey: at('server.key'),
    clientCert: at('client.pem'),
    clientKey: at('client.key'),
  };
}
