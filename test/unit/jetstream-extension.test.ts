/**
 * `x-nats-jetstream`: what a valid declaration becomes in the model, and a located problem with a
 * stable code for each way to get it wrong.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildModel } from '../../generator/model/build.js';
import { covers } from '../../generator/model/jetstream.js';
import type { ApiModel } from '../../generator/model/types.js';
import { parseSpec } from '../../generator/parse/parse.js';
import type { Problem } from '../../generator/problems.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'asyncapi-nats-js-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Channel `c` (`jobs.{tenant}`, message with header `id`), a send `pub` and a receive `sub` with the given extras. */
function spec(channelExt: string, pubExt = '', subExt = '', subExtra = ''): string {
  return `asyncapi: 3.0.0
info: { title: Js, version: 1.0.0 }
channels:
  c:
    address: 'jobs.{tenant}'
    parameters: { tenant: {} }
    messages:
      m:
        headers: { type: object, required: [id], properties: { id: { type: string } } }
        payload: { type: object, properties: { job: { type: object, properties: { key: { type: string } } } } }
${channelExt}
operations:
  pub:
    action: send
    channel: { $ref: '#/channels/c' }
${pubExt}
  sub:
    action: receive
    channel: { $ref: '#/channels/c' }
${subExt}${subExtra}`;
}

async function run(name: string, text: string): Promise<{ model?: ApiModel; problems: Problem[] }> {
  const file = path.join(dir, `${name.replace(/\W+/g, '-')}.yaml`);
  await writeFile(file, text);
  const parsed = await parseSpec(file);
  if (!parsed.spec) return { problems: parsed.problems };
  const built = buildModel(parsed.spec);
  return { model: built.model, problems: built.problems.filter((p) => p.severity !== 'info') };
}

describe('x-nats-jetstream - model', () => {
  it('x-nats-jetstream - a channel stream with defaults', async () => {
    const { model, problems } = await run('defaults', spec('    x-nats-jetstream: { stream: JOBS }'));
    expect(problems).toEqual([]);
    const pub = model?.operations.find((o) => o.id === 'pub');
    const sub = model?.operations.find((o) => o.id === 'sub');
    expect(pub?.durable).toMatchObject({
      stream: { name: 'JOBS', subjects: ['jobs.*'], storage: 'file', replicas: 1, retention: 'limits' },
      deadLetter: { subject: 'dead-letter.JOBS', stream: 'JOBS_DEAD_LETTER' },
    });
    expect(pub?.durable?.consumer).toBeUndefined();
    expect(sub?.durable?.consumer).toEqual({ durable: 'sub' });
  });

  it('x-nats-jetstream - every key is read', async () => {
    const { model, problems } = await run(
      'full',
      spec(
        `    x-nats-jetstream:
      stream: JOBS
      subjects: ['jobs.>']
      storage: memory
      replicas: 3
      retention: workqueue
      duplicate-window-ms: 60000
      max-age-ms: 3600000
      dead-letter: dead.jobs
      dead-letter-stream: DEAD_JOBS`,
        '    x-nats-jetstream: { message-id: { payload: job.key } }',
        `    x-nats-jetstream: { consumer: workers, ack-wait-ms: 5000, max-deliver: 3, backoff-ms: [10, 20] }
    bindings: { nats: { queue: job.workers } }`,
      ),
    );
    expect(problems).toEqual([]);
    const pub = model?.operations.find((o) => o.id === 'pub');
    const sub = model?.operations.find((o) => o.id === 'sub');
    expect(pub?.durable).toMatchObject({
      stream: {
        name: 'JOBS',
        subjects: ['jobs.>'],
        storage: 'memory',
        replicas: 3,
        retention: 'workqueue',
        duplicateWindowMs: 60000,
        maxAgeMs: 3600000,
      },
      messageId: { payload: ['job', 'key'] },
      deadLetter: { subject: 'dead.jobs', stream: 'DEAD_JOBS' },
    });
    expect(sub?.durable?.consumer).toEqual({ durable: 'workers', ackWaitMs: 5000, maxDeliver: 3, backoffMs: [10, 20] });
  });

  it('x-nats-jetstream - the consumer name defaults to the queue group, dots as underscores', async () => {
    const { model } = await run(
      'queue-default',
      spec('    x-nats-jetstream: { stream: JOBS }', '', '    bindings: { nats: { queue: job.workers } }'),
    );
    expect(model?.operations.find((o) => o.id === 'sub')?.durable?.consumer?.durable).toBe('job_workers');
  });

  it('x-nats-jetstream - an operation alone can declare the stream (the other side stays core)', async () => {
    const { model, problems } = await run(
      'op-only',
      spec('', '    x-nats-jetstream: { stream: JOBS, message-id: { header: id } }'),
    );
    expect(problems).toEqual([]);
    expect(model?.operations.find((o) => o.id === 'pub')?.durable?.messageId).toEqual({ header: 'id' });
    expect(model?.operations.find((o) => o.id === 'sub')?.durable).toBeUndefined();
  });
});

