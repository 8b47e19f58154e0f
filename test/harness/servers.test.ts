/**
 * The server harness against real nats-server processes: start, kill, restart on the same ports,
 * JetStream persistence, monitoring, raw config, a 3-node cluster with stream leader failover.
 */
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection, type Status } from '@nats-io/transport-node';
import { describe, expect, onTestFinished, test } from 'vitest';
import { type NatsProcess, reservePorts, ServerStartError, startCluster, startServer } from './servers.js';
import { uniquePrefix } from './util.js';

/** Starts a server that this test disposes of when it ends, pass or fail. */
async function server(options?: Parameters<typeof startServer>[0]): Promise<NatsProcess> {
  const started = await startServer(options);
  onTestFinished(() => started.dispose());
  return started;
}

/** A client closed when the test ends; reconnects forever, quickly, so restarts are seen at once. */
async function client(servers: string | readonly string[]): Promise<NatsConnection> {
  const nc = await connect({
    servers: typeof servers === 'string' ? servers : [...servers],
    maxReconnectAttempts: -1,
    reconnectTimeWait: 100,
  });
  onTestFinished(() => nc.close());
  return nc;
}

/** Resolves at the next status of `type`; listen before causing it. */
function nextStatus(nc: NatsConnection, type: Status['type']): Promise<Status> {
  return (async () => {
    for await (const status of nc.status()) {
      if (status.type === type) return status;
    }
    throw new Error(`connection closed before a '${type}' status`);
  })();
}

/** Answers requests on `subject` with the same payload. */
async function echo(nc: NatsConnection, subject: string): Promise<void> {
  nc.subscribe(subject, {
    callback: (_error, msg) => {
      msg.respond(msg.data);
    },
  });
  await nc.flush();
}

/** Sends `text` to the echo responder and returns the reply. */
async function roundTrip(nc: NatsConnection, subject: string, text: string): Promise<string> {
  return (await nc.request(subject, text, { timeout: 2_000 })).string();
}

