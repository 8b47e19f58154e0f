/**
 * RAG flows of the guide through the generated ai-sdk module: document ingestion (durable: stream
 * `AI_RAG_INGEST`, a generated message id per document), query processing and results by
 * request/reply (core NATS), and tenants: one ingestion worker serving every tenant (`wildcard`).
 *
 * The wildcard worker runs against a nats-server of its own: on the shared server its consumer (filter
 * `ai.rag.ingest.*`) would overlap every per-tenant consumer of the work-queue stream, which the server
 * refuses, and break the other files' ingestion tests.
 */
import { afterEach, describe, expect, expectTypeOf, test } from 'vitest';
import {
  AiSdkClient,
  AiSdkServer,
  type RagResults,
  type ReceiveDocumentReceived,
  type ReceiveRagQueryReceived,
  type ReplyRagResultsReceived,
} from '../../generated/ai-sdk/index.js';
import { connect, type ErrorEvent, wildcard } from '../../runtime/index.js';
import { startServer } from '../harness/servers.js';
import { waitFor } from '../harness/util.js';
import {
  Connections,
  consumerSettled,
  DURABLE,
  flushAll,
  ragDocument,
  ragQuery,
  ragResults,
  recording,
  settle,
  storedFor,
  tenant,
} from './helpers.js';

const conns = new Connections();
afterEach(() => conns.close());

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('rag - document ingestion and queries', () => {
  test('rag - an ingested document reaches an ingestion worker unchanged, under a generated message id', async () => {
    const t = tenant();
    const { server, errors } = await conns.worker();
    const got: ReceiveDocumentReceived[] = [];
    const handle = server.receiveDocument({ params: { tenant_id: t }, handler: (m) => void got.push(m) });
    expect(handle.subject).toBe(`ai.rag.ingest.${t}`);
    expect(handle.queue).toBe(`rag-ingest-workers_${t}`);

    const doc = ragDocument();
    const minimal = ragDocument({ chunking: { strategy: 'sentence' } });
    delete minimal.title;
    delete minimal.metadata;
    const client = new AiSdkClient(await conns.runtime());
    const acks = [
      await client.ingestDocument({ params: { tenant_id: t }, payload: doc }),
      await client.ingestDocument({ params: { tenant_id: t }, payload: minimal }),
    ];
    // The spec names no message-id source for documents: each call gets a fresh UUID.
    for (const ack of acks) {
      expect(ack).toEqual({
        stream: 'AI_RAG_INGEST',
        seq: expect.any(Number),
        duplicate: false,
        messageId: expect.stringMatching(UUID),
        attempts: 1,
      });
    }
    expect(acks[0]?.messageId).not.toBe(acks[1]?.messageId);
    await waitFor('both documents', () => got.length === 2);
    expect(got.map((m) => m.payload)).toEqual([doc, minimal]);
    expect(got.map((m) => m.messageId)).toEqual(acks.map((a) => a.messageId));
    expect(got.map((m) => m.deliveryCount)).toEqual([1, 1]);
    expect(got[0]?.params).toEqual({ tenant_id: t });
    expect(errors.events).toEqual([]);
    await server.drain();
  });

  test('rag - a published query reaches a query worker', async () => {
    const t = tenant();
    const { nc: worker, server, errors } = await conns.worker();
    const got: ReceiveRagQueryReceived[] = [];
    const handle = server.receiveRagQuery({ params: { tenant_id: t }, handler: (m) => void got.push(m) });
    expect(handle.subject).toBe(`ai.rag.queries.${t}`);
    expect(handle.queue).toBe('rag.query.workers');
    await worker.flush();

    const q = ragQuery('how do I rotate keys?', { namespace: 'docs' });
    new AiSdkClient(await conns.runtime()).publishRagQuery({ params: { tenant_id: t }, payload: q });
    await waitFor('the query', () => got.length === 1);
    expect(got[0]?.payload).toEqual(q);
    expect(errors.events).toEqual([]);
    await server.drain();
  });

  test('rag - requestRagResults resolves the typed results the worker replies with', async () => {
    const t = tenant();
    const { nc: worker, server, errors } = await conns.worker();
    const asked: ReplyRagResultsReceived[] = [];
    const handle = server.replyRagResults({
      params: { tenant_id: t },
      handler: (m) => {
        asked.push(m);
        return ragResults(m.payload);
      },
    });
    expect(handle.subject).toBe(`ai.rag.results.${t}`);
    expect(handle.queue).toBe('rag.results.workers');
    await worker.flush();

    const rec = recording(await conns.runtime());
    const client = new AiSdkClient(rec.nc);
    const q = ragQuery();
    const results = await client.requestRagResults({ params: { tenant_id: t }, payload: q });
    expectTypeOf(results).toEqualTypeOf<RagResults>();
    expect(results).toEqual(ragResults(q));
    expect(results.query_id).toBe(q.query_id);
    expect(results.results[0]?.score).toBe(0.92);
    expect(asked.map((m) => m.payload)).toEqual([q]);
    // The spec's timeout for this operation (30 s) is the one passed to the client.
    const req = rec.calls.find((c) => c.method === 'request');
    expect(req?.args[0]).toBe(`ai.rag.results.${t}`);
    expect((req?.args[2] as { timeout?: number } | undefined)?.timeout).toBe(30_000);
    expect(errors.events).toEqual([]);
    await server.drain();
  });
});

