import { beforeAll, describe, expect, it } from 'vitest';
import { LiveSchemas } from '../../generator/emit/schema/live.js';
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

  it('model - every subject of the guide, and the gateway stream, is a channel with a tenant parameter', () => {
    const addresses = ai.channels.map((c) => c.address).filter((a) => a !== null);
    expect(addresses.sort()).toEqual([
      'ai.agent.message.{tenant_id}',
      'ai.agent.tasks.{tenant_id}',
      'ai.gateway.requests.{tenant_id}',
      'ai.gateway.responses.{tenant_id}',
      'ai.gateway.stream.{tenant_id}',
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

  it('model - the gateway stream streams chat.completion chunks and ends with usage (x-nats-stream)', () => {
    for (const id of ['streamChatCompletion', 'replyChatCompletionStream']) {
      const stream = op(ai, id).stream;
      const name = (key: string | undefined) => ai.messages.find((m) => m.key === key)?.name;
      expect(stream?.chunks.map(name)).toEqual(['ChatCompletionChunk']);
      expect(name(stream?.end)).toBe('ChatCompletionStreamEnd');
      expect(stream).toMatchObject({
        firstChunkTimeoutMs: 30_000,
        idleTimeoutMs: 30_000,
        totalTimeoutMs: 600_000,
        window: 32,
      });
    }
    expect(op(ai, 'streamChatCompletion').kind).toBe('request');
    expect(op(ai, 'replyChatCompletionStream').queue?.template).toBe('gateway.workers');
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
  const file = 'test/fixtures/specs/schema-formats.asyncapi.yaml';

  it('model - a multi-format payload is its schema, not the {schemaFormat, schema} wrapper (which validated nothing)', async () => {
    const { model: formats } = await model(file);
    const declared = Object.fromEntries(formats.schemas.map((s) => [s.name, s]));
    expect(declared.YamlFormPayload?.schema).toEqual({
      type: 'object',
      required: ['id'],
      properties: { id: { type: 'string' } },
    });
    for (const s of formats.schemas) expect(s.schema, s.name).not.toHaveProperty('schemaFormat');
  });

  it('model - each JSON Schema format is read in the dialect it names', async () => {
    const { model: formats } = await model(file);
    expect(formats.schemas.map((s) => [s.name, s.dialect ?? 'draft-07'])).toEqual([
      ['Draft04FormPayload', 'draft-04'],
      ['Draft2019FormPayload', '2019-09'],
      ['Draft2020FormPayload', '2020-12'],
      ['OpenapiFormPayload', 'openapi-3.0'],
      ['OpenapiFormHeaders', 'openapi-3.0'],
      ['YamlFormPayload', 'draft-07'],
      ['JsonFormPayload', 'draft-07'],
      ['AsyncapiFormPayload', 'draft-07'],
    ]);
  });

  it('model - Avro and Protobuf payloads get a located warning and no schema (unknown)', async () => {
    const { model: formats, problems } = await model(file);
    expect(
      problems
        .filter((p) => p.code === 'unsupported-schema-format')
        .map((p) => `${p.line}:${p.column} ${p.severity} ${p.message}`),
    ).toEqual([
      "101:9 warning the payload of message 'avroForm' is an Avro schema ('application/vnd.apache.avro+json;version=1.9.0'): the generator reads JSON Schema only, so it is typed as unknown and not validated",
      "112:9 warning the payload of message 'protobufForm' is a Protobuf schema ('application/vnd.google.protobuf;version=3'): the generator reads JSON Schema only, so it is typed as unknown and not validated",
    ]);
    const unread = formats.messages.filter((m) => m.name === 'AvroForm' || m.name === 'ProtobufForm');
    expect(unread.map((m) => [m.name, m.payload])).toEqual([
      ['AvroForm', undefined],
      ['ProtobufForm', undefined],
    ]);
  });

  it('model - the schemas of other dialects validate as their dialect says', async () => {
    const { model: formats } = await model(file);
    const live = new LiveSchemas(formats.schemas);
    const verdict = (name: string, value: unknown) => {
      const built = live.of(name);
      if (!built.ok) throw new Error(built.reason);
      return built.schema.safeParse(value).success;
    };
    expect([0.5, 0, 1, 1.5].map((ratio) => verdict('Draft04FormPayload', { ratio }))).toEqual([
      true,
      false,
      true,
      false,
    ]);
    expect(verdict('Draft2019FormPayload', { card: 'x' })).toBe(false);
    expect(verdict('Draft2019FormPayload', { card: 'x', billing: 'y' })).toBe(true);
    expect(verdict('Draft2020FormPayload', ['a', 1])).toBe(true);
    expect(verdict('Draft2020FormPayload', ['a', 1, 2])).toBe(false);
    expect(verdict('OpenapiFormPayload', { name: null })).toBe(true);
    expect(verdict('OpenapiFormPayload', { name: 'x', size: 0 })).toBe(false);
    expect(verdict('OpenapiFormPayload', { name: 'x', size: 2 ** 31 })).toBe(false);
    expect(verdict('OpenapiFormHeaders', { attempt: '2' })).toBe(true);
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

describe('model of schema findings', () => {
  it('model - what a schema says that cannot hold or is not checked is reported at the keyword (enum against its type, a required key additionalProperties forbids, an unknown format)', async () => {
    const { problems } = await model('test/fixtures/specs/schema-keywords.asyncapi.yaml');
    expect(
      problems
        .filter((p) => p.code.startsWith('schema-'))
        .map((p) => `${p.line}:${p.column} ${p.severity} ${p.code} ${p.message}`),
    ).toEqual([
      "67:32 info schema-unknown-format Order at /properties/color/format: format 'rgb' is not one ajv-formats knows: JSON Schema makes it an annotation, so it is not checked",
      `50:35 warning schema-enum-contradiction ContradictionPayload at /properties/state/enum: no value of 'enum' satisfies the rest of the schema ("open", "closed"): no value is valid`,
      "54:9 warning schema-required-forbidden ForbiddenPayload at /required: 'secret' is required but is not a property, and additionalProperties forbids other keys: no object is valid",
    ]);
  });

  it('model - the sample spec has no schema findings', async () => {
    const { problems } = await model('spec/ai-sdk.asyncapi.yaml');
    expect(problems.filter((p) => p.code.startsWith('schema-'))).toEqual([]);
  });
});
