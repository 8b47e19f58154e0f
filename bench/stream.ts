/**
 * Section `stream`: streaming replies (`requestStream` / `replyStream`) beside a hand-written stream on
 * the raw client doing the same work with the same guarantee: the same request, the same number of the
 * same ~200-byte chunks, JSON and zod on both sides (request validated by the server, every chunk
 * validated before sending and after receiving, the end message too), and the same flow control: the
 * server never has more than `window` chunks unacknowledged. The hand-written protocol is the minimal
 * one a careful team would write: the request carries the window in a header, chunks are plain JSON,
 * the caller credits every quarter window (`Bench-Stream-Ack: <chunks taken>` on `<subject>.credit`,
 * the stream named by its reply inbox), the server publishes while `sent - acked < window`, then an end
 * marker (a header). It has no `open` message (its credit subject is fixed), no timeouts, no
 * cancellation, no gap detection, no telemetry: what the runtime adds is those. An extra row measures
 * the hand-written stream without flow control (every chunk published at once), for reference only.
 *
 * Time to first chunk: interleaved samples (one of each variant in turn) of one-chunk streams (caller
 * and server share this process: with longer streams the server's work on later chunks would delay the
 * caller's read of the first), from the call to the first chunk in hand. Chunks per second: one stream of `chunks` chunks per variant per
 * round, request to end, in an order rotated every round. A discarded warm-up round comes first;
 * figures are medians over the measured rounds. Memory: a separate server process (its own heap) serves
 * an endless stream; 1,000 callers each take one chunk and then read no more; its RSS and heap after a
 * full GC are compared with before, once every stream has produced all the window allows.
 */
import { fork } from 'node:child_process';
import path from 'node:path';
import {
  createInbox,
  type Msg,
  type MsgHdrs,
  type NatsConnection,
  headers as natsHeaders,
} from '@nats-io/transport-node';
import { type Handle, type ReplyStream, replyStream, requestStream } from 'asyncapi-nats/runtime';
import { connectPair } from './measure.js';
import { formatBytes, type Latency, latency, median, medianLatency, rotate } from './stats.js';
import { CHUNK, completion, StreamAsk, StreamChunk, StreamEnd, streamOperation } from './stream-op.js';
import { rateCell, ratioCell, type Section } from './table.js';

export interface StreamConfig {
  readonly rounds: number;
  /** Time-to-first-chunk samples per variant per round. */
  readonly samples: number;
  /** Chunks in the throughput stream. */
  readonly chunks: number;
  /** Open streams in the memory measurement. */
  readonly openStreams: number;
}

/**
 * `generated` / `hand`: window {@link WINDOW}; `wide` / `handWide`: window {@link WIDE_WINDOW} (throughput
 * only); `unbounded`: the hand-written stream without flow control (throughput only, for reference).
 */
type Variant = 'generated' | 'wide' | 'hand' | 'handWide' | 'unbounded';
const VARIANTS: readonly Variant[] = ['generated', 'wide', 'hand', 'handWide', 'unbounded'];
const LATENCY_VARIANTS: readonly Variant[] = ['generated', 'hand'];
const WINDOW = 32;
const WIDE_WINDOW = 256;
const END_HEADER = 'Bench-Stream-End';
const WINDOW_HEADER = 'Bench-Stream-Window';
const ID_HEADER = 'Bench-Stream-Id';
const ACK_HEADER = 'Bench-Stream-Ack';
const HAND_WINDOW: Record<'hand' | 'handWide' | 'unbounded', number | undefined> = {
  hand: WINDOW,
  handWide: WIDE_WINDOW,
  unbounded: undefined,
};

interface Result {
  readonly firstChunk: Latency[];
  readonly rate: number[];
}

