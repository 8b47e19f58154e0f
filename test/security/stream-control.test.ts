/**
 * What the documented permissions let one tenant do to another's streamed completion. Every caller
 * may publish to the stream worker's inbox prefix (its credit and cancel go there), so a stream's
 * safety from other tenants rests on its control subject being unguessable.
 */
import { headers as natsHeaders } from '@nats-io/transport-node';
import { expect, test } from 'vitest';
import {
  AiSdkClient,
  AiSdkServer,
  exampleChatCompletionChunk,
  exampleChatCompletionStreamEnd,
  exampleChatCompletionStreamRequest,
} from '../../generated/ai-sdk/index.js';
import { connect, type StreamCancelledError, wildcard } from '../../runtime/index.js';
import { startServer } from '../harness/servers.js';
import { waitFor } from '../harness/util.js';
import { DOC_TENANTS, derivePermissions, documentedAuthorization, specModel } from './nats-permissions.js';

// Every caller may publish under the stream worker's inbox prefix (credit and cancel go there), so a
// stream's safety from other tenants rests on its control subject being unguessable: its last token is
// 96 random bits (runtime/stream-server.ts). Before, it was a counter, and this test showed globex
// cancelling acme's stream by naming the one before its own.
test("stream control - a tenant that streamed once cannot name another tenant's stream: control subjects end in a random id", {
  timeout: 30_000,
}, async () => {
  const users = derivePermissions(await specModel(), DOC_TENANTS);
  const server = await startServer({ jetstream: true, config: documentedAuthorization() });
  const login = (name: string) => {
    const u = users.find((x) => x.user === name);
    if (u === undefined) throw new Error(`no user '${name}'`);
    return connect({
      servers: server.url,
      credentials: { user: u.user, password: u.password },
      tenant: u.inbox,
      retry: { attempts: 1 },
      logger: false,
    });
  };
  const worker = await login('gateway-stream-worker');
  const acme = await login('acme-gateway');
  const globex = await login('globex-gateway');
  try {
    const cancelled: string[] = [];
    const handle = new AiSdkServer(worker, { service: false }).replyChatCompletionStream({
      params: { tenant_id: wildcard },
      async *handler({ params, signal }) {
        try {
          while (!signal.aborted) yield exampleChatCompletionChunk();
          return exampleChatCompletionStreamEnd();
        } finally {
          if (signal.aborted) cancelled.push(`${params.tenant_id}: ${(signal.reason as StreamCancelledError).reason}`);
        }
      },
    });
    await handle.ready;
    // acme's stream: open, reading (stream 1 of the registration).
    const stream = new AiSdkClient(acme).streamChatCompletion({
      params: { tenant_id: 'acme' },
      payload: exampleChatCompletionStreamRequest(),
    });
    await stream.next();
    // globex speaks the protocol by hand once, and reads its control subject from `open` (stream 2).
    const inbox = `_INBOX.globex.${Date.now()}`;
    const sub = globex.subscribe(inbox, { max: 1 });
    const h = natsHeaders();
    h.set('Asyncapi-Nats-Stream', '1');
    h.set('Asyncapi-Nats-Stream-Window', '1');
    globex.publish('ai.gateway.stream.globex', JSON.stringify(exampleChatCompletionStreamRequest()), {
      reply: inbox,
      headers: h,
    });
    let control = '';
    for await (const m of sub) control = m.headers?.get('Asyncapi-Nats-Stream-Control') ?? '';
    expect(control).toMatch(/^_INBOX\.gateway-stream-worker\.\w+\.[\w-]{16}$/);
    // ... and tries the guesses a counter or a sequence would have made possible.
    const last = control.slice(control.lastIndexOf('.') + 1);
    const base = control.slice(0, control.lastIndexOf('.'));
    const guesses = ['1', '2', '0', `${last.slice(0, -1)}A`, `${last.slice(0, -1)}B`];
    const cancel = natsHeaders();
    cancel.set('Asyncapi-Nats-Stream-Kind', 'cancel');
    for (const guess of guesses) globex.publish(`${base}.${guess}`, undefined, { headers: cancel });
    // Then its own: the worker reads its control subscription in order, so once globex's own stream is
    // cancelled, the cancels aimed at acme's have been handled too.
    globex.publish(control, undefined, { headers: cancel });
    await waitFor("globex's own stream cancelled", () => cancelled.includes('globex: caller-cancelled'));
    expect(cancelled).toEqual(['globex: caller-cancelled']);
    // acme's stream still reads.
    expect((await stream.next()).done).toBe(false);
    await stream.cancel();
  } finally {
    await Promise.all([worker.close(), acme.close(), globex.close()]);
    await server.dispose();
  }
});
