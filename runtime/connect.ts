/**
 * `connect`: the transport-node connect with robust defaults (reconnect forever, quick dead-peer
 * detection), a retried first connection, credentials, TLS files, a per-tenant inbox and status events.
 */
import { accessSync, constants, readFileSync } from 'node:fs';
import {
  type Authenticator,
  credsAuthenticator,
  errors,
  type NatsConnection,
  type NodeConnectionOptions,
  connect as natsConnect,
  nkeyAuthenticator,
  nkeys,
} from '@nats-io/transport-node';
import { ConnectError } from './errors.js';
import { connectionState, watchConnection } from './status.js';
import { checkParameter } from './subject.js';
import type { LogEvent, Logger } from './telemetry.js';
import type { ConnectionEvent, ConnectOptions, Credentials, TlsFiles } from './types.js';

const DEFAULT_INITIAL_DELAY_MS = 250;
const DEFAULT_MAX_DELAY_MS = 10_000;
const DEFAULT_SERVER = '127.0.0.1:4222';

/**
 * The client options `connect` changes from the NATS client's defaults (any given option wins).
 * The client's own defaults give up after 10 reconnect attempts 2 s apart (about 20 s of outage,
 * then the connection is closed for good) and notice a dead peer only after 2 missed pings 2 minutes
 * apart; these reconnect forever, a quarter second apart, and notice a silent peer within about 6 s.
 */
export const CONNECTION_DEFAULTS = Object.freeze({
  maxReconnectAttempts: -1,
  reconnectTimeWait: 250,
  reconnectJitter: 100,
  pingInterval: 2_000,
  maxPingOut: 2,
  // The limit on one dial, from the TCP connect to the server's first PONG (nats.go's default is 2 s
  // too). A server that dies after its INFO leaves the client waiting for that PONG, and the client's
  // next disconnect joins the same dial: with its 20 s default, workers sat idle for 20 s after a quick
  // series of restarts (measured).
  timeout: 2_000,
  // An async stack trace costs an Error per request and per JetStream ack: measured here, durable
  // consume ran about 50 % faster and durable publish about 25 % faster without them.
  noAsyncTraces: true,
});

/**
 * Connects to NATS with {@link CONNECTION_DEFAULTS}. The first connection is retried with exponential
 * backoff and full jitter (`options.retry`; defaults: unlimited attempts, 250 ms initial delay, 10 s
 * maximum), because a service often starts before its NATS server is reachable; each failure is
 * reported to `onStatus` as `connect-failed`. After that the client's own reconnect logic takes over
 * and `onStatus` receives every {@link ConnectionEvent}, starting with `connected`.
 *
 * `credentials` choose the authentication (token, user/password, nkey seed, creds file), `tls` the
 * CA, certificate and key files, `tenant` the inbox prefix `_INBOX.<tenant>` (so permissions can confine
 * replies to that tenant). Throws {@link ConnectError} (last failure as `cause`) when `retry.attempts`
 * attempts failed, or at once for options that can never work (an invalid URL, an unreadable creds or
 * TLS file, a malformed seed); {@link InvalidSubjectParameterError} for a tenant that is not one subject token.
 */
export async function connect(options: ConnectOptions = {}): Promise<NatsConnection> {
  const { retry, credentials, tls, tenant, logger, ...rest } = options;
  const onStatus = withLogger(options.onStatus, logger);
  delete (rest as { onStatus?: unknown }).onStatus;
  const attempts = retry?.attempts ?? Number.POSITIVE_INFINITY;
  const initial = retry?.initialDelayMs ?? DEFAULT_INITIAL_DELAY_MS;
  const max = retry?.maxDelayMs ?? DEFAULT_MAX_DELAY_MS;
  const servers = serverList(options.servers);
  const natsOptions: NodeConnectionOptions = { ...CONNECTION_DEFAULTS };
  if (tenant !== undefined) natsOptions.inboxPrefix = `_INBOX.${checkParameter('tenant', tenant)}`;
  try {
    if (credentials !== undefined) Object.assign(natsOptions, authOptions(credentials));
    if (tls !== undefined) natsOptions.tls = tls === null ? null : tlsOptions(tls);
  } catch (cause) {
    throw new ConnectError(servers, 1, { cause });
  }
  Object.assign(natsOptions, rest);
  for (let attempt = 1; ; attempt++) {
    let failure: unknown;
    try {
      const nc = await natsConnect(natsOptions);
      // The tracker must exist before anything can happen to the connection, so its state starts right.
      connectionState(nc);
      if (onStatus !== undefined) {
        report(onStatus, { type: 'connected', server: nc.getServer() });
        watchConnection(nc, onStatus);
      }
      return nc;
    } catch (cause) {
      failure = cause;
    }
    // Bad options (an invalid URL, exclusive options) fail the same way every time: retrying only delays them.
    if (attempt >= attempts || failure instanceof errors.InvalidArgumentError || failure instanceof TypeError) {
      throw new ConnectError(servers, attempt, { cause: failure });
    }
    // Full jitter: a uniform delay up to the exponential cap spreads a fleet of restarting services.
    const cap = Math.min(max, initial * 2 ** Math.min(attempt - 1, 30));
    const delayMs = Math.round(Math.random() * cap);
    if (onStatus !== undefined) report(onStatus, { type: 'connect-failed', attempt, delayMs, error: failure });
    await new Promise((resolve) => setTimeout(resolve, delayMs));
  }
}

