/** Connection state as typed events, and the per-connection state the client functions consult. */
import type { NatsConnection } from '@nats-io/transport-node';
import type { ConnectionEvent } from './types.js';

/** Calls `listener` with each state change of `nc` until it closes; returns a function that stops listening. STUB. */
export function watchConnection(_nc: NatsConnection, _listener: (event: ConnectionEvent) => void): () => void {
  throw new Error('not implemented');
}

/** What the runtime's send functions know about a connection's state. One per connection, created on first use. */
export interface ConnectionState {
  /** `true` while the client has a live connection to a server. */
  readonly connected: boolean;
  /** `true` once the connection is closed for good. */
  readonly closed: boolean;
  /** Resolves `true` as soon as the connection is up (at once if it is), `false` at `deadline` (epoch ms) or on close. */
  waitConnected(deadline: number): Promise<boolean>;
  /** Calls `listener` at each disconnect until the returned function is called. */
  onDisconnect(listener: () => void): () => void;
}

/** The state tracker of `nc`, created on first use (it watches `nc.status()` until the connection closes). STUB. */
export function connectionState(_nc: NatsConnection): ConnectionState {
  throw new Error('not implemented');
}
