import { beforeAll, describe, expect, it } from 'vitest';
import { buildModel } from '../../generator/model/build.js';
import type { ApiModel, OperationModel } from '../../generator/model/types.js';
import { parseSpec } from '../../generator/parse/parse.js';
import type { Problem } from '../../generator/problems.js';

async function model(file: string): Promise<{ model: ApiModel; problems: Problem[] }> {
  const parsed = await parseSpec(file);
  if (!parsed.spec) throw new Error(`fixture does not parse: ${JSON.stringify(parsed.problems)}`);
  const built = buildModel(parsed.spec);
  return { model: built.model, problems: [...parsed.problems, ...built.problems] };
}

function op(m: ApiModel, id: string): OperationModel {
  const found = m.operations.find((o) => o.id === id);
  if (!found) throw new Error(`no operation ${id}`);
  return found;
}

describe('model of the AI SDK spec', () => {
  let ai: ApiModel;
  let problems: Problem[];
  beforeAll(async () => {
    ({ model: ai, problems } = await model('spec/ai-sdk.asyncapi.yaml'));
  });

  it('model - the AI SDK spec has no errors or warnings', () => {
    expect(problems.filter((p) => p.severity !== 'info')).toEqual([]);
  });

  it('model - every subject of the guide is a channel with a tenant parameter', () => {
    const addresses = ai.channels.map((c) => c.address).filter((a) => a !== null);
    expect(addresses.sort()).toEqual([
      'ai.agent.message.{tenant_id}',
      'ai.agent.tasks.{tenant_id}',
      'ai.gateway.requests.{tenant_id}',
      'ai.gateway.responses.{tenant_id}',
      'ai.rag.ingest.{tenant_id}',
      'ai.rag.queries.{tenant_id}',
      'ai.rag.results.{tenant_id}',
    ]);
    for (const c of ai.channels.filter((ch) => ch.address !== null)) {
      expect(c.parameters.map((p) => p.name)).toEqual(['tenant_id']);
    }
  });

  it('model - operations become publish, subscribe, request and reply', () => {
    expect(op(ai, 'sendAgentMessage').kind).toBe('publish');
    expect(op(ai, 'receiveAgentMessage').kind).toBe('subscribe');
    expect(op(ai, 'requestChatCompletion').kind).toBe('request');
    expect(op(ai, 'replyChatCompletion').kind).toBe('reply');
    expect(op(ai, 'requestRagResults').kind).toBe('request');
    expect(op(ai, 'replyRagResults').kind).toBe('reply');
  });

  it('model - request timeouts come from x-nats-timeout-ms', () => {
    expect(op(ai, 'requestChatCompletion').timeoutMs).toBe(60_000);
    expect(op(ai, 'requestRagResults').timeoutMs).toBe(30_000);
  });

  it('model - queue groups come from the NATS binding and x-nats-queue', () => {
    expect(op(ai, 'receiveAgentTask').queue?.template).toBe('agent.workers');
    const agent = op(ai, 'receiveAgentMessage');
    expect(agent.queue?.template).toBe('agent.{agent_id}');
    expect(agent.queue?.parameters).toEqual(['agent_id']);
    expect(agent.matchHeaders).toEqual([
      { header: 'target_agent_id', tokens: [{ kind: 'parameter', name: 'agent_id' }] },
    ]);
  });

  it('model - headers of the guide are declared with their required names', () => {
    const agentMessage = ai.messages.find((m) => m.name === 'AgentMessage');
    expect([...(agentMessage?.requiredHeaders ?? [])].sort()).toEqual(['source_agent_id', 'target_agent_id']);
    const gateway = ai.messages.find((m) => m.name === 'ChatCompletionRequest');
    expect([...(gateway?.requiredHeaders ?? [])].sort()).toEqual(['model', 'request_id']);
  });

  it('model - nodes keep their spec location', () => {
    const send = op(ai, 'sendAgentMessage');
    expect(send.location.file).toBe('spec/ai-sdk.asyncapi.yaml');
    expect(send.location.pointer).toBe('/operations/sendAgentMessage');
    expect(send.location.line).toBeGreaterThan(1);
  });

  it('model - shared components are declared once by their component name', () => {
    const names = ai.schemas.map((s) => s.name);
    expect(names.filter((n) => n === 'ChatMessage')).toHaveLength(1);
    expect(names).toContain('ChatCompletionRequest');
    expect(names).toContain('ChatCompletionResponse');
  });
});

