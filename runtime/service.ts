/**
 * The NATS services ("micro") discovery protocol, so a generated server shows up in `nats micro ls`,
 * `nats micro info` and `nats micro stats`: it answers `$SRV.PING`, `$SRV.INFO` and `$SRV.STATS` (each
 * also as `$SRV.<VERB>.<name>` and `$SRV.<VERB>.<name>.<id>`) with the `io.nats.micro.v1` JSON
 * documents. Every registration of the server is an endpoint with its subject, queue group and
 * metadata naming the spec operation; its request and error counts and processing time come from the
 * receive path.
 *
 * Written here rather than taken from `@nats-io/services`: that package only has 3.0.0 prereleases,
 * pins its own prerelease copy of `@nats-io/nats-core` (whose types clash with transport-node 3.4),
 * and refuses queue group names containing `.` (`[-\w]+` only), which the guide's `agent.workers`
 * has. Requests themselves are still answered by our own `reply`/`subscribe`, with the service error
 * headers (`Nats-Service-Error`, `Nats-Service-Error-Code`) the protocol uses.
 */
import { type Msg, type NatsConnection, nuid, type Subscription } from '@nats-io/transport-node';
import type { HandleStats } from './types.js';

/** What a service says about itself; name and version come from the spec's `info`. */
export interface ServiceInfo {
  /** `[A-Za-z0-9_-]+`, e.g. `ai-sdk`. */
  readonly name: string;
  /** Semantic version, e.g. `1.0.0`. */
  readonly version: string;
  readonly description?: string;
  readonly metadata?: Readonly<Record<string, string>>;
}

/** One endpoint in `$SRV.INFO` and `$SRV.STATS`. */
export interface EndpointInfo {
  /** `[A-Za-z0-9_-]+`; made unique within the service. */
  readonly name: string;
  /** The subscription subject (with `*` for a wildcard parameter). */
  readonly subject: string;
  /** The queue group; a durable consumer's name for JetStream endpoints. */
  readonly queue?: string | undefined;
  readonly metadata: Readonly<Record<string, string>>;
}

const NAME = /^[A-Za-z0-9_-]+$/;
// Semantic versioning 2.0.0, as the micro protocol requires.
const SEMVER =
  /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$/;

/**
 * Counters of one endpoint, updated by the receive path: one `record` per message handled (with the
 * time it took), one `error` per failure (an error reply, a handler that threw, an invalid message).
 */
export class EndpointStats {
  numRequests = 0;
  numErrors = 0;
  lastError = '';
  /** Total processing time in nanoseconds. */
  processingNs = 0;

  /** A message was handled in `ms` milliseconds. */
  record(ms: number): void {
    this.numRequests++;
    this.processingNs += Math.round(ms * 1e6);
  }

  /** A message failed: `code` is a status (400, 500, 503) or a failure kind (`validation`), `description` what went wrong. */
  error(code: number | string, description: string): void {
    this.numErrors++;
    this.lastError = `${code}:${description}`;
  }
}

/** A registered service: add endpoints as registrations are made, stop it with the server. */
export interface Service {
  /** The instance id (a NUID), unique per server instance. */
  readonly id: string;
  readonly info: ServiceInfo;
  /** Adds an endpoint; returns a function that removes it. */
  addEndpoint(endpoint: EndpointInfo, stats: HandleStats): () => void;
  /** Stops answering discovery requests. */
  stop(): void;
}

/** Throws `TypeError` for a name or version the micro protocol does not allow. */
export function checkServiceInfo(info: ServiceInfo): void {
  if (!NAME.test(info.name)) {
    throw new TypeError(`invalid service name '${info.name}': use letters, digits, '-' and '_' only`);
  }
  if (!SEMVER.test(info.version)) {
    throw new TypeError(`invalid service version '${info.version}': use a semantic version such as 1.0.0`);
  }
}

/** An endpoint name from an operation id: characters the protocol refuses become `_`. */
export function endpointName(operationId: string): string {
  const name = operationId.replace(/[^A-Za-z0-9_-]/g, '_');
  return name === '' ? '_' : name;
}

/**
 * Starts answering `$SRV.PING|INFO|STATS` for `info` on `nc`. Discovery subscriptions are not in a
 * queue group: every instance answers, which is how `nats micro ls` counts them.
 */
export function startService(nc: NatsConnection, info: ServiceInfo): Service {
  checkServiceInfo(info);
  const id = nuid.next();
  const started = new Date().toISOString();
  const endpoints = new Map<string, { endpoint: EndpointInfo; stats: HandleStats }>();
  const identity = () => ({ name: info.name, id, version: info.version, metadata: { ...info.metadata } });

  const answers: Record<string, () => unknown> = {
    PING: () => ({ type: 'io.nats.micro.v1.ping_response', ...identity() }),
    INFO: () => ({
      type: 'io.nats.micro.v1.info_response',
      ...identity(),
      description: info.description ?? '',
      endpoints: [...endpoints.values()].map(({ endpoint }) => ({
        name: endpoint.name,
        subject: endpoint.subject,
        queue_group: endpoint.queue ?? '',
        metadata: { ...endpoint.metadata },
      })),
    }),
    STATS: () => ({
      type: 'io.nats.micro.v1.stats_response',
      ...identity(),
      started,
      endpoints: [...endpoints.values()].map(({ endpoint, stats }) => ({
        name: endpoint.name,
        subject: endpoint.subject,
        queue_group: endpoint.queue ?? '',
        num_requests: stats.numRequests,
        num_errors: stats.numErrors,
        last_error: stats.lastError,
        processing_time: stats.processingNs,
        average_processing_time: stats.numRequests === 0 ? 0 : Math.round(stats.processingNs / stats.numRequests),
      })),
    }),
  };

  const subs: Subscription[] = [];
  for (const verb of Object.keys(answers)) {
    const answer = answers[verb] as () => unknown;
    const callback = (err: Error | null, msg: Msg) => {
      if (err !== null || !msg.reply) return;
      try {
        msg.respond(JSON.stringify(answer()));
      } catch {
        // The connection closed meanwhile: the asker times out, nothing to report.
      }
    };
    for (const subject of [`$SRV.${verb}`, `$SRV.${verb}.${info.name}`, `$SRV.${verb}.${info.name}.${id}`]) {
      subs.push(nc.subscribe(subject, { callback }));
    }
  }

  return {
    id,
    info,
    addEndpoint(endpoint, stats) {
      let name = endpointName(endpoint.name);
      for (let n = 2; endpoints.has(name); n++) name = `${endpointName(endpoint.name)}-${n}`;
      endpoints.set(name, { endpoint: { ...endpoint, name }, stats });
      return () => {
        endpoints.delete(name);
      };
    },
    stop() {
      for (const sub of subs) {
        if (!sub.isClosed()) sub.unsubscribe();
      }
    },
  };
}
