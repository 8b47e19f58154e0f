/**
 * Graceful shutdown of a durable worker: a child process (fixtures/graceful-worker.ts: the generated
 * ai-sdk server, `drainOnSignal([server, nc])`) consumes 500 tasks with a ~50 ms handler and is sent
 * SIGTERM half-way. It must finish and ack what it holds and exit 0; a second worker started afterwards
 * gets exactly the tasks the first one did not finish, so every task is processed once.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { connect as natsConnect } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, onTestFinished, test } from 'vitest';
import { AiSdkClient, AiSdkServer } from '../../generated/ai-sdk/index.js';
import { connect, type NatsConnection } from '../../runtime/index.js';
import { agentTask, tenant } from '../e2e/helpers.js';
import { type NatsProcess, startServer } from '../harness/servers.js';
import { waitFor } from '../harness/util.js';
import { consumerInfo, countErrors, ms, reportLine } from './helpers.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const WORKER = join(ROOT, 'test', 'reliability', 'fixtures', 'graceful-worker.ts');
const TOTAL = 500;
/** SIGTERM once the child has finished this many tasks. */
const SIGTERM_AFTER = 150;
const EXIT_BOUND_MS = 10_000;

let server: NatsProcess;
const open: NatsConnection[] = [];

beforeAll(async () => {
  server = await startServer();
});
afterAll(async () => {
  await Promise.all(open.map((nc) => nc.close().catch(() => {})));
  await server?.dispose();
});

/** Runs the worker script under tsx; collects its stdout lines and resolves its exit code. */
function runWorker(env: Record<string, string>): {
  readonly child: ChildProcess;
  readonly lines: string[];
  readonly stderr: () => string;
  readonly exited: Promise<number | null>;
} {
  const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=source', WORKER], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  let partial = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    const parts = (partial + chunk.toString()).split('\n');
    partial = parts.pop() ?? '';
    lines.push(...parts.filter(Boolean));
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  onTestFinished(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  return { child, lines, stderr: () => stderr, exited };
}

function ids(lines: readonly string[], event: 'start' | 'done'): string[] {
  const prefix = `${event} `;
  return lines.filter((line) => line.startsWith(prefix)).map((line) => line.slice(prefix.length));
}

describe('reliability - graceful shutdown', () => {
  test('reliability - SIGTERM drains a durable worker child: it exits 0, nothing is lost or processed twice', {
    timeout: 60_000,
  }, async () => {
    const t = tenant();
    const publisherNc = await connect({ servers: server.url, retry: { attempts: 5 } });
    open.push(publisherNc);
    const client = new AiSdkClient(publisherNc);
    const tasks = Array.from({ length: TOTAL }, () => agentTask());
    await Promise.all(tasks.map((task) => client.sendAgentTask({ params: { tenant_id: t }, payload: task })));

    const first = runWorker({ NATS_URL: server.url, TENANT: t });
    await waitFor('the child to finish some tasks', () => ids(first.lines, 'done').length >= SIGTERM_AFTER, 30_000);
    const doneAtSignal = ids(first.lines, 'done').length;
    const signalled = Date.now();
    first.child.kill('SIGTERM');
    const code = await Promise.race([
      first.exited,
      new Promise<'timeout'>((r) => setTimeout(r, EXIT_BOUND_MS, 'timeout')),
    ]);
    const exitMs = Date.now() - signalled;
    const sigtermLine = first.lines.find((line) => line.startsWith('sigterm '));
    const inFlightAtSignal = Number(sigtermLine?.slice('sigterm '.length) ?? Number.NaN);
    const firstStarted = ids(first.lines, 'start');
    const firstDone = new Set(ids(first.lines, 'done'));
    const unfinished = firstStarted.filter((id) => !firstDone.has(id));

    // The second worker, in this process, shares the durable consumer and takes the rest.
    const workerNc = await connect({ servers: server.url, retry: { attempts: 5 } });
    open.push(workerNc);
    const errors = countErrors();
    const second = new AiSdkServer(workerNc, { onError: errors.onError });
    const secondDone: string[] = [];
    // A message the server handed to the stopping worker after it unsubscribed would come back only as
    // a redelivery, after ack_wait (30 s): a drain must end its pull requests before it unsubscribes.
    let redelivered = 0;
    const resumed = Date.now();
    second.receiveAgentTask({
      params: { tenant_id: t },
      handler: (m) => {
        secondDone.push(m.payload.task_id);
        if (m.deliveryCount > 1) redelivered++;
      },
    });
    await waitFor('every task processed', () => firstDone.size + new Set(secondDone).size >= TOTAL, 40_000).catch(
      () => {},
    );
    const restMs = Date.now() - resumed;
    await second.drain();
    const monitor = await natsConnect({ servers: server.url });
    open.push(monitor);
    const consumer = await consumerInfo(monitor, 'AI_AGENT_TASKS', `agent-workers_${t}`);

    const all = new Set([...firstDone, ...secondDone]);
    const twice = secondDone.filter((id) => firstDone.has(id)).length;
    const secondTwice = secondDone.length - new Set(secondDone).size;
    reportLine(
      `graceful shutdown: ${TOTAL} tasks, SIGTERM to the worker child after ${doneAtSignal} done with ${inFlightAtSignal} handlers in flight: exit code ${String(code)} after ${ms(exitMs)}, ` +
        `${firstDone.size} processed by the child (${unfinished.length} started but unfinished); the next worker ` +
        `processed ${secondDone.length} in ${ms(restMs)}; processed twice ${twice + secondTwice}, missing ` +
        `${TOTAL - all.size}; consumer pending ${consumer.num_pending}, ack pending ${consumer.num_ack_pending}; ` +
        `second worker errors ${errors.summary()}`,
    );

    expect(code, first.stderr()).toBe(0);
    expect(exitMs).toBeLessThan(EXIT_BOUND_MS);
    expect(first.lines.filter((line) => line.startsWith('error '))).toEqual([]);
    expect(unfinished).toEqual([]);
    expect(all).toEqual(new Set(tasks.map((task) => task.task_id)));
    expect(twice).toBe(0);
    expect(secondTwice).toBe(0);
    expect(consumer.num_pending).toBe(0);
    expect(consumer.num_ack_pending).toBe(0);
    expect(redelivered).toBe(0);
  });
});
