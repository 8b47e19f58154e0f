/**
 * The AI SDK system of spec/ai-sdk.asyncapi.yaml in one process, wired only through the generated code:
 * two gateway workers with a stand-in model, a RAG worker, an agent worker, and a "planner" agent that
 * hands the agent a task. Prints every step with its timing, shows two typed errors, shuts down, exits 0.
 *
 *   npx tsx --conditions=source examples/ai-sdk/main.ts
 *
 * Uses `NATS_URL` when set; otherwise starts a nats-server of its own (see nats.ts).
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { connect, type NatsConnection, RemoteError, ValidationError } from 'asyncapi-nats/runtime';
import {
  type AgentTask,
  AiSdkClient,
  AiSdkServer,
  type ChatMessage,
  type RagDocument,
} from '../../generated/ai-sdk/index.js';
import { type AnswerQuestionInput, startAgent } from './agent.js';
import { startGatewayWorker } from './gateway-worker.js';
import { type ExampleNats, jetStreamFootprint, natsForExample } from './nats.js';
import { startRagWorker } from './rag-worker.js';
import { elapsed, errorText, log, section, short, sinceStart } from './trace.js';

const MODEL = 'gpt-4o-mini';
/** How long the whole flow may take before the example gives up and says which step it waited for. */
const FLOW_TIMEOUT_MS = 20_000;

const DOCUMENTS: RagDocument[] = [
  {
    document_id: 'doc-runbook-checkout',
    source: 'https://wiki.example.com/runbooks/checkout-api',
    title: 'Checkout API runbook',
    content:
      '# Checkout API\n\nRestart the service with `systemctl restart checkout`. ' +
      'Read the logs with `journalctl -u checkout` first. Page the payments on-call if a restart does not help.',
    mime_type: 'text/markdown',
    chunking: { strategy: 'sentence', chunk_size: 256 },
    metadata: { team: 'payments' },
    ingested_at: new Date().toISOString(),
  },
  {
    document_id: 'doc-runbook-search',
    source: 'https://wiki.example.com/runbooks/search',
    title: 'Search runbook',
    content: '# Search\n\nRestart the search service with `systemctl restart search`. Rebuild the index nightly.',
    mime_type: 'text/markdown',
    metadata: { team: 'discovery' },
    ingested_at: new Date().toISOString(),
  },
];

/** What the run started, for the shutdown. */
interface Started {
  readonly connections: NatsConnection[];
  readonly servers: AiSdkServer[];
}

async function run(nats: ExampleNats): Promise<void> {
  // Outside our own server, a tenant of our own: our subjects and durable consumers are then ours alone.
  const tenant = nats.owned ? 'acme' : `example-${randomUUID().slice(0, 8)}`;
  const started: Started = { connections: [], servers: [] };
  const { connections, servers } = started;
  // One connection per component, as separate processes would have. A demo gives up after 3 attempts;
  // a service keeps connect()'s default and retries forever. Either way each failed attempt is printed
  // to stderr with the server (credentials as ***) and the reason: at once, then once per 10 s.
  const connectAs = async (name: string): Promise<NatsConnection> => {
    const nc = await connect({ ...nats.connectOptions, name: `ai-sdk-example-${name}`, retry: { attempts: 3 } });
    connections.push(nc);
    return nc;
  };

  console.log('asyncapi-nats example: the AI SDK system (spec/ai-sdk.asyncapi.yaml) through its generated code');
  const planner = await connectAs('planner');
  console.log(`NATS: ${nats.description}, v${planner.info?.version ?? '?'}; tenant '${tenant}'`);
  const forget = nats.owned ? undefined : await jetStreamFootprint(planner, tenant);
  if (forget !== undefined) onInterrupt = forget;

  try {
    await withTimeout(flow(tenant, planner, connectAs, started), FLOW_TIMEOUT_MS);
  } finally {
    section('6. Shutdown');
    // drain(): stop receiving, let running handlers finish and their messages be acked.
    await Promise.all(servers.map((server) => server.drain()));
    log('main', `drained ${servers.length} servers (running handlers finished, their messages acked)`);
    if (forget !== undefined) {
      const removed = await forget();
      log('main', `removed what this run added: ${removed.join(', ') || 'nothing'}`);
    }
    await Promise.all(connections.map((nc) => nc.drain()));
    log('main', `closed ${connections.length} connections`);
  }
  await nats.stop();
  if (nats.owned) log('main', 'nats-server stopped');
  console.log(`\ndone in ${sinceStart()}`);
}

