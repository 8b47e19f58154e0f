/**
 * What every generated server class shares: the registrations it made (for `drain()`/`close()`),
 * and the NATS service it registers as (`$SRV.PING|INFO|STATS`, see service.ts), with one endpoint
 * per registration.
 */
import type { NatsConnection } from '@nats-io/transport-node';
import { type ServerPermissions, serverPermissions } from './permissions.js';
import { errorHandler } from './server.js';
import { type Service, type ServiceInfo, startService } from './service.js';
import type { Handle, OperationSpec, ServerOptions } from './types.js';

/** Who a running server is, as `nats micro ls` shows it. */
export interface ServiceIdentity {
  readonly name: string;
  readonly id: string;
  readonly version: string;
}

function kindOf(op: OperationSpec): 'reply' | 'reply-stream' | 'consume' | 'subscribe' {
  if (op.streaming !== undefined) return 'reply-stream';
  return op.reply !== undefined ? 'reply' : op.durable !== undefined ? 'consume' : 'subscribe';
}

/** Metadata of an endpoint: where it comes from in the spec, and its JetStream facts. */
function endpointMetadata(op: OperationSpec): Record<string, string> {
  return {
    'asyncapi.operation': op.id,
    'asyncapi.kind': kindOf(op),
    'asyncapi.subject': op.subject.address,
    ...(op.timeoutMs !== undefined ? { 'nats.timeout_ms': String(op.timeoutMs) } : {}),
    ...(op.durable !== undefined ? { 'nats.stream': op.durable.stream.name } : {}),
    ...(op.durable?.consumer !== undefined ? { 'nats.consumer': op.durable.consumer.durable } : {}),
  };
}

/**
 * The registrations of one generated server and its NATS service. The service starts with the
 * server (unless `options.service` is `false`) and stops when the server is drained or closed.
 */
export class ServerCore {
  readonly #nc: NatsConnection;
  readonly #handles = new Set<Handle>();
  readonly #service: Service | undefined;
  /** Reports the permission violations this server causes to `onError` / the logger (kind `permission`). */
  readonly #permissions: ServerPermissions | undefined;

  /** `info` comes from the spec; `options.service` may rename it, set its version, or turn it off. */
  constructor(nc: NatsConnection, info: ServiceInfo, options: ServerOptions = {}) {
    this.#nc = nc;
    const service = options.service;
    if (nc.isClosed()) return;
    this.#permissions = serverPermissions(nc, (service || undefined)?.name ?? info.name, errorHandler(options));
    if (service === false) return;
    this.#service = startService(nc, {
      ...info,
      ...(service?.name !== undefined ? { name: service.name } : {}),
      ...(service?.version !== undefined ? { version: service.version } : {}),
      ...(service?.description !== undefined ? { description: service.description } : {}),
      metadata: { ...info.metadata, ...service?.metadata },
    });
  }

  /** The service this server answers for, or undefined when it is turned off. */
  get service(): ServiceIdentity | undefined {
    const s = this.#service;
    return s === undefined ? undefined : { name: s.info.name, id: s.id, version: s.info.version };
  }

  /** Keeps `handle` for drain/close and lists it as an endpoint of the service until it closes. */
  track(handle: Handle, op: OperationSpec): Handle {
    this.#handles.add(handle);
    const remove = this.#service?.addEndpoint(
      { name: op.id, subject: handle.subject, queue: handle.queue, metadata: endpointMetadata(op) },
      handle.stats,
    );
    const unclaim = this.#permissions?.claim(op, handle);
    const forget = () => {
      this.#handles.delete(handle);
      remove?.();
      unclaim?.();
    };
    handle.closed.then(forget, forget);
    return handle;
  }

  /** Stops every registration, waits for the handlers still running, then stops the service. */
  async drain(): Promise<void> {
    await Promise.all([...this.#handles].map((h) => h.drain()));
    this.#service?.stop();
    this.#permissions?.stop();
  }

  /** {@link ServerCore.drain}, then drains and closes the connection. */
  async close(): Promise<void> {
    await this.drain();
    if (!this.#nc.isClosed()) await this.#nc.drain();
  }
}
