/**
 * examples.ts: every factory's value passes the generated zod schema of its type unchanged (headers
 * as the runtime sends them: each value as text), for the ai-sdk output and the edge-case fixture;
 * values are fresh on every call; the spec's example wins when it validates; a type without a valid
 * sample gets no factory and a warning; factory names never clash with other exported names.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import * as aiExamples from '../../generated/ai-sdk/examples.js';
import * as aiSchemas from '../../generated/ai-sdk/schemas.js';
import { generateFiles, resolveOptions } from '../../generator/generate.js';
import type { ApiModel } from '../../generator/model/types.js';
import type { Problem } from '../../generator/problems.js';
import { writeOutput } from '../../generator/write.js';

type Module = Record<string, unknown>;

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'asyncapi-nats-examples-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Generates `spec` (no docs) into `out`, writes it, and imports its examples and schemas modules. */
async function generated(
  spec: string,
  out: string,
): Promise<{
  model: ApiModel;
  problems: readonly Problem[];
  files: ReadonlyMap<string, string>;
  examples: Module;
  schemas: Module;
}> {
  const result = await generateFiles(resolveOptions({ spec, out, docs: false }));
  if (!result.files || !result.model) throw new Error(`${spec} has errors: ${JSON.stringify(result.problems)}`);
  await writeOutput(out, result.files);
  const examples = (await import(path.resolve(out, 'examples.ts'))) as Module;
  const schemas = (await import(path.resolve(out, 'schemas.ts'))) as Module;
  return { model: result.model, problems: result.problems, files: result.files, examples, schemas };
}

/**
 * For each type a message carries: its factory's value, and what the zod schema makes of it (header
 * values are sent as text, so they are parsed from `String(value)`, as the runtime does).
 */
function checkAll(model: ApiModel, examples: Module, schemas: Module) {
  const carried = new Map<string, 'payload' | 'headers'>();
  for (const m of model.messages) {
    if (m.payload !== undefined) carried.set(m.payload, 'payload');
    if (m.headers !== undefined) carried.set(m.headers, 'headers');
  }
  return [...carried].map(([type, role]) => {
    const factory = examples[`example${type}`];
    if (typeof factory !== 'function') throw new Error(`no factory example${type}`);
    const zodName = model.schemas.find((s) => s.name === type)?.zodName ?? '';
    const schema = schemas[zodName] as z.ZodType;
    const value: unknown = factory();
    const input =
      role === 'headers'
        ? Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, String(v)]))
        : value;
    const parsed = schema.safeParse(input);
    return { type, value, parsed: parsed.success ? parsed.data : parsed.error.issues };
  });
}

