/**
 * Shared pieces of the end-to-end tests of the generated ai-sdk module: valid payloads, per-test
 * tenants, connections that are closed after each test, a `>` spy and a call recorder.
 *
 * Every e2e file shares one nats-server with the other test files, which run in parallel; tests
 * therefore use a fresh tenant id each and filter what they observe by it.
 */
import { randomUUID } from 'node:crypto';
import { type Msg, connect as natsConnect } from '@nats-io/transport-node';
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
import { connect, type ErrorEvent, type NatsConnection } from '../../runtime/index.js';

/** A tenant id no other test uses; a valid subject token. */
export function tenant(): string {
  return `e2e-${randomUUID().slice(0, 8)}`;
}

/** Opens connections for one test and closes them all at the end (call `close` in `afterEach`). */
export class Connections {
  readonly #open: NatsConnection[] = [];

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

  async close(): Promise<void> {
    const open = this.#open.splice(0);
    await Promise.all(open.map((nc) => nc.close()));
  }
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
