/**
 * The guide's scenarios done three ways, on the same subjects, payloads, connections and delivery
 * guarantees:
 * - `raw`: the NATS client without JSON or validation (pre-encoded bodies, nothing decoded);
 * - `hand`: the NATS client doing by hand what the generated code does: zod `safeParse` of payload
 *   and headers with the generated schemas and `JSON.stringify` on send; header filter, header read,
 *   `msg.json()` and `safeParse` on receive;
 * - `generated`: `AiSdkClient` / `AiSdkServer`.
 * The core gateway request queue (the guide's plain publish) has no generated code in generated/: its
 * `generated` variant comes from a copy of the spec without the queue's `x-nats-jetstream` keys,
 * generated when the bench starts ({@link generateCoreGateway}).
 * Durable variants all publish with a message id and `expect.streamName`, and consume from a durable
 * pull consumer on the same stream with explicit double acks (`ackAck`), as the runtime does.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  AckPolicy,
  DeliverPolicy,
  type JetStreamClient,
  type JsMsg,
  jetstream,
  jetstreamManager,
} from '@nats-io/jetstream';
import { headers as createHeaders } from '@nats-io/transport-node';
import type { NatsConnection } from 'asyncapi-nats/runtime';
import { parseDocument } from 'yaml';
import {
  AgentMessageHeadersSchema,
  AgentMessageSchema,
  AiSdkClient,
  AiSdkServer,
  type ChatCompletionRequest,
  type ChatCompletionRequestHeaders,
  ChatCompletionRequestHeadersSchema,
  ChatCompletionRequestSchema,
  RagDocumentSchema,
} from '../generated/ai-sdk/index.js';
import { generate } from '../generator/index.js';
import type { VariantName } from './core-variants.js';
import { AGENT_HEADERS, AGENT_MESSAGE, CHAT_REQUEST, chatHeaders, RAG_DOCUMENT } from './fixtures.js';
import type { Stop } from './measure.js';

const encoder = new TextEncoder();
const AGENT_ID = 'planner';

/** A core one-way channel: a subscriber whose handler calls `hit`, and a publisher of the `i`-th message. */
export interface OneWayVariant {
  readonly name: VariantName;
  subscribe(nc: NatsConnection, tenant: string, hit: () => void): Stop;
  publisher(nc: NatsConnection, tenant: string): (i: number) => void;
}

/** Agent-to-agent messages: the sender names the addressee in a header; every agent filters on it. */
export const AGENT_VARIANTS: readonly OneWayVariant[] = [
  {
    name: 'raw',
    subscribe(nc, tenant, hit) {
      const sub = nc.subscribe(`ai.agent.message.${tenant}`, {
        queue: `agent.${AGENT_ID}`,
        callback: (err, msg) => {
          if (err !== null) throw err;
          if (msg.headers?.get('target_agent_id') === AGENT_ID) hit();
        },
      });
      return () => sub.drain();
    },
    publisher(nc, tenant) {
      const subject = `ai.agent.message.${tenant}`;
      const body = encoder.encode(JSON.stringify(AGENT_MESSAGE));
      const hdrs = createHeaders();
      hdrs.set('target_agent_id', AGENT_HEADERS.target_agent_id);
      hdrs.set('source_agent_id', AGENT_HEADERS.source_agent_id);
      return () => nc.publish(subject, body, { headers: hdrs });
    },
  },
  {
    name: 'hand',
    subscribe(nc, tenant, hit) {
      const sub = nc.subscribe(`ai.agent.message.${tenant}`, {
        queue: `agent.${AGENT_ID}`,
        callback: (err, msg) => {
          if (err !== null) throw err;
          const hdrs = msg.headers;
          if (hdrs === undefined || hdrs.get('target_agent_id') !== AGENT_ID) return;
          const headers = AgentMessageHeadersSchema.safeParse({
            target_agent_id: hdrs.get('target_agent_id'),
            source_agent_id: hdrs.get('source_agent_id'),
          });
          const payload = AgentMessageSchema.safeParse(msg.json());
          if (headers.success && payload.success) hit();
        },
      });
      return () => sub.drain();
    },
    publisher(nc, tenant) {
      return () => {
        const payload = AgentMessageSchema.safeParse(AGENT_MESSAGE);
        if (!payload.success) throw payload.error;
        const headers = AgentMessageHeadersSchema.safeParse(AGENT_HEADERS);
        if (!headers.success) throw headers.error;
        const hdrs = createHeaders();
        hdrs.set('target_agent_id', AGENT_HEADERS.target_agent_id);
        hdrs.set('source_agent_id', AGENT_HEADERS.source_agent_id);
        nc.publish(`ai.agent.message.${tenant}`, JSON.stringify(AGENT_MESSAGE), { headers: hdrs });
      };
    },
  },
  {
    name: 'generated',
    subscribe(nc, tenant, hit) {
      const server = new AiSdkServer(nc);
      server.receiveAgentMessage({ params: { tenant_id: tenant }, queue: { agent_id: AGENT_ID }, handler: hit });
      return () => server.drain();
    },
    publisher(nc, tenant) {
      const client = new AiSdkClient(nc);
      return () =>
        client.sendAgentMessage({ params: { tenant_id: tenant }, headers: AGENT_HEADERS, payload: AGENT_MESSAGE });
    },
  },
];

