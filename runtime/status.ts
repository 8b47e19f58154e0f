/** Connection state as typed events, and the per-connection state the client functions consult. */
import type { NatsConnection, Status } from '@nats-io/transport-node';
import type { ConnectionEvent } from './types.js';

/** What the runtime's send functions know about a connection's state. One per connection, created on first use. */
export interface ConnectionState {
  /** `true` while the client has a live connection to a server. */
  readonly connected: boolean;
  /** `true` once the connection is closed for good. */
  readonly closed: boolean;
  /** When the connection last came back after an outage (epoch ms); 0 when it never dropped. */
  readonly reconnectedAt: number;
  /** Resolves `true` as soon as the connection is up (at once if it is), `false` at `deadline` (epoch ms) or on close. */
  waitConnected(deadline: number): Promise<boolean>;
  /** Calls `listener` at each disconnect until the returned function is called. */
  onDisconnect(listener: () => void): () => void;
  /** Calls `watch.disconnected()` at the next disconnect, unless {@link ConnectionState.unwatch} comes first. */
  watch(watch: DisconnectWatch): void;
  /** Forgets a {@link DisconnectWatch} (nothing happens when it is not watched). */
  unwatch(watch: DisconnectWatch): void;
}

/**
 * Something that waits on a connection and must hear of the next disconnect at once (a publish awaiting
 * its ack, say). Watches are linked into their connection's list, so joining and leaving cost a few
 * pointer writes per call. A listener in a set costs a closure, a hash and a remover per call: measured
 * as about 5 µs more CPU per durable publish, which has one watch per attempt.
 */
export abstract class DisconnectWatch {
  /** @internal The neighbours in the connection's list; both undefined while not watched (or first). */
  prevWatch: DisconnectWatch | undefined = undefined;
  nextWatch: DisconnectWatch | undefined = undefined;
  /** Called once, at the first disconnect after `watch`; the watch is no longer watched by then. */
  abstract disconnected(): void;
}

type Listener = (event: ConnectionEvent) => void;

interface Waiter {
  readonly resolve: (connected: boolean) => void;
  timer: ReturnType<typeof setTimeout> | undefined;
}

const CONNECTED: Promise<boolean> = Promise.resolve(true);
const NOT_CONNECTED: Promise<boolean> = Promise.resolve(false);

/**
 * Follows one connection: a single `nc.status()` loop feeds the state flags the send functions read
 * on their hot path (plain field reads), the waiters of requests issued during an outage, and every
 * `watchConnection` listener, so watching costs nothing per listener on the client's side.
 */
class Tracker implements ConnectionState {
  connected: boolean;
  closed: boolean;
  reconnectedAt = 0;
  private readonly waiters = new Set<Waiter>();
  private readonly disconnectListeners = new Set<() => void>();
  /** The first {@link DisconnectWatch} of the list (see `watch`). */
  private watches: DisconnectWatch | undefined;
  private readonly listeners = new Set<Listener>();
  /** Listeners that threw once already: their later throws are not printed again. */
  private readonly reported = new WeakSet<Listener>();
  /** A `reconnecting` status comes before every dial attempt; only the first of an outage is reported. */
  private reconnectingReported = false;

  constructor(nc: NatsConnection) {
    this.closed = nc.isClosed();
    this.connected = !this.closed && initiallyConnected(nc);
    if (this.closed) return;
    void this.follow(nc);
    nc.closed().then(
      (error) => this.close(error instanceof Error ? error : undefined),
      (error: unknown) => this.close(error instanceof Error ? error : new Error(String(error))),
    );
  }

  waitConnected(deadline: number): Promise<boolean> {
    if (this.connected) return CONNECTED;
    if (this.closed) return NOT_CONNECTED;
    const ms = deadline - Date.now();
    if (ms <= 0) return NOT_CONNECTED;
    return new Promise<boolean>((resolve) => {
      const waiter: Waiter = { resolve, timer: undefined };
      waiter.timer = setTimeout(() => {
        this.waiters.delete(waiter);
        resolve(false);
      }, ms);
      this.waiters.add(waiter);
    });
  }

  onDisconnect(listener: () => void): () => void {
    this.disconnectListeners.add(listener);
    return () => {
      this.disconnectListeners.delete(listener);
    };
  }

  watch(watch: DisconnectWatch): void {
    const first = this.watches;
    watch.prevWatch = undefined;
    watch.nextWatch = first;
    if (first !== undefined) first.prevWatch = watch;
    this.watches = watch;
  }

  unwatch(watch: DisconnectWatch): void {
    const { prevWatch, nextWatch } = watch;
    if (prevWatch !== undefined) prevWatch.nextWatch = nextWatch;
    else if (this.watches === watch) this.watches = nextWatch;
    else return; // not watched
    if (nextWatch !== undefined) nextWatch.prevWatch = prevWatch;
    watch.prevWatch = undefined;
    watch.nextWatch = undefined;
  }