export async function runStream(url: string, config: StreamConfig, log: (line: string) => void): Promise<Section> {
  const { pub, sub, close } = await connectPair(url);
  const prefix = `bench.stream.${process.pid}`;
  const genOp = streamOperation(`${prefix}.gen`, WINDOW);
  const handle: Handle = replyStream(sub, genOp, {}, completion, { service: false });
  const handSub = serveByHand(sub, `${prefix}.hand`);
  await Promise.all([handle.ready, sub.flush()]);
  const results = new Map<Variant, Result>(VARIANTS.map((v) => [v, { firstChunk: [], rate: [] }]));
  const run = (v: Variant, chunks: number, first?: (ms: number) => void): Promise<number> =>
    v === 'generated' || v === 'wide'
      ? generatedStream(pub, genOp, chunks, v === 'wide' ? WIDE_WINDOW : WINDOW, first)
      : handStream(pub, `${prefix}.hand`, chunks, HAND_WINDOW[v], first);
  try {
    for (let round = 0; round <= config.rounds; round++) {
      const measured = round > 0;
      const samples = measured ? config.samples : Math.ceil(config.samples / 4);
      const first = new Map<Variant, number[]>(VARIANTS.map((v) => [v, []]));
      for (let i = 0; i < samples; i++) {
        for (const v of rotate(LATENCY_VARIANTS, i)) await run(v, 1, (ms) => first.get(v)?.push(ms));
      }
      for (const v of rotate(VARIANTS, round)) {
        const chunks = measured ? config.chunks : Math.ceil(config.chunks / 4);
        const ms = await run(v, chunks);
        if (measured) results.get(v)?.rate.push(chunks / (ms / 1000));
      }
      if (measured) {
        for (const v of LATENCY_VARIANTS) results.get(v)?.firstChunk.push(latency(first.get(v) ?? []));
        log(`  stream round ${round}/${config.rounds} done`);
      }
    }
  } finally {
    await handle.drain();
    handSub.unsubscribe();
    await close();
  }
  log(`  stream memory: ${config.openStreams} open streams to readers that do not read`);
  const memory = await openStreamsMemory(url, `${prefix}.mem`, config.openStreams);
  return section(results, memory, config);
}

/** One generated-code stream: resolves with its duration (ms); `first` gets the time to its first chunk. */
async function generatedStream(
  nc: NatsConnection,
  op: ReturnType<typeof streamOperation>,
  chunks: number,
  window: number,
  first?: (ms: number) => void,
): Promise<number> {
  const t0 = performance.now();
  const stream: ReplyStream<StreamChunk, StreamEnd> = requestStream(
    nc,
    op,
    { payload: { model: 'gpt-4o-mini', prompt: 'Explain queue groups.', chunks } },
    { window },
  );
  let count = 0;
  for await (const _ of stream) {
    if (count++ === 0) first?.(performance.now() - t0);
  }
  if (count !== chunks || stream.end?.chunks !== chunks)
    throw new Error(`generated stream: ${count} of ${chunks} chunks`);
  return performance.now() - t0;
}

/**
 * The hand-written server, flow-controlled: validates the request, then validates and publishes chunks
 * while `sent - acked < window` (the window from the request's `Bench-Stream-Window`) and waits for the
 * caller's credit (`Bench-Stream-Ack: <chunks taken>` on `<subject>.credit`, naming the stream by its
 * reply inbox in `Bench-Stream-Id`); the end marker last. A request without a window: every chunk at
 * once (the unbounded reference).
 */
function serveByHand(nc: NatsConnection, subject: string): { unsubscribe(): void } {
  const endHeaders = natsHeaders();
  endHeaders.set(END_HEADER, '1');
  const open = new Map<string, HandStream>();
  const credit = nc.subscribe(`${subject}.credit`, {
    callback: (err, msg) => {
      if (err !== null) return;
      const stream = open.get(msg.headers?.get(ID_HEADER) ?? '');
      if (stream === undefined) return;
      stream.acked = Math.max(stream.acked, Number(msg.headers?.get(ACK_HEADER)));
      stream.pump();
    },
  });
  const requests = nc.subscribe(subject, {
    callback: (err, msg) => {
      if (err !== null || !msg.reply) return;
      const reply = msg.reply;
      const ask = StreamAsk.parse(msg.json());
      // No window header: the unbounded reference variant.
      const window = Number(msg.headers?.get(WINDOW_HEADER) ?? Number.POSITIVE_INFINITY);
      const stream: HandStream = {
        sent: 0,
        acked: 0,
        pump: () => {
          while (stream.sent < ask.chunks && stream.sent - stream.acked < window) {
            nc.publish(reply, JSON.stringify(StreamChunk.parse(CHUNK)));
            stream.sent++;
          }
          if (stream.sent < ask.chunks) return;
          open.delete(reply);
          const end = StreamEnd.parse({ finish_reason: 'stop', chunks: ask.chunks });
          nc.publish(reply, JSON.stringify(end), { headers: endHeaders });
        },
      };
      open.set(reply, stream);
      stream.pump();
    },
  });
  return {
    unsubscribe() {
      credit.unsubscribe();
      requests.unsubscribe();
    },
  };
}

