/**
 * Generated code tree-shakes: a bundle of an application that imports one schema and one subject
 * template of generated/ai-sdk keeps those and drops every other schema and subject (the pure marks on
 * their initializers), as esbuild bundles it.
 */
import path from 'node:path';
import { build } from 'esbuild';
import { expect, test } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../..');

test('tree shaking - a bundle keeps the schema and subject it imports and drops the others', async () => {
  const result = await build({
    stdin: {
      contents: [
        "import { AgentMessageSchema } from './generated/ai-sdk/schemas.js';",
        "import { agentMessageSubject } from './generated/ai-sdk/subjects.js';",
        'console.log(AgentMessageSchema.shape, agentMessageSubject.build);',
      ].join('\n'),
      resolveDir: ROOT,
      loader: 'ts',
    },
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'node',
    conditions: ['source'],
    logLevel: 'silent',
  });
  const text = result.outputFiles[0]?.text ?? '';
  expect(text).toContain('var AgentMessageSchema');
  expect(text).toContain("'ai.agent.message.{tenant_id}'".replaceAll("'", '"'));
  for (const dropped of ['RagQuerySchema', 'ChatCompletionResponseSchema', 'AgentTaskSchema']) {
    expect(text).not.toContain(dropped);
  }
  expect(text).not.toContain('ai.rag.queries.{tenant_id}');
});
