/**
 * The three ways section 1 sends a RAG query and answers a RAG results request, on the same subjects,
 * queue groups, payloads and connections:
 * - `raw`: the NATS client alone; the JSON text is encoded once up front and nobody decodes it;
 * - `hand`: the NATS client with the work the generated code does, written by hand: validate the
 *   payload with the generated zod schema and `JSON.stringify` it on send, `msg.json()` and validate
 *   on receive (both ways for request/reply);
 * - `generated`: `AiSdkClient` / `AiSdkServer` from generated/ai-sdk.
 */

import type { NatsConnection } from 'asyncapi-nats/runtime';
import { AiSdkClient, AiSdkServer, RagQuerySchema, RagResultsSchema } from '../generated/ai-sdk/index.js';
import { RAG_QUERY, RAG_RESULTS } from './fixtures.js';
import type { Stop } from './measure.js';

export type VariantName = 'raw' | 'hand' | 'generated';

/** One way of doing the section's work. */
export interface CoreVariant {
  readonly name: VariantName;
  /** Subscribes `tenant`'s RAG queries (queue group `rag.query.workers`), calling `hit` per valid message. */
  subscribe(nc: NatsConnection, tenant: string, hit: () => void): Stop;
  /** A function that publishes one RAG query for `tenant`. */
  publisher(nc: NatsConnection, tenant: string): (i: number) => void;
  /** Answers `tenant`'s RAG results requests (queue group `rag.results.workers`). */
  serve(nc: NatsConnection, tenant: string): Stop;
  /** A function that sends one request and resolves its (validated) reply. */
  requester(nc: NatsConnection, tenant: string): () => Promise<unknown>;
}

const QUERY_QUEUE = 'rag.query.workers';
const RESULTS_QUEUE = 'rag.results.workers';
const TIMEOUT_MS = 30_000;
const encoder = new TextEncoder();

function failOnError(err: Error | null): void {
  if (err !== null) throw err;
}

export const raw: CoreVariant = {
  name: 'raw',
  subscribe(nc, tenant, hit) {
    const sub = nc.subscribe(`ai.rag.queries.${tenant}`, {
      queue: QUERY_QUEUE,
      callback: (err) => {
        failOnError(err);
        hit();
      },
    });
    return () => sub.drain();
  },
  publisher(nc, tenant) {
    const subject = `ai.rag.queries.${tenant}`;
    const body = encoder.encode(JSON.stringify(RAG_QUERY));
    return () => nc.publish(subject, body);
  },
  serve(nc, tenant) {
    const body = encoder.encode(JSON.stringify(RAG_RESULTS));
    const sub = nc.subscribe(`ai.rag.results.${tenant}`, {
      queue: RESULTS_QUEUE,
      callback: (err, msg) => {
        failOnError(err);
        msg.respond(body);
      },
    });
    return () => sub.drain();
  },
  requester(nc, tenant) {
    const subject = `ai.rag.results.${tenant}`;
    const body = encoder.encode(JSON.stringify(RAG_QUERY));
    return () => nc.request(subject, body, { timeout: TIMEOUT_MS });
  },
};

export const hand: CoreVariant = {
  name: 'hand',
  subscribe(nc, tenant, hit) {
    const sub = nc.subscribe(`ai.rag.queries.${tenant}`, {
      queue: QUERY_QUEUE,
      callback: (err, msg) => {
        failOnError(err);
        const query = RagQuerySchema.safeParse(msg.json());
        if (query.success) hit();
      },
    });
    return () => sub.drain();
  },
  publisher(nc, tenant) {
    return () => {
      const checked = RagQuerySchema.safeParse(RAG_QUERY);
      if (!checked.success) throw checked.error;
      nc.publish(`ai.rag.queries.${tenant}`, JSON.stringify(RAG_QUERY));
    };
  },
  serve(nc, tenant) {
    const sub = nc.subscribe(`ai.rag.results.${tenant}`, {
      queue: RESULTS_QUEUE,
      callback: (err, msg) => {
        failOnError(err);
        const query = RagQuerySchema.safeParse(msg.json());
        if (!query.success) throw query.error;
        const checked = RagResultsSchema.safeParse(RAG_RESULTS);
        if (!checked.success) throw checked.error;
        msg.respond(JSON.stringify(RAG_RESULTS));
      },
    });
    return () => sub.drain();
  },
  requester(nc, tenant) {
    return async () => {
      const checked = RagQuerySchema.safeParse(RAG_QUERY);
      if (!checked.success) throw checked.error;
      const reply = await nc.request(`ai.rag.results.${tenant}`, JSON.stringify(RAG_QUERY), { timeout: TIMEOUT_MS });
      const results = RagResultsSchema.safeParse(reply.json());
      if (!results.success) throw results.error;
      return results.data;
    };
  },
};

export const generated: CoreVariant = {
  name: 'generated',
  subscribe(nc, tenant, hit) {
    const server = new AiSdkServer(nc);
    server.receiveRagQuery({ params: { tenant_id: tenant }, handler: hit });
    return () => server.drain();
  },
  publisher(nc, tenant) {
    const client = new AiSdkClient(nc);
    return () => client.publishRagQuery({ params: { tenant_id: tenant }, payload: RAG_QUERY });
  },
  serve(nc, tenant) {
    const server = new AiSdkServer(nc);
    server.replyRagResults({ params: { tenant_id: tenant }, handler: () => RAG_RESULTS });
    return () => server.drain();
  },
  requester(nc, tenant) {
    const client = new AiSdkClient(nc);
    return () => client.requestRagResults({ params: { tenant_id: tenant }, payload: RAG_QUERY });
  },
};

export const CORE_VARIANTS: readonly CoreVariant[] = [raw, hand, generated];
