/**
 * The test kit: a real `nats-server` of its own (JetStream on, store in a temp dir, 127.0.0.1 only)
 * and the connections a test opens to it, all stopped together.
 */

import type { NatsConnection } from '@nats-io/transport-node';
import { connect as runtimeConnect } from '../connect.js';
import type { ConnectOptions } from '../types.js';
import { type NatsProcess, startServer } from './nats-server.js';

/** How to start a test kit; every field is optional. */
export interface TestKitOptions {
  /** JetStream, with its store in the server's temp dir (durable channels need it). Default true. */
  readonly jetstream?: boolean;
  /** The `nats-server` binary: a path or a name on `PATH`. Default: `NATS_SERVER_BIN` when set, else `nats-server`. */
  readonly binary?: string;
  /** Raw nats-server config appended to the kit's config file, e.g. `max_payload: 2048`. */
  readonly config?: string;
}

/** A running test kit. Stop it with `stop()`, or declare it with `await using` and let scope end do it. */
export interface TestKit extends AsyncDisposable {
  /** Client URL of the kit's server, `nats://127.0.0.1:<port>`. */
  readonly url: string;
  /** The server process: its PID, monitoring (`varz()`, `jsz()`), and `kill()`/`restart()` for outage tests. */
  readonly server: NatsProcess;
  /**
   * A connection to the kit's server, through the runtime's `connect()` (same defaults as production,
   * but the first connection is tried 3 times, not forever). `servers` is always the kit's. Closed by `stop()`.
   */
  connect(options?: ConnectOptions): Promise<NatsConnection>;
  /**
   * Closes every connection from `connect()` that is still open, stops the server (SIGTERM, SIGKILL after
   * 5 s; only the process the kit started) and removes its temp dir. Safe to call twice.
   */
  stop(): Promise<void>;
}

/**
 * Starts a `nats-server` for a test on a free port of 127.0.0.1, with JetStream unless
 * `jetstream: false`, and resolves once it accepts clients. Throws `NatsServerNotFoundError` when the
 * binary is missing (never skips), `ServerStartError` when the server does not come up.
 *
 * @example
 * ```ts
 * await using kit = await startTestKit();
 * const nc = await kit.connect();
 * ```
 */
export async function startTestKit(options: TestKitOptions = {}): Promise<TestKit> {
  const server = await startServer({
    jetstream: options.jetstream ?? true,
    ...(options.binary !== undefined ? { binary: options.binary } : {}),
    ...(options.config !== undefined ? { config: options.config } : {}),
  });
  return new RunningTestKit(server);
}

class RunningTestKit implements TestKit {
  readonly server: NatsProcess;
  readonly #connections = new Set<NatsConnection>();
  #stopping: Promise<void> | undefined;

  constructor(server: NatsProcess) {
    this.server = server;
  }

  get url(): string {
    return this.server.url;
  }

  async connect(options: ConnectOptions = {}): Promise<NatsConnection> {
    if (this.#stopping !== undefined) throw new Error(`test kit on ${this.url} is stopped`);
    const nc = await runtimeConnect({ retry: { attempts: 3 }, ...options, servers: this.url });
    this.#connections.add(nc);
    void nc.closed().then(() => this.#connections.delete(nc));
    return nc;
  }

  stop(): Promise<void> {
    this.#stopping ??= this.#stop();
    return this.#stopping;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.stop();
  }

  async #stop(): Promise<void> {
    // Connections first: with the server gone they would try to reconnect forever.
    await Promise.allSettled([...this.#connections].map((nc) => nc.close()));
    this.#connections.clear();
    await this.server.dispose();
  }
}
