/**
 * Shared pieces of the end-to-end tests of the generated ai-sdk module: valid payloads, per-test
 * tenants, connections that are closed after each test, the durable (JetStream) channels of the spec
 * with their cleanup, dead-letter lookup, a `>` spy and a call recorder.
 *
 * Every e2e file shares one nats-server with the other test files, which run in parallel; tests
 * therefore use a fresh tenant id each and filter what they observe by it. The server keeps JetStream
 * streams across runs (file storage), so the durable state a test leaves behind is removed by
 * `Connections.close()`: the per-tenant durable consumers of every tenant made by {@link tenant} since
 * the last close, the messages still stored for those tenants, and the dead letters the test read.
 * Durable receivers are never registered with `wildcard` on the shared server: a workqueue stream
 * refuses a second consumer whose filter overlaps, so a wildcard consumer would break every other test.
 */
import { randomUUID } from 'node:crypto';
import { type ConsumerInfo, type JetStreamManager, jetstreamManager, type StoredMsg } from '@nats-io/jetstream';
import { type Msg, type MsgHdrs, connect as natsConnect } from '@nats-io/transport-node';
import { inject } from 'vitest';
import {
  type AgentMessage,
  type AgentTask,
  AiSdkServer,
  type ChatCompletionRequest,
  type ChatCompletionResponse,
  type RagDocument,
  type RagQuery,
  type RagResults,
} from '../../generated/ai-sdk/index.js';
import { connect, type ErrorEvent, type Handle, type NatsConnection } from '../../runtime/index.js';
import { consumerName } from '../../runtime/jetstream-setup.js';

/** Tenants made since the last `Connections.close()`: their durable consumers and messages are removed then. */
const tenants = new Set<string>();
/** Dead letters a test read, deleted at the next `Connections.close()`. */
const deadLettersRead: { readonly stream: string; readonly seq: number }[] = [];

/** A tenant id no other test uses; a valid subject token. Its JetStream state is removed by `Connections.close()`. */
export function tenant(): string {
  const t = `e2e-${randomUUID().slice(0, 8)}`;
  tenants.add(t);
  return t;
}

/** A durable channel of the ai-sdk spec, as spec/ai-sdk.asyncapi.yaml declares it (`x-nats-jetstream`). */
export interface DurableChannel {
  /** Stream that stores the channel. */
  readonly stream: string;
  /** The receive operation's consumer name; a worker for one tenant uses `<consumer>_<tenant>`. */
  readonly consumer: string;
  /** The channel address without its `{tenant_id}` token. */
  readonly prefix: string;
  /** Dead-letter subject and the stream that stores it. */
  readonly deadLetter: string;
  readonly deadLetterStream: string;
}

/** The three durable channels: task distribution, the gateway request queue and RAG ingestion. */
export const DURABLE = {
  agentTasks: {
    stream: 'AI_AGENT_TASKS',
    consumer: 'agent-workers',
    prefix: 'ai.agent.tasks',
    deadLetter: 'ai.dead.agent.tasks',
    deadLetterStream: 'AI_AGENT_TASKS_DEAD_LETTER',
  },
  gatewayRequests: {
    stream: 'AI_GATEWAY_REQUESTS',
    consumer: 'gateway-workers',
    prefix: 'ai.gateway.requests',
    deadLetter: 'ai.dead.gateway.requests',
    deadLetterStream: 'AI_GATEWAY_REQUESTS_DEAD_LETTER',
  },
  ragIngest: {
    stream: 'AI_RAG_INGEST',
    consumer: 'rag-ingest-workers',
    prefix: 'ai.rag.ingest',
    deadLetter: 'ai.dead.rag.ingest',
    deadLetterStream: 'AI_RAG_INGEST_DEAD_LETTER',
  },
} as const satisfies Record<string, DurableChannel>;

/** The channel's subject for tenant `t`. */
export function subjectOf(channel: DurableChannel, t: string): string {
  return `${channel.prefix}.${t}`;
}

