/**
 * OpenTelemetry: W3C trace context travels in NATS headers, and every operation has a span, so one
 * trace runs client → server → reply (and through JetStream). Spans are collected with the SDK's
 * in-memory exporter; the context manager is the SDK's AsyncLocalStorage one, as in a real service.
 */

import { connect as natsConnect, type NatsConnection as RawConnection } from '@nats-io/transport-node';
import { context, propagation, type Span, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  AiSdkClient,
  AiSdkServer,
  exampleAgentMessage,
  exampleAgentTask,
  exampleChatCompletionRequest,
  exampleChatCompletionResponse,
} from '../../generated/ai-sdk/index.js';
import { connect, type NatsConnection, wildcard } from '../../runtime/index.js';
import { Connections, tenant } from '../e2e/helpers.js';

const jsConns = new Connections();

const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
const contextManager = new AsyncLocalStorageContextManager();

beforeAll(() => {
  context.setGlobalContextManager(contextManager.enable());
  trace.setGlobalTracerProvider(provider);
});
afterAll(async () => {
  await provider.shutdown();
  trace.disable();
  context.disable();
  propagation.disable();
});

const open: (NatsConnection | RawConnection)[] = [];
afterEach(async () => {
  exporter.reset();
  for (const nc of open.splice(0)) if (!nc.isClosed()) await nc.close();
});

async function conn(): Promise<NatsConnection> {
  const nc = await connect({ servers: inject('natsUrl') });
  open.push(nc);
  return nc;
}

function completion(model: string) {
  return exampleChatCompletionResponse({ model });
}

async function spansSettled(count: number): Promise<ReadableSpan[]> {
  for (let i = 0; i < 100 && exporter.getFinishedSpans().length < count; i++)
    await new Promise((r) => setTimeout(r, 10));
  return exporter.getFinishedSpans();
}

