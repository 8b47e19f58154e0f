/**
 * Agent framework flows of the guide through the generated ai-sdk module: agent-to-agent messaging
 * (core NATS: queue `agent.{agent_id}` + `target_agent_id` header match), task distribution (durable:
 * stream `AI_AGENT_TASKS`, one durable consumer `agent-workers_<tenant>` shared by every worker of a
 * tenant, message id = `task_id`) and `server.drain()`.
 */
import { afterEach, describe, expect, expectTypeOf, test } from 'vitest';
import {
  type AgentMessageHeaders,
  AiSdkClient,
  AiSdkServer,
  type ReceiveAgentMessageReceived,
  type ReceiveAgentTaskReceived,
} from '../../generated/ai-sdk/index.js';
import type { Handle, PublishAck } from '../../runtime/index.js';
import { gate, waitFor } from '../harness/util.js';
import {
  agentMessage,
  agentTask,
  Connections,
  chatRequest,
  chatResponse,
  consumerReady,
  consumerSettled,
  DURABLE,
  errorLog,
  flushAll,
  settle,
  storedFor,
  tenant,
} from './helpers.js';

const conns = new Connections();
afterEach(() => conns.close());

describe('agents - agent-to-agent messaging', () => {
  test('agents - each message reaches exactly one instance of the addressed agent and no other agent', async () => {
    const t = tenant();
    const N = 20;
    const errors = errorLog();
    // Two instances of each agent, each on its own connection, as separate processes would be.
    const instances = [
      ['planner', 'p1'],
      ['planner', 'p2'],
      ['coder', 'c1'],
      ['coder', 'c2'],
    ] as const;
    const seen = new Map<string, ReceiveAgentMessageReceived[]>();
    const ncs = [];
    for (const [agent, instance] of instances) {
      const nc = await conns.runtime();
      ncs.push(nc);
      const got: ReceiveAgentMessageReceived[] = [];
      seen.set(instance, got);
      const handle = new AiSdkServer(nc, { onError: errors.onError }).receiveAgentMessage({
        params: { tenant_id: t },
        queue: { agent_id: agent },
        handler: (m) => {
          got.push(m);
        },
      });
      expect(handle.subject).toBe(`ai.agent.message.${t}`);
      expect(handle.queue).toBe(`agent.${agent}`);
    }
    await flushAll(...ncs);

    const sender = await conns.runtime();
    const client = new AiSdkClient(sender);
    for (let i = 0; i < N; i++) {
      client.sendAgentMessage({
        params: { tenant_id: t },
        payload: agentMessage(`to-planner-${i}`),
        headers: { target_agent_id: 'planner', source_agent_id: 'router' },
      });
      client.sendAgentMessage({
        params: { tenant_id: t },
        payload: agentMessage(`to-coder-${i}`),
        headers: { target_agent_id: 'coder', source_agent_id: 'planner' },
      });
    }
    await sender.flush();
    const total = () => [...seen.values()].reduce((n, got) => n + got.length, 0);
    await waitFor('all agent messages', () => total() >= 2 * N);
    await flushAll(...ncs);
    await settle();

    const contents = (instance: string) => (seen.get(instance) ?? []).map((m) => m.payload.content);
    const planner = [...contents('p1'), ...contents('p2')];
    const coder = [...contents('c1'), ...contents('c2')];
    expect(total()).toBe(2 * N);
    expect(planner.sort()).toEqual(Array.from({ length: N }, (_, i) => `to-planner-${i}`).sort());
    expect(coder.sort()).toEqual(Array.from({ length: N }, (_, i) => `to-coder-${i}`).sort());
    expect(new Set(planner).size).toBe(N);
    expect(new Set(coder).size).toBe(N);

    for (const m of [...(seen.get('p1') ?? []), ...(seen.get('p2') ?? [])]) {
      expect(m.headers).toEqual({ target_agent_id: 'planner', source_agent_id: 'router' });
      expect(m.params).toEqual({ tenant_id: t });
      expect(m.subject).toBe(`ai.agent.message.${t}`);
    }
    for (const m of [...(seen.get('c1') ?? []), ...(seen.get('c2') ?? [])]) {
      expect(m.headers).toEqual({ target_agent_id: 'coder', source_agent_id: 'planner' });
    }
    expectTypeOf<ReceiveAgentMessageReceived['headers']>().toEqualTypeOf<AgentMessageHeaders>();
    expect(errors.events).toEqual([]);
  });

  test('agents - a message addressed to an agent nobody runs reaches no handler', async () => {
    const t = tenant();
    const nc = await conns.runtime();
    const got: string[] = [];
    const server = new AiSdkServer(nc, { onError: () => {} });
    server.receiveAgentMessage({
      params: { tenant_id: t },
      queue: { agent_id: 'planner' },
      handler: (m) => {
        got.push(m.payload.content);
      },
    });
    await nc.flush();
    const client = new AiSdkClient(nc);
    client.sendAgentMessage({
      params: { tenant_id: t },
      payload: agentMessage('for-reviewer'),
      headers: { target_agent_id: 'reviewer', source_agent_id: 'router' },
    });
    client.sendAgentMessage({
      params: { tenant_id: t },
      payload: agentMessage('for-planner'),
      headers: { target_agent_id: 'planner', source_agent_id: 'router' },
    });
    await waitFor('the planner message', () => got.length === 1);
    await nc.flush();
    await settle();
    expect(got).toEqual(['for-planner']);
    await server.drain();
  });
});