/** The durable consumer a worker registered for tenant `t` shares (what its `Handle.queue` says). */
export function consumerOf(channel: DurableChannel, t: string): string {
  return consumerName({ durable: channel.consumer }, ['tenant_id'], { tenant_id: t });
}

/** Opens connections for one test and closes them all at the end (call `close` in `afterEach`). */
export class Connections {
  readonly #open: NatsConnection[] = [];
  #jsm: Promise<JetStreamManager> | undefined;

  /** A connection made with the runtime's `connect` (what generated code is meant to use). */
  async runtime(): Promise<NatsConnection> {
    const nc = await connect({ servers: inject('natsUrl'), retry: { attempts: 1 } });
    this.#open.push(nc);
    return nc;
  }

  /** A connection made with plain `@nats-io/transport-node`, as a non-generated peer would. */
  async plain(): Promise<NatsConnection> {
    const nc = await natsConnect({ servers: inject('natsUrl') });
    this.#open.push(nc);
    return nc;
  }

  /** A generated server on a fresh runtime connection, with its `onError` events collected. */
  async worker(): Promise<{ readonly nc: NatsConnection; readonly server: AiSdkServer; readonly errors: ErrorLog }> {
    const nc = await this.runtime();
    const errors = errorLog();
    return { nc, server: new AiSdkServer(nc, { onError: errors.onError }), errors };
  }

  /** A plain JetStream manager, to look at streams and consumers as an operator would (one per test). */
  jsm(): Promise<JetStreamManager> {
    this.#jsm ??= this.plain().then((nc) => jetstreamManager(nc));
    return this.#jsm;
  }

  /**
   * Closes every connection (which ends their subscriptions and durable workers), then removes the
   * durable state of this test's tenants: consumers, stored messages, dead letters read.
   */
  async close(): Promise<void> {
    const open = this.#open.splice(0);
    this.#jsm = undefined;
    await Promise.all(open.map((nc) => nc.close()));
    await cleanUpJetStream();
  }
}

/** Deletes the per-tenant consumers and stored messages of the tenants made since the last call. */
async function cleanUpJetStream(): Promise<void> {
  const made = [...tenants];
  tenants.clear();
  const read = deadLettersRead.splice(0);
  if (made.length === 0 && read.length === 0) return;
  const nc = await natsConnect({ servers: inject('natsUrl') });
  try {
    const jsm = await jetstreamManager(nc);
    const ignore = () => undefined;
    await Promise.all(
      made.flatMap((t) =>
        Object.values(DURABLE).map(async (channel) => {
          // Not found (no worker ran, or the test deleted it already) is the usual case.
          await jsm.consumers.delete(channel.stream, consumerOf(channel, t)).catch(ignore);
          await jsm.streams.purge(channel.stream, { filter: subjectOf(channel, t) }).catch(ignore);
        }),
      ),
    );
    await Promise.all(read.map(({ stream, seq }) => jsm.streams.deleteMessage(stream, seq, false).catch(ignore)));
  } finally {
    await nc.close();
  }
}

/**
 * Waits until the durable consumer behind `handle` exists and at least `workers` pull requests wait
 * on it: the stream exists (so a plain core publish is stored, not lost) and every worker is ready to
 * take messages (so the server spreads them over all of them).
 */
