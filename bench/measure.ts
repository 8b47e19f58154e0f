/**
 * The measuring loops, independent of what is sent: publish→subscribe throughput, one-way latency,
 * request/reply latency and request/reply throughput with a fixed number in flight. Each takes the
 * variant's own send and receive functions, so every variant is timed by the same code.
 */
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { connect, type NatsConnection } from 'asyncapi-nats/runtime';

/** Every connection of every variant is made the same way: the runtime's `connect` defaults. */
export async function connectPair(
  url: string,
): Promise<{ pub: NatsConnection; sub: NatsConnection; close(): Promise<void> }> {
  const pub = await connect({ servers: url, name: 'bench-pub', retry: { attempts: 3 } });
  const sub = await connect({ servers: url, name: 'bench-sub', retry: { attempts: 3 } });
  return {
    pub,
    sub,
    async close() {
      await Promise.all([pub.close(), sub.close()]);
    },
  };
}

/** Calls back once per received message; `stop` ends the subscription and waits for it. */
export type Stop = () => Promise<void>;

/** Counts deliveries and resolves `until(n)` when the count reaches `n`. */
export class Counter {
  count = 0;
  /** Time (performance.now) of the latest delivery. */
  last = 0;
  private target = Number.POSITIVE_INFINITY;
  private resolve: (() => void) | undefined;

  readonly hit = (): void => {
    this.count++;
    this.last = performance.now();
    if (this.count >= this.target && this.resolve !== undefined) {
      const resolve = this.resolve;
      this.resolve = undefined;
      resolve();
    }
  };

  /** Resolves once `n` deliveries were counted in total; rejects after `timeoutMs`. */
  until(n: number, timeoutMs = 60_000): Promise<void> {
    if (this.count >= n) return Promise.resolve();
    this.target = n;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`only ${this.count} of ${n} messages arrived within ${timeoutMs} ms`)),
        timeoutMs,
      );
      this.resolve = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
}

/**
 * Publishes `n` messages as fast as the loop allows and resolves the rate in messages per second,
 * from the first publish to the last delivery. The publisher yields to the event loop every `batch`
 * messages, so the subscriber in the same process gets to read (the same for every variant).
 */
export async function pubSubRate(send: (i: number) => void, counter: Counter, n: number, batch = 200): Promise<number> {
  const base = counter.count;
  const done = counter.until(base + n);
  const start = performance.now();
  for (let i = 0; i < n; i++) {
    send(i);
    if (i % batch === batch - 1) await yieldToLoop();
  }
  await done;
  return (n / (counter.last - start)) * 1000;
}

/**
 * One message: the time from just before the send call to the receiving handler's first line (the
 * variant calls `arrival.hit` there).
 */
export async function oneWaySample(send: (i: number) => void, arrival: Arrival, i: number): Promise<number> {
  const next = arrival.next();
  const start = performance.now();
  send(i);
  return (await next) - start;
}

/** Hands the receive time of the next message to whoever waits for it. */
export class Arrival {
  private resolve: ((at: number) => void) | undefined;

  readonly hit = (): void => {
    const at = performance.now();
    const resolve = this.resolve;
    this.resolve = undefined;
    resolve?.(at);
  };

  next(): Promise<number> {
    return new Promise((resolve) => {
      this.resolve = resolve;
    });
  }
}

/** One request: the time from the call to its validated reply. */
export async function requestSample(call: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await call();
  return performance.now() - start;
}

/** `n` requests with `inFlight` outstanding at all times; resolves the rate in requests per second. */
export async function requestRate(call: () => Promise<unknown>, n: number, inFlight: number): Promise<number> {
  let issued = 0;
  const start = performance.now();
  async function lane(): Promise<void> {
    while (issued < n) {
      issued++;
      await call();
    }
  }
  await Promise.all(Array.from({ length: inFlight }, lane));
  return (n / (performance.now() - start)) * 1000;
}
