/**
 * LiteLLM gateway flows of the guide through the generated ai-sdk module: request queuing
 * (`queueGatewayRequest` → `receiveGatewayRequest`, headers request_id/model/priority) and response
 * delivery (`requestChatCompletion` → `replyChatCompletion`, spec timeout 60 s).
 */
import { afterEach, describe, expect, expectTypeOf, test } from 'vitest';
import {
  AiSdkClient,
  AiSdkServer,
  type ChatCompletionRequestHeaders,
  type ChatCompletionResponse,
  type Priority,
  type ReceiveGatewayRequestReceived,
  type ReplyChatCompletionReceived,
} from '../../generated/ai-sdk/index.js';
import { TimeoutError } from '../../runtime/index.js';
import { gate, waitFor } from '../harness/util.js';
import { Connections, chatRequest, chatResponse, flushAll, recording, rejection, tenant } from './helpers.js';

const conns = new Connections();
afterEach(() => conns.close());

describe('gateway - request queuing', () => {
  test('gateway - a queued request reaches a gateway worker with its payload and typed headers', async () => {
    const t = tenant();
    const { nc: worker, server, errors } = await conns.worker();
    const got: ReceiveGatewayRequestReceived[] = [];
    const handle = server.receiveGatewayRequest({ params: { tenant_id: t }, handler: (m) => void got.push(m) });
    expect(handle.subject).toBe(`ai.gateway.requests.${t}`);
    expect(handle.queue).toBe('gateway.workers');
    await worker.flush();

    const caller = await conns.runtime();
    const client = new AiSdkClient(caller);
    const payload = chatRequest('queued', { stop: ['\n', 'END'], user: 'agent-7' });
    client.queueGatewayRequest({
      params: { tenant_id: t },
      payload,
      headers: { request_id: 'req-1', model: 'gpt-4o-mini', priority: 'high' },
    });
    client.queueGatewayRequest({
      params: { tenant_id: t },
      payload: chatRequest('no priority'),
      headers: { request_id: 'req-2', model: 'gpt-4o-mini' },
    });
    await waitFor('both requests', () => got.length === 2);

    const [first, second] = got;
    expect(first?.payload).toEqual(payload);
    expect(first?.headers).toEqual({ request_id: 'req-1', model: 'gpt-4o-mini', priority: 'high' });
    expect(first?.msg.headers?.get('priority')).toBe('high');
    expect(first?.params).toEqual({ tenant_id: t });
    // An optional header left out is absent, not an empty string.
    expect(second?.headers).toEqual({ request_id: 'req-2', model: 'gpt-4o-mini' });
    expect(second?.msg.headers?.has('priority')).toBe(false);
    expectTypeOf<ReceiveGatewayRequestReceived['headers']>().toEqualTypeOf<ChatCompletionRequestHeaders>();
    expectTypeOf<ChatCompletionRequestHeaders['priority']>().toEqualTypeOf<Priority | undefined>();
    expect(errors.events).toEqual([]);
    await server.drain();
  });

  test('gateway - every priority value of the enum travels as a header', async () => {
    const t = tenant();
    const nc = await conns.runtime();
    const got: (Priority | undefined)[] = [];
    const server = new AiSdkServer(nc, { onError: () => {} });
    server.receiveGatewayRequest({ params: { tenant_id: t }, handler: (m) => void got.push(m.headers.priority) });
    await nc.flush();
    const client = new AiSdkClient(nc);
    const priorities: Priority[] = ['low', 'normal', 'high'];
    for (const [i, priority] of priorities.entries()) {
      client.queueGatewayRequest({
        params: { tenant_id: t },
        payload: chatRequest(),
        headers: { request_id: `r${i}`, model: 'm', priority },
      });
    }
    await waitFor('three requests', () => got.length === 3);
    expect(got).toEqual(priorities);
    await server.drain();
  });
});