export async function consumerReady(
  jsm: JetStreamManager,
  channel: DurableChannel,
  handle: Handle,
  workers = 1,
): Promise<void> {
  const name = handle.queue;
  if (name === undefined) throw new Error(`handle on '${handle.subject}' has no consumer name`);
  let waiting = -1;
  const check = async () => {
    try {
      waiting = (await jsm.consumers.info(channel.stream, name)).num_waiting;
    } catch {
      waiting = -1;
    }
  };
  await check();
  const deadline = Date.now() + 10_000;
  while (waiting < workers) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${workers} workers on consumer '${name}'`);
    await new Promise((resolve) => setTimeout(resolve, 10));
    await check();
  }
}

/**
 * Waits until the consumer named `name` has nothing left to deliver and nothing awaiting an ack (a
 * handler's ack travels after it returns), and returns its info.
 */
export async function consumerSettled(
  jsm: JetStreamManager,
  channel: DurableChannel,
  name: string,
): Promise<ConsumerInfo> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const info = await jsm.consumers.info(channel.stream, name);
    if ((info.num_pending === 0 && info.num_ack_pending === 0) || Date.now() > deadline) return info;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** How many messages of `subject` the channel's stream holds right now (unacked or never delivered). */
export async function storedFor(jsm: JetStreamManager, channel: DurableChannel, subject: string): Promise<number> {
  const info = await jsm.streams.info(channel.stream, { subjects_filter: subject });
  return info.state.subjects?.[subject] ?? 0;
}

/** The last sequence of `stream`, 0 when it does not exist yet: what is stored later is newer. */
export async function lastSeq(jsm: JetStreamManager, stream: string): Promise<number> {
  try {
    return (await jsm.streams.info(stream)).state.last_seq;
  } catch {
    return 0;
  }
}

/**
 * Waits for `count` dead letters of messages published to `subject`, stored in the channel's dead-letter
 * stream after sequence `after` (see {@link lastSeq}); returns them oldest first. Other tests dead-letter
 * to the same subject meanwhile, so they are told apart by `Nats-Dead-Letter-Subject` (the tenant's
 * subject). They are deleted at the next `Connections.close()`.
 */
export async function deadLetters(
  jsm: JetStreamManager,
  channel: DurableChannel,
  subject: string,
  after: number,
  count: number,
): Promise<StoredMsg[]> {
  const found: StoredMsg[] = [];
  let scanned = after;
  const deadline = Date.now() + 10_000;
  for (;;) {
    const last = await lastSeq(jsm, channel.deadLetterStream);
    for (let seq = scanned + 1; seq <= last; seq++) {
      const msg = await jsm.streams.getMessage(channel.deadLetterStream, { seq }).catch(() => null);
      if (msg?.header.get('Nats-Dead-Letter-Subject') === subject) {
        found.push(msg);
        deadLettersRead.push({ stream: channel.deadLetterStream, seq });
      }
    }
    scanned = Math.max(scanned, last);
    if (found.length >= count) return found;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${count} dead letters of '${subject}'`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Headers as a plain object (values joined with `,`), for exact comparisons. */
export function headersOf(hdrs: MsgHdrs | undefined): Record<string, string> {
  return Object.fromEntries([...(hdrs ?? [])].map(([name, values]) => [name, values.join(',')]));
}

/** Flushes every connection, so that subscriptions are known to the server and publishes have left. */
export async function flushAll(...ncs: NatsConnection[]): Promise<void> {
  await Promise.all(ncs.map((nc) => nc.flush()));
}

/** The short bounded wait used only to prove that something did NOT arrive (after flushing). */
export async function settle(ms = 100): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, ms));
}

/** Records every message on `ai.>` seen by a plain subscriber. */
export async function spyOnAi(nc: NatsConnection): Promise<{ readonly seen: Msg[]; stop(): void }> {
  const seen: Msg[] = [];
  const sub = nc.subscribe('ai.>', {
    callback: (err, msg) => {
      if (err === null) seen.push(msg);
    },
  });
  await nc.flush();
  return { seen, stop: () => sub.unsubscribe() };
}

/** `onError` events of a server, as collected by {@link errorLog}. */
export interface ErrorLog {
  readonly events: ErrorEvent[];
  readonly onError: (e: ErrorEvent) => void;
}

/** Collects `onError` events of a server. */
export function errorLog(): ErrorLog {
  const events: ErrorEvent[] = [];
  return { events, onError: (e) => events.push(e) };
}

/** One call the wrapped connection forwarded to the real one. */
export interface Call {
  readonly method: 'publish' | 'request' | 'subscribe';
  readonly args: readonly unknown[];
}

/**
 * Wraps a real connection and records each `publish`, `request` and `subscribe` before forwarding it
 * unchanged (everything still goes to the server). Used to see what the generated code asked the
 * client for: the timeout of a request, and that a rejected call made no network call at all.
 */
