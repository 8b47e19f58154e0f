/**
 * Starts a NATS server for tests: `NATS_URL` if set, else a container when a Docker engine answers,
 * else the `nats-server` binary on a random loopback port. Never skips: with none of them it throws
 * and says how to get one.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** A running server and how to stop it. */
export interface NatsServer {
  /** Client URL, e.g. `nats://127.0.0.1:41905`. */
  readonly url: string;
  /** Where it came from. */
  readonly kind: 'env' | 'container' | 'binary';
  /** Stops the server and removes its files; a no-op for `env`. */
  stop(): Promise<void>;
}

const IMAGE = 'nats:2.10-alpine';
const STARTUP_TIMEOUT_MS = 10_000;

/** Starts (or finds) a NATS server with JetStream. */
export async function startNats(): Promise<NatsServer> {
  const fromEnv = process.env.NATS_URL;
  if (fromEnv !== undefined && fromEnv !== '') return { url: fromEnv, kind: 'env', stop: async () => {} };
  const failures: string[] = [];
  try {
    return await startContainer();
  } catch (error) {
    failures.push(`container: ${message(error)}`);
  }
  try {
    return await startBinary();
  } catch (error) {
    failures.push(`nats-server binary: ${message(error)}`);
  }
  throw new Error(
    `no NATS server for the tests (${failures.join('; ')}). Get one: \`apt-get install -y nats-server\`, ` +
      'or set NATS_URL=nats://host:4222 to use a running server, or start Docker.',
  );
}

/**
 * A plain `GenericContainer` rather than `@testcontainers/nats`' NatsContainer: that one always sets
 * `--user test --pass test`, and the v3 client ignores credentials in a URL, so a bare URL could not
 * reach it. Without Docker this fails in milliseconds ("Could not find a working container runtime
 * strategy"), which is the signal to fall through to the binary.
 */
async function startContainer(): Promise<NatsServer> {
  const { GenericContainer, Wait } = await import('testcontainers');
  const container = await new GenericContainer(IMAGE)
    .withCommand(['-js'])
    .withExposedPorts(4222)
    .withWaitStrategy(Wait.forLogMessage(/Server is ready/))
    .start();
  return {
    url: `nats://${container.getHost()}:${container.getMappedPort(4222)}`,
    kind: 'container',
    stop: async () => {
      await container.stop();
    },
  };
}

async function startBinary(): Promise<NatsServer> {
  const dir = await mkdtemp(join(tmpdir(), 'asyncapi-nats-test-'));
  let child: ChildProcess | undefined;
  try {
    child = spawn('nats-server', ['-a', '127.0.0.1', '-p', '-1', '-js', '-sd', dir, '--ports_file_dir', dir], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    const url = await waitForPorts(child, dir);
    const running = child;
    return { url, kind: 'binary', stop: () => stopBinary(running, dir) };
  } catch (error) {
    if (child !== undefined) await stopBinary(child, dir);
    else await rm(dir, { recursive: true, force: true });
    throw error;
  }
}

/** Reads the client URL from the ports file the server writes once it listens. */
async function waitForPorts(child: ChildProcess, dir: string): Promise<string> {
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-2000);
  });
  let exit: string | undefined;
  child.once('error', (error) => {
    exit = error.message;
  });
  child.once('exit', (code, signal) => {
    exit = `exited with ${code ?? signal}: ${stderr.trim().split('\n').pop() ?? ''}`;
  });
  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (exit !== undefined) throw new Error(exit);
    const file = (await readdir(dir)).find((name) => name === `nats-server_${child.pid}.ports`);
    if (file !== undefined) {
      const text = await readFile(join(dir, file), 'utf8');
      // The file may be seen half-written: retry until it parses.
      const url = parseUrl(text);
      if (url !== undefined) return url;
    }
    await sleep(20);
  }
  throw new Error(`nats-server did not report its port within ${STARTUP_TIMEOUT_MS} ms`);
}

function parseUrl(text: string): string | undefined {
  try {
    const ports = JSON.parse(text) as { nats?: unknown };
    const first: unknown = Array.isArray(ports.nats) ? ports.nats[0] : undefined;
    return typeof first === 'string' ? first : undefined;
  } catch {
    return undefined;
  }
}

/** Stops only the process we started, then removes its directory. */
async function stopBinary(child: ChildProcess, dir: string): Promise<void> {
  if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    const done = await Promise.race([exited.then(() => true), sleep(5_000).then(() => false)]);
    if (!done) {
      child.kill('SIGKILL');
      await exited;
    }
  }
  await rm(dir, { recursive: true, force: true });
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
