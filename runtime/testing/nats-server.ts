/**
 * Real `nats-server` processes for tests: started on free loopback ports from a config file in a temp
 * dir of their own (which also holds the JetStream store, so data survives restarts), killed and
 * restarted on the same ports, and stopped by the PID this module spawned, never by name. The test kit
 * (`startTestKit`) and this repository's own test harness both run on it.
 *
 * Every server listens on 127.0.0.1 only, with monitoring on. Facts about nats-server 2.9.10 this
 * relies on, each checked on the real binary:
 * - the monitoring port opens before the client port, so readiness probes both;
 * - `/healthz` answers 503 on a clustered node until a JetStream meta leader exists, so cluster nodes
 *   only wait for their ports (a cluster waits for the leader itself);
 * - a port taken by someone else makes the server exit 1 with "address already in use" on stderr.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Socket, connect as tcpConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

const LOOPBACK = '127.0.0.1';
const READY_TIMEOUT_MS = 10_000;
const STOP_GRACE_MS = 5_000;
/** How long a restart keeps retrying a port that is still held (TIME_WAIT, a slow previous exit). */
const REBIND_WINDOW_MS = 3_000;
const STDERR_KEEP = 4_096;
const POLL_MS = 25;
const PORT_IN_USE = /address already in use/;

// ---------------------------------------------------------------------------------------------------
// Ports

/**
 * A port that was free a moment ago on 127.0.0.1: the kernel picks it for a listener on port 0, which
 * is then closed. Another process can still take it before the server binds; `NatsProcess` retries.
 */
export async function freePort(): Promise<number> {
  const [port] = await reservePorts(1);
  if (port === undefined) throw new Error('reservePorts(1) returned no port');
  return port;
}

/**
 * `n` distinct free ports on 127.0.0.1. All listeners stay open until every port is known, so the
 * kernel cannot hand out the same port twice (which sequential `freePort()` calls could).
 */
export async function reservePorts(n: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: n },
      () =>
        new Promise<ReturnType<typeof createServer>>((resolve, reject) => {
          const server = createServer();
          server.once('error', reject);
          server.listen(0, LOOPBACK, () => resolve(server));
        }),
    ),
  );
  const ports = servers.map((server) => {
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('listener has no TCP address');
    return address.port;
  });
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  return ports;
}

// ---------------------------------------------------------------------------------------------------
// Cleanup on exit

/** Children of this module still running: the only PIDs this module will ever signal. */
const live = new Set<ChildProcess>();
/** Temp dirs not yet disposed. */
const dirs = new Set<string>();
let exitHookInstalled = false;

/**
 * A test that throws before its `afterAll` must not leave servers behind: SIGKILL every child still
 * running and remove the temp dirs, on 'exit' and on SIGTERM. SIGTERM matters because vitest stops a
 * fork worker with it, and Node runs no 'exit' handlers on a signal (a leaked server outlived the
 * worker before this hook existed). Both handlers must be synchronous, hence `rmSync`. Only SIGKILL of
 * the test process itself still leaks: nothing in-process can cover that.
 */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', cleanUpNow);
  const onSigterm = (): void => {
    cleanUpNow();
    process.off('SIGTERM', onSigterm);
    // With no other listener, re-raising gets the default action: the process ends as it would have.
    if (process.listenerCount('SIGTERM') === 0) process.kill(process.pid, 'SIGTERM');
  };
  process.on('SIGTERM', onSigterm);
}

function cleanUpNow(): void {
  for (const child of live) {
    if (isRunning(child)) child.kill('SIGKILL');
  }
  live.clear();
  for (const dir of dirs) {
    try {
      rmSync(dir, { recursive: true, force: true });
    } catch {
      // Best effort: a server being killed may still hold a file.
    }
  }
  dirs.clear();
}

/** True while the child has neither exited nor been reaped, so its PID cannot belong to anyone else. */
function isRunning(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}

// ---------------------------------------------------------------------------------------------------
// Monitoring shapes (the fields the tests read; the server sends many more)

