// A code block of docs/testing.md, type-checked with the project (test/docs/code-blocks.test.ts finds it here).
import { wildcard } from 'asyncapi-nats/runtime';
import { startTestKit } from 'asyncapi-nats/testing';
import { expect, test } from 'vitest';
import { answerChat } from './gateway.js'; // your handler
import { AiSdkClient, AiSdkServer, exampleChatCompletionRequest } from './generated/ai-sdk/index.js';

test('gateway - answers with the requested model', async () => {
  await using kit = await startTestKit(); // stopped when the test's scope ends
  const nc = await kit.connect();
  new AiSdkServer(nc).replyChatCompletion({ params: { tenant_id: wildcard }, handler: answerChat });

  const reply = await new AiSdkClient(nc).requestChatCompletion({
    params: { tenant_id: 'acme' },
    payload: exampleChatCompletionRequest({ model: 'x' }),
  });

  expect(reply.model).toBe('x');
});
