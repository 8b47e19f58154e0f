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
import { parseServerUrl, type ServerUrl, sameCredentials } from './server-url.js';
import { connectionState, watchConnection } from './status.js';
import { checkParameter } from './subject.js';
import { consoleLogger, type LogEvent, type Logger } from './telemetry.js';
import type { ConnectionEvent, ConnectOptions, Credentials, TlsFiles } from './types.js';

const DEFAULT_INITIAL_DELAY_MS = 250;
const DEFAULT_MAX_DELAY_MS = 10_000;
const DEFAULT_SERVER = '127.0.0.1:4222';

/**
 * The client options `connect` changes from the NATS client's defaults (any given option wins).
 * The client's own defaults give up after 10 reconnect attempts 2 s apart (about 20 s of outage,
 * then the connection is closed for good) and notice a dead peer only after 2 missed pings 2 minutes
 * apart; these reconnect forever, a quarter second apart, even when the server refuses the login, and
 * notice a silent peer within about 6 s.
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
  // The client closes the connection for good when a reconnect meets the same refused login twice in a
  // row (measured: 0.6 s after a server came back without the user). A creds file rotated a moment late,
  // or a user restored by a config reload, then never gets used: keep trying, and report every refusal
  // (the first connection retries refused logins for the same reasons).
  ignoreAuthErrorAbort: true,
  // An async stack trace costs an Error per request and per JetStream ack: measured here, durable
  // consume ran about 50 % faster and durable publish about 25 % faster without them.
  noAsyncTraces: true,
});

/** How long the first-connection retry loop waits between two log lines about its failures. */
const DEFAULT_LOG_INTERVAL_MS = 10_000;

/**
 * Connects to NATS with {@link CONNECTION_DEFAULTS}. The first connection is retried with exponential
 * backoff and full jitter (`options.retry`; defaults: unlimited attempts and time, 250 ms initial
 * delay, 10 s maximum), because a service often starts before its NATS server is reachable; each
 * failure is reported to `onStatus` as `connect-failed`, and to the logger (by default
 * {@link consoleLogger}, so stderr) at the first failure and then at most once per
 * `retry.logIntervalMs` with a count: a server that is not running is never a silent hang. After that
 * the client's own reconnect logic takes over and `onStatus` receives every {@link ConnectionEvent},
 * starting with `connected`.
 *
 * A refused login (`Authorization Violation`) is retried too, because the user or account may be
 * added on the server later (a config reload, an account JWT pushed after the service started), but it
 * is reported as `connect-failed` with `reason: 'authorization'` and logged as an error at once.
 *
 * `servers` may carry credentials as the `nats` CLI takes them (`nats://user:password@host:4222`,
 * `nats://token@host:4222`); they are used for every server and never printed: errors, events and
 * log lines show `nats://user:***@host:4222`. `credentials` choose the authentication otherwise (token,
 * user/password, nkey seed, creds file), `tls` the CA, certificate and key files, `tenant` the inbox
 * prefix `_INBOX.<tenant>` (so permissions can confine replies to that tenant). Throws
 * {@link ConnectError} (last failure as `cause`) when `retry.attempts` attempts failed or
 * `retry.timeoutMs` passed, or at once for options that can never work (an invalid URL, an unreadable
 * creds or TLS file, a malformed seed, credentials given twice); {@link InvalidSubjectParameterError}
 * for a tenant that is not one subject token.
 */
