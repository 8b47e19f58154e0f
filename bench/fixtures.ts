/**
 * The payloads every variant of a measurement sends: one fixed, valid value per message type, so the
 * generated code and the hand-written baselines encode and validate exactly the same bytes.
 */
import type {
  AgentMessage,
  AgentMessageHeaders,
  ChatCompletionRequest,
  ChatCompletionRequestHeaders,
  RagDocument,
  RagQuery,
  RagResults,
} from '../generated/ai-sdk/index.js';

/** A small RAG query (about 210 bytes of JSON, six fields): the payload of the core measurements. */
export const RAG_QUERY: RagQuery = {
  query_id: '5b0c7a52-3c1e-4f6f-9d2a-8e4b1c7d9f30',
  query: 'How do queue groups share load between NATS subscribers?',
  top_k: 5,
  filters: { lang: 'en', section: 'core' },
  include_content: true,
  namespace: 'docs-main',
};

/** The reply of the request/reply measurements (about 330 bytes). */
export const RAG_RESULTS: RagResults = {
  query_id: RAG_QUERY.query_id,
  results: [
    { document_id: 'doc-17', chunk_id: 'doc-17#3', score: 0.91, metadata: { title: 'Queue groups' } },
    { document_id: 'doc-4', chunk_id: 'doc-4#1', score: 0.78, metadata: { title: 'Subjects' } },
  ],
  took_ms: 3,
  total: 2,
};

/** An agent-to-agent message and its routing headers (the guide's agent messaging). */
export const AGENT_MESSAGE: AgentMessage = {
  message_id: '6f1c2a7e-0d9b-4c1e-9a7b-3f1d2c4b5a69',
  conversation_id: 'conv-1',
  type: 'request',
  content: 'Plan the rollout of the new ingestion pipeline.',
  sent_at: '2026-01-01T12:00:00.000Z',
};
export const AGENT_HEADERS: AgentMessageHeaders = { target_agent_id: 'planner', source_agent_id: 'router' };

/** A queued chat completion and its headers (the guide's gateway request queue). */
export const CHAT_REQUEST: ChatCompletionRequest = {
  model: 'gpt-4o-mini',
  messages: [
    { role: 'system', content: 'You are terse.' },
    { role: 'user', content: 'Summarise the incident report in one line.' },
  ],
  temperature: 0.2,
  max_tokens: 64,
};
/** Headers of a queued request; `request_id` is the message id, so each send sets its own. */
export function chatHeaders(requestId: string): ChatCompletionRequestHeaders {
  return { request_id: requestId, model: 'gpt-4o-mini', priority: 'normal' };
}

/** A document for ingestion (about 300 bytes). */
export const RAG_DOCUMENT: RagDocument = {
  document_id: 'doc-42',
  source: 'https://example.com/handbook/queues.html',
  title: 'Queues',
  content: 'Queue groups let several subscribers share the messages of one subject: each message goes to one member.',
  mime_type: 'text/html',
  chunking: { strategy: 'fixed', chunk_size: 512, overlap: 64 },
  ingested_at: '2026-01-01T12:00:00.000Z',
};
