/**
 * Shared pieces of the reliability tests: crash-and-restart of a spawned server, an `onError` sink that
 * counts instead of printing (outages produce many expected consumer errors), JetStream state reads,
 * heap sampling and the one `RELIABILITY` summary line each test prints for RELIABILITY.md.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { type ConsumerInfo, jetstreamManager, type StreamState } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import type { ErrorEvent } from '../../runtime/index.js';
import type { NatsProcess } from '../harness/servers.js';

/** Prints the one summary line of a reliability test (collected into RELIABILITY.md). */
export function reportLine(text: string): void {
  console.log(`RELIABILITY ${text}`);
}

/** Milliseconds with no decimals, e.g. `512 ms`. */
export function ms(value: number): string {
  return `${Math.round(value)} ms`;
}

/** Bytes as megabytes with one decimal, e.g. `3.4 MB`. */
export function mb(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/** A percentage with two decimals of `part` in `whole`. */
export function percent(part: number, whole: number): string {
  return `${whole === 0 ? '0.00' : ((part / whole) * 100).toFixed(2)} %`;
}

/** `onError` events counted by kind; the events themselves are kept (bounded) for failure messages. */
export interface ErrorCounts {
  readonly byKind: Map<ErrorEvent['kind'], number>;
  readonly events: ErrorEvent[];
  readonly onError: (event: ErrorEvent) => void;
  /** `kind=count` pairs, e.g. `consumer=3 dead-letter=1`, or `none`. */
  summary(): string;
  count(kind: ErrorEvent['kind']): number;
}

const KEEP_EVENTS = 200;

/** An `onError` that counts by kind and keeps the first events, printing nothing. */
export function countErrors(): ErrorCounts {
  const byKind = new Map<ErrorEvent['kind'], number>();
  const events: ErrorEvent[] = [];
  return {
    byKind,
    events,
    onError: (event) => {
      byKind.set(event.kind, (byKind.get(event.kind) ?? 0) + 1);
      if (events.length < KEEP_EVENTS) events.push(event);
    },
    summary: () =>
      byKind.size === 0
        ? 'none'
        : [...byKind]
            .sort(([a], [b]) => a.localeCompare(b))
            .map(([kind, n]) => `${kind}=${n}`)
            .join(' '),
    count: (kind) => byKind.get(kind) ?? 0,
  };
}

/**
 * SIGKILLs the server (a crash), keeps it down `downMs`, starts it again on the same ports and store.
 * Resolves how long clients had no server (kill until it accepted connections again).
 */
export async function crashAndRestart(server: NatsProcess, downMs: number): Promise<number> {
  const killed = Date.now();
  await server.kill();
  await sleep(downMs);
  await server.start();
  return Date.now() - killed;
}

/**
 * A stream's state, read with a management client on `nc`. Right after a leader was killed and its
 * node restarted, a cluster can leave JetStream API requests unanswered for a few seconds while its
 * groups settle (seen once in CI: the account-info request timed out after the last failover), so a
 * timeout is retried for up to {@link API_SETTLE_MS}.
 */
export async function streamState(nc: NatsConnection, stream: string): Promise<StreamState> {
  return settled(async () => {
    const jsm = await jetstreamManager(nc, { checkAPI: false });
    return (await jsm.streams.info(stream)).state;
  });
}

/** A durable consumer's info, read with a management client on `nc` (timeouts retried as in {@link streamState}). */
export async function consumerInfo(nc: NatsConnection, stream: string, consumer: string): Promise<ConsumerInfo> {
  return settled(async () => {
    const jsm = await jetstreamManager(nc, { checkAPI: false });
    return jsm.consumers.info(stream, consumer);
  });
}

const API_SETTLE_MS = 20_000;

async function settled<T>(read: () => Promise<T>): Promise<T> {
  const until = Date.now() + API_SETTLE_MS;
  for (;;) {
    try {
      return await read();
    } catch (error) {
      const timedOut = error instanceof Error && (error.name === 'TimeoutError' || /timeout/i.test(error.message));
      if (!timedOut || Date.now() >= until) throw error;
      await sleep(250);
    }
  }
}

/**
 * Polls the consumer until nothing is pending or awaiting an ack (`drained`), or only until nothing is
 * pending (`delivered`: every stored message was handed out at least once); resolves its last info,
 * condition met or not, after `timeoutMs`.
 */
export async function waitConsumerDrained(
  nc: NatsConnection,
  stream: string,
  consumer: string,
  timeoutMs = 15_000,
  until: 'drained' | 'delivered' = 'drained',
): Promise<ConsumerInfo> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let info: ConsumerInfo | undefined;
    try {
      info = await consumerInfo(nc, stream, consumer);
      if (info.num_pending === 0 && (until === 'delivered' || info.num_ack_pending === 0)) return info;
    } catch (error) {
      // JetStream may still be recovering after a restart: try again until the deadline.
      if (Date.now() > deadline) throw error;
    }
    if (Date.now() > deadline && info !== undefined) return info;
    await sleep(50);
  }
}

/**
 * A full garbage collection, so `heapUsed` reads live memory rather than garbage awaiting collection.
 * Node hides `gc` without `--expose-gc`; setting the flag at run time and reading `gc` from a fresh
 * context exposes it (a documented V8 flag, used here in a test process only). Undefined if that fails.
 */
export const fullGc: (() => void) | undefined = (() => {
  const exposed = (globalThis as { gc?: () => void }).gc;
  if (typeof exposed === 'function') return exposed;
  try {
    setFlagsFromString('--expose-gc');
    const gc: unknown = runInNewContext('gc');
    return typeof gc === 'function' ? (gc as () => void) : undefined;
  } catch {
    return undefined;
  }
})();

/** Samples `process.memoryUsage().heapUsed` every `everyMs` (after a full GC when available) until stopped. */
export function sampleHeap(everyMs = 100): { readonly samples: number[]; stop(): number[] } {
  const sample = (): number => {
    fullGc?.();
    return process.memoryUsage().heapUsed;
  };
  const samples: number[] = [sample()];
  const timer = setInterval(() => {
    samples.push(sample());
  }, everyMs);
  return {
    samples,
    stop: () => {
      clearInterval(timer);
      samples.push(sample());
      return samples;
    },
  };
}
