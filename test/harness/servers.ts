/**
 * Spawns real `nats-server` processes for tests that need to break the server: kill it, restart it on
 * the same ports, run a 3-node JetStream cluster and fail over a stream leader. The shared run server
 * (`nats.ts`) is for everything else.
 *
 * One server (`startServer`, `NatsProcess`, ports, cleanup on exit) lives in the package's test kit,
 * `runtime/testing/nats-server.ts` (`asyncapi-nats/testing`), so users' tests and ours start servers
 * with the same code; it is re-exported here unchanged. The cluster helpers are ours alone.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { errorMessage, NatsProcess, reservePorts } from '../../runtime/testing/nats-server.js';

export {
  type ClusterMembership,
  type Connz,
  type ConnzConnection,
  freePort,
  type Jsz,
  type JszAccount,
  type JszClusterInfo,
  type JszReplica,
  type JszStream,
  NatsProcess,
  NatsServerNotFoundError,
  type NatsServerOptions,
  type NatsServerOptions as ServerOptions,
  reservePorts,
  type ServerPorts,
  ServerStartError,
  startServer,
  type Varz,
} from '../../runtime/testing/nats-server.js';

/** How to start a cluster. */
export interface ClusterOptions {
  /** Number of nodes, named n1..nN. Default 3. */
  readonly size?: number;
  /** Enable JetStream on every node and wait for a meta leader. Default true. */
  readonly jetstream?: boolean;
  /** Cluster name. Default: a unique one. */
  readonly name?: string;
  /** Raw config text appended on every node. */
  readonly config?: string;
}

/** A running cluster of `nats-server` processes. */
export interface NatsCluster {
  /** The nodes, n1 first. */
  readonly nodes: readonly NatsProcess[];
  /** Client URLs of every node, for a client's `servers` list. */
  readonly urls: readonly string[];
  /** Stops every node and removes their temp dirs. */
  dispose(): Promise<void>;
  /**
   * Waits until every running node reports the same JetStream meta leader, and returns that node.
   * Throws after `timeoutMs` (default 15 s) with what each node reported.
   */
  waitForMetaLeader(timeoutMs?: number): Promise<NatsProcess>;
  /** The node leading `stream` (any account), waiting for one to be elected. */
  streamLeader(stream: string, timeoutMs?: number): Promise<NatsProcess>;
  /**
   * Waits for a running node, not in `exclude`, that itself reports leading `stream`: after killing a
   * leader, pass it as `exclude` to wait for its successor.
   */
  waitForStreamLeader(
    stream: string,
    exclude?: NatsProcess | readonly NatsProcess[],
    timeoutMs?: number,
  ): Promise<NatsProcess>;
}

const CLUSTER_TIMEOUT_MS = 15_000;

/**
 * Starts `size` nodes that route to each other. All ports are reserved before any node starts, so
 * every node's route list is complete; the nodes start together because a lone JetStream node cannot
 * elect a meta leader. Resolves once the meta leader is agreed (JetStream) or all routes are up.
 */