/** A durable channel of the spec: its stream and subject prefix. */
export interface DurableChannel {
  readonly stream: string;
  readonly prefix: string;
}

export const GATEWAY_REQUESTS: DurableChannel = { stream: 'AI_GATEWAY_REQUESTS', prefix: 'ai.gateway.requests' };
export const RAG_INGEST: DurableChannel = { stream: 'AI_RAG_INGEST', prefix: 'ai.rag.ingest' };

/** A durable publish-and-consume pair: `send(id)` resolves the stream's ack. */
export interface DurableVariant {
  readonly name: VariantName;
  /** Starts a worker for `tenant`; `hit` runs in its handler, before the ack. */
  worker(nc: NatsConnection, channel: DurableChannel, tenant: string, hit: () => void): Promise<Stop>;
  /** A function that publishes one message with message id `id` and resolves once stored. */
  sender(nc: NatsConnection, channel: DurableChannel, tenant: string): (id: string) => Promise<unknown>;
}

/**
 * Creates (or keeps) the durable consumer a hand-written worker uses: the same settings as the
 * runtime's (explicit acks, filtered to the tenant's subject, `max_ack_pending` 1000).
 */
async function handConsumer(
  nc: NatsConnection,
  channel: DurableChannel,
  tenant: string,
  label: string,
): Promise<string> {
  const jsm = await jetstreamManager(nc, { checkAPI: false });
  const name = `bench-${label}_${tenant}`;
  await jsm.consumers.add(channel.stream, {
    durable_name: name,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    filter_subject: `${channel.prefix}.${tenant}`,
    ack_wait: 30_000_000_000,
    max_ack_pending: 1_000,
  });
  return name;
}

/**
 * A consumer loop written by hand with the client's `consume()` (callback form, up to 64 messages
 * buffered, as the runtime's default `maxInFlight`): `handle` returns whether the message is valid;
 * valid ones are double-acked, invalid ones terminated. `stop` waits for every ack.
 */
async function handWorker(
  nc: NatsConnection,
  channel: DurableChannel,
  tenant: string,
  label: string,
  handle: (m: JsMsg) => boolean,
): Promise<Stop> {
  const js = jetstream(nc);
  const name = await handConsumer(nc, channel, tenant, label);
  const consumer = await js.consumers.get(channel.stream, name);
  const acks = new Set<Promise<unknown>>();
  const messages = await consumer.consume({
    max_messages: 64,
    callback: (m) => {
      if (!handle(m)) {
        m.term();
        return;
      }
      const ack = m.ackAck().catch(() => false);
      acks.add(ack);
      void ack.then(() => acks.delete(ack));
    },
  });
  return async () => {
    await messages.close();
    await Promise.all(acks);
  };
}

