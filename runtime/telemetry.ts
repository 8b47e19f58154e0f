/**
 * Observability without a required dependency: W3C trace context and spans through
 * `@opentelemetry/api` when the application has it installed (an optional peer dependency), a small
 * metrics hook for per-operation counts and latencies (also recorded as OpenTelemetry metrics when the
 * API is present), and a replaceable logger for the events a server reports.
 *
 * Without `@opentelemetry/api` installed every telemetry call is one comparison with `null`: no header,
 * span, context or measurement is created. With it installed but no SDK registered (a dependency of
 * some other package), the runtime does no telemetry work either: it checks for a registered tracer and
 * meter provider once every 1024 operations.
 */
import { createRequire } from 'node:module';
import type { MsgHdrs } from '@nats-io/transport-node';
import { headers as natsHeaders } from '@nats-io/transport-node';
import type { ErrorEvent, LogEvent, Logger, MetricsHook, OperationKind, OperationSpec } from './types.js';

export type { LogEvent, Logger, MetricsHook, OperationKind, OperationSample } from './types.js';

// ---------------------------------------------------------------------------------------------------
// The optional OpenTelemetry API. Only the few members used here are typed, so that our declarations
// never mention the package (an application without it must still type-check).

interface SpanContextLike {
  readonly traceId: string;
  readonly spanId: string;
  readonly traceFlags: number;
  readonly isRemote?: boolean;
  readonly traceState?: unknown;
}
interface SpanLike {
  isRecording(): boolean;
  spanContext(): SpanContextLike;
  setAttribute(key: string, value: string | number | boolean): SpanLike;
  setStatus(status: { code: number; message?: string }): SpanLike;
  recordException(exception: unknown): void;
  end(): void;
}
interface TracerLike {
  startSpan(
    name: string,
    options: { kind: number; attributes: Readonly<Record<string, string>> },
    context: unknown,
  ): SpanLike;
}
interface HistogramLike {
  record(value: number, attributes: Readonly<Record<string, string>>): void;
}
interface CounterLike {
  add(value: number, attributes: Readonly<Record<string, string>>): void;
}
interface OtelApi {
  readonly trace: {
    getTracerProvider(): unknown;
    getTracer(name: string, version?: string): TracerLike;
    setSpan(context: unknown, span: SpanLike): unknown;
    setSpanContext(context: unknown, spanContext: SpanContextLike): unknown;
    getSpan(context: unknown): SpanLike | undefined;
  };
  readonly context: {
    active(): unknown;
    with<A extends unknown[], R>(ctx: unknown, fn: (...args: A) => R, thisArg?: unknown, ...args: A): R;
  };
  readonly propagation: {
    inject(context: unknown, carrier: Record<string, string>): void;
    extract(context: unknown, carrier: Record<string, string>): unknown;
    fields(): string[];
  };
  readonly metrics: {
    getMeterProvider(): unknown;
    getMeter(
      name: string,
      version?: string,
    ): {
      createHistogram(name: string, options: { unit: string; description: string }): HistogramLike;
      createCounter(name: string, options: { description: string }): CounterLike;
    };
  };
  readonly ROOT_CONTEXT: unknown;
  createTraceState(raw?: string): unknown;
}

const SPAN_KIND = { SERVER: 1, CLIENT: 2, PRODUCER: 3, CONSUMER: 4 } as const;
const STATUS_ERROR = 2;
const INSTRUMENTATION = 'asyncapi-nats';

function load(): OtelApi | null {
  try {
    return createRequire(import.meta.url)('@opentelemetry/api') as OtelApi;
  } catch {
    return null;
  }
}

let otel: OtelApi | null = load();
let tracer: TracerLike | undefined;

/**
 * Uses `api` (the `@opentelemetry/api` module) for tracing and metrics, or none with `null`. Only
 * needed when the API cannot be found from this package (bundlers, several copies); it is loaded by
 * itself otherwise.
 */
export function useOpenTelemetry(api: unknown): void {
  otel = (api as OtelApi | null) ?? null;
  tracer = undefined;
  meters = undefined;
  lookups = 0;
}

function getTracer(api: OtelApi): TracerLike {
  tracer ??= api.trace.getTracer(INSTRUMENTATION);
  return tracer;
}

