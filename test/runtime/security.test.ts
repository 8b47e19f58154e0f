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
import { connectOptionsFromEnv } from '../../runtime/env.js';
import {
  AsyncApiNatsError,
  ConnectError,
  type ConnectionEvent,
  type ConnectOptions,
  connect,
  InvalidSubjectParameterError,
  type NatsConnection,
  type OperationSpec,
  PermissionError,
  publish,
  request,
  subjectTemplate,
  watchConnection,
} from '../../runtime/index.js';
import { type NatsProcess, startServer } from '../harness/servers.js';
import { waitFor } from '../harness/util.js';

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

describe('security - tenant isolation', () => {
  let server: NatsProcess;
  beforeAll(async () => {
    server = await serverWith(TENANT_CONFIG);
  });

  const ask = (tenant: string): OperationSpec => ({
    id: 'askModel',
    subject: subjectTemplate(`ai.model.ask.${tenant}`),
    messages: [{ name: 'Ask' }],
    reply: { messages: [{ name: 'Answer' }], withHeaders: false },
    timeoutMs: 2_000,
  });
  const note = (tenant: string): OperationSpec => ({
    id: 'agentMessage',
    subject: subjectTemplate(`ai.agent.message.${tenant}`),
    messages: [{ name: 'Message' }],
  });

  /** The worker serves every tenant; its replies are allowed by `allow_responses` alone. */
  async function worker(): Promise<NatsConnection> {
    const nc = await open({ servers: server.url, credentials: { user: 'worker', password: 'worker-pw' } });
    nc.subscribe('ai.model.ask.*', {
      queue: 'workers',
      callback: (_err, msg) => {
        msg.respond(JSON.stringify({ tenant: msg.subject.split('.')[3], got: msg.json() }));
      },
    });
    await nc.flush();
    return nc;
  }

  async function tenant(name: 'acme' | 'globex', events: ConnectionEvent[] = []): Promise<NatsConnection> {
    const nc = await open({
      servers: server.url,
      credentials: { user: name, password: `${name}-pw` },
      tenant: name,
      onStatus: (e) => events.push(e),
    });
    return nc;
  }

  test('security - a tenant with tenant set gets its reply through the worker', async () => {
    await worker();
    const acme = await tenant('acme');
    await expect(request(acme, ask('acme'), { payload: { q: 1 } })).resolves.toEqual({ tenant: 'acme', got: { q: 1 } });
  });

  test('security - without tenant the default inbox is refused, so the request cannot get its reply', async () => {
    await worker();
    const acme = await open({ servers: server.url, credentials: { user: 'acme', password: 'acme-pw' } });
    const error = await rejection(request(acme, ask('acme'), { payload: 1 }, { timeoutMs: 1_000 }));
    // The client fails the request at once with the server's refusal of its reply subscription.
    expect(error).toBeInstanceOf(PermissionError);
    expect(error).toMatchObject({ code: 'PERMISSION_DENIED', action: 'subscription' });
    expect((error as Error).message).toMatch(
      /^'askModel': the server refused subscribing to '_INBOX\.[A-Za-z0-9]+\.\*'$/,
    );
    expect(((error as Error).cause as Error).cause).toBeInstanceOf(natsErrors.PermissionViolationError);
  });

  test("security - subscribing to another tenant's subject is refused and the connection survives", async () => {
    await worker();
    const events: ConnectionEvent[] = [];
    const acme = await tenant('acme', events);
    const sub = acme.subscribe('ai.agent.message.globex', { callback: () => {} });
    const ended = await sub.closed;
    expect(ended).toBeInstanceOf(natsErrors.PermissionViolationError);
    expect((ended as Error).message).toBe('Permissions Violation for Subscription to "ai.agent.message.globex"');
    await waitFor('the server error event', () => events.some((e) => e.type === 'server-error'));
    const serverError = events.find((e) => e.type === 'server-error');
    expect(serverError).toMatchObject({ error: expect.any(natsErrors.PermissionViolationError) });
    // Still connected: its own traffic goes on.
    await expect(request(acme, ask('acme'), { payload: 'still here' })).resolves.toEqual({
      tenant: 'acme',
      got: 'still here',
    });
    expect(events.map((e) => e.type)).toEqual(['connected', 'server-error']);
  });

  test("security - publishing to another tenant's subject is refused; that tenant sees nothing", async () => {
    await worker();
    const globex = await tenant('globex');
    const seen: unknown[] = [];
    globex.subscribe('ai.agent.message.globex', {
      callback: (_err, msg) => {
        seen.push(msg.json());
      },
    });
    await globex.flush();
    const errors: Error[] = [];
    const acme = await tenant('acme');
    watchConnection(acme, (e) => {
      if (e.type === 'server-error') errors.push(e.error);
    });

    publish(acme, note('globex'), { payload: 'from acme' });
    await acme.flush();
    await waitFor('the refusal', () => errors.length === 1);
    expect(errors[0]).toBeInstanceOf(natsErrors.PermissionViolationError);
    expect(errors[0]?.message).toBe('Permissions Violation for Publish to "ai.agent.message.globex"');
    // Globex's own message arrives, acme's never did.
    publish(globex, note('globex'), { payload: 'from globex' });
    await waitFor('globex message', () => seen.length > 0);
    await globex.flush();
    expect(seen).toEqual(['from globex']);
    // Acme's connection survived the refusal.
    await expect(request(acme, ask('acme'), { payload: 2 })).resolves.toEqual({ tenant: 'acme', got: 2 });
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

/**
 * Two tenants and a worker, as in docs/security.md: each tenant may only use subjects ending in its own
 * name and receive replies on its own inbox prefix; the worker serves every tenant and may publish
 * nothing but replies.
 */
const TENANT_CONFIG = `
authorization {
  users: [
    { user: acme, password: acme-pw, permissions: {
        publish: { allow: ["ai.*.*.acme"] }
        subscribe: { allow: ["ai.*.*.acme", "_INBOX.acme.>"] }
    } }
    { user: globex, password: globex-pw, permissions: {
        publish: { allow: ["ai.*.*.globex"] }
        subscribe: { allow: ["ai.*.*.globex", "_INBOX.globex.>"] }
    } }
    { user: worker, password: worker-pw, permissions: {
        subscribe: { allow: ["ai.model.ask.*"] }
        allow_responses: true
    } }
  ]
}
`;

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