describe('rag - tenants', () => {
  test('rag - on a server of its own, a wildcard ingestion worker receives two tenants and m.params.tenant_id tells them apart', async () => {
    const server = await startServer();
    const nc = await connect({ servers: server.url, retry: { attempts: 1 } });
    try {
      const [a, b] = [tenant(), tenant()];
      const errors: ErrorEvent[] = [];
      const got: ReceiveDocumentReceived[] = [];
      const worker = new AiSdkServer(nc, { onError: (e) => errors.push(e) });
      const handle = worker.receiveDocument({ params: { tenant_id: wildcard }, handler: (m) => void got.push(m) });
      // A wildcard worker takes the spec's consumer name as is, filtered to every tenant.
      expect(handle.subject).toBe('ai.rag.ingest.*');
      expect(handle.queue).toBe('rag-ingest-workers');

      const client = new AiSdkClient(nc);
      const docs = { [a]: [ragDocument(), ragDocument(), ragDocument()], [b]: [ragDocument(), ragDocument()] };
      for (const [t, list] of Object.entries(docs)) {
        for (const doc of list) await client.ingestDocument({ params: { tenant_id: t }, payload: doc });
      }
      await waitFor('five documents', () => got.length === 5);
      for (const t of [a, b]) {
        const mine = got.filter((m) => m.params.tenant_id === t);
        expect(mine.map((m) => m.payload)).toEqual(docs[t]);
        for (const m of mine) expect(m.subject).toBe(`ai.rag.ingest.${t}`);
      }
      expect(errors).toEqual([]);
      await worker.drain();
    } finally {
      await nc.close();
      await server.dispose();
    }
  });

  test("rag - an ingestion worker bound to one tenant never takes another tenant's documents", async () => {
    const [a, b] = [tenant(), tenant()];
    const jsm = await conns.jsm();
    const { server, errors } = await conns.worker();
    const got: string[] = [];
    const handle = server.receiveDocument({
      params: { tenant_id: a },
      handler: (m) => void got.push(m.payload.title ?? ''),
    });
    const client = new AiSdkClient(await conns.runtime());
    await client.ingestDocument({ params: { tenant_id: b }, payload: ragDocument({ title: 'for b' }) });
    await client.ingestDocument({ params: { tenant_id: a }, payload: ragDocument({ title: 'for a' }) });
    await waitFor('the document for a', () => got.length === 1);
    await consumerSettled(jsm, DURABLE.ragIngest, handle.queue ?? '');
    expect(got).toEqual(['for a']);
    // b's document is still stored, waiting for a worker of b: a's consumer filter never matched it.
    expect(await storedFor(jsm, DURABLE.ragIngest, `ai.rag.ingest.${b}`)).toBe(1);
    expect(await storedFor(jsm, DURABLE.ragIngest, `ai.rag.ingest.${a}`)).toBe(0);
    expect(errors.events).toEqual([]);
    await server.drain();
  });

  test('rag - a worker bound to one tenant never sees another tenant', async () => {
    const [a, b] = [tenant(), tenant()];
    const worker = await conns.runtime();
    const got: string[] = [];
    const server = new AiSdkServer(worker, { onError: () => {} });
    server.receiveRagQuery({ params: { tenant_id: a }, handler: (m) => void got.push(m.payload.query) });
    await worker.flush();
    const sender = await conns.runtime();
    const client = new AiSdkClient(sender);
    client.publishRagQuery({ params: { tenant_id: b }, payload: ragQuery('for b') });
    client.publishRagQuery({ params: { tenant_id: a }, payload: ragQuery('for a') });
    await waitFor('the query for a', () => got.length === 1);
    await flushAll(sender, worker);
    await settle();
    expect(got).toEqual(['for a']);
    await server.drain();
  });

  test('rag - a non-ASCII tenant id is a valid token and works end to end', async () => {
    const t = `${tenant()}-müller-東京`;
    const worker = await conns.runtime();
    const server = new AiSdkServer(worker, { onError: () => {} });
    server.replyRagResults({ params: { tenant_id: t }, handler: (m) => ragResults(m.payload) });
    await worker.flush();
    const q = ragQuery();
    const results = await new AiSdkClient(await conns.runtime()).requestRagResults({
      params: { tenant_id: t },
      payload: q,
    });
    expect(results).toEqual(ragResults(q));
    await server.drain();
  });
});