interface HandStream {
  sent: number;
  acked: number;
  readonly pump: () => void;
}

/**
 * The hand-written caller: an inbox subscription that validates every chunk until the end marker and
 * credits every quarter window of chunks taken; `window` undefined: no window, no credit (unbounded).
 */
function handStream(
  nc: NatsConnection,
  subject: string,
  chunks: number,
  window: number | undefined,
  first?: (ms: number) => void,
): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const inbox = createInbox();
    let count = 0;
    let acked = 0;
    const sub = nc.subscribe(inbox, {
      callback: (err, msg: Msg) => {
        if (err !== null) {
          reject(err);
          return;
        }
        if (msg.headers?.get(END_HEADER) === '1') {
          sub.unsubscribe();
          const end = StreamEnd.parse(msg.json());
          if (count !== chunks || end.chunks !== chunks) reject(new Error(`hand stream: ${count} of ${chunks} chunks`));
          else resolve(performance.now() - t0);
          return;
        }
        StreamChunk.parse(msg.json());
        if (count++ === 0) first?.(performance.now() - t0);
        if (window !== undefined && count - acked >= window / 4) {
          acked = count;
          const hdrs = natsHeaders();
          hdrs.set(ID_HEADER, inbox);
          hdrs.set(ACK_HEADER, String(count));
          nc.publish(`${subject}.credit`, undefined, { headers: hdrs });
        }
      },
    });
    const ask = StreamAsk.parse({ model: 'gpt-4o-mini', prompt: 'Explain queue groups.', chunks });
    let hdrs: MsgHdrs | undefined;
    if (window !== undefined) {
      hdrs = natsHeaders();
      hdrs.set(WINDOW_HEADER, String(window));
    }
    nc.publish(subject, JSON.stringify(ask), hdrs === undefined ? { reply: inbox } : { reply: inbox, headers: hdrs });
  });
}

interface Memory {
  readonly rss: number;
  readonly heap: number;
  readonly external: number;
  readonly produced: number;
  readonly open: number;
}

interface ChildReport {
  readonly rss: number;
  readonly heapUsed: number;
  readonly external: number;
  readonly open: number;
  readonly produced: number;
}

