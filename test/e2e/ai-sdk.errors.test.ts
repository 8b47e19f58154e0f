/**
 * Bad input through the generated ai-sdk module: every failure surfaces as one of the runtime's typed
 * errors (exact class and message), and nothing of it reaches the wire or another tenant.
 */
import { headers as natsHeaders } from '@nats-io/transport-node';
import { afterEach, describe, expect, test } from 'vitest';
import {
  type AgentMessageHeaders,
  type AgentTask,
  AiSdkClient,
  AiSdkServer,
  type ChatCompletionRequestHeaders,
  type ChatCompletionResponse,
  type ReceiveAgentMessageReceived,
  type ReceiveAgentTaskReceived,
} from '../../generated/ai-sdk/index.js';
import {
  DecodeError,
  InvalidSubjectParameterError,
  NoRespondersError,
  RemoteError,
  ServiceError,
  ValidationError,
  wildcard,
} from '../../runtime/index.js';
import { waitFor } from '../harness/util.js';
import {
  agentMessage,
  agentTask,
  Connections,
  chatRequest,
  chatResponse,
  flushAll,
  messageOf,
  ragQuery,
  recording,
  rejection,
  settle,
  spyOnAi,
  tenant,
  thrown,
} from './helpers.js';

const conns = new Connections();
afterEach(() => conns.close());

const UNDEFINED_STRING = 'Invalid input: expected string, received undefined';

