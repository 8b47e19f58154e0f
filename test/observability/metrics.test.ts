/**
 * Metrics and logs: the per-operation metrics hook, OpenTelemetry metrics when an SDK is registered,
 * and structured log events through a logger the user replaces.
 */

import { connect as natsConnect, type NatsConnection as RawConnection } from '@nats-io/transport-node';
import { metrics } from '@opentelemetry/api';
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  AiSdkClient,
  AiSdkServer,
  exampleChatCompletionRequest,
  exampleChatCompletionResponse,
  exampleRagQuery,
} from '../../generated/ai-sdk/index.js';
import {
  connect,
  jsonLogger,
  type LogEvent,
  type NatsConnection,
  type OperationSample,
  wildcard,
} from '../../runtime/index.js';

const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 });
const provider = new MeterProvider({ readers: [reader] });
beforeAll(() => {
  metrics.setGlobalMeterProvider(provider);
});
afterAll(async () => {
  await provider.shutdown();
  metrics.disable();
});

const open: (NatsConnection | RawConnection)[] = [];
afterEach(async () => {
  for (const nc of open.splice(0)) if (!nc.isClosed()) await nc.close();
});

async function conn(options: Parameters<typeof connect>[0] = {}): Promise<NatsConnection> {
  const nc = await connect({ servers: inject('natsUrl'), ...options });
  open.push(nc);
  return nc;
}

const completion = exampleChatCompletionResponse();

async function scopeMetrics() {
  await reader.forceFlush();
  return exporter
    .getMetrics()
    .at(-1)
    ?.scopeMetrics.find((s) => s.scope.name === 'asyncapi-nats');
}

/** Successful operations counted so far, by `<kind>|<operation>`. */
async function counts(): Promise<Map<string, number>> {
  const counter = (await scopeMetrics())?.metrics.find((m) => m.descriptor.name === 'asyncapi_nats.operation.count');
  const out = new Map<string, number>();
  for (const p of counter?.dataPoints ?? []) {
    if (p.attributes['error.type'] !== undefined) continue;
    out.set(`${p.attributes['messaging.operation.name']}|${p.attributes['asyncapi.operation']}`, p.value as number);
  }
  return out;
}