describe('gateway - request/reply', () => {
  test('gateway - requestChatCompletion resolves the worker reply as a typed ChatCompletionResponse', async () => {
    const t = tenant();
    const { nc: worker, server, errors } = await conns.worker();
    const requests: ReplyChatCompletionReceived[] = [];
    const handle = server.replyChatCompletion({
      params: { tenant_id: t },
      handler: async (m) => {
        requests.push(m);
        const last = m.payload.messages[m.payload.messages.length - 1];
        return chatResponse(`echo: ${last?.content ?? ''}`, m.payload.model);
      },
    });
    expect(handle.subject).toBe(`ai.gateway.responses.${t}`);
    expect(handle.queue).toBe('gateway.workers');
    await worker.flush();

    const caller = await conns.runtime();
    const client = new AiSdkClient(caller);
    const payload = chatRequest('ping', { model: 'claude-3-5-sonnet' });
    const res = await client.requestChatCompletion({ params: { tenant_id: t }, payload });
    expectTypeOf(res).toEqualTypeOf<ChatCompletionResponse>();
    expect(res).toEqual(chatResponse('echo: ping', 'claude-3-5-sonnet'));
    expect(requests.map((m) => m.payload)).toEqual([payload]);
    expect(requests[0]?.params).toEqual({ tenant_id: t });
    expect(errors.events).toEqual([]);
    await server.drain();
  });

  test('gateway - requestChatCompletion waits 60000 ms by default (the spec timeout)', async () => {
    const t = tenant();
    const worker = await conns.runtime();
    const server = new AiSdkServer(worker, { onError: () => {} });
    server.replyChatCompletion({ params: { tenant_id: t }, handler: () => chatResponse() });
    await worker.flush();

    // The recorder forwards every call to the real connection; it only notes the options passed.
    const rec = recording(await conns.runtime());
    const client = new AiSdkClient(rec.nc);
    await client.requestChatCompletion({ params: { tenant_id: t }, payload: chatRequest() });
    await client.requestChatCompletion({ params: { tenant_id: t }, payload: chatRequest() }, { timeoutMs: 1234 });
    const timeouts = rec.calls
      .filter((c) => c.method === 'request')
      .map((c) => (c.args[2] as { timeout?: number } | undefined)?.timeout);
    expect(timeouts).toEqual([60_000, 1234]);
    await server.drain();
  });

  test('gateway - a reply slower than timeoutMs rejects with TimeoutError after that time', async () => {
    const t = tenant();
    const worker = await conns.runtime();
    const release = gate();
    const server = new AiSdkServer(worker, { onError: () => {} });
    let asked = 0;
    server.replyChatCompletion({
      params: { tenant_id: t },
      handler: async () => {
        asked++;
        await release.promise;
        return chatResponse();
      },
    });
    await worker.flush();
    const client = new AiSdkClient(await conns.runtime());

    const started = performance.now();
    const error = await rejection(
      client.requestChatCompletion({ params: { tenant_id: t }, payload: chatRequest() }, { timeoutMs: 200 }),
    );
    const elapsed = performance.now() - started;
    expect(error).toBeInstanceOf(TimeoutError);
    expect((error as TimeoutError).message).toBe(
      `request 'requestChatCompletion' on 'ai.gateway.responses.${t}' timed out after 200 ms`,
    );
    expect(error).toMatchObject({
      code: 'TIMEOUT',
      operation: 'requestChatCompletion',
      subject: `ai.gateway.responses.${t}`,
      timeoutMs: 200,
    });
    expect(elapsed).toBeGreaterThanOrEqual(190);
    expect(elapsed).toBeLessThan(1_000);
    expect(asked).toBe(1);
    release.open();
    await server.drain();
  });

  test('gateway - two gateway workers share requests, each request answered once', async () => {
    const t = tenant();
    const [w1, w2] = [await conns.runtime(), await conns.runtime()];
    const answered: string[] = [];
    for (const [name, nc] of [
      ['w1', w1],
      ['w2', w2],
    ] as const) {
      new AiSdkServer(nc, { onError: () => {} }).replyChatCompletion({
        params: { tenant_id: t },
        handler: (m) => {
          answered.push(name);
          return chatResponse(`${name}:${m.payload.messages[1]?.content ?? ''}`);
        },
      });
    }
    await flushAll(w1, w2);
    const client = new AiSdkClient(await conns.runtime());
    const replies = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        client.requestChatCompletion({ params: { tenant_id: t }, payload: chatRequest(`q${i}`) }),
      ),
    );
    expect(answered.length).toBe(10);
    expect(replies.map((r) => r.choices[0]?.message.content.split(':')[1])).toEqual(
      Array.from({ length: 10 }, (_, i) => `q${i}`),
    );
  });
});
