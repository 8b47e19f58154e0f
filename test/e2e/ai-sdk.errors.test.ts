/**
 * Bad input through the generated ai-sdk module: every failure surfaces as one of the runtime's typed
 * errors (exact class and message), and nothing of it reaches the wire or another tenant. Core sends
 * throw; durable sends (tasks, queued gateway requests, documents) reject. A bad message a durable
 * worker receives is moved to the dead-letter subject with the reason in `Nats-Dead-Letter-*` headers; a
 * throwing durable handler gets its message redelivered.
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
  DeadLetterError,
  DecodeError,
  InvalidSubjectParameterError,
  NoRespondersError,
  NotConnectedError,
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
  consumerReady,
  consumerSettled,
  DURABLE,
  deadLetters,
  flushAll,
  headersOf,
  lastSeq,
  messageOf,
  ragQuery,
  recording,
  rejection,
  rejectionOf,
  settle,
  spyOnAi,
  storedFor,
  tenant,
  thrown,
} from './helpers.js';

const conns = new Connections();
afterEach(() => conns.close());

const UNDEFINED_STRING = 'Invalid input: expected string, received undefined';
const tasks = DURABLE.agentTasks;

describe('errors - invalid input on send', () => {
  test('errors - an invalid payload on a durable send rejects with ValidationError and nothing is published', async () => {
    const t = tenant();
    const spyNc = await conns.plain();
    const spy = await spyOnAi(spyNc);
    const rec = recording(await conns.runtime());
    const client = new AiSdkClient(rec.nc);
    const { task_id: _, ...withoutId } = agentTask();

    const error = await rejectionOf(() =>
      client.sendAgentTask({ params: { tenant_id: t }, payload: withoutId as AgentTask }),
    );
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

    const bad = await rejectionOf(() =>
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

  test('errors - a missing required header throws (core send) or rejects (durable send) with ValidationError', async () => {
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

    const missing = await rejectionOf(() =>
      client.queueGatewayRequest({
        params: { tenant_id: t },
        payload: chatRequest(),
        headers: { model: 'gpt-4o-mini' } as ChatCompletionRequestHeaders,
      }),
    );
    expect(missing).toBeInstanceOf(ValidationError);
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
    const error = await rejectionOf(() =>
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
    const error = await rejectionOf(() =>
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

  // The NATS client encodes a lone surrogate as U+FFFD: the receiver would read a value nobody sent.
  test.each([
    ['on', true],
    ['off', false],
  ])(
    'errors - a header value with a lone UTF-16 surrogate is a typed ValidationError, nothing sent (send validation %s)',
    async (_label, validate) => {
      const rec = recording(await conns.runtime());
      const error = thrown(() =>
        new AiSdkClient(rec.nc, { validate: { send: validate } }).sendAgentMessage({
          params: { tenant_id: tenant() },
          payload: agentMessage(),
          headers: { target_agent_id: 'planner\ud800', source_agent_id: 'router' },
        }),
      );
      expect(rec.calls).toEqual([]);
      expect(error).toBeInstanceOf(ValidationError);
      expect(error).toMatchObject({ operation: 'sendAgentMessage', direction: 'send', part: 'headers' });
      expect((error as ValidationError).message).toBe(
        "invalid headers for operation 'sendAgentMessage': target_agent_id: header values must be valid Unicode (a lone UTF-16 surrogate is not)",
      );
    },
  );

  test('errors - with send validation off, a durable send still needs its message id (task_id, request_id)', async () => {
    const t = tenant();
    const rec = recording(await conns.runtime());
    const careless = new AiSdkClient(rec.nc, { validate: { send: false } });
    const { task_id: _, ...withoutId } = agentTask();
    const task = await rejectionOf(() =>
      careless.sendAgentTask({ params: { tenant_id: t }, payload: withoutId as AgentTask }),
    );
    expect(task).toBeInstanceOf(ValidationError);
    expect(task).toMatchObject({ operation: 'sendAgentTask', direction: 'send', part: 'payload' });
    expect(messageOf(task)).toBe(
      "invalid payload for operation 'sendAgentTask': task_id: required as the message id: a non-empty string without CR or LF, or a number",
    );
    const request = await rejectionOf(() =>
      careless.queueGatewayRequest({
        params: { tenant_id: t },
        payload: chatRequest(),
        headers: { request_id: '', model: 'gpt-4o-mini' },
      }),
    );
    expect(request).toBeInstanceOf(ValidationError);
    expect(messageOf(request)).toBe(
      "invalid headers for operation 'queueGatewayRequest': request_id: required as the message id: a non-empty value without CR or LF",
    );
    expect(rec.calls).toEqual([]);
  });

  test('errors - on a closed connection a core send throws NotConnectedError and a durable send rejects with it', async () => {
    const t = tenant();
    const nc = await conns.runtime();
    const client = new AiSdkClient(nc);
    await nc.close();
    const core = thrown(() =>
      client.sendAgentMessage({
        params: { tenant_id: t },
        payload: agentMessage(),
        headers: { target_agent_id: 'planner', source_agent_id: 'router' },
      }),
    );
    expect(core).toBeInstanceOf(NotConnectedError);
    expect(core).toMatchObject({ code: 'NOT_CONNECTED', operation: 'sendAgentMessage', closed: true });
    expect(messageOf(core)).toBe(`'sendAgentMessage' on 'ai.agent.message.${t}' not sent: the connection is closed`);

    const durable = await rejectionOf(() => client.sendAgentTask({ params: { tenant_id: t }, payload: agentTask() }));
    expect(durable).toBeInstanceOf(NotConnectedError);
    expect(durable).toMatchObject({ code: 'NOT_CONNECTED', operation: 'sendAgentTask', closed: true });
    expect(messageOf(durable)).toBe(`'sendAgentTask' on 'ai.agent.tasks.${t}' not sent: the connection is closed`);
  });
});

describe('errors - bad messages received by a generated durable worker', () => {
  /** A task worker for tenant `t` whose consumer (hence the stream) exists, and the dead-letter baseline. */
  async function taskWorker(t: string, handler?: (m: ReceiveAgentTaskReceived) => void | Promise<void>) {
    const jsm = await conns.jsm();
    const { server, errors } = await conns.worker();
    const got: ReceiveAgentTaskReceived[] = [];
    const handle = server.receiveAgentTask({
      params: { tenant_id: t },
      handler: (m) => {
        got.push(m);
        return handler?.(m);
      },
    });
    // Plain core publishes below are stored only if the stream exists: wait for the worker's setup.
    await consumerReady(jsm, tasks, handle);
    const after = await lastSeq(jsm, tasks.deadLetterStream);
    return { jsm, server, errors, got, handle, after };
  }

  test('errors - with send validation off, an invalid task is dead-lettered (validation) and never reaches the handler', async () => {
    const t = tenant();
    const subject = `ai.agent.tasks.${t}`;
    const { jsm, server, errors, got, handle, after } = await taskWorker(t);
    const careless = new AiSdkClient(await conns.runtime(), { validate: { send: false } });
    const task = agentTask({ type: 'Not A Type' });
    const ack = await careless.sendAgentTask({ params: { tenant_id: t }, payload: task });

    const [dead] = await deadLetters(jsm, tasks, subject, after, 1);
    await waitFor('the dead-letter report', () => errors.events.length === 1);
    expect(got).toEqual([]);
    const [event] = errors.events;
    expect(event).toMatchObject({ kind: 'dead-letter', operation: 'receiveAgentTask', subject });
    const error = event?.error as DeadLetterError;
    expect(error).toBeInstanceOf(DeadLetterError);
    expect(error).toMatchObject({
      code: 'DEAD_LETTER',
      reason: 'validation',
      stored: true,
      stream: 'AI_AGENT_TASKS',
      sequence: ack.seq,
      deadLetterSubject: 'ai.dead.agent.tasks',
    });
    expect(error.cause).toBeInstanceOf(ValidationError);
    expect(error.cause).toMatchObject({ direction: 'receive', issues: [{ path: 'type' }] });
    const reason =
      "invalid payload for operation 'receiveAgentTask': type: Invalid string: must match pattern /^[a-z][a-z0-9_.-]*$/u";
    expect(messageOf(error.cause)).toBe(reason);
    expect(error.message).toBe(
      `message AI_AGENT_TASKS:${ack.seq} on '${subject}' dead-lettered to 'ai.dead.agent.tasks' (validation): ${reason}`,
    );

    // The dead letter: the task as sent, on the dead-letter subject, with why and where from.
    expect(dead?.subject).toBe('ai.dead.agent.tasks');
    expect(dead?.json()).toEqual(task);
    expect(headersOf(dead?.header)).toEqual({
      'Nats-Msg-Id': `AI_AGENT_TASKS:${ack.seq}`,
      'Nats-Expected-Stream': 'AI_AGENT_TASKS_DEAD_LETTER',
      'Nats-Dead-Letter-Message-Id': task.task_id,
      'Nats-Dead-Letter-Reason': 'validation',
      'Nats-Dead-Letter-Error': reason,
      'Nats-Dead-Letter-Subject': subject,
      'Nats-Dead-Letter-Stream': 'AI_AGENT_TASKS',
      'Nats-Dead-Letter-Sequence': String(ack.seq),
      'Nats-Dead-Letter-Deliveries': '1',
    });
    // ...and it left the task stream: never redelivered.
    const info = await consumerSettled(jsm, tasks, handle.queue ?? '');
    expect(info).toMatchObject({ num_pending: 0, num_ack_pending: 0, num_redelivered: 0 });
    expect(await storedFor(jsm, tasks, subject)).toBe(0);
    await server.drain();
  });

  test('errors - malformed JSON from a plain client is dead-lettered (decode); the next task is handled', async () => {
    const t = tenant();
    const subject = `ai.agent.tasks.${t}`;
    const { jsm, server, errors, got, after } = await taskWorker(t);
    const plain = await conns.plain();
    const next = agentTask();
    plain.publish(subject, '{"task_id": "abc",');
    plain.publish(subject, JSON.stringify(next));
    await waitFor('the valid task', () => got.length === 1);
    const [dead] = await deadLetters(jsm, tasks, subject, after, 1);
    await waitFor('the dead-letter report', () => errors.events.length === 1);

    expect(got.map((m) => m.payload)).toEqual([next]);
    // Published without a Nats-Msg-Id: the message id is the stream position.
    expect(got[0]?.messageId).toBe(`AI_AGENT_TASKS:${got[0]?.msg.info.streamSequence}`);
    expect(errors.events).toHaveLength(1);
    const [event] = errors.events;
    expect(event).toMatchObject({ kind: 'dead-letter', operation: 'receiveAgentTask', subject });
    const error = event?.error as DeadLetterError;
    expect(error).toBeInstanceOf(DeadLetterError);
    expect(error).toMatchObject({ reason: 'decode', stored: true, stream: 'AI_AGENT_TASKS' });
    const decode = error.cause;
    expect(decode).toBeInstanceOf(DecodeError);
    expect(messageOf(decode)).toBe(`malformed JSON for operation 'receiveAgentTask' on '${subject}'`);
    expect(decode).toHaveProperty('cause', expect.any(SyntaxError));
    expect(decode).toMatchObject({ code: 'DECODE', subject });

    expect(dead?.string()).toBe('{"task_id": "abc",');
    expect(headersOf(dead?.header)).toEqual({
      'Nats-Msg-Id': `AI_AGENT_TASKS:${error.sequence}`,
      'Nats-Expected-Stream': 'AI_AGENT_TASKS_DEAD_LETTER',
      'Nats-Dead-Letter-Reason': 'decode',
      'Nats-Dead-Letter-Error': `malformed JSON for operation 'receiveAgentTask' on '${subject}'`,
      'Nats-Dead-Letter-Subject': subject,
      'Nats-Dead-Letter-Stream': 'AI_AGENT_TASKS',
      'Nats-Dead-Letter-Sequence': String(error.sequence),
      'Nats-Dead-Letter-Deliveries': '1',
    });
    await server.drain();
  });

  test('errors - invalid tasks received are dead-lettered (validation) with their errors; the worker goes on', async () => {
    const t = tenant();
    const subject = `ai.agent.tasks.${t}`;
    const { jsm, server, errors, got, after } = await taskWorker(t);
    const plain = await conns.plain();
    const next = agentTask();
    plain.publish(subject, JSON.stringify({ ...agentTask(), attempt: 0 }));
    plain.publish(subject, JSON.stringify({ ...agentTask(), extra: 'field' }));
    plain.publish(subject); // empty body: no payload at all
    plain.publish(subject, JSON.stringify(next));
    await waitFor('the valid task', () => got.length === 1);
    const dead = await deadLetters(jsm, tasks, subject, after, 3);
    await waitFor('three dead-letter reports', () => errors.events.length === 3);

    expect(got.map((m) => m.payload)).toEqual([next]);
    const reasons = [
      "invalid payload for operation 'receiveAgentTask': attempt: Too small: expected number to be >=1",
      `invalid payload for operation 'receiveAgentTask': Unrecognized key: "extra"`,
      "invalid payload for operation 'receiveAgentTask': Invalid input: expected object, received undefined",
    ];
    // Dead-lettering runs concurrently: compare in stream order.
    const events = [...errors.events].sort(
      (a, b) => (a.error as DeadLetterError).sequence - (b.error as DeadLetterError).sequence,
    );
    for (const [i, e] of events.entries()) {
      expect(e).toMatchObject({ kind: 'dead-letter', operation: 'receiveAgentTask', subject });
      expect(e.error).toBeInstanceOf(DeadLetterError);
      expect(e.error).toMatchObject({ reason: 'validation', stored: true });
      const cause = (e.error as DeadLetterError).cause;
      expect(cause).toBeInstanceOf(ValidationError);
      expect(cause).toMatchObject({ operation: 'receiveAgentTask', direction: 'receive' });
      expect(messageOf(cause)).toBe(reasons[i]);
    }
    const bySeq = [...dead].sort(
      (a, b) => Number(a.header.get('Nats-Dead-Letter-Sequence')) - Number(b.header.get('Nats-Dead-Letter-Sequence')),
    );
    expect(bySeq.map((m) => [m.header.get('Nats-Dead-Letter-Reason'), m.header.get('Nats-Dead-Letter-Error')])).toEqual(
      reasons.map((r) => ['validation', r]),
    );
    expect(bySeq[2]?.data.length).toBe(0);
    await server.drain();
  });

  test('errors - a durable handler that rejects naks its task: reported as handler, redelivered, then acked', async () => {
    const t = tenant();
    const subject = `ai.agent.tasks.${t}`;
    const boom = new Error('boom');
    const failing = agentTask({ type: 'flaky' });
    const { jsm, server, errors, got, handle } = await taskWorker(t, async (m) => {
      if (m.messageId === failing.task_id && m.deliveryCount === 1) throw boom;
    });
    const client = new AiSdkClient(await conns.runtime());
    const other = agentTask();
    await client.sendAgentTask({ params: { tenant_id: t }, payload: failing });
    await client.sendAgentTask({ params: { tenant_id: t }, payload: other });
    await waitFor('the redelivery', () => got.length === 3);

    // The failing task does not hold up the next one: it comes back after the spec's backoff (1 s).
    expect(got.map((m) => [m.payload.task_id, m.deliveryCount])).toEqual([
      [failing.task_id, 1],
      [other.task_id, 1],
      [failing.task_id, 2],
    ]);
    expect(got[2]?.msg.info.redelivered).toBe(true);
    expect(got[2]?.payload).toEqual(failing);
    expect(errors.events).toEqual([{ kind: 'handler', operation: 'receiveAgentTask', subject, error: boom }]);
    const info = await consumerSettled(jsm, tasks, handle.queue ?? '');
    expect(info).toMatchObject({ num_pending: 0, num_ack_pending: 0 });
    expect(await storedFor(jsm, tasks, subject)).toBe(0);
    await server.drain();
  });

  test('errors - a durable handler that throws synchronously naks its task too; the worker goes on', async () => {
    const t = tenant();
    const subject = `ai.agent.tasks.${t}`;
    const syncBoom = new TypeError('sync boom');
    const { server, errors, got } = await taskWorker(t, (m) => {
      if (m.payload.type === 'explode' && m.deliveryCount === 1) throw syncBoom;
    });
    const client = new AiSdkClient(await conns.runtime());
    await client.sendAgentTask({ params: { tenant_id: t }, payload: agentTask({ type: 'explode' }) });
    await client.sendAgentTask({ params: { tenant_id: t }, payload: agentTask({ type: 'classify' }) });
    await waitFor('the redelivered task', () => got.length === 3);
    expect(got.map((m) => [m.payload.type, m.deliveryCount])).toEqual([
      ['explode', 1],
      ['classify', 1],
      ['explode', 2],
    ]);
    expect(errors.events).toEqual([{ kind: 'handler', operation: 'receiveAgentTask', subject, error: syncBoom }]);
    await server.drain();
  });
});