describe('errors - invalid input on send', () => {
  test('errors - an invalid payload on send throws ValidationError and nothing is published', async () => {
    const t = tenant();
    const spyNc = await conns.plain();
    const spy = await spyOnAi(spyNc);
    const rec = recording(await conns.runtime());
    const client = new AiSdkClient(rec.nc);
    const { task_id: _, ...withoutId } = agentTask();

    const error = thrown(() => client.sendAgentTask({ params: { tenant_id: t }, payload: withoutId as AgentTask }));
    expect(error).toBeInstanceOf(ValidationError);
    expect(error).toMatchObject({
      name: 'ValidationError',
      code: 'VALIDATION',
      operation: 'sendAgentTask',
      direction: 'send',
      issues: [{ path: 'task_id', message: UNDEFINED_STRING }],
    });
    expect((error as ValidationError).message).toBe(
      `invalid payload for operation 'sendAgentTask': task_id: ${UNDEFINED_STRING}`,
    );

    const bad = thrown(() =>
      client.sendAgentTask({
        params: { tenant_id: t },
        payload: agentTask({ attempt: 0, priority: 'urgent' as 'low' }),
      }),
    );
    expect(bad).toBeInstanceOf(ValidationError);
    expect((bad as ValidationError).issues.map((i) => i.path)).toEqual(['priority', 'attempt']);

    await flushAll(rec.nc, spyNc);
    await settle();
    expect(rec.calls).toEqual([]);
    expect(spy.seen.filter((m) => m.subject.endsWith(t))).toEqual([]);
  });

  test('errors - an invalid request payload rejects with ValidationError before the request is sent', async () => {
    const t = tenant();
    const rec = recording(await conns.runtime());
    const client = new AiSdkClient(rec.nc);
    const { model: _, ...withoutModel } = chatRequest();
    const error = await rejection(
      client.requestChatCompletion({
        params: { tenant_id: t },
        payload: withoutModel as ReturnType<typeof chatRequest>,
      }),
    );
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).direction).toBe('send');
    expect((error as ValidationError).message).toBe(
      `invalid payload for operation 'requestChatCompletion': model: ${UNDEFINED_STRING}`,
    );
    expect(rec.calls).toEqual([]);
  });

  test('errors - a missing required header on send throws ValidationError for the headers', async () => {
    const t = tenant();
    const spyNc = await conns.plain();
    const spy = await spyOnAi(spyNc);
    const rec = recording(await conns.runtime());
    const client = new AiSdkClient(rec.nc);

    const error = thrown(() =>
      client.sendAgentMessage({
        params: { tenant_id: t },
        payload: agentMessage(),
        headers: { target_agent_id: 'planner' } as AgentMessageHeaders,
      }),
    );
    expect(error).toBeInstanceOf(ValidationError);
    expect(error).toMatchObject({ operation: 'sendAgentMessage', direction: 'send' });
    expect((error as ValidationError).message).toBe(
      `invalid headers for operation 'sendAgentMessage': source_agent_id: ${UNDEFINED_STRING}`,
    );

    const missing = thrown(() =>
      client.queueGatewayRequest({
        params: { tenant_id: t },
        payload: chatRequest(),
        headers: { model: 'gpt-4o-mini' } as ChatCompletionRequestHeaders,
      }),
    );
    expect((missing as ValidationError).message).toBe(
      `invalid headers for operation 'queueGatewayRequest': request_id: ${UNDEFINED_STRING}`,
    );

    await flushAll(rec.nc, spyNc);
    await settle();
    expect(rec.calls).toEqual([]);
    expect(spy.seen.filter((m) => m.subject.endsWith(t))).toEqual([]);
  });

  test.each([
    ['a wildcard', '*'],
    ['a dot', 'coder.admin'],
    ['CR/LF (header injection)', 'coder\r\nNats-Service-Error-Code: 500'],
    ['a leading $', '$SYS'],
  ])('errors - a target_agent_id header with %s is rejected by the header schema', async (_, value) => {
    const rec = recording(await conns.runtime());
    const error = thrown(() =>
      new AiSdkClient(rec.nc).sendAgentMessage({
        params: { tenant_id: tenant() },
        payload: agentMessage(),
        headers: { target_agent_id: value, source_agent_id: 'router' },
      }),
    );
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).issues.map((i) => i.path)).toEqual(['target_agent_id']);
    expect((error as ValidationError).message).toMatch(
      /^invalid headers for operation 'sendAgentMessage': target_agent_id: /,
    );
    expect(rec.calls).toEqual([]);
  });

  // Regression: a CR/LF the header schema allowed reached nats-core, which threw its own untyped
  // InvalidArgumentError naming neither the header nor the operation.
  test('errors - a header value with CR/LF that the schema allows is a typed ValidationError, nothing sent', async () => {
    const rec = recording(await conns.runtime());
    const error = thrown(() =>
      new AiSdkClient(rec.nc).queueGatewayRequest({
        params: { tenant_id: tenant() },
        payload: chatRequest(),
        headers: { request_id: 'req-1\r\nNats-Service-Error-Code: 500', model: 'gpt-4o-mini' },
      }),
    );
    expect(rec.calls).toEqual([]);
    expect(error).toBeInstanceOf(ValidationError);
    expect(error).toMatchObject({ operation: 'queueGatewayRequest', direction: 'send' });
    expect((error as ValidationError).issues.map((i) => i.path)).toEqual(['request_id']);
    expect((error as ValidationError).message).toBe(
      "invalid headers for operation 'queueGatewayRequest': request_id: header values cannot contain CR or LF",
    );
  });

  test('errors - CR/LF in a header is a typed ValidationError even with send validation off', async () => {
    const rec = recording(await conns.runtime());
    const error = thrown(() =>
      new AiSdkClient(rec.nc, { validate: { send: false } }).queueGatewayRequest({
        params: { tenant_id: tenant() },
        payload: chatRequest(),
        headers: { request_id: 'req-1\nx', model: 'gpt-4o-mini' },
      }),
    );
    expect(rec.calls).toEqual([]);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).issues.map((i) => i.path)).toEqual(['request_id']);
  });
});