describe('agents - task distribution (durable)', () => {
  const tasks = DURABLE.agentTasks;

  test('agents - each task is handled by exactly one worker of the shared durable consumer, spread over the workers', async () => {
    const t = tenant();
    const N = 30;
    const errors = errorLog();
    const jsm = await conns.jsm();
    const byWorker = new Map<number, ReceiveAgentTaskReceived[]>();
    const handles: Handle[] = [];
    for (let w = 0; w < 3; w++) {
      const nc = await conns.runtime();
      const got: ReceiveAgentTaskReceived[] = [];
      byWorker.set(w, got);
      const handle = new AiSdkServer(nc, { onError: errors.onError }).receiveAgentTask({
        params: { tenant_id: t },
        handler: (m) => {
          got.push(m);
        },
      });
      handles.push(handle);
    }
    // One durable consumer for every worker of the tenant, named after the spec's consumer and the tenant.
    expect(handles.map((h) => [h.subject, h.queue])).toEqual(
      Array.from({ length: 3 }, () => [`ai.agent.tasks.${t}`, `agent-workers_${t}`]),
    );
    // All three pull before the first task is stored, so the server spreads the tasks over them.
    await consumerReady(jsm, tasks, handles[0] as Handle, 3);

    const client = new AiSdkClient(await conns.runtime());
    const ids: string[] = [];
    for (let i = 0; i < N; i++) {
      const task = agentTask({ priority: i % 2 === 0 ? 'high' : 'low', attempt: 1 + (i % 3) });
      ids.push(task.task_id);
      await client.sendAgentTask({ params: { tenant_id: t }, payload: task });
    }
    const all = () => [...byWorker.values()].flat();
    await waitFor('all tasks', () => all().length >= N);

    // Exactly once: every task acked, none pending or redelivered, and (a work queue) removed from the
    // stream, so no worker can get any of them again.
    const info = await consumerSettled(jsm, tasks, `agent-workers_${t}`);
    expect(info).toMatchObject({ num_pending: 0, num_ack_pending: 0, num_redelivered: 0 });
    expect(await storedFor(jsm, tasks, `ai.agent.tasks.${t}`)).toBe(0);
    expect(all().length).toBe(N);
    expect(
      all()
        .map((m) => m.payload.task_id)
        .sort(),
    ).toEqual([...ids].sort());
    expect(
      all()
        .map((m) => m.messageId)
        .sort(),
    ).toEqual([...ids].sort());
    expect(all().map((m) => m.deliveryCount)).toEqual(Array.from({ length: N }, () => 1));
    const busy = [...byWorker.values()].filter((got) => got.length > 0).length;
    expect(busy).toBeGreaterThanOrEqual(2);
    expect(errors.events).toEqual([]);
  });

  test('agents - sendAgentTask resolves the ack of stream AI_AGENT_TASKS with the task_id as message id', async () => {
    const t = tenant();
    const jsm = await conns.jsm();
    const client = new AiSdkClient(await conns.runtime());
    const task = agentTask();
    const ack = await client.sendAgentTask({ params: { tenant_id: t }, payload: task });
    expectTypeOf(ack).toEqualTypeOf<PublishAck>();
    expect(ack).toEqual({
      stream: 'AI_AGENT_TASKS',
      seq: expect.any(Number),
      duplicate: false,
      messageId: task.task_id,
      attempts: 1,
    });
    // The stored message is the task as plain JSON on the tenant's subject, under its Nats-Msg-Id.
    const stored = await jsm.streams.getMessage('AI_AGENT_TASKS', { seq: ack.seq });
    expect(stored?.subject).toBe(`ai.agent.tasks.${t}`);
    expect(stored?.json()).toEqual(task);
    expect(stored?.header.get('Nats-Msg-Id')).toBe(task.task_id);
  });

  test('agents - a task arrives with its payload exactly as sent, parsed and typed, with its message id', async () => {
    const t = tenant();
    const { server, errors } = await conns.worker();
    const got: ReceiveAgentTaskReceived[] = [];
    server.receiveAgentTask({ params: { tenant_id: t }, handler: (m) => void got.push(m) });
    const task = agentTask({ deadline: '2025-01-16T00:00:00+01:00', input: { nested: { list: [1, 'two', null] } } });
    await new AiSdkClient(await conns.runtime()).sendAgentTask({ params: { tenant_id: t }, payload: task });
    await waitFor('the task', () => got.length === 1);
    expect(got[0]?.payload).toEqual(task);
    expect(got[0]?.headers).toEqual({});
    expect(got[0]?.params).toEqual({ tenant_id: t });
    expect(got[0]?.subject).toBe(`ai.agent.tasks.${t}`);
    expect(got[0]?.messageId).toBe(task.task_id);
    expect(got[0]?.deliveryCount).toBe(1);
    expectTypeOf<ReceiveAgentTaskReceived['messageId']>().toEqualTypeOf<string>();
    expectTypeOf<ReceiveAgentTaskReceived['deliveryCount']>().toEqualTypeOf<number>();
    expect(errors.events).toEqual([]);
    await server.drain();
  });

  test('agents - a task sent again with the same task_id within the dedupe window is stored once and handled once', async () => {
    const t = tenant();
    const jsm = await conns.jsm();
    const client = new AiSdkClient(await conns.runtime());
    const task = agentTask();
    const first = await client.sendAgentTask({ params: { tenant_id: t }, payload: task });
    // A caller retrying after a lost ack: same task, same task_id, so the same Nats-Msg-Id.
    const again = await client.sendAgentTask({ params: { tenant_id: t }, payload: task });
    expect(first.duplicate).toBe(false);
    expect(again).toEqual({ ...first, duplicate: true });
    expect(await storedFor(jsm, tasks, `ai.agent.tasks.${t}`)).toBe(1);

    const { server, errors } = await conns.worker();
    const got: ReceiveAgentTaskReceived[] = [];
    const handle = server.receiveAgentTask({ params: { tenant_id: t }, handler: (m) => void got.push(m) });
    // A later task: the stream delivers in order, so once it is handled a second copy would have been too.
    const later = agentTask();
    await client.sendAgentTask({ params: { tenant_id: t }, payload: later });
    await waitFor('the later task', () => got.some((m) => m.messageId === later.task_id));
    expect(got.map((m) => m.messageId)).toEqual([task.task_id, later.task_id]);
    const info = await consumerSettled(jsm, tasks, handle.queue ?? '');
    expect(info).toMatchObject({ num_pending: 0, num_ack_pending: 0, num_redelivered: 0 });
    expect(errors.events).toEqual([]);
    await server.drain();
  });

  test('agents - a task sent while no worker runs is kept by the stream and delivered once a worker starts', async () => {
    const t = tenant();
    const jsm = await conns.jsm();
    const client = new AiSdkClient(await conns.runtime());
    const task = agentTask();
    const ack = await client.sendAgentTask({ params: { tenant_id: t }, payload: task });
    // Nobody consumes this tenant yet: core NATS would have dropped the task, the stream holds it.
    await expect(jsm.consumers.info(tasks.stream, `agent-workers_${t}`)).rejects.toThrow(/consumer not found/);
    expect(await storedFor(jsm, tasks, `ai.agent.tasks.${t}`)).toBe(1);

    const { server, errors } = await conns.worker();
    const got: ReceiveAgentTaskReceived[] = [];
    server.receiveAgentTask({ params: { tenant_id: t }, handler: (m) => void got.push(m) });
    await waitFor('the stored task', () => got.length === 1);
    expect(got[0]?.payload).toEqual(task);
    expect(got[0]?.messageId).toBe(ack.messageId);
    expect(got[0]?.deliveryCount).toBe(1);
    expect(got[0]?.msg.info.streamSequence).toBe(ack.seq);
    await consumerSettled(jsm, tasks, `agent-workers_${t}`);
    expect(await storedFor(jsm, tasks, `ai.agent.tasks.${t}`)).toBe(0);
    expect(errors.events).toEqual([]);
    await server.drain();
  });
});

