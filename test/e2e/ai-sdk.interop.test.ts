/**
 * Interop between the generated ai-sdk module and plain NATS clients (what a Python or Go service of
 * the guide would be): the wire is plain JSON and plain NATS headers. On durable channels a plain peer
 * uses plain JetStream: `js.publish` with a `Nats-Msg-Id` (the message id the generated side dedupes
 * and reports), or its own consumer on the stream; a plain core publish is stored too.
 */
import { AckPolicy, jetstream } from '@nats-io/jetstream';
import { headers as natsHeaders } from '@nats-io/transport-node';
import { afterEach, describe, expect, test } from 'vitest';
import {
  AiSdkClient,
  AiSdkServer,
  type ReceiveAgentMessageReceived,
  type ReceiveAgentTaskReceived,
  type ReceiveGatewayRequestReceived,
} from '../../generated/ai-sdk/index.js';
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
  headersOf,
  ragDocument,
  storedFor,
  tenant,
} from './helpers.js';

const conns = new Connections();
afterEach(() => conns.close());

describe('interop - plain client to generated server', () => {
  test('interop - a task published as plain JSON by a plain core client is taken by receiveAgentTask', async () => {
    const t = tenant();
    const jsm = await conns.jsm();
    const { server, errors } = await conns.worker();
    const got: ReceiveAgentTaskReceived[] = [];
    const handle = server.receiveAgentTask({ params: { tenant_id: t }, handler: (m) => void got.push(m) });
    // A core publish is stored only when the stream exists: the worker creates it on start.
    await consumerReady(jsm, DURABLE.agentTasks, handle);

    const plain = await conns.plain();
    const task = agentTask();
    const h = natsHeaders();
    h.set('trace_id', 'tr-9');
    plain.publish(`ai.agent.tasks.${t}`, JSON.stringify(task), { headers: h });
    await waitFor('the task', () => got.length === 1);
    expect(got[0]?.payload).toEqual(task);
    // AgentTask declares no headers: an undeclared header is not read into m.headers, but stays on msg.
    expect(got[0]?.headers).toEqual({});
    expect(got[0]?.msg.headers?.get('trace_id')).toBe('tr-9');
    expect(got[0]?.params).toEqual({ tenant_id: t });
    // Sent without a Nats-Msg-Id: the message id is the stream position.
    expect(got[0]?.messageId).toBe(`AI_AGENT_TASKS:${got[0]?.msg.info.streamSequence}`);
    expect(errors.events).toEqual([]);
    await server.drain();
  });

  test('interop - a plain js.publish with a Nats-Msg-Id reaches receiveAgentTask under that id and dedupes with sendAgentTask', async () => {
    const t = tenant();
    const jsm = await conns.jsm();
    const { server, errors } = await conns.worker();
    const got: ReceiveAgentTaskReceived[] = [];
    const handle = server.receiveAgentTask({ params: { tenant_id: t }, handler: (m) => void got.push(m) });
    await consumerReady(jsm, DURABLE.agentTasks, handle);

    const js = jetstream(await conns.plain());
    const task = agentTask();
    const plainAck = await js.publish(`ai.agent.tasks.${t}`, JSON.stringify(task), { msgID: task.task_id });
    expect(plainAck).toMatchObject({ stream: 'AI_AGENT_TASKS', duplicate: false });
    // The generated client derives the same Nats-Msg-Id from task_id: the stream sees a duplicate.
    const generatedAck = await new AiSdkClient(await conns.runtime()).sendAgentTask({
      params: { tenant_id: t },
      payload: task,
    });
    expect(generatedAck).toEqual({
      stream: 'AI_AGENT_TASKS',
      seq: plainAck.seq,
      duplicate: true,
      messageId: task.task_id,
      attempts: 1,
    });
    await waitFor('the task', () => got.length === 1);
    await consumerSettled(jsm, DURABLE.agentTasks, handle.queue ?? '');
    expect(got.map((m) => [m.payload, m.messageId, m.deliveryCount])).toEqual([[task, task.task_id, 1]]);
    expect(errors.events).toEqual([]);
    await server.drain();
  });

  test('interop - an agent message with plain headers reaches the addressed agent with typed headers', async () => {
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
    const msg = agentMessage('from python');
    for (const target of ['coder', 'planner']) {
      const h = natsHeaders();
      h.set('target_agent_id', target);
      h.set('source_agent_id', 'py-agent');
      plain.publish(`ai.agent.message.${t}`, JSON.stringify({ ...msg, content: `to ${target}` }), { headers: h });
    }
    // Same publisher, same subscriber: the coder message, sent first, would have arrived first.
    await waitFor('the planner message', () => got.length === 1);
    await plain.flush();
    await worker.flush();
    expect(got.map((m) => m.payload)).toEqual([{ ...msg, content: 'to planner' }]);
    expect(got[0]?.headers).toEqual({ target_agent_id: 'planner', source_agent_id: 'py-agent' });
    expect(errors.events).toEqual([]);
    await server.drain();
  });

  test('interop - a gateway request with plain headers is parsed by receiveGatewayRequest', async () => {
    const t = tenant();
    const jsm = await conns.jsm();
    const worker = await conns.runtime();
    const got: ReceiveGatewayRequestReceived[] = [];
    const server = new AiSdkServer(worker, { onError: () => {} });
    const handle = server.receiveGatewayRequest({ params: { tenant_id: t }, handler: (m) => void got.push(m) });
    await consumerReady(jsm, DURABLE.gatewayRequests, handle);
    const plain = await conns.plain();
    const h = natsHeaders();
    h.set('request_id', `${t}-py-1`);
    h.set('model', 'gpt-4o-mini');
    h.set('priority', 'low');
    h.set('Nats-Msg-Id', `${t}-py-1`);
    plain.publish(`ai.gateway.requests.${t}`, JSON.stringify(chatRequest()), { headers: h });
    await waitFor('the request', () => got.length === 1);
    expect(got[0]?.headers).toEqual({ request_id: `${t}-py-1`, model: 'gpt-4o-mini', priority: 'low' });
    expect(got[0]?.payload).toEqual(chatRequest());
    // A plain publisher that sets Nats-Msg-Id like the generated client (= request_id) gets the same id back.
    expect(got[0]?.messageId).toBe(`${t}-py-1`);
    await server.drain();
  });

  test('interop - a plain nc.request to replyChatCompletion gets a JSON reply object', async () => {
    const t = tenant();
    const { nc: worker, server, errors } = await conns.worker();
    server.replyChatCompletion({ params: { tenant_id: t }, handler: (m) => chatResponse('hi', m.payload.model) });
    await worker.flush();

    const plain = await conns.plain();
    const reply = await plain.request(`ai.gateway.responses.${t}`, JSON.stringify(chatRequest()), { timeout: 2_000 });
    expect(reply.headers?.has('Nats-Service-Error-Code') ?? false).toBe(false);
    expect(reply.json()).toEqual(chatResponse('hi'));
    expect(reply.string()).toBe(JSON.stringify(chatResponse('hi')));
    expect(errors.events).toEqual([]);
    await server.drain();
  });
});