describe('model of edge cases', () => {
  let edge: ApiModel;
  beforeAll(async () => {
    ({ model: edge } = await model('test/fixtures/specs/edge-cases.asyncapi.yaml'));
  });

  it('model - operation ids that are keywords or start with digits get valid member names', () => {
    const names = Object.fromEntries(edge.operations.map((o) => [o.id, o.name]));
    expect(names).toMatchObject({
      delete: 'delete',
      class: 'class',
      '2fa.verify': '_2faVerify',
      'publish-x.v2': 'publishXV2',
    });
  });

  it('model - channels whose names collide after sanitising get distinct names', () => {
    const subjects = edge.channels.map((c) => c.subjectConst);
    expect(new Set(subjects).size).toBe(subjects.length);
    const params = edge.channels.map((c) => c.paramsType);
    expect(new Set(params).size).toBe(params.length);
  });

  it('model - every declared name is unique', () => {
    const all = [
      ...edge.schemas.flatMap((s) => [s.name, s.zodName]),
      ...edge.operations.flatMap((o) => [o.argsType, o.descriptorConst]),
    ];
    expect(new Set(all).size).toBe(all.length);
  });

  it('model - a self-recursive schema is declared so it can refer to itself', () => {
    expect(edge.schemas.some((s) => s.name === 'TreeNode')).toBe(true);
  });

  it('model - an operation carries several messages; one without payload or headers is allowed', () => {
    const del = edge.operations.find((o) => o.id === 'delete');
    expect(del?.messages).toHaveLength(2);
    const all = edge.operations.find((o) => o.id === 'class');
    expect(all?.messages).toHaveLength(3);
    const deleted = edge.messages.find((m) => m.name === 'Deleted');
    expect(deleted?.payload).toBeUndefined();
    expect(deleted?.headers).toBeDefined();
    const ping = edge.messages.find((m) => m.name === 'Ping');
    expect(ping?.payload).toBeUndefined();
    expect(ping?.headers).toBeUndefined();
  });

  it('model - a reply channel without address is allowed', () => {
    const request = edge.operations.find((o) => o.kind === 'request');
    expect(request?.reply?.messages.length).toBeGreaterThan(0);
  });
});

describe('model of schema formats', () => {
  it('model - JSON Schema in YAML or JSON form and AsyncAPI schemas are typed, not unknown', async () => {
    const { model: formats, problems } = await model('test/fixtures/specs/schema-formats.asyncapi.yaml');
    expect(problems.filter((p) => p.code === 'unsupported-schema-format')).toEqual([]);
    expect(formats.messages.map((m) => m.payload !== undefined)).toEqual([true, true, true]);
  });
});

describe('model of other protocols', () => {
  it('model - an MQTT address that is not a NATS subject skips its channel with a warning', async () => {
    const { model: mqtt, problems } = await model('test/fixtures/specs/mqtt.asyncapi.yaml');
    expect(problems.some((p) => p.severity === 'error')).toBe(false);
    expect(problems.some((p) => p.code === 'nats-partial-parameter' && p.severity === 'warning')).toBe(true);
    expect(mqtt.channels.every((c) => c.address === null || !c.address.includes('/{'))).toBe(true);
  });

  it('model - a send on a wildcard address in a Kafka spec skips that operation only, not the channel', async () => {
    const { model: kafka, problems } = await model('test/fixtures/specs/wildcard-kafka.asyncapi.yaml');
    expect(kafka.operations.map((o) => o.id)).toEqual(['listen']);
    expect(kafka.channels.map((c) => c.id)).toEqual(['events']);
    expect(problems.find((p) => p.code === 'nats-wildcard-in-publish')).toMatchObject({
      severity: 'warning',
      message: "operation 'emit' sends to 'events.*.created', which contains a wildcard; operation 'emit' is skipped",
    });
  });

  it('model - an AsyncAPI 2.6 document is converted and modelled', async () => {
    const { model: v2, problems } = await model('test/fixtures/specs/v2.asyncapi.yaml');
    expect(problems.some((p) => p.severity === 'error')).toBe(false);
    expect(v2.asyncapiVersion).toMatch(/^2\./);
    expect(v2.operations.length).toBeGreaterThan(0);
  });
});