function handPublish(
  js: JetStreamClient,
  channel: DurableChannel,
  subject: string,
  body: string | Uint8Array,
  id: string,
  hdrs?: ReturnType<typeof createHeaders>,
): Promise<unknown> {
  return js.publish(subject, body, {
    msgID: id,
    expect: { streamName: channel.stream },
    ...(hdrs === undefined ? {} : { headers: hdrs }),
  });
}

/** Gateway request queue (`queueGatewayRequest` → `receiveGatewayRequest`): headers carry the request id. */
export const GATEWAY_VARIANTS: readonly DurableVariant[] = [
  {
    name: 'raw',
    worker: (nc, channel, tenant, hit) =>
      handWorker(nc, channel, tenant, 'raw', () => {
        hit();
        return true;
      }),
    sender(nc, channel, tenant) {
      const js = jetstream(nc);
      const subject = `${channel.prefix}.${tenant}`;
      const body = encoder.encode(JSON.stringify(CHAT_REQUEST));
      return (id) => {
        const hdrs = createHeaders();
        hdrs.set('request_id', id);
        hdrs.set('model', CHAT_REQUEST.model);
        hdrs.set('priority', 'normal');
        return handPublish(js, channel, subject, body, id, hdrs);
      };
    },
  },
  {
    name: 'hand',
    worker: (nc, channel, tenant, hit) =>
      handWorker(nc, channel, tenant, 'hand', (m) => {
        const hdrs = m.headers;
        const headers = ChatCompletionRequestHeadersSchema.safeParse({
          request_id: hdrs?.get('request_id'),
          model: hdrs?.get('model'),
          priority: hdrs?.get('priority'),
        });
        const payload = ChatCompletionRequestSchema.safeParse(m.json());
        if (!headers.success || !payload.success) return false;
        hit();
        return true;
      }),
    sender(nc, channel, tenant) {
      const js = jetstream(nc);
      return (id) => {
        const given = chatHeaders(id);
        const headers = ChatCompletionRequestHeadersSchema.safeParse(given);
        if (!headers.success) throw headers.error;
        const payload = ChatCompletionRequestSchema.safeParse(CHAT_REQUEST);
        if (!payload.success) throw payload.error;
        const hdrs = createHeaders();
        hdrs.set('request_id', given.request_id);
        hdrs.set('model', given.model);
        hdrs.set('priority', String(given.priority));
        return handPublish(js, channel, `${channel.prefix}.${tenant}`, JSON.stringify(CHAT_REQUEST), id, hdrs);
      };
    },
  },
  {
    name: 'generated',
    async worker(nc, _channel, tenant, hit) {
      const server = new AiSdkServer(nc);
      server.receiveGatewayRequest({ params: { tenant_id: tenant }, handler: hit });
      return () => server.drain();
    },
    sender(nc, _channel, tenant) {
      const client = new AiSdkClient(nc);
      return (id) =>
        client.queueGatewayRequest({ params: { tenant_id: tenant }, headers: chatHeaders(id), payload: CHAT_REQUEST });
    },
  },
];