describe('interop - generated client to plain client', () => {
  test('interop - a plain core subscriber reads ingestDocument as plain JSON (encoded once) with the JetStream headers', async () => {
    const t = tenant();
    const plain = await conns.plain();
    const sub = plain.subscribe(`ai.rag.ingest.${t}`, { max: 1 });
    await plain.flush();

    const doc = ragDocument();
    const ack = await new AiSdkClient(await conns.runtime()).ingestDocument({ params: { tenant_id: t }, payload: doc });
    let seen = 0;
    for await (const msg of sub) {
      seen++;
      const body: unknown = msg.json();
      expect(typeof body).toBe('object');
      expect(body).toEqual(doc);
      expect(msg.string()).toBe(JSON.stringify(doc));
      // Only what JetStream needs: the message id and the stream that must store it.
      expect(headersOf(msg.headers)).toEqual({ 'Nats-Msg-Id': ack.messageId, 'Nats-Expected-Stream': 'AI_RAG_INGEST' });
    }
    expect(seen).toBe(1);
  });

  test('interop - a plain JetStream consumer reads what sendAgentTask stored, as plain JSON under the task_id', async () => {
    const t = tenant();
    const jsm = await conns.jsm();
    const task = agentTask();
    const ack = await new AiSdkClient(await conns.runtime()).sendAgentTask({ params: { tenant_id: t }, payload: task });

    // The plain peer's own durable consumer, for this tenant only (no generated worker runs for it).
    const name = `plain-reader_${t}`;
    await jsm.consumers.add('AI_AGENT_TASKS', {
      durable_name: name,
      ack_policy: AckPolicy.Explicit,
      filter_subject: `ai.agent.tasks.${t}`,
    });
    try {
      const consumer = await jetstream(await conns.plain()).consumers.get('AI_AGENT_TASKS', name);
      const m = await consumer.next({ expires: 5_000 });
      expect(m?.subject).toBe(`ai.agent.tasks.${t}`);
      expect(m?.json()).toEqual(task);
      expect(m?.string()).toBe(JSON.stringify(task));
      expect(m?.headers?.get('Nats-Msg-Id')).toBe(task.task_id);
      expect(m?.seq).toBe(ack.seq);
      expect(await m?.ackAck()).toBe(true);
      // Acked on a work-queue stream: gone.
      expect(await storedFor(jsm, DURABLE.agentTasks, `ai.agent.tasks.${t}`)).toBe(0);
    } finally {
      await jsm.consumers.delete('AI_AGENT_TASKS', name).catch(() => false);
    }
  });

  test('interop - a plain subscriber reads sendAgentMessage headers by their exact names', async () => {
    const t = tenant();
    const plain = await conns.plain();
    const sub = plain.subscribe(`ai.agent.message.${t}`, { max: 1 });
    await plain.flush();
    const msg = agentMessage('hi', { data: { k: [1, 2] }, reply_to: null });
    new AiSdkClient(await conns.runtime()).sendAgentMessage({
      params: { tenant_id: t },
      payload: msg,
      headers: { target_agent_id: 'coder', source_agent_id: 'planner' },
    });
    for await (const m of sub) {
      expect(m.json()).toEqual(msg);
      expect(m.headers?.get('target_agent_id')).toBe('coder');
      expect(m.headers?.get('source_agent_id')).toBe('planner');
      expect([...(m.headers?.keys() ?? [])].sort()).toEqual(['source_agent_id', 'target_agent_id']);
    }
  });
});
