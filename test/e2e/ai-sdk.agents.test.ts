/**
 * Agent framework flows of the guide through the generated ai-sdk module: agent-to-agent messaging
 * (queue `agent.{agent_id}` + `target_agent_id` header match), task distribution (queue
 * `agent.workers`) and `server.drain()`.
 */
import { afterEach, describe, expect, expectTypeOf, test } from 'vitest';
import {
  type AgentMessageHeaders,
  AiSdkClient,
  AiSdkServer,
  type ReceiveAgentMessageReceived,
  type ReceiveAgentTaskReceived,
} from '../../generated/ai-sdk/index.js';
import { gate, waitFor } from '../harness/util.js';
import {
  agentMessage,
  agentTask,
  Connections,
  chatRequest,
  chatResponse,
  errorLog,
  flushAll,
  settle,
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

describe('agents - task distribution', () => {
  test('agents - each task is handled by exactly one worker of agent.workers, spread over the workers', async () => {
    const t = tenant();
    const N = 30;
    const errors = errorLog();
    const byWorker = new Map<number, string[]>();
    const ncs = [];
    for (let w = 0; w < 3; w++) {
      const nc = await conns.runtime();
      ncs.push(nc);
      const got: string[] = [];
      byWorker.set(w, got);
      const handle = new AiSdkServer(nc, { onError: errors.onError }).receiveAgentTask({
        params: { tenant_id: t },
        handler: (m: ReceiveAgentTaskReceived) => {
          got.push(m.payload.task_id);
        },
      });
      expect(handle.queue).toBe('agent.workers');
    }
    await flushAll(...ncs);

    const sender = await conns.runtime();
    const client = new AiSdkClient(sender);
    const ids: string[] = [];
    for (let i = 0; i < N; i++) {
      const task = agentTask({ priority: i % 2 === 0 ? 'high' : 'low', attempt: 1 + (i % 3) });
      ids.push(task.task_id);
      client.sendAgentTask({ params: { tenant_id: t }, payload: task });
    }
    await sender.flush();
    const all = () => [...byWorker.values()].flat();
    await waitFor('all tasks', () => all().length >= N);
    await flushAll(...ncs);
    await settle();

    expect(all().length).toBe(N);
    expect(all().sort()).toEqual([...ids].sort());
    const busy = [...byWorker.values()].filter((got) => got.length > 0).length;
    expect(busy).toBeGreaterThanOrEqual(2);
    expect(errors.events).toEqual([]);
  });

  test('agents - a task arrives with its payload exactly as sent, parsed and typed', async () => {
    const t = tenant();
    const nc = await conns.runtime();
    const got: ReceiveAgentTaskReceived[] = [];
    const server = new AiSdkServer(nc, { onError: () => {} });
    server.receiveAgentTask({ params: { tenant_id: t }, handler: (m) => void got.push(m) });
    await nc.flush();
    const task = agentTask({ deadline: '2025-01-16T00:00:00+01:00', input: { nested: { list: [1, 'two', null] } } });
    new AiSdkClient(nc).sendAgentTask({ params: { tenant_id: t }, payload: task });
    await waitFor('the task', () => got.length === 1);
    expect(got[0]?.payload).toEqual(task);
    expect(got[0]?.headers).toEqual({});
    expect(got[0]?.params).toEqual({ tenant_id: t });
    await server.drain();
  });
});

describe('drain - server.drain()', () => {
  test('drain - server.drain() waits for an in-flight async handler before resolving', async () => {
    const t = tenant();
    const nc = await conns.runtime();
    const errors = errorLog();
    const server = new AiSdkServer(nc, { onError: errors.onError });
    const release = gate();
    let started = 0;
    let finished = 0;
    server.receiveAgentTask({
      params: { tenant_id: t },
      handler: async () => {
        started++;
        await release.promise;
        finished++;
      },
    });
    await nc.flush();
    new AiSdkClient(nc).sendAgentTask({ params: { tenant_id: t }, payload: agentTask() });
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
    expect(errors.events).toEqual([]);
  });

  test('drain - after server.drain() no more messages are delivered', async () => {
    const t = tenant();
    const nc = await conns.runtime();
    const server = new AiSdkServer(nc, { onError: () => {} });
    const got: string[] = [];
    const handle = server.receiveAgentTask({
      params: { tenant_id: t },
      handler: (m) => void got.push(m.payload.task_id),
    });
    await nc.flush();
    await server.drain();
    await handle.closed;
    const sender = await conns.runtime();
    new AiSdkClient(sender).sendAgentTask({ params: { tenant_id: t }, payload: agentTask() });
    await flushAll(sender, nc);
    await settle();
    expect(got).toEqual([]);
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