// ---------------------------------------------------------------------------------------------------
// Trace context on the wire: the global propagator when the application registered one, else W3C
// `traceparent`/`tracestate` written and read here, so that the context travels either way.

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

function injectInto(api: OtelApi, ctx: unknown, span: SpanLike): Record<string, string> {
  const carrier: Record<string, string> = {};
  if (api.propagation.fields().length > 0) {
    api.propagation.inject(ctx, carrier);
    return carrier;
  }
  const sc = span.spanContext();
  carrier.traceparent = `00-${sc.traceId}-${sc.spanId}-${(sc.traceFlags & 0xff).toString(16).padStart(2, '0')}`;
  const state = (sc.traceState as { serialize?: () => string } | undefined)?.serialize?.();
  if (state) carrier.tracestate = state;
  return carrier;
}

function extractFrom(api: OtelApi, hdrs: MsgHdrs | undefined): unknown {
  const root = api.ROOT_CONTEXT;
  if (hdrs === undefined) return root;
  const traceparent = hdrs.get('traceparent');
  if (traceparent === '') return root;
  if (api.propagation.fields().length > 0) {
    const carrier: Record<string, string> = {};
    for (const key of api.propagation.fields()) {
      const value = hdrs.get(key);
      if (value !== '') carrier[key] = value;
    }
    return api.propagation.extract(root, carrier);
  }
  const m = TRACEPARENT.exec(traceparent);
  if (m === null || /^0+$/.test(m[1] as string) || /^0+$/.test(m[2] as string)) return root;
  const tracestate = hdrs.get('tracestate');
  return api.trace.setSpanContext(root, {
    traceId: m[1] as string,
    spanId: m[2] as string,
    traceFlags: Number.parseInt(m[3] as string, 16),
    isRemote: true,
    ...(tracestate !== '' ? { traceState: api.createTraceState(tracestate) } : {}),
  });
}

// ---------------------------------------------------------------------------------------------------
// Spans

const SEND_KIND: Record<string, number> = {
  publish: SPAN_KIND.PRODUCER,
  'durable-publish': SPAN_KIND.PRODUCER,
  request: SPAN_KIND.CLIENT,
  subscribe: SPAN_KIND.CONSUMER,
  consume: SPAN_KIND.CONSUMER,
  reply: SPAN_KIND.SERVER,
};

const OPERATION_TYPE: Record<OperationKind, string> = {
  publish: 'send',
  'durable-publish': 'send',
  request: 'send',
  subscribe: 'process',
  consume: 'process',
  reply: 'process',
};

function attributes(op: OperationSpec, kind: OperationKind, subject: string): Record<string, string> {
  return {
    'messaging.system': 'nats',
    'messaging.operation.type': OPERATION_TYPE[kind],
    'messaging.operation.name': kind,
    'messaging.destination.name': subject,
    'asyncapi.operation': op.id,
  };
}

/** A span the runtime started; `headers` carries its context to the receiver (send side only). */
export interface Trace {
  readonly span: SpanLike;
  readonly context: unknown;
}

/**
 * Starts the span of a send (`publish`, `request`, `durable-publish`) as a child of the active
 * context; undefined when tracing is off or nothing records.
 */
export function startSendSpan(
  op: OperationSpec,
  kind: OperationKind,
  subject: string,
  enabled: boolean | undefined,
): Trace | undefined {
  const api = otel;
  if (api === null || enabled === false || !registered(api).tracing) return undefined;
  return startSpan(api, op, kind, subject, api.context.active());
}

/** A span of `op` under `parent`; undefined when it does not record (no SDK registered). */
function startSpan(
  api: OtelApi,
  op: OperationSpec,
  kind: OperationKind,
  subject: string,
  parent: unknown,
): Trace | undefined {
  const span = getTracer(api).startSpan(
    `${kind} ${op.id}`,
    { kind: SEND_KIND[kind] as number, attributes: attributes(op, kind, subject) },
    parent,
  );
  if (!span.isRecording()) return undefined;
  return { span, context: api.trace.setSpan(parent, span) };
}

/** Adds the trace context of `trace` to `hdrs` (created when undefined); returns the headers to send. */
export function injectTrace(trace: Trace, hdrs: MsgHdrs | undefined): MsgHdrs {
  const api = otel as OtelApi;
  const out = hdrs ?? natsHeaders();
  for (const [key, value] of Object.entries(injectInto(api, trace.context, trace.span))) out.set(key, value);
  return out;
}

