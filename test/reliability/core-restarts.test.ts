/**
 * Core NATS across restarts, measured honestly: `sendAgentMessage` is at-most-once. 20,000 messages are
 * sent at an even pace while the server is SIGKILLed and restarted three times (~500 ms down each).
 * Every message ends in exactly one bucket: received by the `receiveAgentMessage` subscriber, refused
 * at the call with NotConnectedError (the caller knows), or sent without an error and never received
 * (silent loss: it was in the client's buffer or on the wire when the server died).
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { AiSdkClient, AiSdkServer } from '../../generated/ai-sdk/index.js';
import { connect, type NatsConnection, NotConnectedError } from '../../runtime/index.js';
import { agentMessage, tenant } from '../e2e/helpers.js';
import { type NatsProcess, startServer } from '../harness/servers.js';
import { countErrors, crashAndRestart, ms, percent, reportLine } from './helpers.js';

const TOTAL = 20_000;
/** Sending is spread evenly over this long, so the three outages fall in the middle of it. */
const SPREAD_MS = 6_000;
const CRASH_AT_MS = [1_000, 2_600, 4_200];
const DOWN_MS = 500;
const BATCH = 50;

let server: NatsProcess;
const open: NatsConnection[] = [];

beforeAll(async () => {
  server = await startServer({ jetstream: false });
});
afterAll(async () => {
  await Promise.all(open.map((nc) => nc.close().catch(() => {})));
  await server?.dispose();
});

describe('reliability - core restarts', () => {
  test('reliability - core channel across 3 restarts: every message is received, refused or silently lost', {
    timeout: 60_000,
  }, async () => {
    const t = tenant();
    const publisherNc = await connect({ servers: server.url, retry: { attempts: 5 } });
    const subscriberNc = await connect({ servers: server.url, retry: { attempts: 5 } });
    open.push(publisherNc, subscriberNc);
    const client = new AiSdkClient(publisherNc);
    const errors = countErrors();
    const worker = new AiSdkServer(subscriberNc, { onError: errors.onError });

    const received = new Set<string>();
    let duplicates = 0;
    const handle = worker.receiveAgentMessage({
      params: { tenant_id: t },
      queue: { agent_id: 'researcher' },
      handler: (m) => {
        if (received.has(m.payload.message_id)) duplicates++;
        received.add(m.payload.message_id);
      },
    });
    await subscriberNc.flush();

    const headers = { target_agent_id: 'researcher', source_agent_id: 'planner' } as const;
    const template = agentMessage('ping');
    const sentOk: string[] = [];
    let refused = 0;
    let otherErrors = 0;
    const started = Date.now();
    const sending = (async () => {
      let sent = 0;
      while (sent < TOTAL) {
        // Even pace: catch up to where the clock says we should be, at most one batch per turn.
        const due = Math.min(TOTAL, Math.ceil(((Date.now() - started) / SPREAD_MS) * TOTAL));
        const upTo = Math.min(due, sent + BATCH);
        for (; sent < upTo; sent++) {
          const id = randomUUID();
          try {
            client.sendAgentMessage({ params: { tenant_id: t }, headers, payload: { ...template, message_id: id } });
            sentOk.push(id);
          } catch (error) {
            if (error instanceof NotConnectedError) refused++;
            else otherErrors++;
          }
        }
        await new Promise((resolve) => setImmediate(resolve));
      }
    })();
    const outages: number[] = [];
    for (const at of CRASH_AT_MS) {
      await sleep(Math.max(0, started + at - Date.now()));
      outages.push(await crashAndRestart(server, DOWN_MS));
    }
    await sending;
    const sendMs = Date.now() - started;

    // Whatever is still on its way arrives within moments: wait until the count stops moving. The
    // publisher may still be reconnecting after the last restart (a flush then fails at once).
    for (const flushBy = Date.now() + 10_000; ; ) {
      try {
        await publisherNc.flush();
        break;
      } catch (error) {
        if (Date.now() > flushBy) throw error;
        await sleep(100);
      }
    }
    const settleBy = Date.now() + 10_000;
    for (let last = -1; received.size !== last && received.size < sentOk.length && Date.now() < settleBy; ) {
      last = received.size;
      await sleep(200);
    }
    await handle.drain();

    const sentSet = new Set(sentOk);
    const strangers = [...received].filter((id) => !sentSet.has(id)).length;
    const silent = sentOk.length - received.size;
    reportLine(
      `core restarts: ${TOTAL} sendAgentMessage (core, at-most-once) over ${ms(sendMs)} across ${outages.length} ` +
        `SIGKILL restarts (down ${outages.map(ms).join(', ')}): received ${received.size} ` +
        `(${percent(received.size, TOTAL)}), refused with NotConnectedError ${refused} (${percent(refused, TOTAL)}), ` +
        `silently lost ${silent} (${percent(silent, TOTAL)}); duplicates ${duplicates}; subscriber errors ${errors.summary()}`,
    );

    expect(otherErrors).toBe(0);
    expect(strangers).toBe(0);
    expect(duplicates).toBe(0);
    expect(silent).toBeGreaterThanOrEqual(0);
    expect(received.size + refused + silent).toBe(TOTAL);
    expect(received.size).toBeGreaterThan(0);
    expect(publisherNc.isClosed()).toBe(false);
    expect(subscriberNc.isClosed()).toBe(false);
  });
});
