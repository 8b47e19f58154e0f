/**
 * Every operation of the ai-sdk spec, run by the users of docs/security.md through the generated
 * client and server against one nats-server: workers first (their consumers create the streams), then
 * each tenant user's sends (core, request/reply, durable), a poison message per durable channel (so
 * the workers dead-letter, which publishes to the dead-letter subject), and `nats micro`-style
 * discovery. It records every permission refusal three ways: the connection's status events (what
 * the server said), what reached a generated server's or client's `onError`, and calls that rejected.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { errors as natsErrors } from '@nats-io/transport-node';
import {
  AiSdkClient,
  AiSdkServer,
  exampleAgentMessage,
  exampleAgentTask,
  exampleChatCompletionChunk,
  exampleChatCompletionRequest,
  exampleChatCompletionResponse,
  exampleChatCompletionStreamEnd,
  exampleChatCompletionStreamRequest,
  exampleRagDocument,
  exampleRagQuery,
  exampleRagResults,
} from '../../generated/ai-sdk/index.js';
import {
  type ConnectionEvent,
  connect,
  type ErrorEvent,
  type Handle,
  type NatsConnection,
  PermissionError,
  wildcard,
} from '../../runtime/index.js';
import type { UserPermissions } from './nats-permissions.js';

/** A refusal, as one of the three observers saw it. */
export interface Refusal {
  readonly user: string;
  /** `event`: a `server-error` status event; `onError`: a generated server's or client's onError (kind `permission`); `rejection`: a call that rejected with a PermissionError. */
  readonly via: 'event' | 'onError' | 'rejection';
  readonly action: 'publish' | 'subscription';
  readonly subject: string;
  /** The operation `onError` or the rejection named. */
  readonly operation?: string;
}

/** What one run saw. */
export interface Outcome {
  readonly refusals: readonly Refusal[];
  /** Steps that failed or timed out, with the error. */
  readonly failures: readonly { readonly step: string; readonly error: string }[];
  /** Steps that completed, in order. */
  readonly done: readonly string[];
  /** Every error event the servers' onError received (any kind). */
  readonly errors: readonly (ErrorEvent & { readonly user: string })[];
}

export interface ScenarioOptions {
  /** Stop at the first refusal (the minimality runs need only one). */
  readonly stopAtFirstRefusal?: boolean;
  /** How long each step may wait (default 5 s). */
  readonly stepTimeoutMs?: number;
}

const TENANT = 'acme';
/** Chunks of the streamed completion: more than the spec's window (32), so they need the caller's credit. */
const STREAM_CHUNKS = 40;
/** After the first refusal of a minimality run: time for the other observers to report it. */
const GRACE_MS = 300;