/** The client options for one kind of credentials; a seed or creds file that can never work throws at once. */
function authOptions(credentials: Credentials): NodeConnectionOptions {
  if ('token' in credentials) return { token: credentials.token };
  if ('user' in credentials) return { user: credentials.user, pass: credentials.password };
  if ('nkeySeed' in credentials) {
    const seed = new TextEncoder().encode(credentials.nkeySeed.trim());
    try {
      nkeys.fromSeed(seed);
    } catch (cause) {
      throw errors.InvalidArgumentError.format('credentials.nkeySeed', 'is not a valid nkey seed', { cause });
    }
    return { authenticator: nkeyAuthenticator(seed) };
  }
  return { authenticator: credsFileAuthenticator(credentials.credsFile) };
}

/**
 * A creds-file authenticator that re-reads the file at each (re)connect, so a rotated file is picked
 * up; a read failure later keeps the last good contents. The first read and parse happen here, so a
 * missing or malformed file fails `connect` at once instead of at every retry.
 */
function credsFileAuthenticator(path: string): Authenticator {
  let contents: Uint8Array;
  try {
    contents = readFileSync(path);
  } catch (cause) {
    throw errors.InvalidArgumentError.format('credentials.credsFile', `cannot be read: ${message(cause)}`, { cause });
  }
  const auth = credsAuthenticator(() => {
    try {
      contents = readFileSync(path);
    } catch {
      // Keep the last good contents: a file being replaced may be missing for a moment.
    }
    return contents;
  });
  try {
    // Signing a nonce parses the JWT section and the seed, which is all the client does at connect time.
    auth('probe');
  } catch (cause) {
    throw errors.InvalidArgumentError.format('credentials.credsFile', `is not a valid creds file: ${message(cause)}`, {
      cause,
    });
  }
  return auth;
}

/**
 * TLS files go to the client by name (it reads them at each connect, so rotated certificates are
 * used on reconnect); they are checked for readability now so a typo fails at once.
 */
function tlsOptions(tls: TlsFiles): NonNullable<NodeConnectionOptions['tls']> {
  const out: { caFile?: string; certFile?: string; keyFile?: string } = {};
  for (const key of ['caFile', 'certFile', 'keyFile'] as const) {
    const file = tls[key];
    if (file === undefined) continue;
    try {
      accessSync(file, constants.R_OK);
    } catch (cause) {
      throw errors.InvalidArgumentError.format(`tls.${key}`, `cannot be read: ${message(cause)}`, { cause });
    }
    out[key] = file;
  }
  return out;
}

/** `onStatus` and the logger together: each connection event is also logged as `connection.<type>`. */
function withLogger(
  onStatus: ((event: ConnectionEvent) => void) | undefined,
  logger: Logger | undefined,
): ((event: ConnectionEvent) => void) | undefined {
  if (logger === undefined) return onStatus;
  return (event) => {
    if (onStatus !== undefined) report(onStatus, event);
    try {
      logger(connectionLog(event));
    } catch (error) {
      console.error(`asyncapi-nats: the logger threw on 'connection.${event.type}'`, error);
    }
  };
}

const CONNECTION_LEVELS: Record<ConnectionEvent['type'], LogEvent['level']> = {
  'connect-failed': 'warn',
  connected: 'info',
  disconnected: 'warn',
  reconnecting: 'info',
  reconnected: 'info',
  'lame-duck': 'warn',
  stale: 'warn',
  'slow-consumer': 'warn',
  'server-error': 'error',
  closed: 'info',
};

/** A connection event as a log event. */
function connectionLog(event: ConnectionEvent): LogEvent {
  const level = event.type === 'closed' && event.error !== undefined ? 'error' : CONNECTION_LEVELS[event.type];
  let text: string;
  switch (event.type) {
    case 'connect-failed':
      text = `connection attempt ${event.attempt} failed (${message(event.error)}); next in ${event.delayMs} ms`;
      break;
    case 'connected':
    case 'disconnected':
    case 'reconnected':
    case 'lame-duck':
      text = `${event.type} ${event.server}`;
      break;
    case 'slow-consumer':
      text = `subscription '${event.subject}' is falling behind (${event.pending} pending)`;
      break;
    case 'server-error':
      text = event.error.message;
      break;
    case 'closed':
      text = event.error === undefined ? 'connection closed' : `connection closed: ${event.error.message}`;
      break;
    default:
      text = event.type;
  }
  const error = 'error' in event ? event.error : undefined;
  return { level, event: `connection.${event.type}`, message: text, ...(error !== undefined ? { error } : {}) };
}

function report(onStatus: (event: ConnectionEvent) => void, event: ConnectionEvent): void {
  try {
    onStatus(event);
  } catch (error) {
    console.error(`asyncapi-nats: onStatus threw on '${event.type}'`, error);
  }
}

function serverList(servers: string | readonly string[] | undefined): readonly string[] {
  if (servers === undefined) return [DEFAULT_SERVER];
  return typeof servers === 'string' ? [servers] : servers;
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