/** RAG ingestion (`ingestDocument` → `receiveDocument`): no headers; the message id is generated per call. */
export const INGEST_VARIANTS: readonly DurableVariant[] = [
  {
    name: 'raw',
    worker: (nc, channel, tenant, hit) =>
      handWorker(nc, channel, tenant, 'raw', () => {
        hit();
        return true;
      }),
    sender(nc, channel, tenant) {
      const js = jetstream(nc);
      const subject = `${channel.prefix}.${tenant}`;
      const body = encoder.encode(JSON.stringify(RAG_DOCUMENT));
      return () => handPublish(js, channel, subject, body, crypto.randomUUID());
    },
  },
  {
    name: 'hand',
    worker: (nc, channel, tenant, hit) =>
      handWorker(nc, channel, tenant, 'hand', (m) => {
        if (!RagDocumentSchema.safeParse(m.json()).success) return false;
        hit();
        return true;
      }),
    sender(nc, channel, tenant) {
      const js = jetstream(nc);
      return () => {
        const payload = RagDocumentSchema.safeParse(RAG_DOCUMENT);
        if (!payload.success) throw payload.error;
        return handPublish(
          js,
          channel,
          `${channel.prefix}.${tenant}`,
          JSON.stringify(RAG_DOCUMENT),
          crypto.randomUUID(),
        );
      };
    },
  },
  {
    name: 'generated',
    async worker(nc, _channel, tenant, hit) {
      const server = new AiSdkServer(nc);
      server.receiveDocument({ params: { tenant_id: tenant }, handler: hit });
      return () => server.drain();
    },
    sender(nc, _channel, tenant) {
      const client = new AiSdkClient(nc);
      return () => client.ingestDocument({ params: { tenant_id: tenant }, payload: RAG_DOCUMENT });
    },
  },
];

/** The queue group of the guide's request queue on core NATS (the subject is {@link GATEWAY_REQUESTS}'s). */
const GATEWAY_QUEUE = 'gateway.workers';

/** The `request_id` of the `i`-th core request (no message id on core NATS; each request still has its own). */
function coreRequestId(i: number): string {
  return `core-${i}`;
}

/**
 * What the bench uses of the generated core gateway module. It is generated at run time, outside the
 * type-checked sources, so its shape is declared here.
 */
export interface CoreGatewayModule {
  readonly AiSdkClient: new (
    nc: NatsConnection,
  ) => {
    queueGatewayRequest(args: {
      params: { tenant_id: string };
      headers: ChatCompletionRequestHeaders;
      payload: ChatCompletionRequest;
    }): unknown;
  };
  readonly AiSdkServer: new (
    nc: NatsConnection,
  ) => {
    receiveGatewayRequest(args: { params: { tenant_id: string }; handler: () => void }): unknown;
    drain(): Promise<void>;
  };
}

const root = path.resolve(import.meta.dirname, '..');
/**
 * Where the bench writes the code it generates: gitignored, and inside this package, so that the
 * generated `import … from 'asyncapi-nats/runtime'` resolves through the package's self-reference to
 * this repo's built runtime (dist/runtime), the same runtime generated/ai-sdk runs on in the bench.
 */
const GENERATED_DIR = path.join(root, 'bench', '.generated');
/** The keys that make the gateway request queue durable in spec/ai-sdk.asyncapi.yaml. */
const GATEWAY_DURABLE_KEYS = [
  ['channels', 'gatewayRequests', 'x-nats-jetstream'],
  ['operations', 'queueGatewayRequest', 'x-nats-jetstream'],
  ['operations', 'receiveGatewayRequest', 'x-nats-jetstream'],
] as const;

/**
 * Generates client, server and schemas for spec/ai-sdk.asyncapi.yaml without the `x-nats-jetstream`
 * keys of the gateway request queue (the spec file is not touched; the edited copy is written next to
 * the output because `generate` reads a file), and imports it. `queueGatewayRequest` is then a core
 * publish with the three headers, `receiveGatewayRequest` a core subscription in `gateway.workers`.
 */