export async function connect(options: ConnectOptions = {}): Promise<NatsConnection> {
  const { retry, credentials, tls, tenant, logger, servers: given, ...rest } = options;
  delete (rest as { onStatus?: unknown }).onStatus;
  // Without a logger of its own, the application still hears of failures and outages on stderr, but not of routine events.
  const log = logger === false ? undefined : (logger ?? consoleLogger);
  const logIntervalMs = retry?.logIntervalMs ?? DEFAULT_LOG_INTERVAL_MS;
  const onStatus = withLogger(options.onStatus, log, logger === undefined ? worthTelling : () => true, logIntervalMs);
  const attempts = retry?.attempts ?? Number.POSITIVE_INFINITY;
  const initial = retry?.initialDelayMs ?? DEFAULT_INITIAL_DELAY_MS;
  const max = retry?.maxDelayMs ?? DEFAULT_MAX_DELAY_MS;
  const entries = serverList(given).map(parseServerUrl);
  const servers = entries.map((entry) => entry.redacted);
  const natsOptions: NodeConnectionOptions = { ...CONNECTION_DEFAULTS };
  if (tenant !== undefined) natsOptions.inboxPrefix = `_INBOX.${checkParameter('tenant', tenant)}`;
  try {
    const fromUrls = urlCredentials(entries);
    if (fromUrls !== undefined && (credentials !== undefined || hasClientAuth(rest))) {
      throw errors.InvalidArgumentError.format(
        'servers',
        'carry credentials and other credentials are given too (credentials, user, pass, token or authenticator): give one of them',
      );
    }
    const auth = credentials ?? fromUrls;
    if (auth !== undefined) Object.assign(natsOptions, authOptions(auth));
    if (tls !== undefined) natsOptions.tls = tls === null ? null : tlsOptions(tls);
  } catch (cause) {
    throw new ConnectError(servers, 1, { cause });
  }
  Object.assign(natsOptions, rest);
  // The client gets the URLs without credentials: it would ignore them, or dial a numeric password as the port.
  if (given !== undefined) natsOptions.servers = entries.map((entry) => entry.url);
  const deadline = retry?.timeoutMs === undefined ? Number.POSITIVE_INFINITY : Date.now() + retry.timeoutMs;
  const progress = new FirstConnect(servers, log, logIntervalMs, {
    attempts,
    timeoutMs: retry?.timeoutMs,
    quiet: logger === undefined,
  });
  for (let attempt = 1; ; attempt++) {
    let failure: unknown;
    try {
      const nc = await natsConnect(natsOptions);
      // The tracker must exist before anything can happen to the connection, so its state starts right.
      connectionState(nc);
      progress.connected(nc.getServer());
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
    const delayMs = Math.min(Math.round(Math.random() * cap), Math.max(0, deadline - Date.now()));
    if (Date.now() >= deadline) throw new ConnectError(servers, attempt, { cause: failure });
    const reason = isAuthorizationError(failure) ? 'authorization' : 'connection';
    progress.failed(attempt, delayMs, failure, reason);
    if (onStatus !== undefined) {
      report(onStatus, { type: 'connect-failed', attempt, delayMs, error: failure, reason, servers });
    }
    await new Promise((resolve) => setTimeout(resolve, delayMs));
  }
}

/** The credentials written in the server URLs: one set, or none; a malformed or second, different set throws. */
function urlCredentials(entries: readonly ServerUrl[]): Credentials | undefined {
  let found: Credentials | undefined;
  for (const entry of entries) {
    if (entry.problem !== undefined)
      throw errors.InvalidArgumentError.format('servers', `'${entry.redacted}' ${entry.problem}`);
    if (entry.credentials === undefined) continue;
    if (found === undefined) found = entry.credentials;
    else if (!sameCredentials(found, entry.credentials)) {
      throw errors.InvalidArgumentError.format(
        'servers',
        'carry different credentials: give every server the same ones (they are used for all servers, including those a cluster announces)',
      );
    }
  }
  return found;
}

/** Whether the client's own authentication options are set (they would compete with credentials in the URLs). */
function hasClientAuth(options: Partial<NodeConnectionOptions>): boolean {
  return (
    options.user !== undefined ||
    options.pass !== undefined ||
    options.token !== undefined ||
    options.authenticator !== undefined
  );
}

/** A refused login: wrong or unknown credentials, or expired ones. */
function isAuthorizationError(error: unknown): boolean {
  return error instanceof errors.AuthorizationError || error instanceof errors.UserAuthenticationExpiredError;
}

/**
 * The log lines of the first-connection loop: the first failure at once, then at most one line per
 * `intervalMs` with how many attempts failed since, and one line when it finally connects. A refused
 * login is logged as an error, and at once when the failures change from network to authorization.
 */
class FirstConnect {
  private readonly started = Date.now();
  private lastLine = 0;
  private lastReason: 'authorization' | 'connection' | undefined;
  private unreported = 0;
  private failures = 0;

  constructor(
    private readonly servers: readonly string[],
    private readonly log: Logger | undefined,
    private readonly intervalMs: number,
    private readonly bounds: {
      readonly attempts: number;
      readonly timeoutMs: number | undefined;
      /** Log `connected` only after failures (the default logger); an application's own logger hears every connect. */
      readonly quiet: boolean;
    },
  ) {}

  failed(attempt: number, delayMs: number, error: unknown, reason: 'authorization' | 'connection'): void {
    this.failures++;
    const now = Date.now();
    if (reason === this.lastReason && now - this.lastLine < this.intervalMs) {
      this.unreported++;
      return;
    }
    const first = this.lastReason === undefined || reason !== this.lastReason;
    this.lastReason = reason;
    this.lastLine = now;
    const since = this.unreported;
    this.unreported = 0;
    const where = `'${this.servers.join(',')}'`;
    const why = message(error);
    const next = `next attempt in ${formatMs(delayMs)}`;
    const { attempts, timeoutMs } = this.bounds;
    const unbounded = attempts === Number.POSITIVE_INFINITY && timeoutMs === undefined;
    const limits = [
      attempts === Number.POSITIVE_INFINITY ? undefined : `up to ${attempts} attempts`,
      timeoutMs === undefined ? undefined : `for up to ${formatMs(timeoutMs)}`,
    ].filter((limit) => limit !== undefined);
    const retrying = unbounded ? 'retrying until it succeeds' : `retrying ${limits.join(' and ')}`;
    let text: string;
    if (reason === 'authorization') {
      text = first
        ? `the server at ${where} refused the credentials (${why}); ${retrying}, since the user or account may be added on the server later; ${next}`
        : `the server at ${where} still refuses the credentials (${why}) after ${attempt} attempts in ${formatMs(now - this.started)}; ${next}`;
    } else {
      text = first
        ? `cannot connect to ${where} (${why}); ${retrying}; ${next}`
        : `still cannot connect to ${where} (${why}) after ${attempt} attempts in ${formatMs(now - this.started)}; ${next}`;
    }
    if (!first && since > 0)
      text += ` (${since} failed ${since === 1 ? 'attempt' : 'attempts'} not logged since the last line)`;
    if (first && unbounded) text += '. Set retry.attempts or retry.timeoutMs to give up instead';
    this.emit({
      level: reason === 'authorization' ? 'error' : 'warn',
      event: 'connection.connect-failed',
      message: text,
      error,
    });
  }

  connected(server: string): void {
    if (this.failures === 0 && this.bounds.quiet) return;
    const after =
      this.failures === 0
        ? ''
        : ` after ${this.failures} failed ${this.failures === 1 ? 'attempt' : 'attempts'} in ${formatMs(Date.now() - this.started)}`;
    this.emit({ level: 'info', event: 'connection.connected', message: `connected ${server}${after}` });
  }

  private emit(event: LogEvent): void {
    if (this.log === undefined) return;
    try {
      this.log(event);
    } catch (error) {
      console.error(`asyncapi-nats: the logger threw on '${event.event}'`, error);
    }
  }
}

function formatMs(ms: number): string {
  return ms < 1_000 ? `${ms} ms` : `${(ms / 1_000).toFixed(1)} s`;
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

/**
 * `onStatus` and the logger together: each connection event `logged` accepts is also logged as
 * `connection.<type>`. `connect-failed` and `connected` are logged by {@link FirstConnect} instead.
 */
function withLogger(
  onStatus: ((event: ConnectionEvent) => void) | undefined,
  logger: Logger | undefined,
  logged: (event: ConnectionEvent) => boolean,
  intervalMs: number,
): ((event: ConnectionEvent) => void) | undefined {
  if (logger === undefined) return onStatus;
  const write = (log: LogEvent): void => {
    try {
      logger(log);
    } catch (error) {
      console.error(`asyncapi-nats: the logger threw on '${log.event}'`, error);
    }
  };
  // A refused login at a reconnect repeats at every dial (a few times a second): one line per interval.
  let refusedAt = Number.NEGATIVE_INFINITY;
  let refusedUnlogged = 0;
  // An outage that lasts is told again once per interval, so a long one is not a single line long ago.
  let outage: ReturnType<typeof setInterval> | undefined;
  const outageOver = (): void => {
    clearInterval(outage);
    outage = undefined;
  };
  return (event) => {
    if (onStatus !== undefined) report(onStatus, event);
    if (event.type === 'disconnected' && outage === undefined && logged(event)) {
      const since = Date.now();
      outage = setInterval(() => {
        write({
          level: 'warn',
          event: 'connection.reconnecting',
          message: `still disconnected from ${event.server} after ${formatMs(Date.now() - since)}; reconnecting`,
        });
      }, intervalMs);
      // The reminder must not keep a process alive that has nothing else to do.
      outage.unref();
    } else if (event.type === 'reconnected' || event.type === 'closed') {
      outageOver();
    }
    if (event.type === 'connect-failed' || event.type === 'connected' || !logged(event)) return;
    let log = connectionLog(event);
    if (event.type === 'server-error' && isAuthorizationError(event.error)) {
      const now = Date.now();
      if (now - refusedAt < intervalMs) {
        refusedUnlogged++;
        return;
      }
      if (refusedUnlogged > 0) {
        log = { ...log, message: `${log.message} (${refusedUnlogged} more refusals since the last line)` };
      }
      refusedAt = now;
      refusedUnlogged = 0;
    } else if (event.type === 'reconnected') {
      refusedAt = Number.NEGATIVE_INFINITY;
      refusedUnlogged = 0;
    }
    write(log);
  };
}

/**
 * What the default logger prints after the first connection: outages and their end, a server going
 * away, a refused login at a reconnect (expired or revoked credentials; rate-limited) and a close
 * that was not asked for. Slow consumers and permission violations are reported through the server's
 * `onError` instead.
 */
function worthTelling(event: ConnectionEvent): boolean {
  switch (event.type) {
    case 'disconnected':
    case 'reconnected':
    case 'lame-duck':
    case 'stale':
      return true;
    case 'closed':
      return event.error !== undefined;
    case 'server-error':
      return isAuthorizationError(event.error);
    default:
      return false;
  }
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
      text = `connection attempt ${event.attempt} to '${event.servers.join(',')}' failed (${message(event.error)}); next in ${event.delayMs} ms`;
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
      text = isAuthorizationError(event.error)
        ? `the server refused the credentials at a reconnect (${event.error.message}); retrying, since they may be restored on the server or rotated in a creds file`
        : event.error.message;
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
