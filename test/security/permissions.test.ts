/**
 * The permissions docs/security.md documents for the users of the ai-sdk spec, proven against real
 * nats-server processes: the doc's `authorization` block is exactly what `nats-permissions.ts` derives
 * from the spec; loaded into a server, it lets every operation of the generated client and server run
 * with no refusal (sufficient); without any one of its rules, the server refuses something the
 * scenario does, and that refusal reaches a generated server's or client's `onError` or the caller
 * (minimal, and never silent).
 */
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { jetstreamManager, RetentionPolicy, StorageType } from '@nats-io/jetstream';
import { beforeAll, describe, expect, test } from 'vitest';
import {
  AgentTaskSchema,
  AiSdkClient,
  AiSdkServer,
  agentTasksSubject,
  exampleAgentTask,
} from '../../generated/ai-sdk/index.js';
import type { ApiModel } from '../../generator/model/types.js';
import {
  connect,
  consume,
  type ErrorEvent,
  type OperationSpec,
  PermissionError,
  ServerCore,
  StreamSetupError,
  subjectTemplate,
  wildcard,
} from '../../runtime/index.js';
import { startServer } from '../harness/servers.js';
import { waitFor } from '../harness/util.js';
import {
  DOC_TENANTS,
  derivePermissions,
  documentedAuthorization,
  renderAuthorization,
  specModel,
  type UserPermissions,
} from './nats-permissions.js';
import { type Outcome, runScenario } from './scenario.js';

let model: ApiModel;
let users: UserPermissions[];
beforeAll(async () => {
  model = await specModel();
  users = derivePermissions(model, DOC_TENANTS);
});

/** Starts a JetStream server with `authorization` as its only auth config, runs `fn`, stops the server. */
async function withServer<T>(authorization: string, fn: (url: string) => Promise<T>): Promise<T> {
  const server = await startServer({ jetstream: true, config: authorization });
  try {
    return await fn(server.url);
  } finally {
    await server.dispose();
  }
}

/** `users` with `user`'s rules changed. */
function replaced(all: readonly UserPermissions[], user: UserPermissions): UserPermissions[] {
  return all.map((u) => (u.user === user.user ? user : u));
}

