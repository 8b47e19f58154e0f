/**
 * Permission violations as errors of the operation that caused them. The server answers a publish or
 * subscription its permissions refuse with an asynchronous `-ERR`; the NATS client fails a pending
 * request with it, but a refused publish, reply, `$SRV` subscription or JetStream ack only shows up as
 * a connection status event. Here each one is matched to the operation it belongs to (by subject,
 * stream and consumer) and reported as a {@link PermissionError} with kind `permission` to the
 * `onError` (or logger) of the generated server or client that caused it.
 */
import { errors, type NatsConnection } from '@nats-io/transport-node';
import { PermissionError } from './errors.js';
import { watchConnection } from './status.js';
import { consoleLogger, errorEventLog, type Logger } from './telemetry.js';
import type { ErrorEvent, Handle, OperationSpec } from './types.js';

/** What the server refused. */
export interface Violation {
  readonly action: 'publish' | 'subscription';
  readonly subject: string;
  /** The client's error, kept as the `cause` of the {@link PermissionError}. */
  readonly error: Error;
}

/** Calls `listener` with each permission violation the server reports on `nc`; returns a function that stops. */
export function watchPermissions(nc: NatsConnection, listener: (violation: Violation) => void): () => void {
  return watchConnection(nc, (event) => {
    if (event.type !== 'server-error' || !(event.error instanceof errors.PermissionViolationError)) return;
    const { operation, subject } = event.error;
    listener({ action: operation === 'subscription' ? 'subscription' : 'publish', subject, error: event.error });
  });
}

/** Whether NATS pattern `pattern` (`*`, trailing `>`) matches `subject` token by token. */
function matches(pattern: string, subject: string): boolean {
  const want = pattern.split('.');
  const have = subject.split('.');
  for (let i = 0; i < want.length; i++) {
    const token = want[i];
    if (token === '>') return have.length > i;
    if (i >= have.length || (token !== '*' && token !== have[i])) return false;
  }
  return want.length === have.length;
}

/**
 * Whether a refused action on `subject` is something a receive registration (`op`, `handle`) does:
 * subscribing to its subject; for a durable one, the JetStream API of its streams and consumer, its
 * acks and its dead letters.
 */
function receiverDoes(op: OperationSpec, handle: Handle, v: Violation): boolean {
  if (v.action === 'subscription') return v.subject === handle.subject;
  const durable = op.durable;
  if (durable === undefined) return false;
  const t = v.subject.split('.');
  const streams = [durable.stream.name, durable.deadLetter.stream];
  if (v.subject.startsWith('$JS.API.STREAM.')) return streams.includes(t[4] ?? '');
  // $JS.API.CONSUMER.<VERB>.<stream>.<consumer>…, or $JS.API.CONSUMER.MSG.NEXT.<stream>.<consumer>
  if (v.subject.startsWith('$JS.API.CONSUMER.MSG.NEXT.')) return t[5] === durable.stream.name && t[6] === handle.queue;
  if (v.subject.startsWith('$JS.API.CONSUMER.DURABLE.CREATE.'))
    return t[5] === durable.stream.name && t[6] === handle.queue;
  if (v.subject.startsWith('$JS.API.CONSUMER.')) return t[4] === durable.stream.name && t[5] === handle.queue;
  if (v.subject.startsWith('$JS.ACK.')) return t[2] === durable.stream.name && t[3] === handle.queue;
  return v.subject === durable.deadLetter.subject;
}

/** Whether a refused publish is something a send operation does: its subject, or its streams' JetStream API. */
function senderDoes(op: OperationSpec, v: Violation): boolean {
  if (v.action !== 'publish') return false;
  if (matches(op.subject.pattern, v.subject)) return true;
  const durable = op.durable;
  if (durable === undefined || !v.subject.startsWith('$JS.API.STREAM.')) return false;
  const stream = v.subject.split('.')[4];
  return stream === durable.stream.name || stream === durable.deadLetter.stream;
}

