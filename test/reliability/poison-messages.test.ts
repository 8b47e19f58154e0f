/**
 * Poison messages mixed into good traffic, on a server of its own. Durable: a generated
 * `receiveAgentTask` worker gets non-JSON bodies and valid JSON that fails the schema (published with a
 * plain JetStream client) between valid tasks; a second worker on a test-local copy of the operation
 * (the spec's backoff of 1 s / 5 s / 15 s is too slow for a test: maxDeliver 3, backoff 20 ms) gets
 * tasks whose handler always throws. Each poison message must land on the dead-letter subject with
 * its reason, and every valid message must still be processed. Core request/reply: a generated
 * `replyChatCompletion` answers malformed JSON, invalid requests and throwing requests with error
 * replies, and keeps answering valid requests sent among them.
 */
import { jetstream } from '@nats-io/jetstream';
import { type Msg, connect as natsConnect } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  AgentTaskSchema,
  AiSdkClient,
  AiSdkServer,
  agentTasksSubject,
  type ReceiveAgentTaskReceived,
} from '../../generated/ai-sdk/index.js';
import {
  connect,
  consume,
  type NatsConnection,
  type OperationSpec,
  RemoteError,
  subjectTemplate,
} from '../../runtime/index.js';
import { agentTask, chatRequest, chatResponse, tenant } from '../e2e/helpers.js';
import { type NatsProcess, startServer } from '../harness/servers.js';
import { waitFor } from '../harness/util.js';
import { countErrors, reportLine, streamState } from './helpers.js';

const DEAD_SUBJECT = 'ai.dead.agent.tasks';
const DEAD_STREAM = 'AI_AGENT_TASKS_DEAD_LETTER';
/** Rounds of the durable mix: each round is one non-JSON, one invalid and five valid tasks. */
const ROUNDS = 20;
const VALID_PER_ROUND = 5;
/** Throwing tasks for the quick-retry worker, each followed by valid ones. */
const THROWING = 10;
/** Rounds of the request mix: one malformed, one invalid, one throwing and five valid requests. */
const REQUEST_ROUNDS = 20;

/**
 * `receiveAgentTask` as the spec declares it (same stream, subject, schema and dead letter), with a
 * consumer that gives up after 3 deliveries 20 ms apart.
 */
const quickRetryTasks: OperationSpec = {
  id: 'receiveAgentTask',
  subject: agentTasksSubject,
  messages: [{ name: 'AgentTask', payload: AgentTaskSchema }],
  durable: {
    stream: {
      name: 'AI_AGENT_TASKS',
      subjects: ['ai.agent.tasks.*'],
      storage: 'file',
      replicas: 1,
      retention: 'workqueue',
      duplicateWindowMs: 120_000,
    },
    consumer: { durable: 'agent-workers-quick', ackWaitMs: 30_000, maxDeliver: 3, backoffMs: [20] },
    deadLetter: { subject: DEAD_SUBJECT, stream: DEAD_STREAM },
  },
  queue: subjectTemplate('agent.workers'),
};

let server: NatsProcess;
const open: NatsConnection[] = [];

beforeAll(async () => {
  server = await startServer();
});
afterAll(async () => {
  await Promise.all(open.map((nc) => nc.close().catch(() => {})));
  await server?.dispose();
});

/** One dead letter as seen on the dead-letter subject. */
interface DeadLetter {
  readonly reason: string;
  readonly messageId: string;
  readonly subject: string;
  readonly deliveries: number;
  readonly error: string;
}

function deadLetterOf(msg: Msg): DeadLetter {
  const h = msg.headers;
  return {
    reason: h?.get('Nats-Dead-Letter-Reason') ?? '',
    messageId: h?.get('Nats-Dead-Letter-Message-Id') ?? '',
    subject: h?.get('Nats-Dead-Letter-Subject') ?? '',
    deliveries: Number(h?.get('Nats-Dead-Letter-Deliveries') ?? 0),
    error: h?.get('Nats-Dead-Letter-Error') ?? '',
  };
}

function count<T>(items: readonly T[], pick: (item: T) => boolean): number {
  return items.filter(pick).length;
}