describe('errors - bad messages received by a generated core subscriber', () => {
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
      // NoRespondersError, not the TimeoutError of the 60 s / 30 s spec timeouts: the server answered at once.
      const error = await rejection(call());
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
      // No NATS service: its own $SRV.* subscriptions would be recorded; this test is about the registrations.
      const server = new AiSdkServer(rec.nc, { onError: () => {}, service: false });
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
      rejectionOf(() => client.sendAgentTask({ params: { tenant_id: tenant_id as string }, payload: agentTask() }));
    expect(messageOf(await send(wildcard))).toBe(
      "invalid value for subject parameter 'tenant_id': Symbol(asyncapi-nats.wildcard) (a wildcard is only allowed in a subscription)",
    );
    expect(messageOf(await send(42))).toBe(
      "invalid value for subject parameter 'tenant_id': 42 (expected a string, got number)",
    );
    expect(messageOf(await send(undefined))).toBe(
      "invalid value for subject parameter 'tenant_id': undefined (missing)",
    );
    expect(await send(null)).toBeInstanceOf(InvalidSubjectParameterError);
    // A core send throws the same error synchronously.
    expect(
      thrown(() =>
        client.sendAgentMessage({
          params: { tenant_id: wildcard as unknown as string },
          payload: agentMessage(),
          headers: { target_agent_id: 'planner', source_agent_id: 'router' },
        }),
      ),
    ).toBeInstanceOf(InvalidSubjectParameterError);
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
      const server = new AiSdkServer(rec.nc, { onError: () => {}, service: false });
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