function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('servers harness', () => {
  test('ports - reservePorts gives distinct ports free on 127.0.0.1', async () => {
    const ports = await reservePorts(5);
    expect(new Set(ports).size).toBe(5);
    for (const port of ports) {
      const listener = createServer();
      await new Promise<void>((resolve, reject) => {
        listener.once('error', reject);
        listener.listen(port, '127.0.0.1', resolve);
      });
      await new Promise((resolve) => listener.close(resolve));
    }
  });

  test('startServer - a client connects to the url and round-trips a message', async () => {
    const nats = await server();
    expect(nats.url).toBe(`nats://127.0.0.1:${nats.port}`);
    const nc = await client(nats.url);
    const subject = `${uniquePrefix()}.echo`;
    await echo(nc, subject);
    expect(await roundTrip(nc, subject, 'hello')).toBe('hello');
  });

  test('kill - the client sees a disconnect', async () => {
    const nats = await server({ jetstream: false });
    const nc = await client(nats.url);
    const disconnected = nextStatus(nc, 'disconnect');
    await nats.kill();
    expect(nats.running).toBe(false);
    expect(await disconnected).toEqual({ type: 'disconnect', server: `127.0.0.1:${nats.port}` });
  });

  test('restart - the client reconnects on the same port and round-trips again', async () => {
    const nats = await server({ jetstream: false });
    const { port, monitorPort, pid } = nats;
    const nc = await client(nats.url);
    const subject = `${uniquePrefix()}.echo`;
    await echo(nc, subject);
    expect(await roundTrip(nc, subject, 'before')).toBe('before');

    const reconnected = nextStatus(nc, 'reconnect');
    await nats.kill();
    await nats.restart();
    expect([nats.port, nats.monitorPort]).toEqual([port, monitorPort]);
    expect(nats.pid).not.toBe(pid);
    await reconnected;
    expect(await roundTrip(nc, subject, 'after')).toBe('after');
  });

  test('restart - a port still held elsewhere is retried until it is free', async () => {
    const nats = await server({ jetstream: false });
    await nats.kill();
    const squatter = createServer();
    await new Promise<void>((resolve) => squatter.listen(nats.port, '127.0.0.1', resolve));
    setTimeout(() => squatter.close(), 300);
    await nats.restart();
    expect(nats.running).toBe(true);
    expect((await nats.varz()).port).toBe(nats.port);
  });

  test('jetstream - stored messages survive kill and restart', async () => {
    const nats = await server();
    const nc = await client(nats.url);
    const name = uniquePrefix().toUpperCase();
    const jsm = await jetstreamManager(nc);
    await jsm.streams.add({ name, subjects: [`${name}.>`] });
    const js = jetstream(nc);
    for (const n of [1, 2, 3]) await js.publish(`${name}.n`, `m${n}`);

    const reconnected = nextStatus(nc, 'reconnect');
    await nats.kill();
    await nats.restart();
    await reconnected;
    const info = await jsm.streams.info(name);
    expect(info.state.messages).toBe(3);
    expect((await jsm.streams.getMessage(name, { seq: 3 }))?.string()).toBe('m3');
  });

  test('monitoring - varz, jsz and connz report this server', async () => {
    const nats = await server({ serverName: 'mon-1' });
    const nc = await client(nats.url);
    const name = uniquePrefix().toUpperCase();
    await (await jetstreamManager(nc)).streams.add({ name, subjects: [`${name}.>`] });

    const varz = await nats.varz();
    expect(varz).toMatchObject({ server_name: 'mon-1', port: nats.port, http_port: nats.monitorPort });
    expect(varz.version).toBe('2.9.10');
    expect(varz.jetstream?.config?.store_dir).toContain(nats.dir);

    const jsz = await nats.jsz('accounts=true&streams=true');
    expect(jsz.streams).toBe(1);
    const streams = (jsz.account_details ?? []).flatMap((account) => account.stream_detail ?? []);
    expect(streams.map((stream) => stream.name)).toEqual([name]);

    const connz = await nats.connz('subs=true');
    expect(connz.num_connections).toBe(1);
    expect(connz.connections[0]).toMatchObject({ ip: '127.0.0.1', lang: 'nats.js' });
  });

  test('config - extra raw config is applied (max_payload in varz and the client)', async () => {
    const nats = await server({ jetstream: false, config: 'max_payload: 2048' });
    expect((await nats.varz()).max_payload).toBe(2048);
    const nc = await client(nats.url);
    expect(nc.info?.max_payload).toBe(2048);
    expect(() => nc.publish('big', new Uint8Array(4096))).toThrow("'payload' max_payload size exceeded");
  });

  test('startServer - a bad config fails with the server stderr in the message', async () => {
    const failure = startServer({ jetstream: false, config: 'bogus {' });
    await expect(failure).rejects.toBeInstanceOf(ServerStartError);
    await expect(failure).rejects.toThrow(/did not start: exited with code 1\n[\s\S]*Parse error on line \d+/);
  });

  test('dispose - leaves no process and no temp dir', async () => {
    const nats = await startServer();
    const { pid, dir } = nats;
    expect(processExists(pid)).toBe(true);
    await nats.dispose();
    expect(processExists(pid)).toBe(false);
    expect(existsSync(dir)).toBe(false);
  });

  test('cluster - a 3-replica stream leader is found and a new one is elected after killing it', async () => {
    const cluster = await startCluster();
    onTestFinished(() => cluster.dispose());
    expect(cluster.nodes.map((node) => node.serverName)).toEqual(['n1', 'n2', 'n3']);
    const metaLeader = await cluster.waitForMetaLeader();
    expect(cluster.nodes).toContain(metaLeader);

    const nc = await client(cluster.urls);
    const jsm = await jetstreamManager(nc);
    const name = uniquePrefix().toUpperCase();
    await jsm.streams.add({ name, subjects: [`${name}.>`], num_replicas: 3 });
    await jetstream(nc).publish(`${name}.a`, 'one');

    const leader = await cluster.streamLeader(name);
    expect((await jsm.streams.info(name)).cluster?.leader).toBe(leader.serverName);

    await leader.kill();
    const next = await cluster.waitForStreamLeader(name, leader);
    expect(next.serverName).not.toBe(leader.serverName);
    expect(next.running).toBe(true);
    // The survivors serve the stream: the message is still there, a new one is accepted.
    await jetstream(nc).publish(`${name}.a`, 'two', { timeout: 5_000 });
    const info = await jsm.streams.info(name);
    expect(info.state.messages).toBe(2);
    expect(info.cluster?.leader).toBe(next.serverName);
  });
});