describe('reliability - poison messages', () => {
  test('reliability - non-JSON, invalid and always-failing tasks are dead-lettered with their reason; the workers go on', {
    timeout: 60_000,
  }, async () => {
    const plain = await natsConnect({ servers: server.url });
    const workerNc = await connect({ servers: server.url, retry: { attempts: 5 } });
    const quickNc = await connect({ servers: server.url, retry: { attempts: 5 } });
    const publisherNc = await connect({ servers: server.url, retry: { attempts: 5 } });
    open.push(plain, workerNc, quickNc, publisherNc);
    const client = new AiSdkClient(publisherNc);
    const js = jetstream(plain);

    const dead: DeadLetter[] = [];
    plain.subscribe(DEAD_SUBJECT, { callback: (err, msg) => void (err === null && dead.push(deadLetterOf(msg))) });
    await plain.flush();

    // The spec's worker, on its own tenant.
    const t1 = tenant();
    const errors = countErrors();
    const worker = new AiSdkServer(workerNc, { onError: errors.onError });
    const processed = new Set<string>();
    worker.receiveAgentTask({
      params: { tenant_id: t1 },
      handler: (m: ReceiveAgentTaskReceived) => {
        processed.add(m.payload.task_id);
      },
    });
    // A first valid task creates the stream and proves the consumer is up.
    const first = agentTask();
    await client.sendAgentTask({ params: { tenant_id: t1 }, payload: first });
    await waitFor('the first task', () => processed.has(first.task_id), 15_000);

    const valid: string[] = [first.task_id];
    for (let round = 0; round < ROUNDS; round++) {
      await js.publish(`ai.agent.tasks.${t1}`, 'not json{', { msgID: `decode-${round}` });
      const invalid = { ...agentTask(), task_id: 'not-a-uuid', type: 'Not A Type' };
      await js.publish(`ai.agent.tasks.${t1}`, JSON.stringify(invalid), { msgID: `invalid-${round}` });
      for (let i = 0; i < VALID_PER_ROUND; i++) {
        const task = agentTask();
        valid.push(task.task_id);
        await client.sendAgentTask({ params: { tenant_id: t1 }, payload: task });
      }
    }

    // The quick-retry worker, on another tenant (its own consumer: workqueue filters must not overlap).
    const t2 = tenant();
    const quickErrors = countErrors();
    const quickProcessed = new Set<string>();
    const throwCalls = new Map<string, number>();
    consume<ReceiveAgentTaskReceived>(
      quickNc,
      quickRetryTasks,
      { params: { tenant_id: t2 } },
      (m) => {
        if (m.payload.type === 'explode') {
          throwCalls.set(m.messageId, (throwCalls.get(m.messageId) ?? 0) + 1);
          throw new Error(`handler failed on ${m.messageId}`);
        }
        quickProcessed.add(m.payload.task_id);
      },
      { onError: quickErrors.onError },
    );
    const quickValid: string[] = [];
    const throwing: string[] = [];
    for (let i = 0; i < THROWING; i++) {
      const bad = agentTask({ type: 'explode' });
      throwing.push(bad.task_id);
      await client.sendAgentTask({ params: { tenant_id: t2 }, payload: bad });
      for (let j = 0; j < VALID_PER_ROUND; j++) {
        const task = agentTask();
        quickValid.push(task.task_id);
        await client.sendAgentTask({ params: { tenant_id: t2 }, payload: task });
      }
    }
    // And one more valid task for each worker after all the poison: both still alive.
    const last1 = agentTask();
    const last2 = agentTask();
    valid.push(last1.task_id);
    quickValid.push(last2.task_id);
    await client.sendAgentTask({ params: { tenant_id: t1 }, payload: last1 });
    await client.sendAgentTask({ params: { tenant_id: t2 }, payload: last2 });

    const expectedDead = 2 * ROUNDS + THROWING;
    await waitFor(
      'every valid task and every dead letter',
      () => processed.size === valid.length && quickProcessed.size === quickValid.length && dead.length >= expectedDead,
      30_000,
    );
    await workerNc.flush();
    await worker.drain();
    const dlq = await streamState(plain, DEAD_STREAM);

    const decode = dead.filter((d) => d.reason === 'decode');
    const validation = dead.filter((d) => d.reason === 'validation');
    const maxDeliveries = dead.filter((d) => d.reason === 'max-deliveries');
    reportLine(
      `poison messages (durable): ${valid.length} valid tasks with ${ROUNDS} non-JSON and ${ROUNDS} invalid among ` +
        `them -> ${processed.size} processed, dead letters decode ${decode.length}, validation ${validation.length}; ` +
        `quick-retry worker: ${quickValid.length} valid with ${THROWING} always-throwing -> ${quickProcessed.size} ` +
        `processed, ${maxDeliveries.length} dead-lettered max-deliveries after ` +
        `${[...new Set(maxDeliveries.map((d) => d.deliveries))].join('/')} deliveries ` +
        `(${[...throwCalls.values()].reduce((a, b) => a + b, 0)} handler calls); dead-letter stream holds ${dlq.messages}; ` +
        `worker errors ${errors.summary()}; quick worker errors ${quickErrors.summary()}`,
    );

    expect(processed).toEqual(new Set(valid));
    expect(quickProcessed).toEqual(new Set(quickValid));
    expect(decode.map((d) => d.messageId).sort()).toEqual(
      Array.from({ length: ROUNDS }, (_, i) => `decode-${i}`).sort(),
    );
    expect(validation.map((d) => d.messageId).sort()).toEqual(
      Array.from({ length: ROUNDS }, (_, i) => `invalid-${i}`).sort(),
    );
    expect(decode.every((d) => d.subject === `ai.agent.tasks.${t1}` && d.deliveries === 1)).toBe(true);
    expect(validation.every((d) => d.error.startsWith("invalid payload for operation 'receiveAgentTask'"))).toBe(true);
    expect(maxDeliveries.map((d) => d.messageId).sort()).toEqual([...throwing].sort());
    expect(maxDeliveries.every((d) => d.deliveries === 3 && d.error.startsWith('handler failed on'))).toBe(true);
    expect([...throwCalls.values()]).toEqual(throwing.map(() => 3));
    expect(dead).toHaveLength(expectedDead);
    expect(dlq.messages).toBe(expectedDead);
    expect(errors.count('dead-letter')).toBe(2 * ROUNDS);
    expect(quickErrors.count('dead-letter')).toBe(THROWING);
    expect(quickErrors.count('handler')).toBe(2 * THROWING);
  });

  test('reliability - malformed, invalid and throwing requests get error replies; valid requests among them are answered', async () => {
    const plain = await natsConnect({ servers: server.url });
    const workerNc = await connect({ servers: server.url, retry: { attempts: 5 } });
    const callerNc = await connect({ servers: server.url, retry: { attempts: 5 } });
    open.push(plain, workerNc, callerNc);
    const t = tenant();
    const errors = countErrors();
    const worker = new AiSdkServer(workerNc, { onError: errors.onError });
    let handled = 0;
    worker.replyChatCompletion({
      params: { tenant_id: t },
      handler: (m) => {
        handled++;
        const content = m.payload.messages.at(-1)?.content ?? '';
        if (content === 'explode') throw new Error('secret detail that must not leak');
        return chatResponse(`echo: ${content}`);
      },
    });
    await workerNc.flush();
    const client = new AiSdkClient(callerNc);
    const subject = `ai.gateway.responses.${t}`;

    const rawReply = async (body: string): Promise<{ code: string; description: string }> => {
      const reply = await plain.request(subject, body, { timeout: 5_000 });
      return {
        code: reply.headers?.get('Nats-Service-Error-Code') ?? '',
        description: reply.headers?.get('Nats-Service-Error') ?? '',
      };
    };
    const malformed: Promise<{ code: string; description: string }>[] = [];
    const invalid: Promise<{ code: string; description: string }>[] = [];
    const throwing: Promise<unknown>[] = [];
    const answered: Promise<string>[] = [];
    for (let round = 0; round < REQUEST_ROUNDS; round++) {
      malformed.push(rawReply('not json{'));
      invalid.push(rawReply(JSON.stringify({ model: '', messages: [] })));
      throwing.push(
        client.requestChatCompletion({ params: { tenant_id: t }, payload: chatRequest('explode') }).then(
          () => undefined,
          (error: unknown) => error,
        ),
      );
      for (let i = 0; i < VALID_PER_ROUND; i++) {
        const content = `r${round}-${i}`;
        answered.push(
          client
            .requestChatCompletion({ params: { tenant_id: t }, payload: chatRequest(content) }, { timeoutMs: 5_000 })
            .then((r) => (r.choices[0]?.message.content === `echo: ${content}` ? 'ok' : 'wrong answer')),
        );
      }
    }
    const malformedReplies = await Promise.all(malformed);
    const invalidReplies = await Promise.all(invalid);
    const throwErrors = await Promise.all(throwing);
    const answers = await Promise.all(answered);
    // After all of it, one more valid request.
    const finalAnswer = await client.requestChatCompletion({ params: { tenant_id: t }, payload: chatRequest('last') });
    await worker.drain();

    reportLine(
      `poison messages (request/reply): ${answers.length + 1} valid requests answered ` +
        `${count(answers, (a) => a === 'ok') + (finalAnswer.choices[0]?.message.content === 'echo: last' ? 1 : 0)}; ` +
        `${malformedReplies.length} malformed JSON -> ${count(malformedReplies, (r) => r.code === '400')} x 400; ` +
        `${invalidReplies.length} invalid -> ${count(invalidReplies, (r) => r.code === '400')} x 400; ` +
        `${throwErrors.length} throwing -> ${count(throwErrors, (e) => e instanceof RemoteError && e.status === 500)} x 500; ` +
        `handler calls ${handled}; worker errors ${errors.summary()}`,
    );

    expect(answers.every((a) => a === 'ok')).toBe(true);
    expect(finalAnswer.choices[0]?.message.content).toBe('echo: last');
    expect(malformedReplies.every((r) => r.code === '400' && r.description === 'malformed JSON request')).toBe(true);
    expect(invalidReplies.every((r) => r.code === '400' && r.description.startsWith('invalid request'))).toBe(true);
    for (const error of throwErrors) {
      expect(error).toBeInstanceOf(RemoteError);
      expect(error).toMatchObject({ status: 500, description: 'internal error' });
    }
    // Malformed and invalid requests never reach the handler.
    expect(handled).toBe(REQUEST_ROUNDS * (1 + VALID_PER_ROUND) + 1);
    expect(errors.count('handler')).toBe(REQUEST_ROUNDS);
  });
});