function event(operation: string, v: Violation): ErrorEvent {
  return {
    kind: 'permission',
    operation,
    subject: v.subject,
    error: new PermissionError(operation, v.action, v.subject, { cause: v.error }),
  };
}

/** Calls `report` and keeps a throw from reaching the client's read loop. */
function safely(report: (event: ErrorEvent) => void, e: ErrorEvent): void {
  try {
    report(e);
  } catch (thrown) {
    console.error(`asyncapi-nats: onError threw for a permission violation on '${e.subject}':`, thrown);
  }
}

/** The permission reporting of one generated server: see {@link serverPermissions}. */
export interface ServerPermissions {
  /** Reports the violations of this registration from now on; returns a function that stops. */
  claim(op: OperationSpec, handle: Handle): () => void;
  /** Stops reporting. */
  stop(): void;
}

/**
 * Reports to `report` each violation on `nc` that a generated server causes: what its registrations
 * do (attributed to their operation), its `$SRV` discovery subscriptions, its inbox subscriptions
 * (JetStream API replies and pulls) and replies it publishes to a requester's inbox (all attributed to
 * `service`, the service name). A registration's refused
 * subscription is left to the registration, which reports it as kind `subscription`.
 */
export function serverPermissions(
  nc: NatsConnection,
  service: string,
  report: (event: ErrorEvent) => void,
): ServerPermissions {
  const claims = new Map<Handle, OperationSpec>();
  const stop = watchPermissions(nc, (v) => {
    for (const [handle, op] of claims) {
      if (!receiverDoes(op, handle, v)) continue;
      // Core registrations report their own refused subscription (kind `subscription`).
      if (v.action === 'subscription' && op.durable === undefined) return;
      safely(report, event(op.id, v));
      return;
    }
    // The inbox is the connection's: refused, it fails the registrations' JetStream API calls and pulls.
    const ours = v.subject.startsWith('$SRV.') || (v.subject.startsWith('_INBOX.') && claims.size > 0);
    if (ours) safely(report, event(service, v));
  });
  return {
    claim(op, handle) {
      claims.set(handle, op);
      return () => {
        claims.delete(handle);
      };
    },
    stop,
  };
}

/** Where the refusals of one operation's publishes on one connection go. */
interface ClientTarget {
  /** `onError`, else the logger, else {@link consoleLogger}: what the target was made from. */
  key: object;
  report: (event: ErrorEvent) => void;
}

/** Per connection: the operations published with, and where each one's refusals go. */
const clients = new WeakMap<NatsConnection, Map<OperationSpec, ClientTarget>>();

/**
 * From the first publish of `op` on `nc`, a refused publish to the operation's subject is reported to
 * `onError`, else to `logger`, else to {@link consoleLogger}, of the client that published `op` last
 * on `nc` (the refusal comes later and does not say which publish it was; memory stays one entry per
 * operation, however many clients come and go). The client fails requests and durable publishes
 * itself (the NATS client rejects a request whose publish is refused), so only fire-and-forget sends
 * need this. Costs two map lookups per publish.
 */
export function clientPermissions(
  nc: NatsConnection,
  op: OperationSpec,
  onError: ((event: ErrorEvent) => void) | undefined,
  logger: Logger | undefined,
): void {
  let targets = clients.get(nc);
  if (targets === undefined) {
    const created = new Map<OperationSpec, ClientTarget>();
    targets = created;
    clients.set(nc, created);
    watchPermissions(nc, (v) => {
      for (const [candidate, target] of created) {
        if (!senderDoes(candidate, v)) continue;
        safely(target.report, event(candidate.id, v));
        return;
      }
    });
  }
  const key = onError ?? logger ?? consoleLogger;
  const target = targets.get(op);
  if (target !== undefined && target.key === key) return;
  const log = logger ?? consoleLogger;
  targets.set(op, { key, report: onError ?? ((e) => log(errorEventLog(e))) });
}
