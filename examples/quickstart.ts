/**
 * The README's "Using the generated code" example, type-checked with the project and runnable:
 *   NATS_URL=nats://127.0.0.1:4222 npx tsx --conditions=source examples/quickstart.ts
 */
import { randomUUID } from 'node:crypto';
import { connect, RemoteError, TimeoutError, wildcard } from 'asyncapi-nats/runtime';
import { AiSdkClient, AiSdkServer } from '../generated/ai-sdk/index.js';

// Retried with backoff until the server answers; each failure is printed to stderr (the first at once, then
// at most one line per 10 s), credentials in the URL shown as `***`. timeoutMs turns a server that never
// comes into a ConnectError; leave it out in a service that should wait for its server.
const nc = await connect({ servers: process.env.NATS_URL ?? 'nats://127.0.0.1:4222', retry: { timeoutMs: 60_000 } });

// A worker: answers chat completions for every tenant, in queue group `gateway.workers`.
const server = new AiSdkServer(nc);
server.replyChatCompletion({
  params: { tenant_id: wildcard },
  handler: async ({ payload, params }) => ({
    id: 'chatcmpl-1',
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model: payload.model,
    choices: [
      { index: 0, message: { role: 'assistant', content: `hello ${params.tenant_id}` }, finish_reason: 'stop' },
    ],
  }),
});

// A caller: typed request, the spec's 60 s timeout unless overridden.
const client = new AiSdkClient(nc);
try {
  const completion = await client.requestChatCompletion({
    params: { tenant_id: 'acme' },
    payload: { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] },
  });
  console.log(completion.choices[0]?.message.content);
} catch (e) {
  if (e instanceof RemoteError) console.error(`worker said ${e.status}: ${e.description}`);
  else if (e instanceof TimeoutError) console.error(e.message);
  else throw e;
}

// Publish with the guide's routing headers; a missing header or wrong field does not compile.
client.sendAgentMessage({
  params: { tenant_id: 'acme' },
  headers: { target_agent_id: 'planner', source_agent_id: 'router' },
  payload: {
    message_id: '6f1c2a7e-0d9b-4c1e-9a7b-3f1d2c4b5a69',
    conversation_id: 'conv-1',
    type: 'request',
    content: 'Plan the rollout.',
    sent_at: new Date().toISOString(),
  },
});

// Durable task distribution (JetStream): every worker of a tenant shares one durable consumer, each task
// goes to one of them, is acked when the handler resolves and redelivered when it throws.
const taskId = randomUUID();
let handled: () => void = () => {};
const done = new Promise<void>((resolve) => {
  handled = resolve;
});
server.receiveAgentTask({
  params: { tenant_id: 'acme' },
  handler: async ({ payload, messageId, deliveryCount }) => {
    // A redelivery after a crash is possible: handle idempotently by messageId (here the task_id).
    console.log(`task ${payload.type} ${messageId}, delivery ${deliveryCount}`);
    if (messageId === taskId) handled();
  },
});

// Resolves once the stream has stored the task, so it waits for a worker even if none runs yet; a
// retry with the same task_id is stored once.
const ack = await client.sendAgentTask({
  params: { tenant_id: 'acme' },
  payload: {
    task_id: taskId,
    type: 'summarize',
    input: { text: 'A long text.' },
    priority: 'normal',
    attempt: 1,
    created_at: new Date().toISOString(),
  },
});
console.log(`task stored in ${ack.stream} as #${ack.seq}`);
await done;

await server.drain(); // stops receiving, waits for running handlers (and their acks)
await nc.close();