describe('errors - bad messages received by a generated subscriber', () => {
  test('errors - with send validation off, an invalid task is stopped by the receiving server', async () => {
    const t = tenant();
    const { nc: worker, server, errors } = await conns.worker();
    const got: ReceiveAgentTaskReceived[] = [];
    server.receiveAgentTask({ params: { tenant_id: t }, handler: (m) => void got.push(m) });
    await worker.flush();
    const careless = new AiSdkClient(await conns.runtime(), { validate: { send: false } });
    careless.sendAgentTask({ params: { tenant_id: t }, payload: agentTask({ type: 'Not A Type' }) });
    await waitFor('the error', () => errors.events.length === 1);
    expect(got).toEqual([]);
    expect(errors.events[0]?.kind).toBe('validation');
    expect(errors.events[0]?.error).toMatchObject({ direction: 'receive', issues: [{ path: 'type' }] });
    await server.drain();
  });

  async function taskWorker(t: string, handler?: (m: ReceiveAgentTaskReceived) => void | Promise<void>) {
    const { nc: worker, server, errors } = await conns.worker();
    const got: ReceiveAgentTaskReceived[] = [];
    server.receiveAgentTask({
      params: { tenant_id: t },
      handler: (m) => {
        got.push(m);
        return handler?.(m);
      },
    });
    await worker.flush();
    return { worker, server, errors, got };
  }

  test('errors - malformed JSON from a plain client goes to onError as decode; the next message is handled', async () => {
    const t = tenant();
    const { server, errors, got } = await taskWorker(t);
    const plain = await conns.plain();
    const next = agentTask();
    plain.publish(`ai.agent.tasks.${t}`, '{"task_id": "abc",');
    plain.publish(`ai.agent.tasks.${t}`, JSON.stringify(next));
    await waitFor('the valid task', () => got.length === 1);

    expect(got.map((m) => m.payload)).toEqual([next]);
    expect(errors.events).toHaveLength(1);
    const [event] = errors.events;
    expect(event).toMatchObject({ kind: 'decode', operation: 'receiveAgentTask', subject: `ai.agent.tasks.${t}` });
    expect(event?.error).toBeInstanceOf(DecodeError);
    expect(messageOf(event?.error)).toBe(`malformed JSON for operation 'receiveAgentTask' on 'ai.agent.tasks.${t}'`);
    expect(event?.error).toHaveProperty('cause', expect.any(SyntaxError));
    expect(event?.error).toMatchObject({ code: 'DECODE', subject: `ai.agent.tasks.${t}` });
    await server.drain();
  });

  test('errors - an invalid payload received goes to onError as validation; the subscription stays alive', async () => {
    const t = tenant();
    const { server, errors, got } = await taskWorker(t);
    const plain = await conns.plain();
    const next = agentTask();
    plain.publish(`ai.agent.tasks.${t}`, JSON.stringify({ ...agentTask(), attempt: 0 }));
    plain.publish(`ai.agent.tasks.${t}`, JSON.stringify({ ...agentTask(), extra: 'field' }));
    plain.publish(`ai.agent.tasks.${t}`); // empty body: no payload at all
    plain.publish(`ai.agent.tasks.${t}`, JSON.stringify(next));
    await waitFor('the valid task', () => got.length === 1);

    expect(got.map((m) => m.payload)).toEqual([next]);
    expect(errors.events.map((e) => e.kind)).toEqual(['validation', 'validation', 'validation']);
    for (const e of errors.events) {
      expect(e.error).toBeInstanceOf(ValidationError);
      expect(e.error).toMatchObject({ operation: 'receiveAgentTask', direction: 'receive' });
      expect(e.subject).toBe(`ai.agent.tasks.${t}`);
    }
    expect(messageOf(errors.events[0]?.error)).toBe(
      "invalid payload for operation 'receiveAgentTask': attempt: Too small: expected number to be >=1",
    );
    expect(messageOf(errors.events[1]?.error)).toBe(
      `invalid payload for operation 'receiveAgentTask': Unrecognized key: "extra"`,
    );
    expect(messageOf(errors.events[2]?.error)).toBe(
      "invalid payload for operation 'receiveAgentTask': Invalid input: expected object, received undefined",
    );
    await server.drain();
  });

  test('errors - a received agent message without a required header goes to onError as validation', async () => {
    const t = tenant();
    const { nc: worker, server, errors } = await conns.worker();
    const got: ReceiveAgentMessageReceived[] = [];
    server.receiveAgentMessage({
      params: { tenant_id: t },
      queue: { agent_id: 'planner' },
      handler: (m) => void got.push(m),
    });
    await worker.flush();
    const plain = await conns.plain();
    const h = natsHeaders();
    h.set('target_agent_id', 'planner');
    plain.publish(`ai.agent.message.${t}`, JSON.stringify(agentMessage()), { headers: h });
    await waitFor('the error', () => errors.events.length === 1);
    await settle(20);
    expect(got).toEqual([]);
    expect(errors.events[0]?.kind).toBe('validation');
    expect(messageOf(errors.events[0]?.error)).toBe(
      `invalid headers for operation 'receiveAgentMessage': source_agent_id: ${UNDEFINED_STRING}`,
    );
    await server.drain();
  });

  test('errors - a throwing handler goes to onError as handler; the next message is still handled', async () => {
    const t = tenant();
    const boom = new Error('boom');
    const rejected = new Error('rejected');
    let calls = 0;
    const { server, errors, got } = await taskWorker(t, async () => {
      calls++;
      if (calls === 1) throw boom; // rejection of an async handler
      if (calls === 2) throw rejected;
    });
    const client = new AiSdkClient(await conns.runtime());
    for (let i = 0; i < 3; i++) client.sendAgentTask({ params: { tenant_id: t }, payload: agentTask() });
    await waitFor('three tasks and two errors', () => got.length === 3 && errors.events.length === 2);
    expect(errors.events).toEqual([
      { kind: 'handler', operation: 'receiveAgentTask', subject: `ai.agent.tasks.${t}`, error: boom },
      { kind: 'handler', operation: 'receiveAgentTask', subject: `ai.agent.tasks.${t}`, error: rejected },
    ]);
    await server.drain();
  });

  test('errors - a synchronously throwing handler goes to onError; the subscription stays alive', async () => {
    const t = tenant();
    const { nc: worker, server, errors } = await conns.worker();
    const handled: string[] = [];
    server.receiveAgentTask({
      params: { tenant_id: t },
      handler: (m) => {
        if (m.payload.type === 'explode') throw new TypeError('sync boom');
        handled.push(m.payload.type);
      },
    });
    await worker.flush();
    const client = new AiSdkClient(await conns.runtime());
    client.sendAgentTask({ params: { tenant_id: t }, payload: agentTask({ type: 'explode' }) });
    client.sendAgentTask({ params: { tenant_id: t }, payload: agentTask({ type: 'classify' }) });
    await waitFor('the second task', () => handled.length === 1);
    expect(handled).toEqual(['classify']);
    expect(errors.events.map((e) => [e.kind, (e.error as Error).message])).toEqual([['handler', 'sync boom']]);
    await server.drain();
  });
});

