/**
 * The test kit (`asyncapi-nats/testing`) as a user's contract test uses it: a real nats-server of its
 * own, the generated server and client from generated/ai-sdk, and payloads from the generated example
 * factories. Also: JetStream is on, stop() leaves nothing behind, a missing binary is a typed error.
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
// In a user's project: `from 'asyncapi-nats/testing'`.
import { NatsServerNotFoundError, startTestKit } from 'asyncapi-nats/testing';
import { describe, expect, test } from 'vitest';
import {
  AiSdkClient,
  AiSdkServer,
  exampleAgentTask,
  exampleChatCompletionRequest,
  exampleChatCompletionResponse,
} from '../../generated/ai-sdk/index.js';
import { wildcard } from '../../runtime/index.js';

const NOT_FOUND_HELP =
  'install nats-server (apt-get install -y nats-server, or a release from ' +
  'https://github.com/nats-io/nats-server/releases) or set NATS_SERVER_BIN to its path';

function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('testing', () => {
  test('testing - a contract test in a few lines: the generated handler answers the example request', async () => {
    await using kit = await startTestKit();
    const nc = await kit.connect();
    new AiSdkServer(nc).replyChatCompletion({
      params: { tenant_id: wildcard },
      handler: ({ payload, params }) => exampleChatCompletionResponse({ id: params.tenant_id, model: payload.model }),
    });

    const reply = await new AiSdkClient(nc).requestChatCompletion({
      params: { tenant_id: 'acme' },
      payload: exampleChatCompletionRequest({ model: 'x' }),
    });

    expect(reply).toEqual({ ...exampleChatCompletionResponse(), id: 'acme', model: 'x' });
  });

  test("testing - a durable channel works on the kit's JetStream", async () => {
    await using kit = await startTestKit();
    const nc = await kit.connect();
    const received: string[] = [];
    new AiSdkServer(nc).receiveAgentTask({
      params: { tenant_id: 'acme' },
      handler: async ({ payload, deliveryCount }) => {
        received.push(`${payload.task_id} #${deliveryCount}`);
      },
    });
    const task = exampleAgentTask({ task_id: randomUUID() });

    const ack = await new AiSdkClient(nc).sendAgentTask({ params: { tenant_id: 'acme' }, payload: task });

    expect(ack).toMatchObject({ stream: 'AI_AGENT_TASKS', seq: 1, duplicate: false });
    await expect.poll(() => received).toEqual([`${task.task_id} #1`]);
  });

  test('testing - the server listens on 127.0.0.1 only, and stop() closes connections and leaves no process behind', async () => {
    const kit = await startTestKit({ jetstream: false });
    const { pid, dir } = kit.server;
    expect(kit.url).toBe(`nats://127.0.0.1:${kit.server.port}`);
    expect((await kit.server.varz()).host).toBe('127.0.0.1');
    const nc = await kit.connect();
    expect(processExists(pid)).toBe(true);

    await kit.stop();

    expect(nc.isClosed()).toBe(true);
    expect(processExists(pid)).toBe(false);
    expect(existsSync(dir)).toBe(false);
    await kit.stop(); // a second stop is a no-op
    await expect(kit.connect()).rejects.toThrow(`test kit on ${kit.url} is stopped`);
  });

  test('testing - a missing nats-server binary is a NatsServerNotFoundError that says how to get one', async () => {
    const failure = startTestKit({ binary: '/nonexistent/nats-server' });
    await expect(failure).rejects.toBeInstanceOf(NatsServerNotFoundError);
    await expect(failure).rejects.toThrow(`'/nonexistent/nats-server' not found: ${NOT_FOUND_HELP}`);
  });

  test('testing - NATS_SERVER_BIN names the binary; pointing it at nothing fails, never skips', async () => {
    const script =
      "import('./runtime/testing/index.ts').then((m) => m.startTestKit()).then(" +
      '() => process.exit(0), (e) => { console.error(`${e.name}: ${e.message}`); process.exit(3); })';
    const result = await promisify(execFile)(process.execPath, ['--import', 'tsx', '-e', script], {
      env: { ...process.env, NATS_SERVER_BIN: '/nonexistent' },
    }).then(
      () => ({ code: 0, stderr: '' }),
      (e: { code: number; stderr: string }) => ({ code: e.code, stderr: e.stderr }),
    );
    expect(result).toEqual({
      code: 3,
      stderr: `NatsServerNotFoundError: '/nonexistent' not found: ${NOT_FOUND_HELP}\n`,
    });
  });
});