/** The scripted flow: every step prints a line. */
async function flow(
  tenant: string,
  planner: NatsConnection,
  connectAs: (name: string) => Promise<NatsConnection>,
  { connections, servers }: Started,
): Promise<void> {
  const params = { tenant_id: tenant };

  section('1. The workers start (each registration prints its subject and its queue group or durable consumer)');
  const indexed = waiter<string>();
  const queuedDone = waiter<string>();
  const streamCancelled = waiter<string>();
  for (const name of ['gateway-1', 'gateway-2']) {
    const onStreamCancelled = (): void => streamCancelled.done('cancelled');
    servers.push(
      startGatewayWorker(await connectAs(name), {
        name,
        tenant,
        log,
        onQueuedDone: queuedDone.done,
        onStreamCancelled,
      }),
    );
  }
  servers.push(startRagWorker(await connectAs('rag'), { tenant, log, onIndexed: indexed.done }));
  servers.push(startAgent(await connectAs('researcher'), { agentId: 'researcher', tenant, model: MODEL, log }));

  // The planner is an agent too: it gets the messages addressed to it (queue group agent.planner, header
  // target_agent_id = planner) and hands out tasks.
  const client = new AiSdkClient(planner);
  const plannerServer = new AiSdkServer(planner);
  servers.push(plannerServer);
  const answered = waiter<string>();
  const inbox = plannerServer.receiveAgentMessage({
    params,
    queue: { agent_id: 'planner' },
    handler: ({ payload, headers }) => {
      log('planner', `← ${payload.type} from ${headers.source_agent_id}: "${payload.content}"`);
      if (payload.type === 'response') answered.done(payload.conversation_id);
    },
  });
  log('planner', `receiveAgentMessage on ${inbox.subject}, queue group ${inbox.queue}`);
  // A flush returns once the server has processed what was sent before it: every subscription is in place.
  await Promise.all(connections.map((nc) => nc.flush()));

  section('2. Documents go to the RAG worker (durable: JetStream stores each one, then one worker takes it)');
  for (const document of DOCUMENTS) {
    const started = performance.now();
    const ack = await client.ingestDocument({ params, payload: document });
    log(
      'planner',
      `→ ingestDocument ${document.document_id}: stored as ${ack.stream} #${ack.seq} in ${elapsed(started)}`,
    );
  }
  await indexed.all(DOCUMENTS.map((d) => d.document_id));

  section('3. The planner hands out a task; the researcher agent asks RAG and the gateway, and answers');
  const input: AnswerQuestionInput = {
    question: 'How do I restart the checkout service?',
    reply_to_agent: 'planner',
    conversation_id: `conv-${randomUUID().slice(0, 8)}`,
  };
  const task: AgentTask = {
    task_id: randomUUID(),
    type: 'answer_question',
    input,
    priority: 'normal',
    attempt: 1,
    created_at: new Date().toISOString(),
  };
  let started = performance.now();
  const ack = await client.sendAgentTask({ params, payload: task });
  log('planner', `→ sendAgentTask ${short(task.task_id)}: stored as ${ack.stream} #${ack.seq} in ${elapsed(started)}`);
  // A caller that lost the ack sends again; the message id is the task_id (spec), so it is stored once.
  started = performance.now();
  const again = await client.sendAgentTask({ params, payload: task });
  log(
    'planner',
    `→ sendAgentTask ${short(task.task_id)} again (a retry): duplicate ${again.duplicate}, still #${again.seq}`,
  );
  await answered.all([input.conversation_id]);
  await queuedDone.all([task.task_id]);

  section('4. A completion streams chunk by chunk; a second one is cancelled midway, and the worker hears of it');
  await streamCompletion(client, params);
  await cancelCompletion(client, params);
  await streamCancelled.all(['cancelled']);

  section('5. Failures are typed errors');
  started = performance.now();
  try {
    log('planner', '→ requestChatCompletion with temperature 3 (the spec allows 0 to 2)');
    await client.requestChatCompletion({
      params,
      payload: { model: MODEL, temperature: 3, messages: [{ role: 'user', content: 'hi' }] },
    });
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    const issues = error.issues.map((i) => `${i.path}: ${i.message}`).join('; ');
    log(
      'planner',
      `✗ ValidationError (${error.direction} ${error.part}) in ${elapsed(started)}, nothing sent: ${issues}`,
    );
  }
  started = performance.now();
  try {
    log('planner', '→ requestChatCompletion for model gpt-9, which no gateway serves');
    await client.requestChatCompletion({
      params,
      payload: { model: 'gpt-9', messages: [{ role: 'user', content: 'hi' }] },
    });
  } catch (error) {
    if (!(error instanceof RemoteError)) throw error;
    log('planner', `✗ RemoteError ${error.status} in ${elapsed(started)}: ${error.description}`);
  }
}