describe('errors - request/reply failures', () => {
  async function gateway(t: string, handler: () => ChatCompletionResponse | Promise<ChatCompletionResponse>) {
    const { nc: worker, server, errors } = await conns.worker();
    let calls = 0;
    server.replyChatCompletion({
      params: { tenant_id: t },
      handler: () => {
        calls++;
        return handler();
      },
    });
    await worker.flush();
    return { server, errors, calls: () => calls };
  }

  test('errors - an invalid request from a plain client gets a 400 service error reply', async () => {
    const t = tenant();
    const gw = await gateway(t, () => chatResponse());
    const plain = await conns.plain();
    const { model: _, ...withoutModel } = chatRequest();
    const reply = await plain.request(`ai.gateway.responses.${t}`, JSON.stringify(withoutModel), { timeout: 2_000 });
    expect(reply.headers?.get('Nats-Service-Error-Code')).toBe('400');
    expect(reply.headers?.get('Nats-Service-Error')).toBe(`invalid request: model: ${UNDEFINED_STRING}`);
    expect(reply.data.length).toBe(0);

    const malformed = await plain.request(`ai.gateway.responses.${t}`, 'not json', { timeout: 2_000 });
    expect(malformed.headers?.get('Nats-Service-Error-Code')).toBe('400');
    expect(malformed.headers?.get('Nats-Service-Error')).toBe('malformed JSON request');

    expect(gw.calls()).toBe(0);
    // 400s are the caller's business, not the server's.
    expect(gw.errors.events).toEqual([]);
    await gw.server.drain();
  });

  test('errors - a handler throwing ServiceError(404) rejects the generated client with RemoteError 404', async () => {
    const t = tenant();
    const gw = await gateway(t, () => {
      throw new ServiceError(404, 'no such model');
    });
    const client = new AiSdkClient(await conns.runtime());
    const error = await rejection(client.requestChatCompletion({ params: { tenant_id: t }, payload: chatRequest() }));
    expect(error).toBeInstanceOf(RemoteError);
    expect(error).toMatchObject({
      name: 'RemoteError',
      code: 'REMOTE',
      operation: 'requestChatCompletion',
      status: 404,
      description: 'no such model',
    });
    expect((error as RemoteError).message).toBe("request 'requestChatCompletion' failed: 404 no such model");
    expect(gw.errors.events).toEqual([]);
    await gw.server.drain();
  });

  test('errors - an async handler rejecting with a multi-line ServiceError answers one line', async () => {
    const t = tenant();
    const gw = await gateway(t, async () => {
      throw new ServiceError(429, 'rate limited\r\nretry later');
    });
    const client = new AiSdkClient(await conns.runtime());
    const error = await rejection(client.requestChatCompletion({ params: { tenant_id: t }, payload: chatRequest() }));
    expect(error).toBeInstanceOf(RemoteError);
    expect(error).toMatchObject({ status: 429, description: 'rate limited retry later' });
    await gw.server.drain();
  });

  test('errors - a handler throwing a plain Error gives RemoteError 500 internal error without leaking it', async () => {
    const t = tenant();
    const secret = new Error('db password hunter2 rejected');
    const gw = await gateway(t, () => {
      throw secret;
    });
    const client = new AiSdkClient(await conns.runtime());
    const error = await rejection(client.requestChatCompletion({ params: { tenant_id: t }, payload: chatRequest() }));
    expect(error).toBeInstanceOf(RemoteError);
    expect(error).toMatchObject({ status: 500, description: 'internal error' });
    expect((error as RemoteError).message).toBe("request 'requestChatCompletion' failed: 500 internal error");
    expect(JSON.stringify(error)).not.toContain('hunter2');
    expect(String((error as RemoteError).cause ?? '')).not.toContain('hunter2');
    expect(gw.errors.events).toEqual([
      { kind: 'handler', operation: 'replyChatCompletion', subject: `ai.gateway.responses.${t}`, error: secret },
    ]);
    await gw.server.drain();
  });

  test('errors - a handler returning an invalid reply gives RemoteError 500 invalid reply', async () => {
    const t = tenant();
    const gw = await gateway(t, () => ({ ...chatResponse(), choices: [] }));
    const client = new AiSdkClient(await conns.runtime());
    const error = await rejection(client.requestChatCompletion({ params: { tenant_id: t }, payload: chatRequest() }));
    expect(error).toBeInstanceOf(RemoteError);
    expect(error).toMatchObject({ status: 500, description: 'invalid reply' });
    expect(gw.errors.events.map((e) => e.kind)).toEqual(['reply']);
    expect(gw.errors.events[0]?.error).toBeInstanceOf(ValidationError);
    expect(gw.errors.events[0]?.error).toMatchObject({ operation: 'replyChatCompletion', direction: 'reply' });
    await gw.server.drain();
  });

  test('errors - a plain publish without reply subject to a reply handler goes to onError as reply', async () => {
    const t = tenant();
    const gw = await gateway(t, () => chatResponse());
    const plain = await conns.plain();
    plain.publish(`ai.gateway.responses.${t}`, JSON.stringify(chatRequest()));
    await waitFor('the error', () => gw.errors.events.length === 1);
    expect(gw.calls()).toBe(0);
    expect(gw.errors.events[0]).toMatchObject({ kind: 'reply', subject: `ai.gateway.responses.${t}` });
    expect(messageOf(gw.errors.events[0]?.error)).toBe(
      `message for operation 'replyChatCompletion' on 'ai.gateway.responses.${t}' has no reply subject`,
    );
    await gw.server.drain();
  });

  test('errors - a plain responder answering malformed or invalid JSON rejects with DecodeError / ValidationError', async () => {
    const t = tenant();
    const plain = await conns.plain();
    const bodies = ['{"id": ', JSON.stringify({ ...chatResponse(), object: 'text_completion' })];
    let n = 0;
    plain.subscribe(`ai.gateway.responses.${t}`, {
      callback: (_, msg) => {
        msg.respond(bodies[n++] ?? '');
      },
    });
    await plain.flush();
    const client = new AiSdkClient(await conns.runtime());
    const args = { params: { tenant_id: t }, payload: chatRequest() };

    const decode = await rejection(client.requestChatCompletion(args));
    expect(decode).toBeInstanceOf(DecodeError);
    expect((decode as DecodeError).message).toBe(
      `malformed JSON for operation 'requestChatCompletion' on 'ai.gateway.responses.${t}'`,
    );
    const invalid = await rejection(client.requestChatCompletion(args));
    expect(invalid).toBeInstanceOf(ValidationError);
    expect(invalid).toMatchObject({ operation: 'requestChatCompletion', direction: 'reply' });
    expect((invalid as ValidationError).issues.map((i) => i.path)).toEqual(['object']);
  });

  test('errors - a request nobody answers rejects with NoRespondersError at once', async () => {
    const t = tenant();
    const client = new AiSdkClient(await conns.runtime());
    for (const call of [
      () => client.requestChatCompletion({ params: { tenant_id: t }, payload: chatRequest() }),
      () => client.requestRagResults({ params: { tenant_id: t }, payload: ragQuery() }),
    ]) {
      const started = performance.now();
      const error = await rejection(call());
      expect(performance.now() - started).toBeLessThan(1_000);
      expect(error).toBeInstanceOf(NoRespondersError);
      expect((error as NoRespondersError).constructor).toBe(NoRespondersError);
      expect((error as NoRespondersError).code).toBe('NO_RESPONDERS');
    }
    const error = await rejection(client.requestChatCompletion({ params: { tenant_id: t }, payload: chatRequest() }));
    expect((error as NoRespondersError).message).toBe(
      `no responders for request 'requestChatCompletion' on 'ai.gateway.responses.${t}'`,
    );
  });
});

