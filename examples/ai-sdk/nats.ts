/**
 * Where the example's NATS server comes from; plumbing, not part of the lesson.
 *
 * - `NATS_URL` set: that server (credentials and TLS from the usual `NATS_*` variables). The example then
 *   runs under a tenant of its own and, at the end, removes the durable consumers it created and the
 *   streams that did not exist before it ran ({@link jetStreamFootprint}).
 * - Otherwise: a `nats-server` of its own (`NATS_SERVER_BIN`, else `nats-server` from the PATH) with
 *   JetStream, on a free port of 127.0.0.1, its store in a temp dir; stopped by PID when the example ends.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { JetStreamApiCodes, JetStreamApiError, jetstreamManager } from '@nats-io/jetstream';
import {
  type ConnectOptions,
  connectOptionsFromEnv,
  type NatsConnection,
  redactServerUrl,
} from 'asyncapi-nats/runtime';
import { agentTasksSubject, gatewayRequestsSubject, ragIngestSubject } from '../../generated/ai-sdk/index.js';

/** The NATS server of one run. */
export interface ExampleNats {
  /** What to pass to `connect()`. */
  readonly connectOptions: ConnectOptions;
  /** One line for the output. */
  readonly description: string;
  /** True when this run started the server (and so owns everything on it). */
  readonly owned: boolean;
  /** Stops the server this run started (SIGTERM, SIGKILL after 5 s) and removes its store; idempotent. */
  stop(): Promise<void>;
  /** The same, synchronously and without waiting: for `process.on('exit')`. */
  kill(): void;
}

/** nats-server is not installed (and `NATS_URL` is not set). */
export class NatsServerMissingError extends Error {
  constructor(binary: string) {
    super(
      `This example needs a NATS server with JetStream, and '${binary}' was not found.\n` +
        '  Install one:  apt-get install -y nats-server   (or see https://docs.nats.io/running-a-nats-service/introduction/installation)\n' +
        '  or use a running server:  NATS_URL=nats://host:4222 npx tsx --conditions=source examples/ai-sdk/main.ts',
    );
    this.name = 'NatsServerMissingError';
  }
}

const STARTUP_TIMEOUT_MS = 10_000;
const STOP_GRACE_MS = 5_000;

/** `NATS_URL`'s server, or a nats-server started for this run. */
export async function natsForExample(): Promise<ExampleNats> {
  const url = process.env.NATS_URL?.trim();
  if (url !== undefined && url !== '') {
    return {
      connectOptions: connectOptionsFromEnv(),
      description: `the server in NATS_URL (${url.split(',').map(redactServerUrl).join(',')})`,
      owned: false,
      stop: async () => {},
      kill: () => {},
    };
  }
  return startOwnServer();
}

async function startOwnServer(): Promise<ExampleNats> {
  const binary = process.env.NATS_SERVER_BIN ?? 'nats-server';
  const dir = mkdtempSync(join(tmpdir(), 'asyncapi-nats-example-'));
  // `-p -1`: the server picks a free port and writes it to the ports file, so no other process can take
  // it between our choice and its bind.
  const child = spawn(binary, ['-a', '127.0.0.1', '-p', '-1', '-js', '-sd', dir, '--ports_file_dir', dir], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stopped: Promise<void> | undefined;
  const kill = (): void => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  };
  const stop = (): Promise<void> => {
    stopped ??= stopChild(child).finally(() => rmSync(dir, { recursive: true, force: true }));
    return stopped;
  };
  try {
    const url = await waitForUrl(child, dir, binary);
    return {
      connectOptions: { servers: url },
      description: `nats-server pid ${child.pid} started for this run on ${url} (JetStream store ${dir})`,
      owned: true,
      stop,
      kill,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** Reads the client URL from the ports file the server writes once it listens. */
async function waitForUrl(child: ChildProcess, dir: string, binary: string): Promise<string> {
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-2_000);
  });
  let failure: Error | undefined;
  child.once('error', (error: NodeJS.ErrnoException) => {
    failure = error.code === 'ENOENT' ? new NatsServerMissingError(binary) : error;
  });
  child.once('exit', (code, signal) => {
    failure ??= new Error(`${binary} exited with ${code ?? signal}: ${stderr.trim().split('\n').pop() ?? ''}`);
  });
  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (failure !== undefined) throw failure;
    const url = readPortsFile(join(dir, `nats-server_${child.pid}.ports`));
    if (url !== undefined) return url;
    await sleep(20);
  }
  throw new Error(`${binary} did not report its port within ${STARTUP_TIMEOUT_MS} ms: ${stderr.trim()}`);
}

/** The first client URL in a ports file; undefined while it is missing or half written. */
function readPortsFile(path: string): string | undefined {
  try {
    const ports = JSON.parse(readFileSync(path, 'utf8')) as { nats?: unknown };
    const first: unknown = Array.isArray(ports.nats) ? ports.nats[0] : undefined;
    return typeof first === 'string' ? first : undefined;
  } catch {
    return undefined;
  }
}

/** SIGTERM to the PID we started, SIGKILL if it has not exited after a grace period. */
async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  // An unref'd timer: the wait must not keep the process alive once the server has exited.
  const grace = sleep(STOP_GRACE_MS, false, { ref: false });
  if (await Promise.race([exited.then(() => true), grace])) return;
  child.kill('SIGKILL');
  await exited;
}

/**
 * The spec's durable channels (`x-nats-jetstream`): each stream, its dead-letter stream, and the typed
 * subject builder of the channel it stores.
 */
const DURABLE_CHANNELS = [
  { stream: 'AI_AGENT_TASKS', subject: agentTasksSubject },
  { stream: 'AI_GATEWAY_REQUESTS', subject: gatewayRequestsSubject },
  { stream: 'AI_RAG_INGEST', subject: ragIngestSubject },
] as const;

/**
 * For a server the example does not own: notes which of the spec's streams exist now, and returns the
 * function that removes what the run added: the streams (and dead-letter streams) it created, and, on
 * streams that were there before, its tenant's durable consumers and any message of its tenant left over.
 * Returns what it removed.
 */
export async function jetStreamFootprint(nc: NatsConnection, tenant: string): Promise<() => Promise<string[]>> {
  const jsm = await jetstreamManager(nc);
  const existed = new Set<string>();
  const names = DURABLE_CHANNELS.flatMap(({ stream }) => [stream, `${stream}_DEAD_LETTER`]);
  for (const name of names) {
    try {
      await jsm.streams.info(name);
      existed.add(name);
    } catch (error) {
      if (!(error instanceof JetStreamApiError && error.code === JetStreamApiCodes.StreamNotFound)) throw error;
    }
  }
  return async () => {
    const removed: string[] = [];
    for (const { stream, subject } of DURABLE_CHANNELS) {
      for (const name of [stream, `${stream}_DEAD_LETTER`]) {
        if (!existed.has(name)) {
          if (await jsm.streams.delete(name).catch(() => false)) removed.push(`stream ${name}`);
        }
      }
      if (!existed.has(stream)) continue;
      for await (const consumer of jsm.consumers.list(stream)) {
        if (consumer.name.endsWith(`_${tenant}`) && (await jsm.consumers.delete(stream, consumer.name))) {
          removed.push(`consumer ${stream}/${consumer.name}`);
        }
      }
      await jsm.streams.purge(stream, { filter: subject.build({ tenant_id: tenant }) });
    }
    return removed;
  };
}