const STREAM_QUESTION = 'Summarise incident INC-311 for the on-call channel.';
/** The conversation a streamed completion is asked for: a question and the context the stand-in answers from. */
const STREAM_MESSAGES: ChatMessage[] = [
  {
    role: 'system',
    content:
      'Context:\n- INC-311: checkout was down for 14 minutes because a TLS certificate expired; it was rotated and expiry alerts were added.',
  },
  { role: 'user', content: STREAM_QUESTION },
];

/** Streams one completion: each chunk is printed as it arrives, then the end message. */
async function streamCompletion(client: AiSdkClient, params: { tenant_id: string }): Promise<void> {
  const started = performance.now();
  log('planner', `→ streamChatCompletion "${STREAM_QUESTION}"`);
  const stream = client.streamChatCompletion({
    params,
    payload: { model: MODEL, stream: true, messages: STREAM_MESSAGES },
  });
  let text = '';
  let count = 0;
  for await (const chunk of stream) {
    const piece = chunk.choices[0]?.delta.content ?? '';
    text += piece;
    count += 1;
    log('planner', `← chunk ${count} after ${elapsed(started)}: ${JSON.stringify(piece)}`);
  }
  const end = stream.end;
  log(
    'planner',
    `← end after ${count} chunks in ${elapsed(started)}: finish_reason ${end?.finish_reason}, ${end?.usage.total_tokens} tokens: "${text.trim()}"`,
  );
}

/** Starts a second completion and aborts it after three chunks: the iterator rejects with the abort reason. */
async function cancelCompletion(client: AiSdkClient, params: { tenant_id: string }): Promise<void> {
  const controller = new AbortController();
  log('planner', '→ streamChatCompletion again, to be stopped after 3 chunks (an AbortController, as for fetch)');
  const stream = client.streamChatCompletion(
    { params, payload: { model: MODEL, stream: true, messages: STREAM_MESSAGES } },
    { signal: controller.signal },
  );
  let count = 0;
  try {
    for await (const _chunk of stream) {
      count += 1;
      if (count === 3) {
        log('planner', '✋ the user pressed stop after 3 chunks: abort()');
        controller.abort(new Error('the user pressed stop'));
      }
    }
    log('planner', '✗ the stream ended by itself: it was not cancelled');
  } catch (error) {
    if (error !== controller.signal.reason) throw error;
    log('planner', `✗ stream stopped after ${count} chunks: ${errorText(error)}`);
  }
}

/** Rejects when `promise` takes longer than `ms`: a demo that hangs teaches nothing. */
async function withTimeout(promise: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`the flow did not finish within ${ms} ms: see the last step above`)), ms);
  });
  try {
    await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Promises for values some handler reports later: `done(value)` from the handler, `all(values)` to wait. */
function waiter<T>(): { done: (value: T) => void; all: (values: readonly T[]) => Promise<void> } {
  const seen = new Set<T>();
  let wake = (): void => {};
  return {
    done: (value) => {
      seen.add(value);
      wake();
    },
    all: async (values) => {
      while (!values.every((v) => seen.has(v))) {
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
      }
    },
  };
}

/** Set once the run has something to undo on a server it does not own. */
let onInterrupt: (() => Promise<unknown>) | undefined;

async function main(): Promise<number> {
  let nats: ExampleNats;
  try {
    nats = await natsForExample();
  } catch (error) {
    console.error(errorText(error));
    return 1;
  }
  // Whatever happens, the server this run started does not outlive it.
  process.once('exit', () => nats.kill());
  // Ctrl-C (or a SIGTERM): undo what the run added to a borrowed server, stop our own server, exit.
  let interrupted = false;
  const onSignal = (signal: NodeJS.Signals, code: number): void => {
    interrupted = true;
    console.error(`\n${signal}: stopping`);
    const undo = (onInterrupt?.() ?? Promise.resolve()).catch(() => {});
    void Promise.race([undo.then(() => nats.stop()), sleep(3_000)]).finally(() => process.exit(code));
  };
  process.once('SIGINT', () => onSignal('SIGINT', 130));
  process.once('SIGTERM', () => onSignal('SIGTERM', 143));
  try {
    await run(nats);
    return 0;
  } catch (error) {
    if (interrupted) return 130;
    console.error(`\n✗ the example failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    await nats.stop();
    return 1;
  }
}

process.exitCode = await main();
// Everything is closed by now; should anything still hold the event loop, do not hang.
setTimeout(() => process.exit(), 2_000).unref();