export async function generateCoreGateway(): Promise<CoreGatewayModule> {
  const doc = parseDocument(await readFile(path.join(root, 'spec', 'ai-sdk.asyncapi.yaml'), 'utf8'));
  for (const key of GATEWAY_DURABLE_KEYS) {
    if (!doc.hasIn(key)) throw new Error(`spec/ai-sdk.asyncapi.yaml has no '${key.join('.')}' to remove`);
    doc.deleteIn(key);
  }
  await mkdir(GENERATED_DIR, { recursive: true });
  const spec = path.join(GENERATED_DIR, 'ai-sdk-core.asyncapi.yaml');
  await writeFile(spec, doc.toString());
  const { outDir } = await generate({
    spec,
    out: path.join(GENERATED_DIR, 'ai-sdk-core'),
    outputs: ['client', 'server', 'schemas'],
    cwd: root,
  });
  const module = (await import(pathToFileURL(path.join(outDir, 'index.ts')).href)) as Partial<CoreGatewayModule>;
  if (typeof module.AiSdkClient !== 'function' || typeof module.AiSdkServer !== 'function') {
    throw new Error(`${path.relative(root, outDir)}/index.ts exports no AiSdkClient and AiSdkServer`);
  }
  return module as CoreGatewayModule;
}

/**
 * The guide's request queuing on core NATS (`queueGatewayRequest` → `receiveGatewayRequest` of the
 * generated core variant): headers `request_id`, `model`, `priority`; workers in queue group
 * `gateway.workers`.
 */
export function gatewayCoreVariants(generated: CoreGatewayModule): readonly OneWayVariant[] {
  return [
    {
      name: 'raw',
      subscribe(nc, tenant, hit) {
        const sub = nc.subscribe(`${GATEWAY_REQUESTS.prefix}.${tenant}`, {
          queue: GATEWAY_QUEUE,
          callback: (err) => {
            if (err !== null) throw err;
            hit();
          },
        });
        return () => sub.drain();
      },
      publisher(nc, tenant) {
        const subject = `${GATEWAY_REQUESTS.prefix}.${tenant}`;
        const body = encoder.encode(JSON.stringify(CHAT_REQUEST));
        return (i) => {
          const hdrs = createHeaders();
          hdrs.set('request_id', coreRequestId(i));
          hdrs.set('model', CHAT_REQUEST.model);
          hdrs.set('priority', 'normal');
          nc.publish(subject, body, { headers: hdrs });
        };
      },
    },
    {
      name: 'hand',
      subscribe(nc, tenant, hit) {
        const sub = nc.subscribe(`${GATEWAY_REQUESTS.prefix}.${tenant}`, {
          queue: GATEWAY_QUEUE,
          callback: (err, msg) => {
            if (err !== null) throw err;
            const hdrs = msg.headers;
            const headers = ChatCompletionRequestHeadersSchema.safeParse({
              request_id: hdrs?.get('request_id'),
              model: hdrs?.get('model'),
              priority: hdrs?.get('priority'),
            });
            const payload = ChatCompletionRequestSchema.safeParse(msg.json());
            if (headers.success && payload.success) hit();
          },
        });
        return () => sub.drain();
      },
      publisher(nc, tenant) {
        return (i) => {
          const given = chatHeaders(coreRequestId(i));
          const headers = ChatCompletionRequestHeadersSchema.safeParse(given);
          if (!headers.success) throw headers.error;
          const payload = ChatCompletionRequestSchema.safeParse(CHAT_REQUEST);
          if (!payload.success) throw payload.error;
          const hdrs = createHeaders();
          hdrs.set('request_id', given.request_id);
          hdrs.set('model', given.model);
          hdrs.set('priority', String(given.priority));
          nc.publish(`${GATEWAY_REQUESTS.prefix}.${tenant}`, JSON.stringify(CHAT_REQUEST), { headers: hdrs });
        };
      },
    },
    {
      name: 'generated',
      subscribe(nc, tenant, hit) {
        const server = new generated.AiSdkServer(nc);
        server.receiveGatewayRequest({ params: { tenant_id: tenant }, handler: hit });
        return () => server.drain();
      },
      publisher(nc, tenant) {
        const client = new generated.AiSdkClient(nc);
        return (i) => {
          client.queueGatewayRequest({
            params: { tenant_id: tenant },
            headers: chatHeaders(coreRequestId(i)),
            payload: CHAT_REQUEST,
          });
        };
      },
    },
  ];
}
