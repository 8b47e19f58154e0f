/**
 * Acks of the durable worker: a double ack awaiting the server's confirmation, and the progress signal
 * that keeps a message's ack wait from running out while it waits or runs.
 */
import type { JsMsg } from '@nats-io/jetstream';
import { type ConnectionState, DisconnectWatch } from './status.js';

/** Who hears how an ack ended: confirmed (no `cause`) or failed. */
export interface AckSink {
  ackSettled(m: JsMsg, cause?: unknown): void;
}

/**
 * A double ack awaiting its confirmation. It is its own disconnect watch (linked into the connection's
 * list): a disconnect fails it at once, since the confirmation can no longer arrive (the message may
 * come back after its ack wait). The worker keeps only a count of these, not a set of messages.
 *
 * With a `Set` of messages, nearly every acked message (its data and headers) was promoted out of the
 * young generation under load. Measured with one generated worker fed by a hand-written sender, 30,000
 * messages: about 200 KB promoted per scavenge, against about 24 KB now and with the client's own
 * `consume()` callback. The likely reason: a set rehashes as it grows and shrinks, and the tables it
 * leaves behind keep their entries reachable until the next full collection.
 */
export class PendingAck extends DisconnectWatch {
  private done = false;

  constructor(
    private readonly worker: AckSink,
    private readonly m: JsMsg,
    private readonly state: ConnectionState,
  ) {
    super();
    state.watch(this);
    m.ackAck().then(this.confirmed, this.failed);
  }

  private readonly confirmed = (): void => {
    if (this.finish()) this.worker.ackSettled(this.m);
  };

  private readonly failed = (cause: unknown): void => {
    if (this.finish()) this.worker.ackSettled(this.m, cause);
  };

  disconnected(): void {
    if (this.finish()) this.worker.ackSettled(this.m, new Error('disconnected before the ack was confirmed'));
  }

  private finish(): boolean {
    if (this.done) return false;
    this.done = true;
    this.state.unwatch(this);
    return true;
  }
}

/** Signals that `m` is still being worked on, which restarts its ack wait on the server. */
export function working(m: JsMsg): void {
  try {
    m.working();
  } catch {
    // Connection down: the message may be redelivered; its ack will report that if so.
  }
}
