/**
 * NATS service discovery: a generated server answers `$SRV.PING`, `$SRV.INFO` and `$SRV.STATS` (the
 * protocol `nats micro ls|info|stats` uses), asked here with a plain NATS client, as that tool would.
 */
import { jetstreamManager } from '@nats-io/jetstream';
import { connect as natsConnect, type NatsConnection as RawConnection } from '@nats-io/transport-node';
import { afterEach, describe, expect, inject, it } from 'vitest';
import {
  AiSdkClient,
  AiSdkServer,
  exampleChatCompletionRequest,
  exampleChatCompletionResponse,
} from '../../generated/ai-sdk/index.js';
import { connect, type NatsConnection, RemoteError, ServiceError, wildcard } from '../../runtime/index.js';
import { Connections, tenant } from '../e2e/helpers.js';

const open: (NatsConnection | RawConnection)[] = [];
afterEach(async () => {
  for (const nc of open.splice(0)) if (!nc.isClosed()) await nc.close();
});

async function connections(): Promise<{ nc: NatsConnection; raw: RawConnection }> {
  const servers = inject('natsUrl');
  const nc = await connect({ servers });
  const raw = await natsConnect({ servers });
  open.push(nc, raw);
  return { nc, raw };
}

/** Every answer to a discovery request within `ms` (all instances answer, no queue group). */
async function ask(raw: RawConnection, subject: string, ms = 300): Promise<Record<string, unknown>[]> {
  const answers: Record<string, unknown>[] = [];
  const inbox = `_INBOX.srv-test-${Math.random().toString(36).slice(2)}`;
  const sub = raw.subscribe(inbox, {
    callback: (_e, m) => {
      // A headers-only 503 is the server's "no responders" status, not an answer.
      if (m.data.length > 0) answers.push(m.json());
    },
  });
  raw.publish(subject, '', { reply: inbox });
  await raw.flush();
  await new Promise((r) => setTimeout(r, ms));
  sub.unsubscribe();
  return answers;
}

