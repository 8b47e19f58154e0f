/**
 * Interop between the generated ai-sdk module and plain `@nats-io/transport-node` clients (what a
 * Python or Go service of the guide would be): the wire is plain JSON and plain NATS headers.
 */
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
import { agentMessage, agentTask, Connections, chatRequest, chatResponse, ragDocument, tenant } from './helpers.js';

const conns = new Connections();
afterEach(() => conns.close());

describe('interop - plain client to generated server', () => {
  test('interop - a task published as JSON by a plain client is accepted by receiveAgentTask', async () => {
    const t = tenant();
    const { nc: worker, server, errors } = await conns.worker();
    const got: ReceiveAgentTaskReceived[] = [];
    server.receiveAgentTask({ params: { tenant_id: t }, handler: (m) => void got.push(m) });
    await worker.flush();

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

  test('interop - a gateway request with a plain priority header is parsed by receiveGatewayRequest', async () => {
    const t = tenant();
    const worker = await conns.runtime();
    const got: ReceiveGatewayRequestReceived[] = [];
    const server = new AiSdkServer(worker, { onError: () => {} });
    server.receiveGatewayRequest({ params: { tenant_id: t }, handler: (m) => void got.push(m) });
    await worker.flush();
    const plain = await conns.plain();
    const h = natsHeaders();
    h.set('request_id', 'py-1');
    h.set('model', 'gpt-4o-mini');
    h.set('priority', 'low');
    plain.publish(`ai.gateway.requests.${t}`, JSON.stringify(chatRequest()), { headers: h });
    await waitFor('the request', () => got.length === 1);
    expect(got[0]?.headers).toEqual({ request_id: 'py-1', model: 'gpt-4o-mini', priority: 'low' });
    expect(got[0]?.payload).toEqual(chatRequest());
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
  test('interop - a plain subscriber reads ingestDocument as a plain JSON object (encoded once)', async () => {
    const t = tenant();
    const plain = await conns.plain();
    const sub = plain.subscribe(`ai.rag.ingest.${t}`, { max: 1 });
    await plain.flush();

    const doc = ragDocument();
    new AiSdkClient(await conns.runtime()).ingestDocument({ params: { tenant_id: t }, payload: doc });
    let seen = 0;
    for await (const msg of sub) {
      seen++;
      const body: unknown = msg.json();
      expect(typeof body).toBe('object');
      expect(body).toEqual(doc);
      expect(msg.string()).toBe(JSON.stringify(doc));
      expect(msg.headers).toBeUndefined();
    }
    expect(seen).toBe(1);
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