describe('drain - server.drain()', () => {
  test('drain - server.drain() waits for an in-flight durable handler, then its task is acked, not redelivered', async () => {
    const t = tenant();
    const nc = await conns.runtime();
    const jsm = await conns.jsm();
    const errors = errorLog();
    const server = new AiSdkServer(nc, { onError: errors.onError });
    const release = gate();
    let started = 0;
    let finished = 0;
    const handle = server.receiveAgentTask({
      params: { tenant_id: t },
      handler: async () => {
        started++;
        await release.promise;
        finished++;
      },
    });
    await new AiSdkClient(nc).sendAgentTask({ params: { tenant_id: t }, payload: agentTask() });
    await waitFor('the handler to start', () => started === 1);

    let drained = false;
    const draining = server.drain().then(() => {
      drained = true;
    });
    await settle(50);
    expect(drained).toBe(false);
    expect(finished).toBe(0);

    release.open();
    await draining;
    expect(finished).toBe(1);
    // drain() resolves after the ack: nothing is left to redeliver.
    const info = await jsm.consumers.info(DURABLE.agentTasks.stream, handle.queue ?? '');
    expect(info).toMatchObject({ num_pending: 0, num_ack_pending: 0, num_redelivered: 0 });
    expect(errors.events).toEqual([]);
  });

  test('drain - after server.drain() no task is delivered to it; the task waits in the stream for the next worker', async () => {
    const t = tenant();
    const jsm = await conns.jsm();
    const nc = await conns.runtime();
    const server = new AiSdkServer(nc, { onError: () => {} });
    const got: string[] = [];
    const handle = server.receiveAgentTask({
      params: { tenant_id: t },
      handler: (m) => void got.push(m.payload.task_id),
    });
    await consumerReady(jsm, DURABLE.agentTasks, handle);
    await server.drain();
    await handle.closed;

    const task = agentTask();
    await new AiSdkClient(await conns.runtime()).sendAgentTask({ params: { tenant_id: t }, payload: task });
    // Stored and not delivered to anyone (a delivered task would be awaiting its ack).
    const info = await jsm.consumers.info(DURABLE.agentTasks.stream, `agent-workers_${t}`);
    expect(info).toMatchObject({ num_pending: 1, num_ack_pending: 0 });
    expect(got).toEqual([]);

    const next = await conns.worker();
    const taken: string[] = [];
    next.server.receiveAgentTask({ params: { tenant_id: t }, handler: (m) => void taken.push(m.payload.task_id) });
    await waitFor('the next worker to take the task', () => taken.length === 1);
    expect(taken).toEqual([task.task_id]);
    expect(got).toEqual([]);
    await next.server.drain();
  });

  test('drain - server.drain() lets an in-flight reply handler answer its caller', async () => {
    const t = tenant();
    const { nc: worker, server, errors } = await conns.worker();
    const release = gate();
    let started = 0;
    server.replyChatCompletion({
      params: { tenant_id: t },
      handler: async (m) => {
        started++;
        await release.promise;
        return chatResponse('late but answered', m.payload.model);
      },
    });
    await worker.flush();
    const client = new AiSdkClient(await conns.runtime());
    const answer = client.requestChatCompletion(
      { params: { tenant_id: t }, payload: chatRequest() },
      { timeoutMs: 5_000 },
    );
    await waitFor('the handler to start', () => started === 1);

    let drained = false;
    const draining = server.drain().then(() => {
      drained = true;
    });
    await settle(50);
    expect(drained).toBe(false);
    release.open();
    await draining;
    expect(await answer).toEqual(chatResponse('late but answered'));
    expect(errors.events).toEqual([]);
  });
});