/** RSS and heap growth of a server process holding `count` open streams whose readers stopped reading. */
async function openStreamsMemory(url: string, subject: string, count: number): Promise<Memory> {
  const child = fork(path.join(import.meta.dirname, 'stream-child.ts'), [url, subject], {
    execArgv: ['--expose-gc', '--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const replies: ((report: ChildReport) => void)[] = [];
  const ready = new Promise<void>((resolve) => {
    child.on('message', (message: unknown) => {
      if ((message as { ready?: boolean }).ready === true) resolve();
      else replies.shift()?.(message as ChildReport);
    });
  });
  const measure = (): Promise<ChildReport> =>
    new Promise((resolve) => {
      replies.push(resolve);
      child.send('measure');
    });
  const { pub, close } = await connectPair(url);
  const streams: ReplyStream<StreamChunk, StreamEnd>[] = [];
  try {
    await ready;
    const before = await measure();
    const op = streamOperation(subject, WINDOW);
    for (let i = 0; i < count; i++) {
      streams.push(requestStream(pub, op, { payload: { model: 'gpt-4o-mini', prompt: 'Stall.', chunks: 1 } }));
    }
    await Promise.all(streams.map((s) => s.next()));
    // Each stream then runs until the window is spent (no credit comes: the reader took one chunk).
    let after = await measure();
    for (let tries = 0; after.produced < count * WINDOW && tries < 200; tries++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      after = await measure();
    }
    return {
      rss: after.rss - before.rss,
      heap: after.heapUsed - before.heapUsed,
      external: after.external - before.external,
      produced: after.produced,
      open: after.open,
    };
  } finally {
    await Promise.all(streams.map((s) => s.cancel()));
    await close();
    child.send('stop');
    await new Promise((resolve) => child.once('exit', resolve));
  }
}

function section(results: Map<Variant, Result>, memory: Memory, config: StreamConfig): Section {
  const gen = results.get('generated') as Result;
  const hand = results.get('hand') as Result;
  const genFirst = medianLatency(gen.firstChunk);
  const handFirst = medianLatency(hand.firstChunk);
  const genRate = median(gen.rate);
  const wideRate = median((results.get('wide') as Result).rate);
  const handRate = median(hand.rate);
  const handWideRate = median((results.get('handWide') as Result).rate);
  const unboundedRate = median((results.get('unbounded') as Result).rate);
  const ms = (l: Latency): string => `${l.p50.toFixed(3)} / ${l.p95.toFixed(3)} ms`;
  return {
    title: 'Streaming replies: requestStream / replyStream beside a hand-written stream',
    method:
      `Time to first chunk: ${config.samples} interleaved samples per variant per round (one-chunk streams, the end message after it); ` +
      `chunks per second: one ${config.chunks}-chunk stream per variant per round; ${config.rounds} measured rounds ` +
      `after a warm-up, medians. Both variants flow-controlled, window ${WINDOW} unless the row says otherwise. Memory: a separate server process, ${config.openStreams} open ` +
      'streams whose callers took one chunk and stopped reading, RSS and heap after a full GC, before and after.',
    columns: ['measurement', 'requestStream / replyStream', 'hand-written (raw client)', 'ratio'],
    rows: [
      [
        'time to first chunk, P50 / P95',
        ms(genFirst),
        ms(handFirst),
        `${(genFirst.p50 / handFirst.p50).toFixed(2)} / ${(genFirst.p95 / handFirst.p95).toFixed(2)}×`,
      ],
      [
        `chunks per second (one stream), window ${WINDOW}`,
        rateCell(genRate, 'chunks/s'),
        rateCell(handRate, 'chunks/s'),
        ratioCell(genRate, handRate),
      ],
      [
        `chunks per second (one stream), window ${WIDE_WINDOW} (StreamOptions.window)`,
        rateCell(wideRate, 'chunks/s'),
        rateCell(handWideRate, 'chunks/s'),
        ratioCell(wideRate, handWideRate),
      ],
      [
        `chunks per second (one stream), window ${WINDOW}, beside the hand-written stream without flow control (unbounded, for reference)`,
        rateCell(genRate, 'chunks/s'),
        rateCell(unboundedRate, 'chunks/s'),
        ratioCell(genRate, unboundedRate),
      ],
      [
        `server memory, ${config.openStreams} open streams to readers that do not read`,
        `RSS +${formatBytes(Math.max(0, memory.rss))}, heap +${formatBytes(Math.max(0, memory.heap))}, external +${formatBytes(Math.max(0, memory.external))} (${formatBytes(Math.max(0, memory.heap) / config.openStreams)} heap per stream); ${memory.produced} chunks produced = ${memory.open} × ${memory.produced / Math.max(1, memory.open)}`,
        'not measured (its loop stops at the window: a map entry and a closure per stream)',
        '',
      ],
    ],
    notes: [
      'Time to first chunk: from the call (the request is sent on the first next()) to the first chunk in hand, validated; the hand-written caller subscribes an inbox and publishes the request (window 32, flow-controlled).',
      `Chunks per second: chunks / (request to end) for one stream; both sides pace by credit (the hand-written caller credits every quarter window of chunks taken, ours once per batch its consumer takes; a wider window trades the bound on unread chunks for fewer credit round trips); the unbounded reference publishes every chunk at once and bounds nothing.`,
      `Server memory: the generator of each stream is suspended once it has produced the window (${WINDOW} chunks, the first taken by the caller), so the server holds no chunks; what remains per stream is its generator, its subscription entry and its timers.`,
    ],
    verdicts: [],
  };
}