export function recording(nc: NatsConnection): { readonly nc: NatsConnection; readonly calls: Call[] } {
  const calls: Call[] = [];
  const recorded = new Set<PropertyKey>(['publish', 'request', 'subscribe']);
  const proxy = new Proxy(nc, {
    get(target, prop) {
      const value: unknown = Reflect.get(target, prop, target);
      if (typeof value !== 'function') return value;
      if (!recorded.has(prop)) return value.bind(target);
      return (...args: unknown[]) => {
        calls.push({ method: prop as Call['method'], args });
        return value.apply(target, args);
      };
    },
  });
  return { nc: proxy, calls };
}

/** The rejection of `promise`, failing the test if it resolves. */
export async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

/**
 * The rejection of `call()`, failing the test if it throws synchronously or resolves: a durable send
 * (an async method) reports every failure, bad input included, as a rejection.
 */
export async function rejectionOf(call: () => Promise<unknown>): Promise<unknown> {
  let pending: Promise<unknown>;
  try {
    pending = call();
  } catch (error) {
    throw new Error(`expected a rejection, got a synchronous throw: ${messageOf(error)}`);
  }
  return rejection(pending);
}

/** What `fn` throws, failing the test if it returns. */
export function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

/** The message of an error (or the value as text), for comparing exact messages. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

// ---- valid payloads -------------------------------------------------------------------------------

const NOW = '2025-01-15T09:30:00Z';

export function agentMessage(content = 'hello', extra: Partial<AgentMessage> = {}): AgentMessage {
  return {
    message_id: randomUUID(),
    conversation_id: 'conv-1',
    type: 'request',
    content,
    sent_at: NOW,
    ...extra,
  };
}

export function agentTask(extra: Partial<AgentTask> = {}): AgentTask {
  return {
    task_id: randomUUID(),
    type: 'summarize',
    input: { text: 'a long text' },
    priority: 'normal',
    attempt: 1,
    created_at: NOW,
    ...extra,
  };
}

export function chatRequest(content = 'Say hi', extra: Partial<ChatCompletionRequest> = {}): ChatCompletionRequest {
  return {
    model: 'gpt-4o-mini',
    messages: [
      { role: 'system', content: 'You are terse.' },
      { role: 'user', content },
    ],
    temperature: 0.2,
    max_tokens: 16,
    metadata: { team: 'e2e' },
    ...extra,
  };
}

export function chatResponse(content = 'hi', model = 'gpt-4o-mini'): ChatCompletionResponse {
  return {
    id: 'chatcmpl-1',
    object: 'chat.completion',
    created: 1_736_933_400,
    model,
    choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
    usage: { prompt_tokens: 12, completion_tokens: 1, total_tokens: 13 },
  };
}

export function ragDocument(extra: Partial<RagDocument> = {}): RagDocument {
  return {
    document_id: `doc-${randomUUID().slice(0, 8)}`,
    source: 'https://example.com/handbook.md',
    title: 'Handbook',
    content: '# Handbook\n\nUnicode survives: é, 漢字, "quotes" and \\ backslashes.',
    mime_type: 'text/markdown',
    chunking: { strategy: 'fixed', chunk_size: 512, overlap: 32 },
    metadata: { lang: 'en' },
    ingested_at: NOW,
    ...extra,
  };
}

export function ragQuery(query = 'what is the refund policy?', extra: Partial<RagQuery> = {}): RagQuery {
  return { query_id: randomUUID(), query, top_k: 2, include_content: true, filters: { lang: 'en' }, ...extra };
}

export function ragResults(q: RagQuery): RagResults {
  return {
    query_id: q.query_id,
    results: [
      {
        document_id: 'doc-1',
        chunk_id: 'c-7',
        score: 0.92,
        content: 'Refunds within 30 days.',
        metadata: { lang: 'en' },
      },
      { document_id: 'doc-2', chunk_id: 'c-1', score: 0.41, metadata: {} },
    ],
    took_ms: 3,
    total: 17,
  };
}