describe('tracing', () => {
  it('tracing - one trace runs client → server → the handler’s own request → reply', async () => {
    const nc = await conn();
    const server = new AiSdkServer(nc, { service: false });
    // A worker that answers by asking another: the inner request must continue the same trace.
    server.replyChatCompletion({
      params: { tenant_id: wildcard },
      handler: async ({ payload, params }) => {
        if (params.tenant_id === 'inner') return completion('inner');
        const inner = await new AiSdkClient(nc).requestChatCompletion({
          params: { tenant_id: 'inner' },
          payload: exampleChatCompletionRequest({ model: payload.model }),
        });
        return completion(`outer+${inner.model}`);
      },
    });
    const tracer = trace.getTracer('test');
    const answer = await tracer.startActiveSpan('user action', async (root: Span) => {
      try {
        return await new AiSdkClient(nc).requestChatCompletion({
          params: { tenant_id: 'outer' },
          payload: exampleChatCompletionRequest(),
        });
      } finally {
        root.end();
      }
    });
    expect(answer.model).toBe('outer+inner');
    const spans = await spansSettled(5);
    const byName = (name: string) => spans.filter((s) => s.name === name);
    const root = byName('user action')[0] as ReadableSpan;
    expect(spans.map((s) => s.spanContext().traceId)).toEqual(spans.map(() => root.spanContext().traceId));
    const [outerRequest, innerRequest] = byName('request requestChatCompletion').sort(
      (a, b) => a.startTime[1] - b.startTime[1] + (a.startTime[0] - b.startTime[0]) * 1e9,
    );
    const replies = byName('reply replyChatCompletion');
    expect(replies).toHaveLength(2);
    const parentOf = (s: ReadableSpan) => s.parentSpanContext?.spanId;
    expect(parentOf(outerRequest as ReadableSpan)).toBe(root.spanContext().spanId);
    const outerReply = replies.find((r) => parentOf(r) === outerRequest?.spanContext().spanId) as ReadableSpan;
    expect(outerReply).toBeDefined();
    expect(parentOf(innerRequest as ReadableSpan)).toBe(outerReply.spanContext().spanId);
    expect(replies.some((r) => parentOf(r) === innerRequest?.spanContext().spanId)).toBe(true);
    expect(outerRequest?.attributes).toMatchObject({
      'messaging.system': 'nats',
      'messaging.destination.name': 'ai.gateway.responses.outer',
      'asyncapi.operation': 'requestChatCompletion',
    });
    await server.drain();
  });

  it('tracing - the trace continues through JetStream: durable publish → stored → consumed', async () => {
    const t = tenant();
    const nc = await jsConns.runtime();
    const server = new AiSdkServer(nc, { service: false });
    let handled: string | undefined;
    server.receiveAgentTask({
      params: { tenant_id: t },
      handler: () => {
        handled = trace.getActiveSpan()?.spanContext().traceId;
      },
    });
    const root = trace.getTracer('test').startSpan('enqueue');
    await context.with(trace.setSpan(context.active(), root), () =>
      new AiSdkClient(nc).sendAgentTask({ params: { tenant_id: t }, payload: exampleAgentTask() }),
    );
    root.end();
    for (let i = 0; i < 200 && handled === undefined; i++) await new Promise((r) => setTimeout(r, 10));
    const spans = await spansSettled(3);
    const publish = spans.find((s) => s.name === 'durable-publish sendAgentTask') as ReadableSpan;
    const consumed = spans.find((s) => s.name === 'consume receiveAgentTask') as ReadableSpan;
    expect(publish.parentSpanContext?.spanId).toBe(root.spanContext().spanId);
    expect(consumed.parentSpanContext?.spanId).toBe(publish.spanContext().spanId);
    expect(handled).toBe(root.spanContext().traceId);
    await server.drain();
    await jsConns.close(); // removes the tenant's durable consumer and messages from the shared server
  });

  it('tracing - a plain NATS client sees W3C traceparent and tracestate headers', async () => {
    const nc = await conn();
    const raw = await natsConnect({ servers: inject('natsUrl') });
    open.push(raw);
    const got = new Promise<{ traceparent: string; tracestate: string }>((resolve) => {
      raw.subscribe('ai.agent.message.trace-raw', {
        max: 1,
        callback: (_e, m) =>
          resolve({ traceparent: m.headers?.get('traceparent') ?? '', tracestate: m.headers?.get('tracestate') ?? '' }),
      });
    });
    await raw.flush();
    const tracer = trace.getTracer('test');
    const root = tracer.startSpan('root');
    const withState = trace.setSpanContext(context.active(), {
      ...root.spanContext(),
      traceState: (await import('@opentelemetry/api')).createTraceState('vendor=abc'),
    });
    await context.with(withState, async () => {
      new AiSdkClient(nc).sendAgentMessage({
        params: { tenant_id: 'trace-raw' },
        headers: { source_agent_id: 'a', target_agent_id: 'b' },
        payload: exampleAgentMessage(),
      });
    });
    root.end();
    const { traceparent, tracestate } = await got;
    expect(traceparent).toMatch(new RegExp(`^00-${root.spanContext().traceId}-[0-9a-f]{16}-01$`));
    expect(tracestate).toBe('vendor=abc');
  });

  it('tracing - { tracing: false } sends no trace headers and starts no spans', async () => {
    const nc = await conn();
    const raw = await natsConnect({ servers: inject('natsUrl') });
    open.push(raw);
    const got = new Promise<boolean>((resolve) => {
      raw.subscribe('ai.agent.message.trace-off', {
        max: 1,
        callback: (_e, m) => resolve(m.headers?.has('traceparent') ?? false),
      });
    });
    await raw.flush();
    const root = trace.getTracer('test').startSpan('root');
    await context.with(trace.setSpan(context.active(), root), async () => {
      new AiSdkClient(nc, { tracing: false }).sendAgentMessage({
        params: { tenant_id: 'trace-off' },
        headers: { source_agent_id: 'a', target_agent_id: 'b' },
        payload: exampleAgentMessage(),
      });
    });
    root.end();
    expect(await got).toBe(false);
    expect(exporter.getFinishedSpans().map((s) => s.name)).toEqual(['root']);
  });
});