describe('x-nats-jetstream - problems', () => {
  it.each([
    [
      'no stream name',
      spec('    x-nats-jetstream: { storage: file }'),
      'nats-bad-extension',
      'x-nats-jetstream needs a stream name',
    ],
    [
      'an illegal stream name',
      spec("    x-nats-jetstream: { stream: 'A.B' }"),
      'nats-bad-extension',
      'stream name "A.B" is not a legal JetStream name',
    ],
    [
      'a typo in a key',
      spec('    x-nats-jetstream: { stream: S, replica: 3 }'),
      'nats-bad-extension',
      "x-nats-jetstream key 'replica' is not allowed on a channel; did you mean 'replicas'?",
    ],
    [
      'a consumer key on a send operation',
      spec('    x-nats-jetstream: { stream: S }', '    x-nats-jetstream: { consumer: w }'),
      'nats-bad-extension',
      "x-nats-jetstream key 'consumer' is not allowed on a publish operation whose channel declares the stream",
    ],
    [
      'subjects that miss the address',
      spec("    x-nats-jetstream: { stream: S, subjects: ['other.*'] }"),
      'nats-stream-subjects',
      'stream subjects ["other.*"] do not cover the channel address \'jobs.{tenant}\' (jobs.*)',
    ],
    [
      'a subject with a placeholder',
      spec("    x-nats-jetstream: { stream: S, subjects: ['jobs.{tenant}'] }"),
      'nats-bad-extension',
      "subject 'jobs.{tenant}' has a {placeholder}; stream subjects are fixed",
    ],
    [
      'an unknown storage',
      spec('    x-nats-jetstream: { stream: S, storage: disk }'),
      'nats-bad-extension',
      'storage must be one of file, memory, got "disk"',
    ],
    [
      'too many replicas',
      spec('    x-nats-jetstream: { stream: S, replicas: 7 }'),
      'nats-bad-extension',
      'replicas must be a whole number from 1 to 5, got 7',
    ],
    [
      'a dead letter inside the stream',
      spec("    x-nats-jetstream: { stream: S, dead-letter: 'jobs.dead' }"),
      'nats-bad-extension',
      "dead-letter subject 'jobs.dead' is one of the stream's own subjects",
    ],
    [
      'a wildcard dead letter',
      spec("    x-nats-jetstream: { stream: S, dead-letter: 'dead.*' }"),
      'nats-wildcard-in-publish',
      "dead-letter subject 'dead.*' has a wildcard",
    ],
    [
      'a message id from an undeclared header',
      spec('    x-nats-jetstream: { stream: S }', '    x-nats-jetstream: { message-id: { header: nope } }'),
      'nats-undeclared-header',
      "message-id header 'nope' is not declared by the messages of 'pub'",
    ],
    [
      'a malformed message id',
      spec('    x-nats-jetstream: { stream: S }', '    x-nats-jetstream: { message-id: task_id }'),
      'nats-bad-extension',
      'message-id must be { header: <name> } or { payload: <field path> }, got "task_id"',
    ],
    [
      'an empty backoff',
      spec('    x-nats-jetstream: { stream: S }', '', '    x-nats-jetstream: { backoff-ms: [] }'),
      'nats-bad-extension',
      'backoff-ms must be a non-empty list of delays in milliseconds, got []',
    ],
    [
      'a durable receiver with a header filter',
      spec('    x-nats-jetstream: { stream: S }', '', "    x-nats-match-headers: { id: '{tenant}' }"),
      'nats-jetstream-match-headers',
      "operation 'sub' filters on headers, which a shared durable consumer cannot do",
    ],
    [
      'a queue with placeholders',
      spec('    x-nats-jetstream: { stream: S }', '', "    x-nats-queue: 'w.{worker}'"),
      'nats-jetstream-queue',
      "queue 'w.{worker}' has placeholders; a durable consumer is one fixed group",
    ],
    [
      'a dedupe window longer than the age limit',
      spec('    x-nats-jetstream: { stream: S, duplicate-window-ms: 2000, max-age-ms: 1000 }'),
      'nats-bad-extension',
      'duplicate-window-ms (2000) is longer than max-age-ms (1000)',
    ],
  ])('x-nats-jetstream - %s', async (name, text, code, message) => {
    const { problems } = await run(name, text);
    const found = problems.find((p) => p.code === code && p.message === message);
    expect(found, JSON.stringify(problems, null, 2)).toBeDefined();
    expect(found?.severity).toBe('error');
    expect(found?.line).toBeGreaterThan(0);
  });
});

describe('x-nats-jetstream - subject coverage', () => {
  it.each([
    ['jobs.*', 'jobs.*', true],
    ['jobs.>', 'jobs.*', true],
    ['jobs.>', 'jobs.a.b', true],
    ['>', 'jobs.*', true],
    ['jobs.*', 'jobs.a', true],
    ['jobs.a', 'jobs.*', false],
    ['jobs.*', 'jobs.a.b', false],
    ['jobs.*', 'jobs', false],
    ['jobs.>', 'jobs', false],
    ['other.*', 'jobs.*', false],
    ['jobs.*', 'jobs.>', false],
  ])('x-nats-jetstream - %s covers %s: %s', (filter, pattern, want) => {
    expect(covers(filter, pattern)).toBe(want);
  });
});
