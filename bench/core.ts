/**
 * Section 1: the generated client and server against the raw NATS client (a) without any JSON or
 * validation and (b) doing the same JSON + zod work by hand, on the same server and connections.
 *
 * Fairness: every variant uses its own tenant id of the same length (so subjects differ in one token
 * only and variants can be subscribed at the same time), the same two connections, the same payload
 * objects and the same measuring loop. Throughput blocks run once per variant per round, in an order
 * rotated every round; latency samples are interleaved message by message (one sample of each
 * variant in turn), so drift on a shared VM hits every variant alike. A discarded warm-up round runs
 * first. Figures are the median over the measured rounds.
 */
import type { NatsConnection } from 'asyncapi-nats/runtime';
import { CORE_VARIANTS, type CoreVariant } from './core-variants.js';
import { Arrival, Counter, connectPair, oneWaySample, pubSubRate, requestRate, requestSample } from './measure.js';
import { type Latency, latency, median, medianLatency, rotate } from './stats.js';
import { latencyCell, latencyRatioCell, mark, rateCell, ratioCell, type Section, type Verdict } from './table.js';

export interface CoreConfig {
  /** Measured rounds (a warm-up round comes first). */
  readonly rounds: number;
  /** Messages per throughput block. */
  readonly messages: number;
  /** Latency samples per variant per round. */
  readonly samples: number;
  /** Requests per request/reply throughput block. */
  readonly requests: number;
  /** Requests kept in flight in the request/reply throughput blocks. */
  readonly inFlight: number;
}

/** Per variant: one figure per measured round. */
interface Results {
  readonly pubSub: number[];
  readonly oneWay: Latency[];
  readonly request: Latency[];
  readonly requestRate: number[];
}

const TARGET_THROUGHPUT = 0.9;
const TARGET_LATENCY = 1.1;

function tenant(v: CoreVariant): string {
  return `bench-${v.name.slice(0, 3)}`;
}

function collect(): Map<CoreVariant, Results> {
  return new Map(CORE_VARIANTS.map((v) => [v, { pubSub: [], oneWay: [], request: [], requestRate: [] }]));
}

