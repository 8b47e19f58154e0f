/**
 * Section 2: the guide's performance targets, through the generated ai-sdk code, each beside the raw
 * client and the hand-written JSON + zod baseline measured in the same rounds on the same server.
 *
 * - agent messaging: `sendAgentMessage` → `receiveAgentMessage` (queue group `agent.planner`, header
 *   filter `target_agent_id`), one-way latency;
 * - gateway queuing, core: the guide's plain publish to `ai.gateway.requests.{tenant_id}`, consumed by
 *   queue group `gateway.workers`, one-way latency. The spec makes this queue durable, so this row runs
 *   the code generated from a copy of the spec without the queue's `x-nats-jetstream` keys (into
 *   bench/.generated/ when the section starts), before the durable streams exist;
 * - gateway queuing, durable: `queueGatewayRequest` → `receiveGatewayRequest` (JetStream stream
 *   `AI_GATEWAY_REQUESTS`, shared durable consumer), latency to the stream's ack and to the worker;
 * - RAG queue (core): `publishRagQuery` → `receiveRagQuery` with two workers in queue group
 *   `rag.query.workers`, throughput;
 * - RAG ingestion (durable): `ingestDocument` → `receiveDocument`, throughput from the first publish to
 *   the last message handled, 256 publishes awaiting their ack at a time.
 */
import { jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from 'asyncapi-nats/runtime';
import { AiSdkClient } from '../generated/ai-sdk/index.js';
import type { NatsProcess } from '../test/harness/servers.js';
import { CORE_VARIANTS, type VariantName } from './core-variants.js';
import { CHAT_REQUEST, chatHeaders, RAG_DOCUMENT } from './fixtures.js';
import { Arrival, Counter, connectPair, oneWaySample, pubSubRate } from './measure.js';
import {
  AGENT_VARIANTS,
  type DurableVariant,
  GATEWAY_REQUESTS,
  GATEWAY_VARIANTS,
  gatewayCoreVariants,
  generateCoreGateway,
  INGEST_VARIANTS,
  type OneWayVariant,
  RAG_INGEST,
} from './scenario-variants.js';
import { type Latency, latency, median, medianLatency, rotate } from './stats.js';
import {
  formatMs,
  latencyCell,
  latencyRatioCell,
  mark,
  rateCell,
  ratioCell,
  type Section,
  type Verdict,
} from './table.js';

export interface ScenarioConfig {
  /** Measured rounds (after a warm-up round). */
  readonly rounds: number;
  /** Latency samples per variant per round. */
  readonly samples: number;
  /** Messages per core throughput block. */
  readonly coreMessages: number;
  /** Messages per durable throughput block. */
  readonly durableMessages: number;
}

const NAMES: readonly VariantName[] = ['raw', 'hand', 'generated'];
/** Durable publishes awaiting their ack at once: the runtime's default `maxPendingAcks`. */
const ACK_WINDOW = 256;
const TARGET_THROUGHPUT = 0.9;
const TARGET_LATENCY = 1.1;
const GATEWAY_CORE_LABEL = 'gateway queuing, core (publish → worker)';

/** A target of one row: its text, whether it was met, and the figure it was judged on (default: the row's). */
interface Target {
  readonly text: string;
  readonly pass: boolean;
  readonly figure?: string;
}

type PerVariant<T> = Map<VariantName, T[]>;

function perVariant<T>(): PerVariant<T> {
  return new Map(NAMES.map((n) => [n, []]));
}

function tenant(name: VariantName): string {
  return `bench-${name.slice(0, 3)}`;
}

function gc(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

export async function runScenarios(
  server: NatsProcess,
  config: ScenarioConfig,
  log: (line: string) => void,
): Promise<Section> {
  let t = performance.now();
  const gatewayCore = gatewayCoreVariants(await generateCoreGateway());
  log(`  generated the core gateway variant into bench/.generated/ in ${Math.round(performance.now() - t)} ms`);
  const agent = perVariant<Latency>();
  const gatewayCoreWorker = perVariant<Latency>();
  const gatewayAck = perVariant<Latency>();
  const gatewayWorker = perVariant<Latency>();
  const ragCore = perVariant<number>();
  const ragDurable = perVariant<number>();
  const ragDurableAcks = perVariant<number>();
  const ragDurableCpu = perVariant<number>();
  const { pub, sub, close } = await connectPair(server.url);
  const { sub: worker2, close: closeWorker2 } = await connectPair(server.url);
  try {
    // Before any stream exists: AI_GATEWAY_REQUESTS takes `ai.gateway.requests.*`, so once it is created
    // (below) it would also store every core request, and hand them to the durable rows' consumers.
    const coreSubjects = NAMES.map((name) => `${GATEWAY_REQUESTS.prefix}.${tenant(name)}`);
    await noStreamTakes(pub, coreSubjects);
    t = performance.now();
    for (let round = 0; round <= config.rounds; round++) {
      const samples = Math.round(config.samples * (round > 0 ? 1 : 0.25));
      const latencies = await oneWayLatency(gatewayCore, pub, sub, samples, round);
      if (round > 0) for (const name of NAMES) gatewayCoreWorker.get(name)?.push(latencies.get(name) as Latency);
    }
    // Had the generated variant been durable, it would have created its stream.
    await noStreamTakes(pub, coreSubjects);
    log(`  gateway queuing, core: ${config.rounds} rounds done in ${Math.round(performance.now() - t)} ms`);

    await createStreams(pub);
    let messageIds = 0;
    const nextId = (): string => `bench-${++messageIds}`;
    for (let round = 0; round <= config.rounds; round++) {
      const measured = round > 0;
      const scale = measured ? 1 : 0.25;
      const samples = Math.round(config.samples * scale);

      const agentRound = await oneWayLatency(AGENT_VARIANTS, pub, sub, samples, round);
      const gatewayRound = await gatewayLatency(pub, sub, samples, round, nextId);
      for (const name of rotate(NAMES, round)) {
        const rate = await ragQueue(name, pub, [sub, worker2], Math.round(config.coreMessages * scale));
        if (measured) ragCore.get(name)?.push(rate);
      }
      for (const name of rotate(NAMES, round)) {
        const { handled, acked, cpu } = await ingest(name, pub, sub, Math.round(config.durableMessages * scale));
        if (measured) {
          ragDurable.get(name)?.push(handled);
          ragDurableAcks.get(name)?.push(acked);
          ragDurableCpu.get(name)?.push(cpu);
        }
      }
      if (measured) {
        for (const name of NAMES) {
          agent.get(name)?.push(agentRound.get(name) as Latency);
          gatewayAck.get(name)?.push(gatewayRound.ack.get(name) as Latency);
          gatewayWorker.get(name)?.push(gatewayRound.worker.get(name) as Latency);
        }
        log(`  scenarios round ${round}/${config.rounds} done`);
      }
    }
  } finally {
    await Promise.all([close(), closeWorker2()]);
  }
  return scenarioSection(config, {
    agent,
    gatewayCoreWorker,
    gatewayAck,
    gatewayWorker,
    ragCore,
    ragDurable,
    ragDurableAcks,
    ragDurableCpu,
  });
}

/** Throws when a stream stores messages published on one of `subjects`: the core row measures core NATS alone. */
async function noStreamTakes(nc: NatsConnection, subjects: readonly string[]): Promise<void> {
  const jsm = await jetstreamManager(nc, { checkAPI: false });
  for (const subject of subjects) {
    const streams = await jsm.streams.names(subject).next();
    if (streams.length > 0)
      throw new Error(`stream ${streams.join(', ')} stores '${subject}', the core gateway row's subject`);
  }
}

/**
 * Creates the durable streams the way the generated client does (a first publish per stream), so the
 * hand-written variants find them; the setup messages are purged.
 */
async function createStreams(nc: NatsConnection): Promise<void> {
  const client = new AiSdkClient(nc);
  await client.queueGatewayRequest({
    params: { tenant_id: 'bench-setup' },
    headers: chatHeaders('bench-setup'),
    payload: CHAT_REQUEST,
  });
  await client.ingestDocument({ params: { tenant_id: 'bench-setup' }, payload: RAG_DOCUMENT });
  const jsm = await jetstreamManager(nc, { checkAPI: false });
  for (const channel of [GATEWAY_REQUESTS, RAG_INGEST]) await jsm.streams.purge(channel.stream);
}

/** One-way core messages, one at a time, interleaved message by message over the variants. */
async function oneWayLatency(
  variants: readonly OneWayVariant[],
  pub: NatsConnection,
  sub: NatsConnection,
  n: number,
  round: number,
): Promise<Map<VariantName, Latency>> {
  const lanes = variants.map((v) => {
    const arrival = new Arrival();
    return {
      name: v.name,
      arrival,
      stop: v.subscribe(sub, tenant(v.name), arrival.hit),
      send: v.publisher(pub, tenant(v.name)),
      samples: new Float64Array(n),
    };
  });
  await sub.flush();
  gc();
  const order = rotate(lanes, round);
  for (let i = 0; i < n; i++) {
    for (const lane of order) lane.samples[i] = await oneWaySample(lane.send, lane.arrival, i);
  }
  await Promise.all(lanes.map((lane) => lane.stop()));
  return new Map(lanes.map((lane) => [lane.name, latency(Array.from(lane.samples))]));
}

/**
 * Durable gateway requests one at a time, interleaved over the variants: for each, the time to the
 * stream's ack (the request is queued) and to the worker's handler (it is being served).
 */
async function gatewayLatency(
  pub: NatsConnection,
  sub: NatsConnection,
  n: number,
  round: number,
  nextId: () => string,
): Promise<{ ack: Map<VariantName, Latency>; worker: Map<VariantName, Latency> }> {
  const lanes = await Promise.all(
    GATEWAY_VARIANTS.map(async (v) => {
      const arrival = new Arrival();
      return {
        name: v.name,
        arrival,
        stop: await v.worker(sub, GATEWAY_REQUESTS, tenant(v.name), arrival.hit),
        send: v.sender(pub, GATEWAY_REQUESTS, tenant(v.name)),
        acks: new Float64Array(n),
        workers: new Float64Array(n),
      };
    }),
  );
  // Let every worker's pull request reach the server before the first message.
  await sub.flush();
  await new Promise((resolve) => setTimeout(resolve, 100));
  gc();
  const order = rotate(lanes, round);
  for (let i = 0; i < n; i++) {
    for (const lane of order) {
      const handled = lane.arrival.next();
      const start = performance.now();
      await lane.send(nextId());
      lane.acks[i] = performance.now() - start;
      lane.workers[i] = (await handled) - start;
    }
  }
  await Promise.all(lanes.map((lane) => lane.stop()));
  return {
    ack: new Map(lanes.map((lane) => [lane.name, latency(Array.from(lane.acks))])),
    worker: new Map(lanes.map((lane) => [lane.name, latency(Array.from(lane.workers))])),
  };
}

/** Core RAG queue: `n` queries published to two workers of one queue group; messages per second. */
async function ragQueue(
  name: VariantName,
  pub: NatsConnection,
  workers: readonly NatsConnection[],
  n: number,
): Promise<number> {
  const v = CORE_VARIANTS.find((c) => c.name === name);
  if (v === undefined) throw new Error(`no core variant ${name}`);
  const counter = new Counter();
  const stops = workers.map((nc) => v.subscribe(nc, tenant(name), counter.hit));
  await Promise.all(workers.map((nc) => nc.flush()));
  const send = v.publisher(pub, tenant(name));
  await pubSubRate(send, counter, 1_000);
  gc();
  const rate = await pubSubRate(send, counter, n);
  await Promise.all(stops.map((stop) => stop()));
  return rate;
}

/**
 * Durable RAG ingestion: `n` documents published by {@link ACK_WINDOW} concurrent senders and
 * consumed by one worker. `handled`: messages per second from the first publish to the last handler
 * call; `acked`: publishes per second until the last stream ack; `cpu`: CPU time of this process
 * (sender and worker, user + system) per message over the same span, in µs.
 */
async function ingest(
  name: VariantName,
  pub: NatsConnection,
  sub: NatsConnection,
  n: number,
): Promise<{ handled: number; acked: number; cpu: number }> {
  const v = INGEST_VARIANTS.find((c) => c.name === name) as DurableVariant;
  const counter = new Counter();
  const stop = await v.worker(sub, RAG_INGEST, tenant(name), counter.hit);
  await sub.flush();
  const send = v.sender(pub, RAG_INGEST, tenant(name));
  await window(send, 500);
  await counter.until(500);
  gc();
  const base = counter.count;
  const done = counter.until(base + n);
  const cpuStart = process.cpuUsage();
  const start = performance.now();
  await window(send, n);
  const acked = performance.now() - start;
  await done;
  const handled = counter.last - start;
  const cpu = process.cpuUsage(cpuStart);
  await stop();
  return { handled: (n / handled) * 1000, acked: (n / acked) * 1000, cpu: (cpu.user + cpu.system) / n };
}

/** Sends `n` messages with at most {@link ACK_WINDOW} awaiting their ack. */
async function window(send: (id: string) => Promise<unknown>, n: number): Promise<void> {
  let issued = 0;
  async function lane(): Promise<void> {
    while (issued < n) {
      issued++;
      await send(`ingest-${issued}`);
    }
  }
  await Promise.all(Array.from({ length: Math.min(ACK_WINDOW, n) }, lane));
}

interface ScenarioResults {
  readonly agent: PerVariant<Latency>;
  readonly gatewayCoreWorker: PerVariant<Latency>;
  readonly gatewayAck: PerVariant<Latency>;
  readonly gatewayWorker: PerVariant<Latency>;
  readonly ragCore: PerVariant<number>;
  readonly ragDurable: PerVariant<number>;
  readonly ragDurableAcks: PerVariant<number>;
  /** CPU µs of this process per durable ingestion message. */
  readonly ragDurableCpu: PerVariant<number>;
}

function scenarioSection(config: ScenarioConfig, r: ScenarioResults): Section {
  const rows: string[][] = [];
  const verdicts: Verdict[] = [];
  const durableRawP95 = medianLatency(r.gatewayWorker.get('raw') ?? []).p95;

  /** Every row has the ratio target against the hand-written baseline, and the guide's and the where given. */
  const judge = (label: string, targets: readonly Target[], figure: string): { texts: string; results: string } => {
    for (const t of targets) verdicts.push({ target: `${label}: ${t.text}`, figure: t.figure ?? figure, pass: t.pass });
    return {
      texts: targets.map((t) => t.text).join('; '),
      results: targets.map((t) => mark(t.pass)).join('; '),
    };
  };
  const latencyRow = (label: string, data: PerVariant<Latency>, limits: readonly [string, number, boolean][]): void => {
    const [g, h, w] = (['generated', 'hand', 'raw'] as const).map((n) => medianLatency(data.get(n) ?? [])) as [
      Latency,
      Latency,
      Latency,
    ];
    const targets: Target[] = [
      {
        text: `P95 ≤ ${TARGET_LATENCY}× hand`,
        pass: g.p95 <= TARGET_LATENCY * h.p95,
        figure: ratioCell(g.p95, h.p95),
      },
      ...limits.map(([text, ms, strict]) => ({ text: `P95 ${text}`, pass: strict ? g.p95 < ms : g.p95 <= ms })),
    ];
    const { texts, results } = judge(label, targets, `${g.p95.toFixed(3)} ms`);
    rows.push([
      `${label} P50/P95/P99`,
      latencyCell(g),
      latencyCell(h),
      latencyRatioCell(g, h),
      latencyCell(w),
      latencyRatioCell(g, w),
      texts,
      results,
    ]);
  };
  /** The medians of generated, hand and raw. */
  const medians = (data: PerVariant<number>): [number, number, number] =>
    (['generated', 'hand', 'raw'] as const).map((n) => median(data.get(n) ?? [])) as [number, number, number];
  const rateRow = (label: string, data: PerVariant<number>, limits: readonly [string, number, boolean][]): void => {
    const [g, h, w] = medians(data);
    const targets: Target[] = [
      { text: `≥ ${TARGET_THROUGHPUT}× hand`, pass: g >= TARGET_THROUGHPUT * h, figure: ratioCell(g, h) },
      ...limits.map(([text, min, strict]) => ({ text, pass: strict ? g > min : g >= min })),
    ];
    const { texts, results } = judge(label, targets, rateCell(g));
    rows.push([label, rateCell(g), rateCell(h), ratioCell(g, h), rateCell(w), ratioCell(g, w), texts, results]);
  };

  latencyRow('agent messaging', r.agent, [
    ['< 10 ms (guide)', 10, true],
    ['≤ 0.2 ms', 0.2, false],
  ]);
  latencyRow(GATEWAY_CORE_LABEL, r.gatewayCoreWorker, [
    ['< 5 ms (guide)', 5, true],
    ['≤ 0.2 ms', 0.2, false],
  ]);
  // The issue's ≤ 0.2 ms is judged on the core row above (this row's note says why).
  latencyRow('gateway queuing, publish → worker', r.gatewayWorker, [['< 5 ms (guide)', 5, true]]);
  latencyRow('gateway queuing, publish → stream ack', r.gatewayAck, []);
  rateRow('RAG queue, core (2 workers)', r.ragCore, [
    ['> 100 msg/s (guide)', 100, true],
    ['≥ 50,000 msg/s', 50_000, false],
  ]);
  rateRow('RAG ingestion, durable (publish → handled)', r.ragDurable, [
    ['> 100 msg/s (guide)', 100, true],
    ['≥ 10,000 msg/s', 10_000, false],
  ]);
  rateRow('RAG ingestion, durable (publish → stream ack)', r.ragDurableAcks, []);
  {
    // No target: it says where the throughput ratio comes from, with less of the machine's noise in it.
    const [g, h, w] = medians(r.ragDurableCpu);
    const cell = (us: number) => `${us.toFixed(1)} µs`;
    rows.push([
      'RAG ingestion, durable: CPU of this process per message',
      cell(g),
      cell(h),
      ratioCell(g, h),
      cell(w),
      ratioCell(g, w),
      '— (lower is better)',
      '—',
    ]);
  }

  return {
    title: '2. The guide’s scenarios through the generated ai-sdk code',
    method:
      `Same server, connections and baselines as section 1 (**hand**: the raw client doing the same JSON + zod work, ` +
      `header handling and, on durable channels, the same message ids, \`expect.streamName\`, durable pull consumer and ` +
      `double acks (\`ackAck\`) with the client's \`consume()\`; **raw**: the same without JSON or validation). ` +
      `Median of ${config.rounds} rounds after a warm-up round; latency: ${config.samples.toLocaleString('en-US')} ` +
      `samples per variant per round, interleaved message by message; throughput: blocks of ` +
      `${config.coreMessages.toLocaleString('en-US')} (core) and ${config.durableMessages.toLocaleString('en-US')} ` +
      `(durable) messages per variant per round, in rotated order. The durable streams use file storage, as the spec says. ` +
      `The core gateway row runs its rounds first, before the durable streams are created.`,
    columns: ['scenario', 'generated', 'hand (JSON+zod)', 'gen/hand', 'raw', 'gen/raw', 'target', 'result'],
    rows,
    notes: [
      'agent messaging: `sendAgentMessage` with `target_agent_id`/`source_agent_id` headers to `receiveAgentMessage` in queue group `agent.planner`, which keeps only messages whose `target_agent_id` is `planner`; time from the send call to the handler, one message at a time.',
      `${GATEWAY_CORE_LABEL}: the guide’s “Request Queuing” as it is written, a plain core publish to \`ai.gateway.requests.{tenant_id}\` with headers \`request_id\`/\`model\`/\`priority\`, consumed by queue group \`gateway.workers\`. The spec makes this queue durable, so the generated code of this row comes from a copy of spec/ai-sdk.asyncapi.yaml without the \`x-nats-jetstream\` keys of channel \`gatewayRequests\` and operations \`queueGatewayRequest\`/\`receiveGatewayRequest\`, generated (client, server, schemas) into bench/.generated/ when the section starts: \`queueGatewayRequest\` is then a core publish, \`receiveGatewayRequest\` a core subscription in \`gateway.workers\`, on the same runtime. Time from the publish call to the worker’s handler, one request at a time; measured while no stream takes these subjects. The issue’s ≤ 0.2 ms target is judged on this row.`,
      `gateway queuing, publish → worker: \`queueGatewayRequest\` (durable, message id from the \`request_id\` header) to \`receiveGatewayRequest\` (the shared durable consumer, the spec’s stand-in for the \`gateway.workers\` queue group); time from the publish call to the worker’s handler, one request at a time. The issue’s ≤ 0.2 ms target is judged on the core row, not here: the spec keeps this queue durable (each request is stored in the file-backed stream, then delivered by a pull consumer), and on that path even the raw client’s P95 is ${formatMs(durableRawP95)} on this server${durableRawP95 > 0.2 ? ', above 0.2 ms already' : ''}. This row keeps the guide’s 5 ms and the ratio to hand.`,
      'gateway queuing, publish → stream ack: the same requests, time until `queueGatewayRequest` resolves (the request is stored in the queue); the raw column shows what the JetStream round trip itself takes on this server.',
      'RAG queue, core: `publishRagQuery` to two `receiveRagQuery` workers (two connections) in queue group `rag.query.workers`; messages per second from the first publish to the last delivery. The spec’s ingestion channel is durable, so the guide’s core “RAG queue” is the query queue.',
      `RAG ingestion, durable: \`ingestDocument\` (337-byte document, generated message id) with ${ACK_WINDOW} publishes awaiting their ack at a time, to one \`receiveDocument\` worker (64 messages in flight); messages per second from the first publish to the last handler call, and publishes per second until the last stream ack. Its CPU row is the bench process’s own CPU time (user + system, sender and worker together; nats-server not included) over the same span, per message: sender and worker share one event loop here, so this is what the throughput ratio is made of, with less of the VM’s noise in it.`,
    ],
    verdicts,
  };
}
