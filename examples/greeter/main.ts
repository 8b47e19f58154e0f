import { connect, RemoteError, TimeoutError, wildcard } from 'asyncapi-nats/runtime';
import { GreeterClient, GreeterServer } from './generated/greeter/index.js';

// Retried with backoff while the server is not up yet, each failure printed to stderr (the first at once);
// gives up (ConnectError) after 5 failed attempts. Leave `retry` out to wait for the server forever.
const nc = await connect({ servers: process.env.NATS_URL ?? '127.0.0.1:4222', retry: { attempts: 5 } });

// The worker: answers greetings for every tenant, in the spec's queue group `greeters`.
const server = new GreeterServer(nc);
server.replyGreeting({
  params: { tenant_id: wildcard },
  handler: async ({ payload, params }) => ({ text: `Hello, ${payload.name} of ${params.tenant_id}!` }),
});
server.onGreeted({
  params: { tenant_id: 'acme' },
  handler: async ({ payload }) => console.log(`${payload.name} was greeted at ${payload.at}`),
});

// The caller: a typed request with the spec's 2 s timeout; a payload the schema rejects never leaves.
const client = new GreeterClient(nc);
try {
  const reply = await client.requestGreeting({ params: { tenant_id: 'acme' }, payload: { name: 'Ada' } });
  console.log(reply.text);
  client.publishGreeted({ params: { tenant_id: 'acme' }, payload: { name: 'Ada', at: new Date().toISOString() } });
} catch (e) {
  if (e instanceof RemoteError) console.error(`the worker answered ${e.status}: ${e.description}`);
  else if (e instanceof TimeoutError) console.error(e.message);
  else throw e;
}

await nc.flush();
await server.drain(); // stops receiving and waits for running handlers
await nc.close();