/**
 * Starts the span of a receive (`subscribe`, `reply`, `consume`) with the sender's context from the
 * message headers as its parent; undefined when tracing is off or nothing records.
 */
export function startReceiveSpan(
  op: OperationSpec,
  kind: OperationKind,
  subscription: string,
  msg: { readonly subject: string; readonly headers?: MsgHdrs | undefined },
  enabled: boolean | undefined,
): Trace | undefined {
  const api = otel;
  if (api === null || enabled === false || !registered(api).tracing) return undefined;
  const subject = subscription.includes('*') || subscription.includes('>') ? msg.subject : subscription;
  return startSpan(api, op, kind, subject, extractFrom(api, msg.headers));
}

/**
 * A received message is finished (`failure`: a status such as 500 or a kind such as `validation`):
 * counted in its registration's `stats`, recorded for metrics, its span ended. Shared by the core
 * (`subscribe`, `reply`) and durable (`consume`) receive paths.
 */
export function finishReceive<M>(
  stats: { record(ms: number): void; error(code: string | number, description: string): void },
  metrics: MetricsHook | undefined,
  op: OperationSpec,
  kind: OperationKind,
  subjectOf: (msg: M) => string,
  msg: M,
  t0: number,
  trace: Trace | undefined,
  failure?: string | number,
  error?: unknown,
): void {
  const ms = performance.now() - t0;
  stats.record(ms);
  if (failure !== undefined)
    stats.error(failure, error === undefined ? '' : error instanceof Error ? error.message : String(error));
  if (metrics !== undefined || telemetryActive()) {
    recordOperation(metrics, op, kind, subjectOf(msg), ms, failure === undefined ? undefined : String(failure));
  }
  if (trace !== undefined) endSpan(trace, failure, error);
}

/** Runs `fn` with `trace` as the active context (so calls made by a handler continue the trace). */
export function runInTrace<A extends unknown[], R>(trace: Trace, fn: (...args: A) => R, ...args: A): R {
  return (otel as OtelApi).context.with(trace.context, fn, undefined, ...args);
}

/**
 * Ends a span. A `failure` (a status such as 500, or a kind such as `validation`) marks it failed,
 * with `error` recorded as its exception (or its text as the status message).
 */
export function endSpan(trace: Trace | undefined, failure?: string | number, error?: unknown): void {
  if (trace === undefined) return;
  if (failure !== undefined) {
    trace.span.setAttribute('error.type', String(failure));
    if (error instanceof Error) trace.span.recordException(error);
    const message = error instanceof Error ? error.message : error === undefined ? String(failure) : String(error);
    trace.span.setStatus({ code: STATUS_ERROR, message });
  }
  trace.span.end();
}

/** True when `@opentelemetry/api` is in use (metrics are then recorded even without a hook). */
export function telemetryActive(): boolean {
  const api = otel;
  if (api === null) return false;
  const r = registered(api);
  return r.tracing || r.metrics;
}

/**
 * Whether the application registered an OpenTelemetry SDK for traces and for metrics. The API alone
 * (installed as some other package's dependency) hands out no-op providers: the runtime then does no
 * telemetry work at all. Looked up again every 1024 calls, so an SDK registered later is noticed.
 */
const sdk = { tracing: false, metrics: false };
let lookups = 0;
function registered(api: OtelApi): { readonly tracing: boolean; readonly metrics: boolean } {
  if ((lookups++ & 1023) === 0) {
    const tracers = api.trace.getTracerProvider() as { getDelegate?: () => unknown };
    const delegate = (tracers.getDelegate?.() ?? tracers) as object;
    sdk.tracing = delegate.constructor.name !== 'NoopTracerProvider';
    sdk.metrics = (api.metrics.getMeterProvider() as object).constructor.name !== 'NoopMeterProvider';
  }
  return sdk;
}

// ---------------------------------------------------------------------------------------------------
// Metrics

interface OtelInstruments {
  readonly duration: HistogramLike;
  readonly count: CounterLike;
}
let meters: OtelInstruments | undefined;
/** The meter provider `meters` came from: the API has no proxy for metrics, so a provider registered later is picked up here. */
let meterProvider: unknown;