export async function startCluster(options: ClusterOptions = {}): Promise<NatsCluster> {
  const size = options.size ?? 3;
  const jetstream = options.jetstream ?? true;
  const name = options.name ?? `c${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  const ports = await reservePorts(size * 3);
  const at = (index: number): number => {
    const port = ports[index];
    if (port === undefined) throw new Error(`reservePorts(${size * 3}) returned too few ports`);
    return port;
  };
  const routes = Array.from({ length: size }, (_, i) => at(size * 2 + i));
  const created = await Promise.allSettled(
    Array.from({ length: size }, (_, i) =>
      NatsProcess.create({
        jetstream,
        serverName: `n${i + 1}`,
        ports: { client: at(i), monitor: at(size + i) },
        cluster: { name, port: at(size * 2 + i), routes },
        ...(options.config === undefined ? {} : { config: options.config }),
      }),
    ),
  );
  const nodes = created.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
  const disposeAll = async (): Promise<void> => {
    await Promise.all(nodes.map((node) => node.dispose()));
  };
  try {
    const failure = created.find((result) => result.status === 'rejected');
    if (failure !== undefined) throw failure.reason;
    const started = await Promise.allSettled(nodes.map((node) => node.start()));
    const startFailure = started.find((result) => result.status === 'rejected');
    if (startFailure !== undefined) throw startFailure.reason;

    const cluster = new Cluster(nodes);
    if (jetstream) await cluster.waitForMetaLeader();
    else await cluster.waitForRoutes();
    return cluster;
  } catch (error) {
    await disposeAll();
    throw error;
  }
}

class Cluster implements NatsCluster {
  readonly nodes: readonly NatsProcess[];
  readonly urls: readonly string[];

  constructor(nodes: readonly NatsProcess[]) {
    this.nodes = nodes;
    this.urls = nodes.map((node) => node.url);
  }

  async dispose(): Promise<void> {
    await Promise.all(this.nodes.map((node) => node.dispose()));
  }

  async waitForMetaLeader(timeoutMs = CLUSTER_TIMEOUT_MS): Promise<NatsProcess> {
    return this.#poll('an agreed JetStream meta leader', timeoutMs, async (reports) => {
      const running = this.nodes.filter((node) => node.running);
      const leaders = await Promise.all(
        running.map(async (node) => {
          try {
            const leader = (await node.jsz()).meta_cluster?.leader;
            reports.set(node, leader === undefined || leader === '' ? 'no leader' : `leader ${leader}`);
            return leader;
          } catch (error) {
            reports.set(node, errorMessage(error));
            return undefined;
          }
        }),
      );
      const first = leaders[0];
      if (first === undefined || first === '' || leaders.some((leader) => leader !== first)) return undefined;
      // Agreement on a node that is not running would be stale news from before a kill.
      return running.find((node) => node.serverName === first);
    });
  }

  streamLeader(stream: string, timeoutMs = CLUSTER_TIMEOUT_MS): Promise<NatsProcess> {
    return this.waitForStreamLeader(stream, [], timeoutMs);
  }

  async waitForStreamLeader(
    stream: string,
    exclude: NatsProcess | readonly NatsProcess[] = [],
    timeoutMs = CLUSTER_TIMEOUT_MS,
  ): Promise<NatsProcess> {
    const excluded = new Set(exclude instanceof NatsProcess ? [exclude] : exclude);
    const what = `a leader for stream '${stream}'${excluded.size > 0 ? ` other than ${[...excluded].map((n) => n.serverName).join(', ')}` : ''}`;
    return this.#poll(what, timeoutMs, async (reports) => {
      const candidates = this.nodes.filter((node) => node.running);
      const leaders = await Promise.all(
        candidates.map(async (node) => {
          try {
            // `streams=true` alone also lists stream_detail on 2.9.10; `accounts=true` keeps newer servers happy.
            const jsz = await node.jsz('accounts=true&streams=true');
            const details = (jsz.account_details ?? []).flatMap((account) => account.stream_detail ?? []);
            const found = details.find((detail) => detail.name === stream);
            const leader = found?.cluster?.leader;
            reports.set(node, found === undefined ? 'stream not found' : `leader ${leader || '(none)'}`);
            return leader;
          } catch (error) {
            reports.set(node, errorMessage(error));
            return undefined;
          }
        }),
      );
      // Trust a node only about itself: followers keep naming a killed leader for a while.
      return candidates.find(
        (node, i) => !excluded.has(node) && node.serverName !== undefined && leaders[i] === node.serverName,
      );
    });
  }

  /** Without JetStream there is no leader to wait for; full mesh routes are what "formed" means. */
  async waitForRoutes(timeoutMs = CLUSTER_TIMEOUT_MS): Promise<void> {
    const want = this.nodes.length - 1;
    await this.#poll(`${want} routes on every node`, timeoutMs, async (reports) => {
      const counts = await Promise.all(
        this.nodes.map(async (node) => {
          try {
            const routez = await node.monitor<{ num_routes: number }>('routez');
            reports.set(node, `${routez.num_routes} routes`);
            return routez.num_routes;
          } catch (error) {
            reports.set(node, errorMessage(error));
            return -1;
          }
        }),
      );
      return counts.every((count) => count >= want) ? true : undefined;
    });
  }

  /** Polls `check` until it returns a value; the error lists each node's last report. */
  async #poll<T>(
    what: string,
    timeoutMs: number,
    check: (reports: Map<NatsProcess, string>) => Promise<T | undefined>,
  ): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    const reports = new Map<NatsProcess, string>();
    while (true) {
      const found = await check(reports);
      if (found !== undefined) return found;
      if (Date.now() > deadline) {
        const seen = this.nodes
          .map((node) => `${node.serverName}: ${node.running ? (reports.get(node) ?? 'no report') : 'not running'}`)
          .join('; ');
        throw new Error(`no ${what} after ${timeoutMs} ms (${seen})`);
      }
      await sleep(50);
    }
  }
}
