/**
 * RAG flows of the guide through the generated ai-sdk module: document ingestion, query processing,
 * results by request/reply, and one worker serving every tenant (`wildcard`).
 *
 * The only `wildcard` registration of the e2e suite (receiveDocument) lives here: a wildcard member of
 * the queue group `rag.ingest.workers` would take its share of every tenant's documents, so no other
 * file registers receiveDocument.
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
import { wildcard } from '../../runtime/index.js';
import { waitFor } from '../harness/util.js';
import { Connections, flushAll, ragDocument, ragQuery, ragResults, recording, settle, tenant } from './helpers.js';

const conns = new Connections();
afterEach(() => conns.close());

describe('rag - document ingestion and queries', () => {
  test('rag - an ingested document reaches an ingestion worker unchanged', async () => {
    const t = tenant();
    const { nc: worker, server, errors } = await conns.worker();
    const got: ReceiveDocumentReceived[] = [];
    const handle = server.receiveDocument({ params: { tenant_id: t }, handler: (m) => void got.push(m) });
    expect(handle.subject).toBe(`ai.rag.ingest.${t}`);
    expect(handle.queue).toBe('rag.ingest.workers');
    await worker.flush();

    const doc = ragDocument();
    const minimal = ragDocument({ chunking: { strategy: 'sentence' } });
    delete minimal.title;
    delete minimal.metadata;
    const client = new AiSdkClient(await conns.runtime());
    client.ingestDocument({ params: { tenant_id: t }, payload: doc });
    client.ingestDocument({ params: { tenant_id: t }, payload: minimal });
    await waitFor('both documents', () => got.length === 2);
    expect(got.map((m) => m.payload)).toEqual([doc, minimal]);
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
  test('rag - a wildcard worker receives two tenants and m.params.tenant_id tells them apart', async () => {
    const [a, b] = [tenant(), tenant()];
    const { nc: worker, server, errors } = await conns.worker();
    const got: ReceiveDocumentReceived[] = [];
    const handle = server.receiveDocument({
      params: { tenant_id: wildcard },
      // Other test files ingest for their own tenants on the same server: keep only ours.
      handler: (m) => {
        if (m.params.tenant_id === a || m.params.tenant_id === b) got.push(m);
      },
    });
    expect(handle.subject).toBe('ai.rag.ingest.*');
    await worker.flush();

    const client = new AiSdkClient(await conns.runtime());
    const docs = { [a]: [ragDocument(), ragDocument(), ragDocument()], [b]: [ragDocument(), ragDocument()] };
    for (const [t, list] of Object.entries(docs)) {
      for (const doc of list) client.ingestDocument({ params: { tenant_id: t }, payload: doc });
    }
    await waitFor('five documents', () => got.length === 5);
    for (const t of [a, b]) {
      const mine = got.filter((m) => m.params.tenant_id === t);
      expect(mine.map((m) => m.payload)).toEqual(docs[t]);
      for (const m of mine) expect(m.subject).toBe(`ai.rag.ingest.${t}`);
    }
    expect(errors.events.filter((e) => e.subject.endsWith(a) || e.subject.endsWith(b))).toEqual([]);
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
