/**
 * Type test of the generated ai-sdk module: compiled by test/golden (tsc -p test/fixtures/tsconfig.json).
 * Every `@ts-expect-error` line must fail to compile; tsc reports an unused directive if it does not.
 */
import { type NatsConnection, type PublishAck, wildcard } from 'asyncapi-nats/runtime';
import {
  type AgentMessage,
  AgentMessageSchema,
  type AgentTask,
  AiSdkClient,
  AiSdkServer,
  agentMessageSubject,
  type ChatCompletionRequest,
} from '../../generated/ai-sdk/index.js';

declare const nc: NatsConnection;
const client = new AiSdkClient(nc);
const server = new AiSdkServer(nc);

const message: AgentMessage = {
  message_id: '6f1c2a7e-0d9b-4c1e-9a7b-3f1d2c4b5a69',
  conversation_id: 'conv-1',
  type: 'request',
  content: 'hello',
  sent_at: '2025-01-15T09:30:00Z',
};
const headers = { target_agent_id: 'planner', source_agent_id: 'router' };

// The right call compiles.
client.sendAgentMessage({ params: { tenant_id: 'acme' }, payload: message, headers });

// @ts-expect-error a payload field that does not exist
client.sendAgentMessage({ params: { tenant_id: 'acme' }, payload: { ...message, colour: 'red' }, headers });

// @ts-expect-error a payload field of the wrong type
client.sendAgentMessage({ params: { tenant_id: 'acme' }, payload: { ...message, content: 42 }, headers });

// @ts-expect-error a required header is missing
client.sendAgentMessage({ params: { tenant_id: 'acme' }, payload: message, headers: { target_agent_id: 'planner' } });

// @ts-expect-error the headers are missing altogether
client.sendAgentMessage({ params: { tenant_id: 'acme' }, payload: message });

// @ts-expect-error the subject parameter is missing
client.sendAgentMessage({ params: {}, payload: message, headers });

// @ts-expect-error the params are missing altogether
client.sendAgentMessage({ payload: message, headers });

// @ts-expect-error a subject builder needs its parameter
agentMessageSubject.build({});

// @ts-expect-error an optional property cannot be set to undefined (exactOptionalPropertyTypes)
const withUndefined: AgentMessage = { ...message, data: undefined };
void withUndefined;

// Request/reply: the reply type is the reply message's payload, not the request's.
async function requests(): Promise<void> {
  const completion = await client.requestChatCompletion(
    { params: { tenant_id: 'acme' }, payload: { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] } },
    { timeoutMs: 5_000 },
  );
  const id: string = completion.id;
  // @ts-expect-error a chat completion response has no `messages` (that is the request)
  void completion.messages;
  void id;
}
void requests;

// Servers: handlers get typed messages and must return the reply type.
server.receiveAgentMessage({
  params: { tenant_id: wildcard },
  queue: { agent_id: 'planner' },
  handler: (m) => {
    const target: string = m.headers.target_agent_id;
    const tenant: string = m.params.tenant_id;
    void target;
    void tenant;
  },
});

server.replyRagResults({
  params: { tenant_id: 'acme' },
  handler: (m) => ({ query_id: m.payload.query_id, results: [], took_ms: 1, total: 0 }),
});

server.replyRagResults({
  params: { tenant_id: 'acme' },
  // @ts-expect-error a reply handler must return the reply type, not the request
  handler: (m) => m.payload,
});

// @ts-expect-error the agent queue needs its agent_id
server.receiveAgentMessage({ params: { tenant_id: 'acme' }, handler: () => {} });

// Durable sends (x-nats-jetstream) resolve the stream's ack instead of returning void.
const task: AgentTask = {
  task_id: '6f1c2a7e-0d9b-4c1e-9a7b-3f1d2c4b5a69',
  type: 'summarize',
  input: {},
  priority: 'normal',
  attempt: 1,
  created_at: '2025-01-15T09:30:00Z',
};
const chat: ChatCompletionRequest = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] };

