/**
 * A RAG worker (the guide's "RAG System") over an in-memory index: no vector database, no embeddings;
 * a chunk's score is the share of the query's words it contains.
 *
 * - `receiveDocument`: the durable ingestion queue (JetStream, consumer shared by every ingestion worker):
 *   splits the document into chunks and indexes them; acked when the handler resolves.
 * - `replyRagResults`: request/reply in queue group `rag.results.workers`: answers a query with the best
 *   chunks (the caller waits up to the spec's 30 s).
 */
import type { NatsConnection } from 'asyncapi-nats/runtime';
import { AiSdkServer, type Metadata, type RagResult, type RagResults } from '../../generated/ai-sdk/index.js';
import { errorText, type Log, short } from './trace.js';

export interface RagWorkerOptions {
  readonly tenant: string;
  readonly log: Log;
  /** Called once a document is indexed (the example waits for it). */
  readonly onIndexed?: (documentId: string) => void;
}

interface Chunk {
  readonly document_id: string;
  readonly chunk_id: string;
  readonly content: string;
  readonly metadata: Metadata;
  readonly words: ReadonlySet<string>;
}

export function startRagWorker(nc: NatsConnection, options: RagWorkerOptions): AiSdkServer {
  const { tenant, log } = options;
  const name = 'rag';
  /** document_id → its chunks. */
  const index = new Map<string, Chunk[]>();
  const server = new AiSdkServer(nc, {
    onError: (e) => log(name, `✗ ${e.kind} on ${e.operation}: ${errorText(e.error)}`),
  });
  const params = { tenant_id: tenant };

  const ingest = server.receiveDocument({
    params,
    handler: ({ payload: doc, messageId, deliveryCount }) => {
      // Indexing a document again replaces it, so a redelivery (same messageId after a lost ack) is harmless.
      const chunks = splitIntoChunks(doc.content).map((content, i) => ({
        document_id: doc.document_id,
        chunk_id: `${doc.document_id}#${i}`,
        content,
        metadata: doc.metadata ?? {},
        words: words(content),
      }));
      index.set(doc.document_id, chunks);
      log(
        name,
        `← receiveDocument ${doc.document_id} (messageId ${short(messageId)}, delivery ${deliveryCount}): ` +
          `${chunks.length} chunks indexed`,
      );
      options.onIndexed?.(doc.document_id);
    },
  });
  log(name, `receiveDocument on ${ingest.subject}, durable consumer ${ingest.queue}`);

  const queries = server.replyRagResults({
    params,
    handler: ({ payload: query }) => {
      const started = performance.now();
      // The spec's defaults (top_k 5, include_content true) are the handler's to apply.
      const topK = query.top_k ?? 5;
      const withContent = query.include_content ?? true;
      const asked = words(query.query);
      const matches = [...index.values()]
        .flat()
        .filter((chunk) => Object.entries(query.filters ?? {}).every(([key, value]) => chunk.metadata[key] === value))
        .map((chunk) => ({
          chunk,
          score: [...asked].filter((w) => chunk.words.has(w)).length / Math.max(1, asked.size),
        }))
        .filter((match) => match.score > 0)
        .sort((a, b) => b.score - a.score);
      const results = matches.slice(0, topK).map(({ chunk, score }): RagResult => {
        const result: RagResult = {
          document_id: chunk.document_id,
          chunk_id: chunk.chunk_id,
          score: Math.round(score * 100) / 100,
          metadata: chunk.metadata,
        };
        if (withContent) result.content = chunk.content;
        return result;
      });
      const reply: RagResults = {
        query_id: query.query_id,
        results,
        took_ms: Math.round(performance.now() - started),
        total: matches.length,
      };
      log(name, `← requestRagResults "${query.query}": ${matches.length} chunks match, replied with ${results.length}`);
      return reply;
    },
  });
  log(name, `replyRagResults on ${queries.subject}, queue group ${queries.queue}`);

  return server;
}

/** Lines and sentences, without Markdown heading marks. */
function splitIntoChunks(content: string): string[] {
  return content
    .split(/\n+|(?<=[.!?])\s+/)
    .map((part) => part.replace(/^#+\s*/, '').trim())
    .filter((part) => part !== '');
}

const STOP_WORDS = new Set(['the', 'and', 'how', 'with', 'for', 'you', 'does', 'not', 'what', 'when']);

/** Lower-case words of three letters or more, without the commonest ones. */
function words(text: string): Set<string> {
  return new Set((text.toLowerCase().match(/[a-z0-9]{3,}/g) ?? []).filter((w) => !STOP_WORDS.has(w)));
}