function gc(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

export async function runCore(url: string, config: CoreConfig, log: (line: string) => void): Promise<Section> {
  const results = collect();
  const { pub, sub, close } = await connectPair(url);
  try {
    // Round 0 is a warm-up (JIT, connection buffers, server interest graph); its figures are dropped.
    for (let round = 0; round <= config.rounds; round++) {
      const measured = round > 0;
      const scale = measured ? 1 : 0.25;
      for (const v of rotate(CORE_VARIANTS, round)) {
        const rate = await pubSubBlock(v, pub, sub, Math.round(config.messages * scale));
        if (measured) results.get(v)?.pubSub.push(rate);
      }
      const oneWayRound = await oneWayInterleaved(pub, sub, Math.round(config.samples * scale), round);
      const requestRound = await requestInterleaved(pub, sub, Math.round(config.samples * scale), round);
      for (const v of rotate(CORE_VARIANTS, round)) {
        const rate = await requestBlock(v, pub, sub, Math.round(config.requests * scale), config.inFlight);
        if (measured) results.get(v)?.requestRate.push(rate);
      }
      if (measured) {
        for (const v of CORE_VARIANTS) {
          const r = results.get(v);
          r?.oneWay.push(oneWayRound.get(v) as Latency);
          r?.request.push(requestRound.get(v) as Latency);
        }
        log(`  core round ${round}/${config.rounds} done`);
      }
    }
  } finally {
    await close();
  }
  return coreSection(results, config);
}

async function pubSubBlock(v: CoreVariant, pub: NatsConnection, sub: NatsConnection, n: number): Promise<number> {
  const counter = new Counter();
  const stop = v.subscribe(sub, tenant(v), counter.hit);
  await sub.flush();
  const send = v.publisher(pub, tenant(v));
  // A short burst first, so the block starts with warm code and an established subscription.
  await pubSubRate(send, counter, 1_000);
  gc();
  const rate = await pubSubRate(send, counter, n);
  await stop();
  return rate;
}

async function requestBlock(
  v: CoreVariant,
  pub: NatsConnection,
  sub: NatsConnection,
  n: number,
  inFlight: number,
): Promise<number> {
  const stop = v.serve(sub, tenant(v));
  await sub.flush();
  const call = v.requester(pub, tenant(v));
  await requestRate(call, 1_000, inFlight);
  gc();
  const rate = await requestRate(call, n, inFlight);
  await stop();
  return rate;
}

/** `n` one-way samples per variant, one variant after the other message by message. */
async function oneWayInterleaved(
  pub: NatsConnection,
  sub: NatsConnection,
  n: number,
  round: number,
): Promise<Map<CoreVariant, Latency>> {
  const lanes = CORE_VARIANTS.map((v) => {
    const arrival = new Arrival();
    const stop = v.subscribe(sub, tenant(v), arrival.hit);
    return { v, arrival, stop, send: v.publisher(pub, tenant(v)), samples: new Float64Array(n) };
  });
  await sub.flush();
  gc();
  const order = rotate(lanes, round);
  for (let i = 0; i < n; i++) {
    for (const lane of order) {
      lane.samples[i] = await oneWaySample(lane.send, lane.arrival, i);
    }
  }
  await Promise.all(lanes.map((lane) => lane.stop()));
  return new Map(lanes.map((lane) => [lane.v, latency(Array.from(lane.samples))]));
}

/** `n` request/reply samples per variant, interleaved request by request. */
async function requestInterleaved(
  pub: NatsConnection,
  sub: NatsConnection,
  n: number,
  round: number,
): Promise<Map<CoreVariant, Latency>> {
  const lanes = CORE_VARIANTS.map((v) => ({
    v,
    stop: v.serve(sub, tenant(v)),
    call: v.requester(pub, tenant(v)),
    samples: new Float64Array(n),
  }));
  await sub.flush();
  gc();
  const order = rotate(lanes, round);
  for (let i = 0; i < n; i++) {
    for (const lane of order) {
      lane.samples[i] = await requestSample(lane.call);
    }
  }
  await Promise.all(lanes.map((lane) => lane.stop()));
  return new Map(lanes.map((lane) => [lane.v, latency(Array.from(lane.samples))]));
}

function coreSection(results: Map<CoreVariant, Results>, config: CoreConfig): Section {
  const get = (name: string): Results => {
    const found = [...results].find(([v]) => v.name === name)?.[1];
    if (found === undefined) throw new Error(`no results for ${name}`);
    return found;
  };
  const raw = get('raw');
  const hand = get('hand');
  const gen = get('generated');
  const verdicts: Verdict[] = [];
  const rows: string[][] = [];

  const rateRow = (label: string, pick: (r: Results) => number[], unit: string): void => {
    const g = median(pick(gen));
    const h = median(pick(hand));
    const r = median(pick(raw));
    const pass = g >= TARGET_THROUGHPUT * h;
    verdicts.push({ target: `${label}: generated ≥ ${TARGET_THROUGHPUT}× hand`, figure: ratioCell(g, h), pass });
    rows.push([
      label,
      rateCell(g, unit),
      rateCell(h, unit),
      ratioCell(g, h),
      rateCell(r, unit),
      ratioCell(g, r),
      `≥ ${TARGET_THROUGHPUT}× hand`,
      mark(pass),
    ]);
  };
  const latencyRow = (label: string, pick: (r: Results) => Latency[]): void => {
    const g = medianLatency(pick(gen));
    const h = medianLatency(pick(hand));
    const r = medianLatency(pick(raw));
    const pass = g.p95 <= TARGET_LATENCY * h.p95;
    verdicts.push({
      target: `${label} P95: generated ≤ ${TARGET_LATENCY}× hand`,
      figure: ratioCell(g.p95, h.p95),
      pass,
    });
    rows.push([
      `${label} P50/P95/P99`,
      latencyCell(g),
      latencyCell(h),
      latencyRatioCell(g, h),
      latencyCell(r),
      latencyRatioCell(g, r),
      `P95 ≤ ${TARGET_LATENCY}× hand`,
      mark(pass),
    ]);
  };

  rateRow('publish→subscribe throughput', (r) => r.pubSub, 'msg/s');
  latencyRow('one-way latency', (r) => r.oneWay);
  latencyRow('request/reply latency', (r) => r.request);
  rateRow(`request/reply throughput (${config.inFlight} in flight)`, (r) => r.requestRate, 'req/s');

  return {
    title: '1. Generated code vs the raw NATS client',
    method:
      `RAG query (216-byte JSON) published with \`AiSdkClient.publishRagQuery\` to \`AiSdkServer.receiveRagQuery\` ` +
      `(queue group \`rag.query.workers\`), and \`requestRagResults\` answered by \`replyRagResults\` (271-byte reply). ` +
      `Baselines on the same server and connections: **hand** = the raw client doing the same work by hand ` +
      `(zod \`safeParse\` with the generated schema + \`JSON.stringify\` on send, handing the client the string as its docs show, ` +
      `\`msg.json()\` + \`safeParse\` on receive, both ways for request/reply; the runtime hands the client \`Buffer.from\` bytes instead, ` +
      `which hand-written code could do too), ` +
      `**raw** = the raw client sending pre-encoded bytes that nobody decodes. Median of ${config.rounds} rounds after a ` +
      `warm-up round; throughput blocks of ${config.messages.toLocaleString('en-US')} messages / ` +
      `${config.requests.toLocaleString('en-US')} requests per variant per round in rotated order; latency: ` +
      `${config.samples.toLocaleString('en-US')} samples per variant per round, interleaved message by message. ` +
      `Ratios are generated ÷ baseline (throughput: higher is better; latency: lower is better).`,
    columns: ['measurement', 'generated', 'hand (JSON+zod)', 'gen/hand', 'raw', 'gen/raw', 'target', 'result'],
    rows,
    notes: [
      'publish→subscribe throughput: messages per second from the first publish to the last delivery, publisher and subscriber in one process on two connections (the publisher yields to the event loop every 200 messages).',
      'one-way latency: time from just before the publish call to the first line of the subscriber’s handler (after decoding and validation), one message at a time.',
      'request/reply latency: time from the request call to the validated reply, one request at a time.',
      `request/reply throughput: requests per second with ${config.inFlight} requests outstanding at all times.`,
    ],
    verdicts,
  };
}