  listen(listener: Listener): () => void {
    // A wrapper makes each registration distinct, so one function registered twice is removed once per remover.
    const wrapped: Listener = (event) => listener(event);
    this.listeners.add(wrapped);
    return () => {
      this.listeners.delete(wrapped);
    };
  }

  private async follow(nc: NatsConnection): Promise<void> {
    try {
      for await (const status of nc.status()) this.update(status);
    } catch (error) {
      // The status iterator only ends with an error when the client itself fails; the closed() promise still reports it.
      console.error('asyncapi-nats: connection status stream failed', error);
    }
  }

  /** Tells every watch of the disconnect; the list is emptied first, so each is told once. */
  private disconnectWatches(): void {
    let watch = this.watches;
    this.watches = undefined;
    while (watch !== undefined) {
      const next = watch.nextWatch;
      watch.prevWatch = undefined;
      watch.nextWatch = undefined;
      try {
        watch.disconnected();
      } catch (error) {
        console.error('asyncapi-nats: a disconnect watch threw', error);
      }
      watch = next;
    }
  }

  private update(status: Status): void {
    switch (status.type) {
      case 'disconnect':
        // Only the transition counts: a connection that is already down reports nothing twice.
        if (!this.connected) return;
        this.connected = false;
        this.reconnectingReported = false;
        for (const listener of [...this.disconnectListeners]) call(listener);
        this.disconnectWatches();
        this.emit({ type: 'disconnected', server: status.server });
        return;
      case 'reconnecting':
        if (this.reconnectingReported) return;
        this.reconnectingReported = true;
        this.emit({ type: 'reconnecting' });
        return;
      case 'reconnect':
        this.connected = true;
        this.reconnectedAt = Date.now();
        this.reconnectingReported = false;
        this.settleWaiters(true);
        this.emit({ type: 'reconnected', server: status.server });
        return;
      case 'ldm':
        this.emit({ type: 'lame-duck', server: status.server });
        return;
      case 'staleConnection':
        this.emit({ type: 'stale' });
        return;
      case 'slowConsumer':
        this.emit({ type: 'slow-consumer', subject: status.sub.getSubject(), pending: status.pending });
        return;
      case 'error':
        this.emit({ type: 'server-error', error: status.error });
        return;
      case 'close':
        // The `closed` event waits for nc.closed(), which carries the reason; the flags flip now.
        this.connected = false;
        this.closed = true;
        this.settleWaiters(false);
        return;
      default:
        // ping, update (cluster membership), forceReconnect (a disconnect follows): not state changes.
        return;
    }
  }

  private close(error: Error | undefined): void {
    this.connected = false;
    this.closed = true;
    this.settleWaiters(false);
    this.emit(error === undefined ? { type: 'closed' } : { type: 'closed', error });
    this.listeners.clear();
    this.disconnectListeners.clear();
  }

  private settleWaiters(connected: boolean): void {
    for (const waiter of this.waiters) {
      clearTimeout(waiter.timer);
      waiter.resolve(connected);
    }
    this.waiters.clear();
  }

  private emit(event: ConnectionEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (error) {
        if (this.reported.has(listener)) continue;
        this.reported.add(listener);
        console.error(
          `asyncapi-nats: a connection status listener threw on '${event.type}' (printed once; later throws of this listener are ignored)`,
          error,
        );
      }
    }
  }
}

function call(listener: () => void): void {
  try {
    listener();
  } catch (error) {
    console.error('asyncapi-nats: a disconnect listener threw', error);
  }
}

/**
 * Whether a connection handed to us (maybe long after it was made) is up right now. The public API
 * only tells through status events that have already passed, so this reads the client's own flag
 * when it has one; without it, an open connection is taken to be connected.
 */
function initiallyConnected(nc: NatsConnection): boolean {
  const connected = (nc as { readonly protocol?: { readonly connected?: unknown } }).protocol?.connected;
  return typeof connected === 'boolean' ? connected : true;
}

const trackers = new WeakMap<NatsConnection, Tracker>();

function tracker(nc: NatsConnection): Tracker {
  let found = trackers.get(nc);
  if (found === undefined) {
    found = new Tracker(nc);
    trackers.set(nc, found);
  }
  return found;
}

/** The state tracker of `nc`, created on first use (it watches `nc.status()` until the connection closes). */
export function connectionState(nc: NatsConnection): ConnectionState {
  return tracker(nc);
}

/**
 * Calls `listener` with each state change of `nc` as a typed {@link ConnectionEvent}: `disconnected`,
 * `reconnecting` (once per outage, not per dial attempt), `reconnected`, `lame-duck`, `stale`,
 * `slow-consumer`, `server-error` (e.g. a permissions violation; the connection stays up) and finally
 * `closed`. Returns a function that stops listening. A listener that throws is reported once on
 * `console.error` and keeps receiving events.
 */
export function watchConnection(nc: NatsConnection, listener: (event: ConnectionEvent) => void): () => void {
  return tracker(nc).listen(listener);
}
