/**
 * LiteLLM gateway flows of the guide through the generated ai-sdk module: request queuing (durable:
 * `queueGatewayRequest` → stream `AI_GATEWAY_REQUESTS` → `receiveGatewayRequest`, headers
 * request_id/model/priority, message id = `request_id`) and response delivery (core request/reply:
 * `requestChatCompletion` → `replyChatCompletion`, spec timeout 60 s, 503 busy at `maxInFlight`).
 */
import { jetstream } from '@nats-io/jetstream';
import { headers as natsHeaders } from '@nats-io/transport-node';
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
import { BusyError, DeadLetterError, type ErrorEvent, TimeoutError } from '../../runtime/index.js';
import { gate, waitFor } from '../harness/util.js';
import {
  Connections,
  chatRequest,
  chatResponse,
  consumerReady,
  consumerSettled,
  DURABLE,
  deadLetters,
  flushAll,
  headersOf,
  lastSeq,
  messageOf,
  recording,
  rejection,
  storedFor,
  tenant,
} from './helpers.js';

const conns = new Connections();
afterEach(() => conns.close());

describe('gateway - request queuing (durable)', () => {
  test('gateway - a queued request reaches a gateway worker with its payload, typed headers and request_id as message id', async () => {
    const t = tenant();
    const { server, errors } = await conns.worker();
    const got: ReceiveGatewayRequestReceived[] = [];
    const handle = server.receiveGatewayRequest({ params: { tenant_id: t }, handler: (m) => void got.push(m) });
    expect(handle.subject).toBe(`ai.gateway.requests.${t}`);
    expect(handle.queue).toBe(`gateway-workers_${t}`);

    const client = new AiSdkClient(await conns.runtime());
    const payload = chatRequest('queued', { stop: ['\n', 'END'], user: 'agent-7' });
    // Request ids are message ids, deduplicated stream-wide: unique per test, not 'req-1'.
    const [id1, id2] = [`${t}-req-1`, `${t}-req-2`];
    const acks = [
      await client.queueGatewayRequest({
        params: { tenant_id: t },
        payload,
        headers: { request_id: id1, model: 'gpt-4o-mini', priority: 'high' },
      }),
      await client.queueGatewayRequest({
        params: { tenant_id: t },
        payload: chatRequest('no priority'),
        headers: { request_id: id2, model: 'gpt-4o-mini' },
      }),
    ];
    expect(acks).toEqual([
      { stream: 'AI_GATEWAY_REQUESTS', seq: expect.any(Number), duplicate: false, messageId: id1, attempts: 1 },
      { stream: 'AI_GATEWAY_REQUESTS', seq: expect.any(Number), duplicate: false, messageId: id2, attempts: 1 },
    ]);
    await waitFor('both requests', () => got.length === 2);

    const [first, second] = got;
    expect(first?.payload).toEqual(payload);
    expect(first?.headers).toEqual({ request_id: id1, model: 'gpt-4o-mini', priority: 'high' });
    expect(first?.msg.headers?.get('priority')).toBe('high');
    expect(first?.params).toEqual({ tenant_id: t });
    expect([first?.messageId, first?.deliveryCount]).toEqual([id1, 1]);
    expect(first?.msg.info.streamSequence).toBe(acks[0]?.seq);
    // An optional header left out is absent, not an empty string.
    expect(second?.headers).toEqual({ request_id: id2, model: 'gpt-4o-mini' });
    expect(second?.msg.headers?.has('priority')).toBe(false);
    expect(second?.messageId).toBe(id2);
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
    const client = new AiSdkClient(nc);
    const priorities: Priority[] = ['low', 'normal', 'high'];
    for (const [i, priority] of priorities.entries()) {
      await client.queueGatewayRequest({
        params: { tenant_id: t },
        payload: chatRequest(),
        headers: { request_id: `${t}-r${i}`, model: 'm', priority },
      });
    }
    await waitFor('three requests', () => got.length === 3);
    expect(got).toEqual(priorities);
    await server.drain();
  });

  test('gateway - a request queued again with the same request_id is a duplicate: stored once, handled once', async () => {
    const t = tenant();
    const jsm = await conns.jsm();
    const client = new AiSdkClient(await conns.runtime());
    const headers = { request_id: `${t}-same`, model: 'gpt-4o-mini' };
    const first = await client.queueGatewayRequest({ params: { tenant_id: t }, payload: chatRequest('one'), headers });
    // Same request id, even with another body: the stream keeps the first and acks the second as duplicate.
    const again = await client.queueGatewayRequest({ params: { tenant_id: t }, payload: chatRequest('two'), headers });
    expect(again).toEqual({ ...first, duplicate: true });
    expect(await storedFor(jsm, DURABLE.gatewayRequests, `ai.gateway.requests.${t}`)).toBe(1);

    const { server, errors } = await conns.worker();
    const got: ReceiveGatewayRequestReceived[] = [];
    const handle = server.receiveGatewayRequest({ params: { tenant_id: t }, handler: (m) => void got.push(m) });
    await waitFor('the request', () => got.length === 1);
    const info = await consumerSettled(jsm, DURABLE.gatewayRequests, handle.queue ?? '');
    expect(info).toMatchObject({ num_pending: 0, num_ack_pending: 0, num_redelivered: 0 });
    expect(got.map((m) => m.payload.messages[1]?.content)).toEqual(['one']);
    expect(errors.events).toEqual([]);
    await server.drain();
  });
  test('gateway - a queued request with an invalid header is dead-lettered (validation) with its own headers', async () => {
    const t = tenant();
    const subject = `ai.gateway.requests.${t}`;
    const jsm = await conns.jsm();
    const { server, errors } = await conns.worker();
    const got: ReceiveGatewayRequestReceived[] = [];
    const handle = server.receiveGatewayRequest({ params: { tenant_id: t }, handler: (m) => void got.push(m) });
    await consumerReady(jsm, DURABLE.gatewayRequests, handle);
    const after = await lastSeq(jsm, DURABLE.gatewayRequests.deadLetterStream);

    // A plain publisher (a Python service, say) with a priority the enum does not have.
    const js = jetstream(await conns.plain());
    const h = natsHeaders();
    h.set('request_id', `${t}-bad`);
    h.set('model', 'gpt-4o-mini');
    h.set('priority', 'urgent');
    const body = JSON.stringify(chatRequest());
    const ack = await js.publish(subject, body, { msgID: `${t}-bad`, headers: h });
    const [dead] = await deadLetters(jsm, DURABLE.gatewayRequests, subject, after, 1);
    await waitFor('the dead-letter report', () => errors.events.length === 1);

    expect(got).toEqual([]);
    const error = errors.events[0]?.error as DeadLetterError;
    expect(error).toBeInstanceOf(DeadLetterError);
    expect(error).toMatchObject({
      reason: 'validation',
      stored: true,
      stream: 'AI_GATEWAY_REQUESTS',
      sequence: ack.seq,
    });
    expect(error.cause).toMatchObject({ part: 'headers', direction: 'receive', issues: [{ path: 'priority' }] });
    const reason = messageOf(error.cause);
    expect(reason).toBe(
      `invalid headers for operation 'receiveGatewayRequest': priority: Invalid option: expected one of "low"|"normal"|"high"`,
    );
    expect(dead?.string()).toBe(body);
    // The original's own headers travel with the dead letter; its Nats-Msg-Id is kept as Nats-Dead-Letter-Message-Id.
    expect(headersOf(dead?.header)).toEqual({
      request_id: `${t}-bad`,
      model: 'gpt-4o-mini',
      priority: 'urgent',
      'Nats-Msg-Id': `AI_GATEWAY_REQUESTS:${ack.seq}`,
      'Nats-Expected-Stream': 'AI_GATEWAY_REQUESTS_DEAD_LETTER',
      'Nats-Dead-Letter-Message-Id': `${t}-bad`,
      'Nats-Dead-Letter-Reason': 'validation',
      'Nats-Dead-Letter-Error': reason,
      'Nats-Dead-Letter-Subject': subject,
      'Nats-Dead-Letter-Stream': 'AI_GATEWAY_REQUESTS',
      'Nats-Dead-Letter-Sequence': String(ack.seq),
      'Nats-Dead-Letter-Deliveries': '1',
    });
    expect(await storedFor(jsm, DURABLE.gatewayRequests, subject)).toBe(0);
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
    // Not before the timeout (an upper bound would only measure the machine's load).
    expect(elapsed).toBeGreaterThanOrEqual(190);
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
  test('gateway - a worker at its maxInFlight answers 503 busy at once: the caller gets BusyError', async () => {
    const t = tenant();
    const worker = await conns.runtime();
    const events: ErrorEvent[] = [];
    const release = gate();
    let started = 0;
    const server = new AiSdkServer(worker, { maxInFlight: 1, onError: (e) => events.push(e) });
    server.replyChatCompletion({
      params: { tenant_id: t },
      handler: async () => {
        started++;
        await release.promise;
        return chatResponse('finally');
      },
    });
    await worker.flush();
    const client = new AiSdkClient(await conns.runtime());
    const first = client.requestChatCompletion({ params: { tenant_id: t }, payload: chatRequest() });
    await waitFor('the first handler to start', () => started === 1);

    const error = await rejection(client.requestChatCompletion({ params: { tenant_id: t }, payload: chatRequest() }));
    expect(error).toBeInstanceOf(BusyError);
    expect(error).toMatchObject({
      name: 'BusyError',
      code: 'BUSY',
      operation: 'requestChatCompletion',
      status: 503,
      description: "busy: 'replyChatCompletion' is at its limit of 1 request in flight",
    });
    expect(messageOf(error)).toBe(
      "request 'requestChatCompletion' failed: 503 busy: 'replyChatCompletion' is at its limit of 1 request in flight",
    );
    expect(started).toBe(1);
    expect(events.map((e) => [e.kind, e.operation, messageOf(e.error)])).toEqual([
      [
        'overflow',
        'replyChatCompletion',
        "'replyChatCompletion' refused 1 request as busy: 1 handler in flight (maxInFlight)",
      ],
    ]);
    release.open();
    expect(await first).toEqual(chatResponse('finally'));
    await server.drain();
  });
});