/** Runs the scenario against `url` with the credentials of `users` (as derived for the doc). */
export async function runScenario(
  url: string,
  users: readonly UserPermissions[],
  options: ScenarioOptions = {},
): Promise<Outcome> {
  const stepTimeoutMs = options.stepTimeoutMs ?? 5_000;
  const refusals: Refusal[] = [];
  const failures: { step: string; error: string }[] = [];
  const done: string[] = [];
  const errors: (ErrorEvent & { user: string })[] = [];
  const connections: NatsConnection[] = [];
  let stop!: () => void;
  const stopped = new Promise<'stopped'>((resolve) => {
    stop = () => resolve('stopped');
  });
  let isStopped = false;
  const refused = (r: Refusal): void => {
    refusals.push(r);
    if (options.stopAtFirstRefusal === true) {
      isStopped = true;
      stop();
    }
  };

  const find = (name: string): UserPermissions => {
    const u = users.find((x) => x.user === name);
    if (u === undefined) throw new Error(`no user '${name}'`);
    return u;
  };
  const open = async (name: string): Promise<NatsConnection> => {
    const u = find(name);
    const nc = await connect({
      servers: url,
      name: u.user,
      credentials: { user: u.user, password: u.password },
      tenant: u.inbox,
      retry: { attempts: 1 },
      onStatus: (e: ConnectionEvent) => {
        if (e.type === 'server-error' && e.error instanceof natsErrors.PermissionViolationError) {
          refused({
            user: name,
            via: 'event',
            action: e.error.operation === 'subscription' ? 'subscription' : 'publish',
            subject: e.error.subject,
          });
        }
      },
    });
    connections.push(nc);
    return nc;
  };
  const onErrorOf =
    (user: string) =>
    (e: ErrorEvent): void => {
      errors.push({ ...e, user });
      if (e.kind === 'permission' && e.error instanceof PermissionError) {
        refusals.push({ user, via: 'onError', action: e.error.action, subject: e.subject, operation: e.operation });
      }
      // A core registration reports its own refused subscription (kind `subscription`).
      if (e.kind === 'subscription' && e.error instanceof natsErrors.PermissionViolationError) {
        refusals.push({ user, via: 'onError', action: 'subscription', subject: e.subject, operation: e.operation });
      }
    };

  /** Runs `step`; a rejection is a failure (and, for a PermissionError, a refusal); skipped once stopped. */
  const step = async (name: string, user: string, run: () => Promise<unknown>): Promise<void> => {
    if (isStopped) return;
    try {
      const running = run();
      const result = await Promise.race([
        running,
        // Once stopped, the step still gets a moment to reject with the refusal that stopped it.
        stopped.then(() => Promise.race([running, sleep(GRACE_MS).then(() => 'stopped' as const)])),
        sleep(stepTimeoutMs).then(() => {
          throw new Error(`timed out after ${stepTimeoutMs} ms`);
        }),
      ]);
      if (result !== 'stopped') done.push(name);
    } catch (error) {
      const permission = permissionIn(error);
      if (permission !== undefined) {
        refusals.push({ user, via: 'rejection', ...permission });
      }
      failures.push({ step: name, error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) });
    }
  };
  const until = (what: () => boolean): Promise<void> =>
    (async () => {
      while (!what() && !isStopped) await sleep(10);
    })();

  try {
    // --- workers (shared, every tenant) and the tenant's agent ---------------------------------
    const got = { message: 0, task: 0, gateway: 0, document: 0, query: 0, streamCancelled: 0 };
    const handles: Handle[] = [];
    const agentWorker = new AiSdkServer(await open('agent-worker'), { onError: onErrorOf('agent-worker') });
    handles.push(agentWorker.receiveAgentTask({ params: { tenant_id: wildcard }, handler: () => void got.task++ }));
    const gatewayWorker = new AiSdkServer(await open('gateway-worker'), { onError: onErrorOf('gateway-worker') });
    handles.push(
      gatewayWorker.receiveGatewayRequest({ params: { tenant_id: wildcard }, handler: () => void got.gateway++ }),
      gatewayWorker.replyChatCompletion({
        params: { tenant_id: wildcard },
        handler: () => exampleChatCompletionResponse(),
      }),
    );
    const streamWorker = new AiSdkServer(await open('gateway-stream-worker'), {
      onError: onErrorOf('gateway-stream-worker'),
    });
    handles.push(
      streamWorker.replyChatCompletionStream({
        params: { tenant_id: wildcard },
        // max_tokens chunks: more than the spec's window of 32, so the stream needs the caller's credit.
        async *handler({ payload, signal }) {
          try {
            for (let i = 0; i < (payload.max_tokens ?? 0) && !signal.aborted; i++) yield exampleChatCompletionChunk();
            return exampleChatCompletionStreamEnd();
          } finally {
            if (signal.aborted) got.streamCancelled++;
          }
        },
      }),
    );
    const ragWorker = new AiSdkServer(await open('rag-worker'), { onError: onErrorOf('rag-worker') });
    handles.push(
      ragWorker.receiveDocument({ params: { tenant_id: wildcard }, handler: () => void got.document++ }),
      ragWorker.receiveRagQuery({ params: { tenant_id: wildcard }, handler: () => void got.query++ }),
      ragWorker.replyRagResults({ params: { tenant_id: wildcard }, handler: () => exampleRagResults() }),
    );
    const agentNc = await open(`${TENANT}-agent`);
    const agent = new AiSdkServer(agentNc, { onError: onErrorOf(`${TENANT}-agent`) });
    handles.push(
      agent.receiveAgentMessage({
        params: { tenant_id: TENANT },
        queue: { agent_id: 'planner' },
        handler: () => void got.message++,
      }),
    );
    await step('workers ready', 'workers', () => Promise.all(handles.map((h) => h.ready)));

    // --- the tenant's sends --------------------------------------------------------------------
    const params = { tenant_id: TENANT };
    const agentClient = new AiSdkClient(agentNc, { onError: onErrorOf(`${TENANT}-agent`) });
    const gatewayNc = await open(`${TENANT}-gateway`);
    const gateway = new AiSdkClient(gatewayNc, { onError: onErrorOf(`${TENANT}-gateway`) });
    const ragNc = await open(`${TENANT}-rag`);
    const rag = new AiSdkClient(ragNc, { onError: onErrorOf(`${TENANT}-rag`) });
    const requestId = `req-${Date.now()}`;

    await step('sendAgentMessage', `${TENANT}-agent`, async () => {
      agentClient.sendAgentMessage({
        params,
        payload: exampleAgentMessage(),
        headers: { target_agent_id: 'planner', source_agent_id: 'researcher' },
      });
      await until(() => got.message === 1);
    });
    await step('sendAgentTask', `${TENANT}-agent`, async () => {
      await agentClient.sendAgentTask({ params, payload: exampleAgentTask() });
      await until(() => got.task === 1);
    });
    await step('queueGatewayRequest', `${TENANT}-gateway`, async () => {
      await gateway.queueGatewayRequest({
        params,
        payload: exampleChatCompletionRequest(),
        headers: { request_id: requestId, model: 'gpt-4o-mini' },
      });
      await until(() => got.gateway === 1);
    });
    await step('requestChatCompletion', `${TENANT}-gateway`, () =>
      gateway.requestChatCompletion({ params, payload: exampleChatCompletionRequest() }, { timeoutMs: stepTimeoutMs }),
    );
    await step('streamChatCompletion', `${TENANT}-gateway`, async () => {
      const stream = gateway.streamChatCompletion({
        params,
        payload: exampleChatCompletionStreamRequest({ max_tokens: STREAM_CHUNKS }),
      });
      let chunks = 0;
      for await (const _ of stream) chunks++;
      if (chunks !== STREAM_CHUNKS || stream.end === undefined) {
        throw new Error(`${chunks} chunks and end ${JSON.stringify(stream.end)}, expected ${STREAM_CHUNKS} and an end`);
      }
    });
    await step('streamChatCompletion cancelled', `${TENANT}-gateway`, async () => {
      // Without an end in sight (a million chunks): the caller stops after 3 and the worker's signal aborts.
      let chunks = 0;
      for await (const _ of gateway.streamChatCompletion({
        params,
        payload: exampleChatCompletionStreamRequest({ max_tokens: 1_000_000 }),
      })) {
        if (++chunks === 3) break;
      }
      await until(() => got.streamCancelled === 1);
    });
    await step('ingestDocument', `${TENANT}-rag`, async () => {
      await rag.ingestDocument({ params, payload: exampleRagDocument() });
      await until(() => got.document === 1);
    });
    await step('publishRagQuery', `${TENANT}-rag`, async () => {
      rag.publishRagQuery({ params, payload: exampleRagQuery() });
      await until(() => got.query === 1);
    });
    await step('requestRagResults', `${TENANT}-rag`, () =>
      rag.requestRagResults({ params, payload: exampleRagQuery() }, { timeoutMs: stepTimeoutMs }),
    );

    // --- poison: each durable worker dead-letters one message (decode error) -------------------
    const deadLetters = (): number => errors.filter((e) => e.kind === 'dead-letter').length;
    for (const [nc, subject] of [
      [agentNc, `ai.agent.tasks.${TENANT}`],
      [gatewayNc, `ai.gateway.requests.${TENANT}`],
      [ragNc, `ai.rag.ingest.${TENANT}`],
    ] as const) {
      const before = deadLetters();
      await step(`dead letter from ${subject}`, 'workers', async () => {
        nc.publish(subject, 'not json');
        await until(() => deadLetters() > before);
      });
    }

    // --- service discovery, as `nats micro ls|info|stats` does it ------------------------------
    const monitor = await open('monitor');
    const servers = 5;
    const ask = async (subject: string, count: number): Promise<unknown[]> => {
      const answers: unknown[] = [];
      const replies = await monitor.requestMany(subject, '', {
        strategy: 'count',
        maxMessages: count,
        maxWait: stepTimeoutMs,
      });
      for await (const m of replies) answers.push(m.json());
      if (answers.length !== count) throw new Error(`${subject}: ${answers.length} answers, expected ${count}`);
      return answers;
    };
    let id = '';
    await step('$SRV.PING', 'monitor', async () => {
      const pings = (await ask('$SRV.PING', servers)) as { id: string }[];
      id = pings[0]?.id ?? '';
    });
    await step('$SRV.INFO.ai-sdk', 'monitor', () => ask('$SRV.INFO.ai-sdk', servers));
    await step('$SRV.STATS.ai-sdk', 'monitor', () => ask('$SRV.STATS.ai-sdk', servers));
    await step('$SRV.PING.ai-sdk.<id>', 'monitor', () => ask(`$SRV.PING.ai-sdk.${id}`, 1));

    // Let refusals of the last steps arrive (the server's -ERR is asynchronous).
    await Promise.all(connections.map((nc) => nc.flush().catch(() => undefined)));
    await sleep(isStopped ? GRACE_MS : 50);
  } finally {
    await Promise.all(connections.map((nc) => nc.close().catch(() => undefined)));
  }
  return { refusals, failures, done, errors };
}

/** The refusal in `error` or its causes: our PermissionError, or the NATS client's PermissionViolationError. */
function permissionIn(
  error: unknown,
): { readonly action: Refusal['action']; readonly subject: string; readonly operation?: string } | undefined {
  for (let e = error; e instanceof Error; e = e.cause) {
    if (e instanceof PermissionError) {
      return { action: e.action, subject: e.subject, ...(e.operation === undefined ? {} : { operation: e.operation }) };
    }
    if (e instanceof natsErrors.PermissionViolationError) {
      return { action: e.operation === 'subscription' ? 'subscription' : 'publish', subject: e.subject };
    }
  }
  return undefined;
}