function instruments(api: OtelApi): OtelInstruments {
  const provider = api.metrics.getMeterProvider();
  if (meters === undefined || provider !== meterProvider) {
    meterProvider = provider;
    const meter = api.metrics.getMeter(INSTRUMENTATION);
    meters = {
      duration: meter.createHistogram('asyncapi_nats.operation.duration', {
        unit: 'ms',
        description: 'Duration of an asyncapi-nats operation: a send, a request or the handling of a received message',
      }),
      count: meter.createCounter('asyncapi_nats.operation.count', {
        description: 'asyncapi-nats operations, by operation, kind and outcome',
      }),
    };
  }
  return meters;
}

// Attribute sets are built once per operation, kind and outcome, so recording allocates nothing.
const attributeCache = new WeakMap<OperationSpec, Map<string, Readonly<Record<string, string>>>>();
function metricAttributes(
  op: OperationSpec,
  kind: OperationKind,
  error: string | undefined,
): Readonly<Record<string, string>> {
  let byKey = attributeCache.get(op);
  if (byKey === undefined) {
    byKey = new Map();
    attributeCache.set(op, byKey);
  }
  const key = `${kind}|${error ?? ''}`;
  let attrs = byKey.get(key);
  if (attrs === undefined) {
    attrs = {
      'messaging.system': 'nats',
      'messaging.operation.name': kind,
      'asyncapi.operation': op.id,
      ...(error !== undefined ? { 'error.type': error } : {}),
    };
    byKey.set(key, attrs);
  }
  return attrs;
}

/** Records one finished operation to the hook (when given) and to OpenTelemetry metrics (when installed). */
export function recordOperation(
  hook: MetricsHook | undefined,
  op: OperationSpec,
  kind: OperationKind,
  subject: string,
  durationMs: number,
  error: string | undefined,
): void {
  const api = otel;
  if (api !== null && registered(api).metrics) {
    const m = instruments(api);
    const attrs = metricAttributes(op, kind, error);
    m.duration.record(durationMs, attrs);
    m.count.add(1, attrs);
  }
  if (hook !== undefined) {
    try {
      hook(
        error === undefined
          ? { operation: op.id, kind, subject, durationMs, ok: true }
          : { operation: op.id, kind, subject, durationMs, ok: false, error },
      );
    } catch (thrown) {
      console.error(`asyncapi-nats: the metrics hook threw for operation '${op.id}':`, thrown);
    }
  }
}

/** A short code for a failure: the error's `code` when it has one, else its name. */
export function errorCode(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' || typeof code === 'number') return String(code);
  return error instanceof Error ? error.name : 'error';
}

// ---------------------------------------------------------------------------------------------------
// Logs

/** The default: one line per event on stderr, e.g. `asyncapi-nats: validation error in operation 'x' on 'a.b': ...`. */
export const consoleLogger: Logger = (e) => {
  const where =
    e.operation !== undefined
      ? ` error in operation '${e.operation}'${e.subject !== undefined ? ` on '${e.subject}'` : ''}`
      : '';
  console.error(`asyncapi-nats: ${e.event}${where}: ${e.message}`);
};

/** One JSON object per line (`{"time","level","event","message","operation","subject","error"}`) to `write` (default stderr). */
export function jsonLogger(write: (line: string) => void = (line) => process.stderr.write(`${line}\n`)): Logger {
  return (e) => {
    const error = e.error instanceof Error ? { name: e.error.name, message: e.error.message } : e.error;
    write(
      JSON.stringify({
        time: new Date().toISOString(),
        level: e.level,
        event: e.event,
        message: e.message,
        ...(e.operation !== undefined ? { operation: e.operation } : {}),
        ...(e.subject !== undefined ? { subject: e.subject } : {}),
        ...(error !== undefined ? { error } : {}),
      }),
    );
  };
}

const WARN_KINDS = new Set<ErrorEvent['kind']>(['overflow', 'slow-consumer', 'dead-letter', 'validation', 'decode']);

/** A server failure as a log event: invalid input, overflow and dead letters are warnings, our own faults errors. */
export function errorEventLog(event: ErrorEvent): LogEvent {
  const message = event.error instanceof Error ? event.error.message : String(event.error);
  return {
    level: WARN_KINDS.has(event.kind) ? 'warn' : 'error',
    event: event.kind,
    message,
    operation: event.operation,
    subject: event.subject,
    error: event.error,
  };
}