describe('services', () => {
  it('services - a generated server answers $SRV.PING with its name, id and version from the spec', async () => {
    const { nc, raw } = await connections();
    const server = new AiSdkServer(nc);
    await nc.flush();
    const id = server.service?.id;
    expect(server.service).toEqual({ name: 'ai-sdk', id: expect.stringMatching(/^\w{22}$/), version: '1.0.0' });
    const pings = await ask(raw, '$SRV.PING.ai-sdk');
    expect(pings).toContainEqual({
      type: 'io.nats.micro.v1.ping_response',
      name: 'ai-sdk',
      id,
      version: '1.0.0',
      metadata: { 'asyncapi.title': 'AI SDK', 'asyncapi.version': '1.0.0' },
    });
    // Every level of the discovery subjects answers: all services, by name, by instance.
    expect((await ask(raw, '$SRV.PING')).map((p) => p.id)).toContain(id);
    expect((await ask(raw, `$SRV.PING.ai-sdk.${id}`)).map((p) => p.id)).toEqual([id]);
    await server.close();
  });

  it('services - $SRV.INFO lists one endpoint per registration with subject, queue group and operation metadata', async () => {
    const { nc, raw } = await connections();
    const server = new AiSdkServer(nc);
    server.replyChatCompletion({ params: { tenant_id: wildcard }, handler: () => reply() });
    server.receiveAgentMessage({
      params: { tenant_id: 'acme' },
      queue: { agent_id: 'planner' },
      handler: () => {},
    });
    await nc.flush();
    const [info] = await ask(raw, `$SRV.INFO.ai-sdk.${server.service?.id}`);
    expect(info).toMatchObject({ type: 'io.nats.micro.v1.info_response', name: 'ai-sdk', version: '1.0.0' });
    expect(info?.endpoints).toEqual([
      {
        name: 'replyChatCompletion',
        subject: 'ai.gateway.responses.*',
        queue_group: 'gateway.workers',
        metadata: {
          'asyncapi.operation': 'replyChatCompletion',
          'asyncapi.kind': 'reply',
          'asyncapi.subject': 'ai.gateway.responses.{tenant_id}',
          'nats.timeout_ms': '60000',
        },
      },
      {
        name: 'receiveAgentMessage',
        subject: 'ai.agent.message.acme',
        queue_group: 'agent.planner',
        metadata: {
          'asyncapi.operation': 'receiveAgentMessage',
          'asyncapi.kind': 'subscribe',
          'asyncapi.subject': 'ai.agent.message.{tenant_id}',
        },
      },
    ]);
    await server.close();
  });

  it('services - $SRV.STATS counts requests, errors and processing time; handler errors travel as Nats-Service-Error headers', async () => {
    const { nc, raw } = await connections();
    const server = new AiSdkServer(nc);
    server.replyChatCompletion({
      params: { tenant_id: wildcard },
      handler: ({ payload }) => {
        if (payload.model === 'missing') throw new ServiceError(404, 'no such model');
        return reply();
      },
    });
    const client = new AiSdkClient(nc);
    const params = { tenant_id: 'acme' };
    for (let i = 0; i < 3; i++) await client.requestChatCompletion({ params, payload: exampleChatCompletionRequest() });
    const failed = await client
      .requestChatCompletion({ params, payload: exampleChatCompletionRequest({ model: 'missing' }) })
      .catch((e: unknown) => e);
    expect(failed).toBeInstanceOf(RemoteError);
    // What a plain client sees: the service error headers of the protocol.
    const rawReply = await raw.request(
      'ai.gateway.responses.acme',
      JSON.stringify(exampleChatCompletionRequest({ model: 'missing' })),
    );
    expect(rawReply.headers?.get('Nats-Service-Error')).toBe('no such model');
    expect(rawReply.headers?.get('Nats-Service-Error-Code')).toBe('404');
    // An invalid request counts as an error too.
    const invalid = await raw.request('ai.gateway.responses.acme', '{"model":1}');
    expect(invalid.headers?.get('Nats-Service-Error-Code')).toBe('400');

    const [stats] = await ask(raw, `$SRV.STATS.ai-sdk.${server.service?.id}`);
    expect(stats).toMatchObject({
      type: 'io.nats.micro.v1.stats_response',
      name: 'ai-sdk',
      started: expect.any(String),
    });
    const [endpoint] = (stats?.endpoints ?? []) as Record<string, unknown>[];
    expect(endpoint).toMatchObject({
      name: 'replyChatCompletion',
      subject: 'ai.gateway.responses.*',
      queue_group: 'gateway.workers',
      num_requests: 6,
      num_errors: 3,
      last_error: expect.stringMatching(/^400:invalid request/),
    });
    expect(endpoint?.processing_time).toBeGreaterThan(0);
    expect(endpoint?.average_processing_time).toBe(Math.round((endpoint?.processing_time as number) / 6));
    await server.close();
  });

  it('services - { service: false } registers nothing; drain stops answering; name and version can be overridden', async () => {
    const { nc, raw } = await connections();
    const silent = new AiSdkServer(nc, { service: false });
    expect(silent.service).toBeUndefined();
    const renamed = new AiSdkServer(nc, {
      service: { name: 'gateway-eu', version: '2.1.0', metadata: { region: 'eu' } },
    });
    await nc.flush();
    const pings = await ask(raw, '$SRV.PING.gateway-eu');
    expect(pings).toEqual([
      expect.objectContaining({
        name: 'gateway-eu',
        version: '2.1.0',
        metadata: expect.objectContaining({ region: 'eu' }),
      }),
    ]);
    await renamed.drain();
    expect(await ask(raw, '$SRV.PING.gateway-eu')).toEqual([]);
    expect(() => new AiSdkServer(nc, { service: { name: 'has space' } })).toThrow(
      "invalid service name 'has space': use letters, digits, '-' and '_' only",
    );
  });
});

function reply() {
  return exampleChatCompletionResponse();
}

describe('handles', () => {
  it('handles - ready resolves once the server has the subscription, so another connection never meets no-responders', async () => {
    const { nc, raw } = await connections();
    const server = new AiSdkServer(nc, { service: false });
    const handle = server.replyChatCompletion({ params: { tenant_id: 'ready' }, handler: () => reply() });
    await handle.ready;
    // From another connection, at once: the subscription is already known to the server.
    const answer = await raw.request('ai.gateway.responses.ready', JSON.stringify(exampleChatCompletionRequest()));
    expect(answer.json()).toEqual(reply());
    await server.drain();
    const stopped = server.receiveRagQuery({ params: { tenant_id: 'ready' }, handler: () => {} });
    stopped.unsubscribe();
    await expect(stopped.ready).rejects.toThrow(
      "'receiveRagQuery' on 'ai.rag.queries.ready' stopped before it was ready",
    );
  });
});

describe('durable handles', () => {
  const conns = new Connections();
  afterEach(() => conns.close()); // removes the tenant's durable consumer from the shared server

  it('handles - a durable registration is ready once its stream and consumer exist; stopped first, ready rejects', async () => {
    const t = tenant();
    const nc = await conns.runtime();
    const server = new AiSdkServer(nc, { service: false });
    const handle = server.receiveAgentTask({ params: { tenant_id: t }, handler: () => {} });
    await handle.ready;
    const jsm = await jetstreamManager(nc);
    expect((await jsm.consumers.info('AI_AGENT_TASKS', `agent-workers_${t}`)).name).toBe(`agent-workers_${t}`);
    await handle.drain();
    const early = server.receiveAgentTask({ params: { tenant_id: tenant() }, handler: () => {} });
    early.unsubscribe();
    await expect(early.ready).rejects.toThrow('stopped before its durable consumer was ready');
  });
});
