/**
 * `server.close()` is the graceful shutdown of a generated server: running handlers finish, their
 * durable messages are acked, then the connection drains and closes.
 */
import { jetstreamManager } from '@nats-io/jetstream';
import { afterEach, describe, expect, test } from 'vitest';
import { AiSdkClient, AiSdkServer } from '../../generated/ai-sdk/index.js';
import { gate, waitFor } from '../harness/util.js';
import { agentTask, Connections, tenant } from './helpers.js';

const conns = new Connections();
afterEach(() => conns.close());

describe('shutdown - server.close()', () => {
  test('shutdown - close() lets a running durable handler finish and ack before the connection closes', async () => {
    const t = tenant();
    const nc = await conns.runtime();
    const admin = await conns.runtime();
    const jsm = await jetstreamManager(admin);
    const server = new AiSdkServer(nc, { onError: () => {} });
    const release = gate();
    let started = 0;
    let finished = 0;
    const handle = server.receiveAgentTask({
      params: { tenant_id: t },
      handler: async () => {
        started++;
        await release.promise;
        finished++;
      },
    });
    try {
      await new AiSdkClient(admin).sendAgentTask({ params: { tenant_id: t }, payload: agentTask() });
      await waitFor('the handler to start', () => started === 1, 10_000);

      let closed = false;
      const closing = server.close().then(() => {
        closed = true;
      });
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(closed).toBe(false);
      expect(nc.isClosed()).toBe(false);

      release.open();
      await closing;
      expect(finished).toBe(1);
      expect(nc.isClosed()).toBe(true);
      const info = await jsm.consumers.info('AI_AGENT_TASKS', handle.queue as string);
      expect(info.num_ack_pending).toBe(0);
      expect(info.num_pending).toBe(0);
      expect(info.num_redelivered).toBe(0);
    } finally {
      release.open();
      await jsm.consumers.delete('AI_AGENT_TASKS', handle.queue as string).catch(() => {});
    }
  });
});