describe('permissions - the documented permissions', () => {
  test('permissions - the authorization block in docs/security.md is the one derived from the spec', () => {
    // Regenerate with: npx tsx --conditions=source test/security/nats-permissions.ts
    expect(documentedAuthorization()).toBe(renderAuthorization(users));
  });

  test('permissions - every spec subject, stream and consumer in the block is one the generated code uses', () => {
    const client = readFileSync('generated/ai-sdk/client.ts', 'utf8');
    const server = readFileSync('generated/ai-sdk/server.ts', 'utf8');
    const subjects = readFileSync('generated/ai-sdk/subjects.ts', 'utf8');
    const templates = [...subjects.matchAll(/subjectTemplate\('([^']+)'\)/g)].map((m) => subjectTemplate(m[1] ?? ''));
    const literal = (name: string) => client.includes(`'${name}'`) || server.includes(`'${name}'`);
    const tenant = (s: string) => s.replace(/\.(acme|globex)$/, '.*');
    for (const u of users) {
      for (const { subject } of u.rules) {
        const t = subject.split('.');
        if (subject.startsWith('$JS.API.STREAM.')) expect(literal(t[4] ?? ''), subject).toBe(true);
        else if (subject.startsWith('$JS.API.CONSUMER.MSG.NEXT.'))
          expect(literal(t[5] ?? '') && literal(t[6] ?? ''), subject).toBe(true);
        else if (subject.startsWith('$JS.API.CONSUMER.')) {
          expect(literal(t[4] ?? '') && literal(t[5] ?? ''), subject).toBe(true);
          if (t[3] === 'CREATE') expect(templates.map((x) => x.pattern)).toContain(t.slice(6).join('.'));
        } else if (subject.startsWith('$JS.ACK.'))
          expect(literal(t[2] ?? '') && literal(t[3] ?? ''), subject).toBe(true);
        else if (subject.startsWith('$SRV.') || subject.startsWith('_INBOX.')) continue;
        else if (subject.startsWith('ai.dead.')) expect(literal(subject), subject).toBe(true);
        else
          expect(
            templates.map((x) => x.pattern),
            subject,
          ).toContain(tenant(subject));
      }
    }
    // Every operation of the spec is run by some user.
    expect([...new Set(users.flatMap((u) => u.operations))].sort()).toEqual(
      [...new Set(model.operations.map((op) => op.id))].sort(),
    );
  });

  test("permissions - globex's users have acme's rules with the tenant replaced", () => {
    for (const u of users.filter((x) => x.tenant === 'acme')) {
      const other = users.find((x) => x.user === u.user.replace('acme', 'globex'));
      expect(other?.rules).toEqual(
        u.rules.map((r) => ({ ...r, subject: r.subject.replace(/\.acme(\.|$)/, '.globex$1') })),
      );
      expect(other?.responses).toEqual(u.responses);
    }
  });

  test('permissions - sufficient: every operation runs with the documented permissions and nothing is refused', async () => {
    const outcome = await withServer(documentedAuthorization(), (url) => runScenario(url, users));
    expect(outcome.failures).toEqual([]);
    expect(outcome.refusals).toEqual([]);
    expect(outcome.done).toEqual([
      'workers ready',
      'sendAgentMessage',
      'sendAgentTask',
      'queueGatewayRequest',
      'requestChatCompletion',
      'streamChatCompletion',
      'streamChatCompletion cancelled',
      'ingestDocument',
      'publishRagQuery',
      'requestRagResults',
      'dead letter from ai.agent.tasks.acme',
      'dead letter from ai.gateway.requests.acme',
      'dead letter from ai.rag.ingest.acme',
      '$SRV.PING',
      '$SRV.INFO.ai-sdk',
      '$SRV.STATS.ai-sdk',
      '$SRV.PING.ai-sdk.<id>',
    ]);
    // Only the three poison messages were reported, as dead letters.
    expect(outcome.errors.map((e) => `${e.kind} ${e.operation}`)).toEqual([
      'dead-letter receiveAgentTask',
      'dead-letter receiveGatewayRequest',
      'dead-letter receiveDocument',
    ]);
  });

  test('permissions - minimal: without any one rule the server refuses something, and onError or the caller hears of it', async () => {
    // globex's rules are acme's with the tenant replaced (tested above). The $JS.ACK rules are only
    // needed on a path this scenario does not take (see the next test).
    const removals: { readonly what: string; readonly users: UserPermissions[] }[] = [];
    for (const u of users) {
      if (u.tenant === 'globex') continue;
      u.rules.forEach((r, i) => {
        if (r.subject.startsWith('$JS.ACK.')) return;
        removals.push({
          what: `${u.user}: ${r.side} ${r.subject}`,
          users: replaced(users, { ...u, rules: u.rules.filter((_, j) => j !== i) }),
        });
      });
      if (u.responses !== undefined) {
        const { responses: _, streamResponsesS: __, ...without } = u;
        removals.push({ what: `${u.user}: allow_responses`, users: replaced(users, without) });
      }
      if (u.streamResponsesS !== undefined) {
        // A streaming worker with the plain `allow_responses: true`: one response per request (the `open`).
        const { streamResponsesS: _, ...one } = u;
        removals.push({ what: `${u.user}: allow_responses true for streams`, users: replaced(users, one) });
      }
    }
    // A few servers at a time: each run is mostly waiting (server start, round trips).
    const lines: string[] = new Array(removals.length);
    const silent: string[] = [];
    let next = 0;
    const runNext = async (): Promise<void> => {
      for (let i = next++; i < removals.length; i = next++) {
        const removal = removals[i] as (typeof removals)[number];
        const outcome: Outcome = await withServer(renderAuthorization(removal.users), (url) =>
          runScenario(url, removal.users, { stopAtFirstRefusal: true, stepTimeoutMs: 5_000 }),
        );
        const said = outcome.refusals.filter((r) => r.via === 'event');
        const heard = outcome.refusals.filter((r) => r.via !== 'event' && said.some((s) => s.subject === r.subject));
        const first = said[0];
        const how = heard[0];
        lines[i] =
          `${removal.what} → ${first === undefined ? 'NOTHING REFUSED' : `${first.user} ${first.action} '${first.subject}'`}` +
          ` → ${how === undefined ? 'NOT REPORTED' : `${how.via} (${how.operation ?? '-'})`}`;
        if (said.length === 0 || heard.length === 0) silent.push(lines[i] ?? '');
      }
    };
    await Promise.all([runNext(), runNext(), runNext()]);
    const count = (via: string) => lines.filter((l) => l.includes(`→ ${via} (`)).length;
    console.log(
      `permissions - minimality: ${removals.length} rules removed one at a time; refused and reported to onError ` +
        `${count('onError')}, rejected the call ${count('rejection')}, not reported ${silent.length}\n${lines.join('\n')}`,
    );
    expect(silent).toEqual([]);
    expect(removals.length).toBeGreaterThan(50);
  }, 600_000);

  /** Connects as `name` with its documented credentials and inbox. */
  const login = (url: string, name: string) => {
    const u = users.find((x) => x.user === name);
    if (u === undefined) throw new Error(`no user '${name}'`);
    return connect({
      servers: url,
      credentials: { user: u.user, password: u.password },
      tenant: u.inbox,
      retry: { attempts: 1 },
    });
  };

  test('permissions - a tenant user publishing before the workers created the streams gets StreamSetupError naming the refused create', async () => {
    await withServer(documentedAuthorization(), async (url) => {
      const nc = await login(url, 'acme-agent');
      try {
        const error = await new AiSdkClient(nc)
          .sendAgentTask({ params: { tenant_id: 'acme' }, payload: exampleAgentTask() })
          .then(
            () => undefined,
            (e: unknown) => e,
          );
        expect(error).toBeInstanceOf(StreamSetupError);
        expect((error as Error).message).toMatch(
          /^stream 'AI_AGENT_TASKS(_DEAD_LETTER)?': creating the stream failed: Permissions Violation for Publish to "\$JS\.API\.STREAM\.CREATE\.AI_AGENT_TASKS(_DEAD_LETTER)?"$/,
        );
      } finally {
        await nc.close();
      }
    });
  });

  test("permissions - a stream whose settings differ from the spec: the worker's refused update reaches onError with its subject", async () => {
    await withServer(documentedAuthorization(), async (url) => {
      const nc = await login(url, 'agent-worker');
      try {
        // The worker may create streams: one made by hand with another duplicate window than the spec's 120 s.
        const jsm = await jetstreamManager(nc, { checkAPI: false });
        await jsm.streams.add({
          name: 'AI_AGENT_TASKS',
          subjects: ['ai.agent.tasks.*'],
          retention: RetentionPolicy.Workqueue,
          storage: StorageType.File,
          duplicate_window: 60_000_000_000,
        });
        const errors: ErrorEvent[] = [];
        const server = new AiSdkServer(nc, { onError: (e) => errors.push(e) });
        const handle = server.receiveAgentTask({ params: { tenant_id: wildcard }, handler: () => {} });
        await waitFor('the refused update', () => errors.some((e) => e.kind === 'permission'));
        const refused = errors.find((e) => e.kind === 'permission');
        expect(refused).toMatchObject({
          operation: 'receiveAgentTask',
          subject: '$JS.API.STREAM.UPDATE.AI_AGENT_TASKS',
          error: expect.any(PermissionError),
        });
        expect(String(refused?.error)).toBe(
          'PermissionError: ' +
            "'receiveAgentTask': the server refused publishing to '$JS.API.STREAM.UPDATE.AI_AGENT_TASKS'",
        );
        // The consumer keeps retrying its setup, and says why.
        await waitFor('a consumer error', () => errors.some((e) => e.kind === 'consumer'));
        handle.unsubscribe();
      } finally {
        await nc.close();
      }
    });
  });

  test('permissions - the $JS.ACK rule is needed once a durable handler outlives a progress tick (allow_responses allows one publish per delivery)', async () => {
    // receiveAgentTask as generated (and registered as the generated server does, through ServerCore),
    // but with a 400 ms ack wait, so the worker's progress ticks (a quarter of the ack wait; 7.5 s with
    // the spec's 30 s) come while the 1 s handler runs.
    const op: OperationSpec = {
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
          duplicateWindowMs: 120000,
        },
        consumer: { durable: 'agent-workers', ackWaitMs: 400, maxDeliver: 5, backoffMs: [1000] },
        deadLetter: { subject: 'ai.dead.agent.tasks', stream: 'AI_AGENT_TASKS_DEAD_LETTER' },
      },
      queue: subjectTemplate('agent.workers'),
    };
    const worker = users.find((u) => u.user === 'agent-worker');
    const agent = users.find((u) => u.user === 'acme-agent');
    if (worker === undefined || agent === undefined) throw new Error('users missing');
    const ackRule = worker.rules.find((r) => r.subject.startsWith('$JS.ACK.'));
    expect(ackRule?.subject).toBe('$JS.ACK.AI_AGENT_TASKS.agent-workers.>');

    const run = (all: UserPermissions[]) =>
      withServer(renderAuthorization(all), async (url) => {
        const open = (u: UserPermissions) =>
          connect({
            servers: url,
            credentials: { user: u.user, password: u.password },
            tenant: u.inbox,
            retry: { attempts: 1 },
          });
        const wnc = await open(worker);
        const anc = await open(agent);
        const errors: ErrorEvent[] = [];
        let handled = 0;
        try {
          const options = { onError: (e: ErrorEvent) => errors.push(e) };
          const core = new ServerCore(wnc, { name: 'ai-sdk', version: '1.0.0' }, options);
          const handle = core.track(
            consume(
              wnc,
              op,
              { params: { tenant_id: wildcard } },
              async () => {
                await sleep(1_000);
                handled++;
              },
              options,
            ),
            op,
          );
          await handle.ready;
          await new AiSdkClient(anc).sendAgentTask({ params: { tenant_id: 'acme' }, payload: exampleAgentTask() });
          await waitFor('the task handled', () => handled >= 1);
          await sleep(200);
          return errors;
        } finally {
          await Promise.all([wnc.close(), anc.close()]);
        }
      });

    // As documented: the progress signal and the ack both pass.
    expect(await run(users)).toEqual([]);
    // Without the rule: the progress signal used the one response allowed, so the ack is refused.
    const without = await run(replaced(users, { ...worker, rules: worker.rules.filter((r) => r !== ackRule) }));
    const refused = without.filter((e) => e.kind === 'permission');
    expect(refused.length).toBeGreaterThan(0);
    expect(refused[0]?.operation).toBe('receiveAgentTask');
    expect(refused[0]?.subject).toMatch(/^\$JS\.ACK\.AI_AGENT_TASKS\.agent-workers\./);
    expect(refused[0]?.error).toBeInstanceOf(PermissionError);
  });
});