/** `/varz`: general server state. */
export interface Varz {
  readonly server_id: string;
  readonly server_name: string;
  readonly version: string;
  /** Client port. */
  readonly port: number;
  readonly http_port: number;
  readonly max_payload: number;
  readonly connections: number;
  /** Present when JetStream is configured. */
  readonly jetstream?: { readonly config?: { readonly store_dir?: string } };
  /** Present when the server is in a cluster. */
  readonly cluster?: { readonly name?: string; readonly cluster_port?: number; readonly urls?: string[] };
  readonly [field: string]: unknown;
}

/** One RAFT group member as `/jsz` reports it. */
export interface JszReplica {
  readonly name: string;
  readonly current: boolean;
  readonly active: number;
  readonly lag?: number;
  readonly peer: string;
}

/** A RAFT group (meta or stream): `leader` is absent while there is none. */
export interface JszClusterInfo {
  readonly name?: string;
  readonly leader?: string;
  readonly peer?: string;
  readonly cluster_size?: number;
  /** The other members, as seen from the reporting server. */
  readonly replicas?: JszReplica[];
}

/** A stream in `/jsz?accounts=true&streams=true`. */
export interface JszStream {
  readonly name: string;
  readonly cluster?: JszClusterInfo;
  readonly state?: {
    readonly messages: number;
    readonly bytes: number;
    readonly first_seq: number;
    readonly last_seq: number;
    readonly consumer_count: number;
  };
  readonly [field: string]: unknown;
}

/** An account in `/jsz?accounts=true`. */
export interface JszAccount {
  readonly name: string;
  readonly id: string;
  readonly stream_detail?: JszStream[];
  readonly [field: string]: unknown;
}

/** `/jsz`: JetStream totals, the meta group and (with query flags) per-account details. */
export interface Jsz {
  readonly server_id: string;
  readonly streams: number;
  readonly consumers: number;
  readonly messages: number;
  readonly bytes: number;
  readonly config?: { readonly store_dir?: string; readonly max_memory?: number; readonly max_storage?: number };
  /** Present when clustered; `leader` is absent until the meta group has elected one. */
  readonly meta_cluster?: JszClusterInfo;
  readonly account_details?: JszAccount[];
  readonly [field: string]: unknown;
}

/** One client connection in `/connz`. */
export interface ConnzConnection {
  readonly cid: number;
  readonly ip: string;
  readonly port: number;
  readonly name?: string;
  readonly lang?: string;
  readonly version?: string;
  readonly subscriptions: number;
  /** With `connz('subs=true')`. */
  readonly subscriptions_list?: string[];
  readonly [field: string]: unknown;
}

/** `/connz`: client connections. */
export interface Connz {
  readonly server_id: string;
  readonly num_connections: number;
  readonly total: number;
  readonly connections: ConnzConnection[];
  readonly [field: string]: unknown;
}

// ---------------------------------------------------------------------------------------------------
// One server

/** Ports a server listens on; pass them back in `NatsServerOptions.ports` to reuse them. */
export interface ServerPorts {
  readonly client: number;
  readonly monitor: number;
}

/** Cluster membership for one node. */
export interface ClusterMembership {
  /** Cluster name, the same on every node. */
  readonly name: string;
  /** This node's route port. */
  readonly port: number;
  /** Route ports of the other nodes (this node's own port is skipped if present). */
  readonly routes: readonly number[];
}

/** How to start a server; every field is optional. */
export interface NatsServerOptions {
  /** Enable JetStream with `store_dir` in the server's temp dir, kept across restarts. Default true. */
  readonly jetstream?: boolean;
  /** The `nats-server` binary: a path or a name on `PATH`. Default: `NATS_SERVER_BIN` when set, else `nats-server`. */
  readonly binary?: string;
  /** `server_name`; required by JetStream in a cluster, and what `/jsz` names leaders by. */
  readonly serverName?: string;
  /** Raw config text appended to the generated file, e.g. `max_payload: 2048` or `authorization {…}`. */
  readonly config?: string;
  /** Join a cluster; readiness then waits only for the ports (see the module comment). */
  readonly cluster?: ClusterMembership;
  /** Fixed ports, e.g. from `reservePorts`; default: two fresh ones. */
  readonly ports?: ServerPorts;
}

/** Thrown when a server does not become ready; the message ends with the server's last stderr lines. */
export class ServerStartError extends Error {
  override readonly name: string = 'ServerStartError';
  /** The tail of the server's stderr. */
  readonly stderr: string;