describe('examples', () => {
  it('examples - every factory of generated/ai-sdk returns a value its zod schema accepts unchanged', async () => {
    const result = await generateFiles(resolveOptions({ spec: 'spec/ai-sdk.asyncapi.yaml', docs: false }));
    if (!result.model) throw new Error('ai-sdk has errors');
    expect(result.problems.filter((p) => p.code === 'example-not-generated')).toEqual([]);
    const checked = checkAll(result.model, aiExamples, aiSchemas);
    expect(checked.map((c) => c.type)).toEqual([
      'AgentMessage',
      'AgentMessageHeaders',
      'AgentTask',
      'ChatCompletionRequest',
      'ChatCompletionRequestHeaders',
      'ChatCompletionResponse',
      'ChatCompletionStreamRequest',
      'ChatCompletionChunk',
      'ChatCompletionStreamEnd',
      'RagDocument',
      'RagQuery',
      'RagResults',
    ]);
    for (const c of checked) expect(c.parsed, c.type).toEqual(c.value);
    // Each exported factory is one of those: nothing else lives in examples.ts.
    expect(Object.keys(aiExamples).sort()).toEqual(checked.map((c) => `example${c.type}`).sort());
  });

  it('examples - every factory of the edge-case fixture returns a value its zod schema accepts unchanged', async () => {
    const { model, examples, schemas, problems } = await generated(
      'test/fixtures/specs/edge-cases.asyncapi.yaml',
      'test/fixtures/out/edge-cases-examples',
    );
    expect(problems.filter((p) => p.code === 'example-not-generated')).toEqual([]);
    const checked = checkAll(model, examples, schemas);
    expect(checked.length).toBe(10);
    for (const c of checked) expect(c.parsed, c.type).toEqual(c.value);
    // Header values are typed (a number, a boolean), as the generated client takes them.
    expect((examples.exampleEventHeaders as () => unknown)()).toEqual({
      attempt: 1,
      replay: true,
      'content-type': 'example',
    });
  });

  it('examples - each call returns a new object, and overrides replace top-level fields', () => {
    const first = aiExamples.exampleChatCompletionRequest();
    const message = first.messages[0];
    if (message === undefined) throw new Error('the example has no messages');
    message.content = 'changed by a test';
    first.metadata = { changed: 'yes' };
    const second = aiExamples.exampleChatCompletionRequest();
    expect(second).not.toBe(first);
    expect(second.messages[0]?.content).toBe('You are a concise site-reliability assistant.');
    expect(second.metadata).toEqual({ tenant_id: 'acme', conversation_id: 'conv-2024-0042' });

    const overridden = aiExamples.exampleChatCompletionRequest({ model: 'x', temperature: 0 });
    expect(overridden).toEqual({ ...second, model: 'x', temperature: 0 });
    expect(aiSchemas.ChatCompletionRequestSchema.parse(overridden)).toEqual(overridden);
  });

  it("examples - the spec's valid example wins, an invalid one falls back to the schema, an impossible schema gets a warning, names never clash", async () => {
    const spec = path.join(dir, 'examples.asyncapi.yaml');
    await writeFile(
      spec,
      `asyncapi: 3.0.0
info: { title: Examples, version: 1.0.0 }
channels:
  example-thing:
    address: ex.thing
    messages:
      thing: { $ref: '#/components/messages/Thing' }
      fallback: { $ref: '#/components/messages/Fallback' }
      impossible: { $ref: '#/components/messages/Impossible' }
operations:
  sendThing:
    action: send
    channel: { $ref: '#/channels/example-thing' }
components:
  messages:
    Thing:
      payload: { $ref: '#/components/schemas/ThingSubject' }
      examples:
        - { name: first, payload: { n: 5, notDeclared: true } }
        - { name: second, payload: { n: 6 } }
    Fallback:
      payload: { type: object, required: [n], properties: { n: { type: integer, minimum: 10 } } }
      examples:
        - { name: tooSmall, payload: { n: 1 } }
    Impossible:
      payload: { type: string, minLength: 5, maxLength: 2 }
  schemas:
    ThingSubject: { type: object, properties: { n: { type: integer } } }
`,
    );
    const { model, examples, problems, files } = await generated(spec, 'test/fixtures/out/examples-naming');
    // The channel's subject builder is `exampleThingSubject`: the factory of type ThingSubject yields.
    expect(model.channels.map((c) => c.subjectConst)).toEqual(['exampleThingSubject']);
    expect(Object.keys(examples).sort()).toEqual(['exampleFallbackPayload', 'exampleThingSubject2']);
    // The first example, without the key the type does not declare (zod strips it too).
    expect((examples.exampleThingSubject2 as () => unknown)()).toEqual({ n: 5 });
    expect((examples.exampleFallbackPayload as () => unknown)()).toEqual({ n: 10 });
    expect(problems.filter((p) => p.code === 'example-not-generated')).toEqual([
      {
        code: 'example-not-generated',
        severity: 'warning',
        message:
          "no example of the payload of message 'Impossible' (ImpossiblePayload) could be built from its schema: Too small: expected string to have >=5 characters",
        file: spec,
        line: expect.any(Number),
        column: expect.any(Number),
        help: 'add `examples` to the message or to the schema: examples.ts and the docs site then use those',
      },
    ]);
    expect(files.get('index.ts')).toContain(
      "export { exampleFallbackPayload, exampleThingSubject2 } from './examples.js';",
    );
  });
});