describe('errors - hostile subject parameters', () => {
  /** [value, how the message quotes it, reason]. */
  const hostile: readonly (readonly [string, string, string])[] = [
    ['*', "'*'", 'wildcards are not allowed'],
    ['>', "'>'", 'wildcards are not allowed'],
    ['a.b', "'a.b'", "contains '.', the token separator"],
    ['', "''", 'empty'],
    [' x', "' x'", 'contains whitespace'],
    ['$SYS', "'$SYS'", "starts with '$', reserved for system subjects"],
    ['a\tb', "'a\\tb'", 'contains whitespace'],
    ['a\u0000b', "'a\\u0000b'", 'contains a control character'],
    ['acme\r\n', "'acme\\r\\n'", 'contains whitespace'],
    // JSON.stringify does not escape DEL: the message quotes it raw.
    ['a\u007fb', "'a\u007fb'", 'contains a control character'],
    ['acme>', "'acme>'", 'wildcards are not allowed'],
  ];

  // Test names show the value JSON-escaped, DEL included, so every case has a readable name.
  const cases = hostile.map(([value, quoted, reason]) => ({
    label: JSON.stringify(value)
      .slice(1, -1)
      .replace(/\u007f/g, '\\u007f'),
    value,
    quoted,
    reason,
  }));
  test.each(cases)(
    'errors - hostile tenant id $label is rejected before any network call',
    async ({ value, quoted, reason }) => {
      const expected = `invalid value for subject parameter 'tenant_id': ${quoted} (${reason})`;
      const marker = tenant();
      const spyNc = await conns.plain();
      const spy = await spyOnAi(spyNc);
      const rec = recording(await conns.runtime());
      const client = new AiSdkClient(rec.nc);
      const server = new AiSdkServer(rec.nc, { onError: () => {} });
      const check = (error: unknown) => {
        expect(error).toBeInstanceOf(InvalidSubjectParameterError);
        expect(error).toMatchObject({ code: 'INVALID_SUBJECT_PARAMETER', parameter: 'tenant_id', value });
        expect((error as InvalidSubjectParameterError).message).toBe(expected);
      };

      check(
        thrown(() =>
          client.sendAgentMessage({
            params: { tenant_id: value },
            payload: agentMessage(marker),
            headers: { target_agent_id: 'planner', source_agent_id: 'router' },
          }),
        ),
      );
      // An async method: the error comes as a rejection, still before the request is sent.
      let pending: Promise<unknown> | undefined;
      expect(() => {
        pending = client.requestRagResults({ params: { tenant_id: value }, payload: ragQuery(marker) });
      }).not.toThrow();
      check(await rejection(pending as Promise<unknown>));
      check(thrown(() => server.receiveAgentTask({ params: { tenant_id: value }, handler: () => {} })));
      check(
        thrown(() =>
          server.receiveAgentMessage({
            params: { tenant_id: value },
            queue: { agent_id: 'planner' },
            handler: () => {},
          }),
        ),
      );
      check(
        thrown(() =>
          server.replyRagResults({
            params: { tenant_id: value },
            handler: (m) => ({ query_id: m.payload.query_id, results: [], took_ms: 0, total: 0 }),
          }),
        ),
      );

      await flushAll(rec.nc, spyNc);
      await settle();
      expect(rec.calls).toEqual([]);
      // Other test files publish on ai.* concurrently: whatever these calls could have sent carries the marker.
      expect(spy.seen.filter((m) => m.string().includes(marker)).map((m) => m.subject)).toEqual([]);
      await server.drain();
    },
  );

  test('errors - the wildcard and non-strings are rejected as tenant ids when sending', async () => {
    const rec = recording(await conns.runtime());
    const client = new AiSdkClient(rec.nc);
    const send = (tenant_id: unknown) =>
      thrown(() => client.sendAgentTask({ params: { tenant_id: tenant_id as string }, payload: agentTask() }));
    expect((send(wildcard) as Error).message).toBe(
      "invalid value for subject parameter 'tenant_id': Symbol(asyncapi-nats.wildcard) (a wildcard is only allowed in a subscription)",
    );
    expect((send(42) as Error).message).toBe(
      "invalid value for subject parameter 'tenant_id': 42 (expected a string, got number)",
    );
    expect((send(undefined) as Error).message).toBe(
      "invalid value for subject parameter 'tenant_id': undefined (missing)",
    );
    expect(send(null)).toBeInstanceOf(InvalidSubjectParameterError);
    expect(rec.calls).toEqual([]);
  });

  test.each([
    ['a.b', "'a.b'", "contains '.', the token separator"],
    ['*', "'*'", 'wildcards are not allowed'],
    ['', "''", 'empty'],
    ['$planner', "'$planner'", "starts with '$', reserved for system subjects"],
  ])(
    'errors - hostile agent id %j in the queue group is rejected before subscribing',
    async (value, quoted, reason) => {
      const rec = recording(await conns.runtime());
      const server = new AiSdkServer(rec.nc, { onError: () => {} });
      const error = thrown(() =>
        server.receiveAgentMessage({ params: { tenant_id: tenant() }, queue: { agent_id: value }, handler: () => {} }),
      );
      expect(error).toBeInstanceOf(InvalidSubjectParameterError);
      expect(error).toMatchObject({ parameter: 'agent_id', value });
      expect((error as InvalidSubjectParameterError).message).toBe(
        `invalid value for subject parameter 'agent_id': ${quoted} (${reason})`,
      );
      const withWildcard = thrown(() =>
        server.receiveAgentMessage({ params: { tenant_id: wildcard }, queue: { agent_id: value }, handler: () => {} }),
      );
      expect(withWildcard).toBeInstanceOf(InvalidSubjectParameterError);
      expect(rec.calls).toEqual([]);
    },
  );
});