  constructor(message: string, stderr: string, options?: ErrorOptions) {
    const tail = lastLines(stderr, 8);
    super(tail === '' ? message : `${message}\n--- nats-server stderr (last lines) ---\n${tail}`, options);
    this.stderr = stderr;
  }
}

/**
 * The `nats-server` binary is not there: neither on `PATH` nor at `NATS_SERVER_BIN` (or the `binary`
 * option). Never a reason to skip a test silently: the message says how to get one.
 */
export class NatsServerNotFoundError extends ServerStartError {
  override readonly name = 'NatsServerNotFoundError';
  /** The binary that was looked for, as given. */
  readonly binary: string;

  constructor(binary: string, options?: ErrorOptions) {
    super(
      `'${binary}' not found: install nats-server (apt-get install -y nats-server, or a release from ` +
        'https://github.com/nats-io/nats-server/releases) or set NATS_SERVER_BIN to its path',
      '',
      options,
    );
    this.binary = binary;
  }
}

/**
 * One `nats-server` process this module spawned, restartable on the same ports with the same config
 * and JetStream store. Create it with `startServer()`.
 */
export class NatsProcess {
  /** Temp dir holding `server.conf` and the JetStream store. */
  readonly dir: string;
  /** The `server_name`, when one was given. */
  readonly serverName: string | undefined;
  /** The binary it runs (see {@link NatsServerOptions.binary}). */
  readonly binary: string;
  readonly #options: NatsServerOptions;
  #ports: ServerPorts;
  /** Ports came from the caller or a cluster: never swap them for others. */
  readonly #fixedPorts: boolean;
  #child: ChildProcess | undefined;
  #exited: Promise<void> = Promise.resolve();
  #stderr = '';
  #pid = 0;
  #started = false;
  #disposed = false;

  private constructor(dir: string, ports: ServerPorts, options: NatsServerOptions) {
    this.dir = dir;
    this.#ports = ports;
    this.#options = options;
    this.#fixedPorts = options.ports !== undefined;
    this.serverName = options.serverName;
    this.binary = options.binary ?? (process.env.NATS_SERVER_BIN || 'nats-server');
  }

  /** Reserves ports and a temp dir without starting; `startCluster` uses it to start nodes together. */
  static async create(options: NatsServerOptions = {}): Promise<NatsProcess> {
    installExitHook();
    const ports = options.ports ?? (await pickPorts());
    const dir = await mkdtemp(join(tmpdir(), 'asyncapi-nats-server-'));
    dirs.add(dir);
    return new NatsProcess(dir, ports, options);
  }

  /** Client URL, e.g. `nats://127.0.0.1:41905`. */
  get url(): string {
    return `nats://${LOOPBACK}:${this.#ports.client}`;
  }

  /** Client port. */
  get port(): number {
    return this.#ports.client;
  }

  /** HTTP monitoring port. */
  get monitorPort(): number {
    return this.#ports.monitor;
  }

  /** Both ports, to pass to another server's `ports` option. */
  get ports(): ServerPorts {
    return this.#ports;
  }

  /** PID of the latest process (still set after it exited, so a test can check it is gone). */
  get pid(): number {
    return this.#pid;
  }

  /** True while the latest process has not exited. */
  get running(): boolean {
    return this.#child !== undefined && isRunning(this.#child);
  }

  /** The last ~4 KB the current (or last) process wrote to stderr, where nats-server logs. */
  get stderr(): string {
    return this.#stderr;
  }