describe('metrics and logs', () => {
  it('metrics - the hook gets one sample per send and per handled message, with duration and outcome', async () => {
    const nc = await conn();
    const samples: OperationSample[] = [];
    const server = new AiSdkServer(nc, { service: false, metrics: (s) => samples.push(s), onError: () => {} });
    server.replyChatCompletion({
      params: { tenant_id: wildcard },
      handler: ({ payload }) => {
        if (payload.model === 'boom') throw new Error('boom');
        return completion;
      },
    });
    const client = new AiSdkClient(nc, { metrics: (s) => samples.push(s) });
    const params = { tenant_id: 'metrics' };
    await client.requestChatCompletion({ params, payload: exampleChatCompletionRequest() });
    await client
      .requestChatCompletion({ params, payload: exampleChatCompletionRequest({ model: 'boom' }) })
      .catch(() => {});
    await new Promise((r) => setTimeout(r, 20));
    const view = samples.map(({ operation, kind, subject, ok, error }) => ({ operation, kind, subject, ok, error }));
    expect(view).toEqual([
      {
        operation: 'replyChatCompletion',
        kind: 'reply',
        subject: 'ai.gateway.responses.metrics',
        ok: true,
        error: undefined,
      },
      {
        operation: 'requestChatCompletion',
        kind: 'request',
        subject: 'ai.gateway.responses.metrics',
        ok: true,
        error: undefined,
      },
      {
        operation: 'replyChatCompletion',
        kind: 'reply',
        subject: 'ai.gateway.responses.metrics',
        ok: false,
        error: '500',
      },
      {
        operation: 'requestChatCompletion',
        kind: 'request',
        subject: 'ai.gateway.responses.metrics',
        ok: false,
        error: 'REMOTE',
      },
    ]);
    for (const s of samples) expect(s.durationMs).toBeGreaterThan(0);
    await server.drain();
  });

  it('metrics - OpenTelemetry gets a duration histogram and a counter per operation, kind and outcome', async () => {
    const nc = await conn();
    const server = new AiSdkServer(nc, { service: false });
    server.replyChatCompletion({ params: { tenant_id: wildcard }, handler: () => completion });
    const client = new AiSdkClient(nc);
    const before = await counts();
    for (let i = 0; i < 3; i++) {
      await client.requestChatCompletion({ params: { tenant_id: 'otel' }, payload: exampleChatCompletionRequest() });
    }
    const after = await counts();
    // The counters are cumulative (the test above counted too): these 3 requests add 3 to each.
    expect((after.get('request|requestChatCompletion') ?? 0) - (before.get('request|requestChatCompletion') ?? 0)).toBe(
      3,
    );
    expect((after.get('reply|replyChatCompletion') ?? 0) - (before.get('reply|replyChatCompletion') ?? 0)).toBe(3);
    const histogram = (await scopeMetrics())?.metrics.find(
      (m) => m.descriptor.name === 'asyncapi_nats.operation.duration',
    );
    expect(histogram?.descriptor.unit).toBe('ms');
    const point = histogram?.dataPoints.find(
      (p) => p.attributes['asyncapi.operation'] === 'requestChatCompletion' && p.attributes['error.type'] === undefined,
    );
    expect((point?.value as { count: number } | undefined)?.count).toBe(after.get('request|requestChatCompletion'));
    await server.drain();
  });

  it('tracing - with @opentelemetry/api installed but no tracer registered, messages carry no trace headers', async () => {
    // This file registers a meter provider only: the runtime must not start spans or add headers.
    const nc = await conn();
    const raw = await natsConnect({ servers: inject('natsUrl') });
    open.push(raw);
    const got = new Promise<string[]>((resolve) => {
      raw.subscribe('ai.rag.queries.no-tracer', {
        max: 1,
        callback: (_e, m) => resolve(m.headers ? [...m.headers.keys()] : []),
      });
    });
    await raw.flush();
    new AiSdkClient(nc).publishRagQuery({ params: { tenant_id: 'no-tracer' }, payload: exampleRagQuery() });
    expect(await got).toEqual([]);
  });

  it('logs - a replaced logger gets structured events for validation failures and connection changes', async () => {
    const lines: string[] = [];
    const logger = jsonLogger((line) => lines.push(line));
    const events: LogEvent[] = [];
    const nc = await conn({ logger: (e) => events.push(e) });
    const raw = await natsConnect({ servers: inject('natsUrl') });
    open.push(raw);
    const server = new AiSdkServer(nc, { service: false, logger });
    server.receiveRagQuery({ params: { tenant_id: 'logs' }, handler: () => {} });
    await nc.flush();
    raw.publish('ai.rag.queries.logs', '{"not":"a query"}');
    raw.publish('ai.rag.queries.logs', 'not json');
    await raw.flush();
    await new Promise((r) => setTimeout(r, 50));
    const parsed = lines.map((l) => JSON.parse(l));
    expect(parsed).toEqual([
      expect.objectContaining({
        level: 'warn',
        event: 'validation',
        operation: 'receiveRagQuery',
        subject: 'ai.rag.queries.logs',
      }),
      expect.objectContaining({
        level: 'warn',
        event: 'decode',
        operation: 'receiveRagQuery',
        subject: 'ai.rag.queries.logs',
      }),
    ]);
    for (const p of parsed) expect(p.time).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(events[0]).toMatchObject({ level: 'info', event: 'connection.connected' });
    await server.drain();
    await nc.close();
    await new Promise((r) => setTimeout(r, 20));
    expect(events.at(-1)).toMatchObject({ event: 'connection.closed' });
  });
});