async function durableSends(): Promise<void> {
  const ack: PublishAck = await client.sendAgentTask({ params: { tenant_id: 'acme' }, payload: task });
  const stored: { stream: string; seq: number; duplicate: boolean; messageId: string; attempts: number } = ack;
  void stored;
  await client.queueGatewayRequest({
    params: { tenant_id: 'acme' },
    payload: chat,
    headers: { request_id: 'r-1', model: 'gpt-4o-mini', priority: 'high' },
  });
  const doc: PublishAck = await client.ingestDocument({
    params: { tenant_id: 'acme' },
    payload: {
      document_id: 'doc-1',
      source: 'https://example.com/a.md',
      content: 'text',
      mime_type: 'text/markdown',
      chunking: { strategy: 'fixed' },
      ingested_at: '2025-01-15T09:30:00Z',
    },
  });
  void doc;

  // @ts-expect-error a durable send is a Promise: the ack must be awaited
  const notAwaited: PublishAck = client.sendAgentTask({ params: { tenant_id: 'acme' }, payload: task });
  void notAwaited;

  // @ts-expect-error the queued request's headers are required (request_id is its message id)
  await client.queueGatewayRequest({ params: { tenant_id: 'acme' }, payload: chat });

  // @ts-expect-error request_id is a required header
  await client.queueGatewayRequest({ params: { tenant_id: 'acme' }, payload: chat, headers: { model: 'm' } });
}
void durableSends;

// Durable handlers get the delivery facts and the JetStream message.
server.receiveAgentTask({
  params: { tenant_id: 'acme' },
  handler: async (m) => {
    const id: string = m.messageId;
    const deliveries: number = m.deliveryCount;
    const seq: number = m.msg.info.streamSequence;
    const taskId: string = m.payload.task_id;
    void [id, deliveries, seq, taskId];
  },
});

server.receiveGatewayRequest({
  params: { tenant_id: wildcard },
  handler: (m) => {
    const requestId: string = m.headers.request_id;
    void requestId;
  },
});

// @ts-expect-error a durable receiver takes no queue values: its consumer is named by the spec
server.receiveAgentTask({ params: { tenant_id: 'acme' }, queue: { agent_id: 'a1' }, handler: () => {} });

server.receiveRagQuery({
  params: { tenant_id: 'acme' },
  // @ts-expect-error a core (non-durable) handler has no messageId
  handler: (m) => void m.messageId,
});

// Schemas keep their inferred zod types: the object's shape and its methods are there to reuse.
const withTrace = AgentMessageSchema.extend({ trace_id: AgentMessageSchema.shape.conversation_id });
const ids = AgentMessageSchema.pick({ message_id: true, conversation_id: true });
const parsed: AgentMessage = AgentMessageSchema.parse({});
void [withTrace, ids, parsed];
// @ts-expect-error the shape lists the spec's properties only
void AgentMessageSchema.shape.no_such_property;

// Streaming (x-nats-stream): the client iterates typed chunks, the end message is typed, the handler
// is an async generator of chunks that returns the end.
async function streams(): Promise<void> {
  const controller = new AbortController();
  const stream = client.streamChatCompletion(
    { params: { tenant_id: 'acme' }, payload: { ...chat, stream: true } },
    { signal: controller.signal, idleTimeoutMs: 5_000, window: 8 },
  );
  for await (const chunk of stream) {
    const kind: 'chat.completion.chunk' = chunk.object;
    const text: string | undefined = chunk.choices[0]?.delta.content;
    void kind;
    void text;
  }
  const end = stream.end;
  if (end !== undefined) {
    const total: number = end.usage.total_tokens;
    void total;
  }
  await stream.cancel('user stopped');

  // @ts-expect-error a streamed request must say stream: true
  client.streamChatCompletion({ params: { tenant_id: 'acme' }, payload: chat });

  // @ts-expect-error a stream is not a Promise of one reply
  const one: { id: string } = await client.streamChatCompletion({
    params: { tenant_id: 'acme' },
    payload: { ...chat, stream: true },
  });
  void one;
}
void streams;

server.replyChatCompletionStream({
  params: { tenant_id: wildcard },
  handler: async function* (m) {
    const signal: AbortSignal = m.signal;
    const model: string = m.payload.model;
    if (!signal.aborted) {
      yield {
        id: 'c-1',
        object: 'chat.completion.chunk',
        created: 0,
        model,
        choices: [{ index: 0, delta: { content: 'hi' }, finish_reason: null }],
      };
    }
    return { finish_reason: 'stop', usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 } };
  },
});

server.replyChatCompletionStream({
  params: { tenant_id: 'acme' },
  // @ts-expect-error a streaming handler yields chunks, it does not return one reply
  handler: async () => ({ finish_reason: 'stop', usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 } }),
});

server.replyChatCompletionStream({
  params: { tenant_id: 'acme' },
  // @ts-expect-error a chunk must be a chat.completion.chunk
  handler: async function* () {
    yield { id: 'c-1' };
    return { finish_reason: 'stop' as const, usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 } };
  },
});