  /**
   * Spawns the server and waits until it is ready. A port still held by someone else is retried for
   * a few seconds (fixed ports) or swapped for fresh ones (first start on chosen ports).
   */
  async start(): Promise<void> {
    if (this.#disposed) throw new Error(`server ${this.describe()} was disposed`);
    if (this.running) throw new Error(`server ${this.describe()} is already running (pid ${this.#pid})`);
    const rebindDeadline = Date.now() + REBIND_WINDOW_MS;
    for (let attempt = 1; ; attempt++) {
      try {
        await this.#spawnAndWait();
        this.#started = true;
        return;
      } catch (error) {
        const portTaken = error instanceof ServerStartError && PORT_IN_USE.test(error.stderr);
        if (!portTaken) throw error;
        if (!this.#fixedPorts && !this.#started && attempt < 3) {
          // Lost the race for a port nobody asked for: any other free pair will do.
          this.#ports = await pickPorts();
          continue;
        }
        if (Date.now() > rebindDeadline) throw error;
        await sleep(100);
      }
    }
  }

  /** SIGKILL, as a crash would, and wait for the process to be gone. A no-op when not running. */
  async kill(): Promise<void> {
    const child = this.#child;
    if (child === undefined || !isRunning(child)) return;
    // Referenced again so a script whose last act is `await kill()` does not exit before the child.
    setRef(child, true);
    child.kill('SIGKILL');
    await this.#exited;
  }

  /** SIGTERM (a clean shutdown), SIGKILL after 5 s, and wait for exit. A no-op when not running. */
  async stop(): Promise<void> {
    const child = this.#child;
    if (child === undefined || !isRunning(child)) return;
    setRef(child, true);
    child.kill('SIGTERM');
    const exited = await Promise.race([this.#exited.then(() => true), sleep(STOP_GRACE_MS).then(() => false)]);
    if (!exited) await this.kill();
  }

  /**
   * Starts again on the same ports with the same config and JetStream store, stopping cleanly first if
   * still running (call `kill()` first to simulate a crash instead).
   */
  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  /** `GET /varz`. */
  varz(): Promise<Varz> {
    return this.monitor<Varz>('varz');
  }

  /** `GET /jsz`, e.g. `jsz('accounts=true&streams=true&consumers=true')`. */
  jsz(query?: string): Promise<Jsz> {
    return this.monitor<Jsz>('jsz', query);
  }

  /** `GET /connz`, e.g. `connz('subs=true')`. */
  connz(query?: string): Promise<Connz> {
    return this.monitor<Connz>('connz', query);
  }

  /** Any monitoring endpoint as JSON, e.g. `monitor('routez')`; throws on a non-2xx status. */
  async monitor<T>(endpoint: string, query?: string): Promise<T> {
    const url = `http://${LOOPBACK}:${this.#ports.monitor}/${endpoint}${query ? `?${query}` : ''}`;
    const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
    const body = await response.text();
    if (!response.ok) throw new Error(`GET ${url}: ${response.status} ${body.trim()}`);
    return JSON.parse(body) as T;
  }

  /** Stops the server and removes its temp dir (config and store). Safe to call twice. */
  async dispose(): Promise<void> {
    if (this.#disposed) return;
    this.#disposed = true;
    await this.stop();
    await rm(this.dir, { recursive: true, force: true });
    dirs.delete(this.dir);
  }

  /** How error messages name this server. */
  describe(): string {
    return `${this.serverName ?? 'nats-server'} on ${this.url}`;
  }

  async #spawnAndWait(): Promise<void> {
    const configFile = join(this.dir, 'server.conf');
    // Written on every start: the ports may have been swapped after a lost race.
    await writeFile(configFile, renderConfig(this.dir, this.#ports, this.#options));
    this.#stderr = '';
    const child = spawn(this.binary, ['-c', configFile], { stdio: ['ignore', 'ignore', 'pipe'] });
    this.#child = child;
    this.#pid = child.pid ?? 0;
    live.add(child);
    child.stderr?.on('data', (chunk: Buffer) => {
      this.#stderr = (this.#stderr + chunk.toString()).slice(-STDERR_KEEP);
    });
    let exitReason: string | undefined;
    let notFound: NodeJS.ErrnoException | undefined;
    this.#exited = new Promise<void>((resolve) => {
      // 'close' rather than 'exit': by then stderr is drained, so a failure message is complete.
      child.once('close', (code, signal) => {
        // A spawn failure also closes (code -2): keep the clearer reason 'error' gave first.
        exitReason ??= `exited with ${signal ?? `code ${code}`}`;
        live.delete(child);
        resolve();
      });
    });
    child.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') notFound = error;
      exitReason = error.message;
      live.delete(child);
    });

    const probe = this.#options.cluster === undefined ? 'healthz' : 'varz';
    const deadline = Date.now() + READY_TIMEOUT_MS;
    let lastProblem = 'no answer yet';
    while (true) {
      if (exitReason !== undefined) {
        await Promise.race([this.#exited, sleep(500)]);
        if (notFound !== undefined) throw new NatsServerNotFoundError(this.binary, { cause: notFound });
        throw new ServerStartError(`${this.describe()} did not start: ${exitReason}`, this.#stderr);
      }
      if (Date.now() > deadline) {
        await this.kill();
        throw new ServerStartError(
          `${this.describe()} not ready within ${READY_TIMEOUT_MS} ms (last: ${lastProblem})`,
          this.#stderr,
        );
      }
      const problem = await this.#readiness(probe);
      if (problem === undefined) {
        // An idle server must not keep a test process alive: a forgotten one is killed by the exit hook.
        setRef(child, false);
        return;
      }
      lastProblem = problem;
      await sleep(POLL_MS);
    }
  }

  /** Undefined when ready, else what is missing; monitoring opens before the client port, so probe both. */
  async #readiness(probe: 'healthz' | 'varz'): Promise<string | undefined> {
    try {
      await this.monitor(probe);
    } catch (error) {
      return `/${probe}: ${errorMessage(error)}`;
    }
    return (await canConnect(this.#ports.client)) ? undefined : `client port ${this.#ports.client} refuses`;
  }
}

/** Spawns a server (JetStream on by default) and resolves once it accepts clients. */
export async function startServer(options: NatsServerOptions = {}): Promise<NatsProcess> {
  const server = await NatsProcess.create(options);
  try {
    await server.start();
  } catch (error) {
    await server.dispose();
    throw error;
  }
  return server;
}

async function pickPorts(): Promise<ServerPorts> {
  const [client, monitor] = await reservePorts(2);
  if (client === undefined || monitor === undefined) throw new Error('reservePorts(2) returned too few ports');
  return { client, monitor };
}

/** The config file: loopback only, monitoring on, JetStream and cluster as asked, then the raw extra. */
function renderConfig(dir: string, ports: ServerPorts, options: NatsServerOptions): string {
  // JSON strings are valid NATS config strings and quote paths safely.
  const q = (value: string): string => JSON.stringify(value);
  const lines = [
    '# Written by asyncapi-nats/testing; regenerated on every start.',
    `listen: ${q(`${LOOPBACK}:${ports.client}`)}`,
    `http: ${q(`${LOOPBACK}:${ports.monitor}`)}`,
  ];
  if (options.serverName !== undefined) lines.push(`server_name: ${q(options.serverName)}`);
  if (options.jetstream ?? true) lines.push(`jetstream {`, `  store_dir: ${q(join(dir, 'store'))}`, `}`);
  const cluster = options.cluster;
  if (cluster !== undefined) {
    const routes = cluster.routes.filter((port) => port !== cluster.port);
    lines.push(
      'cluster {',
      `  name: ${q(cluster.name)}`,
      `  listen: ${q(`${LOOPBACK}:${cluster.port}`)}`,
      `  routes: [${routes.map((port) => q(`nats-route://${LOOPBACK}:${port}`)).join(', ')}]`,
      '}',
    );
  }
  if (options.config !== undefined) lines.push('# Extra config from the caller', options.config);
  return `${lines.join('\n')}\n`;
}

/** Whether the child (and its stderr pipe, which also holds the event loop) keeps the process alive. */
function setRef(child: ChildProcess, ref: boolean): void {
  const pipe = child.stderr as Socket | null;
  if (ref) {
    child.ref();
    pipe?.ref();
  } else {
    child.unref();
    pipe?.unref();
  }
}

/** Whether something accepts TCP connections on the loopback port. */
function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = tcpConnect({ host: LOOPBACK, port });
    socket.setTimeout(1_000);
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
    socket.once('timeout', () => done(false));
  });
}

// ---------------------------------------------------------------------------------------------------

function lastLines(text: string, count: number): string {
  return text.trimEnd().split('\n').slice(-count).join('\n');
}

/** An error's message, with its cause's when there is one (fetch hides the useful part there). */
export function errorMessage(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  // fetch wraps the useful part ("ECONNREFUSED") in `cause`.
  const cause = error.cause instanceof Error ? `: ${error.cause.message}` : '';
  return `${error.message}${cause}`;
}
