/**
 * `drainOnSignal`: in-process with `onDone` injected and signals emitted on `process`, and in a child
 * process that really receives SIGTERM/SIGINT and exits.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, inject, onTestFinished, test, vi } from 'vitest';
import { connect, type Drainable, drainOnSignal } from '../../runtime/index.js';
import { gate, waitFor } from '../harness/util.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** A target that records when its drain starts and ends, optionally waiting for `until` or failing. */
function target(name: string, log: string[], options: { until?: Promise<void>; fail?: Error } = {}): Drainable {
  return {
    async drain() {
      log.push(`${name} start`);
      await options.until;
      if (options.fail !== undefined) throw options.fail;
      log.push(`${name} done`);
    },
  };
}

/** The argument `onDone` got on its first call. */
function firstArgument(fn: { readonly mock: { readonly calls: readonly (readonly unknown[])[] } }): unknown {
  const call = fn.mock.calls[0];
  if (call === undefined) throw new Error('onDone was not called');
  return call[0];
}

/** Calls `drainOnSignal` and removes its listeners when the test ends. */
function install(...args: Parameters<typeof drainOnSignal>): () => void {
  const remove = drainOnSignal(...args);
  onTestFinished(remove);
  return remove;
}

describe('shutdown - in process', () => {
  test('shutdown - the first signal drains targets in order, then calls onDone without an error', async () => {
    const log: string[] = [];
    const done = vi.fn();
    const first = gate();
    install([target('server', log, { until: first.promise }), target('connection', log)], { onDone: done });
    process.emit('SIGTERM');
    await waitFor('the first drain to start', () => log.length === 1);
    // The connection waits for the server: order matters (in-flight handlers still use the connection).
    expect(log).toEqual(['server start']);
    first.open();
    await waitFor('onDone', () => done.mock.calls.length === 1);
    expect(log).toEqual(['server start', 'server done', 'connection start', 'connection done']);
    expect(done).toHaveBeenCalledWith(undefined);
  });

  test('shutdown - a failing drain is reported, the next target still drains, onDone gets the error', async () => {
    const errorSpy = vi.spyOn(console, 'error').mockImplementation(() => {});
    onTestFinished(() => errorSpy.mockRestore());
    const log: string[] = [];
    const failure = new Error('handler stuck');
    const done = vi.fn();
    install([target('server', log, { fail: failure }), target('connection', log)], { onDone: done });
    process.emit('SIGINT');
    await waitFor('onDone', () => done.mock.calls.length === 1);
    expect(log).toEqual(['server start', 'connection start', 'connection done']);
    expect(done).toHaveBeenCalledWith(failure);
    expect(errorSpy).toHaveBeenCalledWith('asyncapi-nats: draining shutdown target 0 failed', failure);
  });

  test('shutdown - several failures reach onDone as one AggregateError', async () => {
    vi.spyOn(console, 'error').mockImplementation(() => {});
    onTestFinished(() => {
      vi.restoreAllMocks();
    });
    const log: string[] = [];
    const done = vi.fn();
    const a = new Error('a');
    const b = new Error('b');
    install([target('x', log, { fail: a }), target('y', log, { fail: b })], { onDone: done });
    process.emit('SIGTERM');
    await waitFor('onDone', () => done.mock.calls.length === 1);
    const error = firstArgument(done) as AggregateError;
    expect(error).toBeInstanceOf(AggregateError);
    expect(error.message).toBe('2 drains failed');
    expect(error.errors).toEqual([a, b]);
  });

  test('shutdown - a second signal while draining gives up at once; the drain finishing later changes nothing', async () => {
    vi.spyOn(console, 'error').mockImplementation(() => {});
    onTestFinished(() => {
      vi.restoreAllMocks();
    });
    const log: string[] = [];
    const done = vi.fn();
    const slow = gate();
    install([target('server', log, { until: slow.promise })], { onDone: done });
    process.emit('SIGTERM');
    await waitFor('the drain to start', () => log.length === 1);
    process.emit('SIGINT');
    expect(done).toHaveBeenCalledTimes(1);
    expect((firstArgument(done) as Error).message).toBe('drain interrupted by a second signal (SIGINT)');
    slow.open();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(log).toEqual(['server start', 'server done']);
    expect(done).toHaveBeenCalledTimes(1);
  });

  test('shutdown - the remover takes the listeners off; only the given signals are watched', () => {
    const before = { term: process.listenerCount('SIGTERM'), usr2: process.listenerCount('SIGUSR2') };
    const remove = drainOnSignal([], { signals: ['SIGUSR2'], onDone: () => {} });
    expect(process.listenerCount('SIGUSR2')).toBe(before.usr2 + 1);
    expect(process.listenerCount('SIGTERM')).toBe(before.term);
    remove();
    expect(process.listenerCount('SIGUSR2')).toBe(before.usr2);
  });

  test('shutdown - a real connection drains on the signal', async () => {
    const nc = await connect({ servers: inject('natsUrl'), retry: { attempts: 3 } });
    const done = vi.fn();
    install([nc], { onDone: done });
    process.emit('SIGTERM');
    await waitFor('onDone', () => done.mock.calls.length === 1);
    expect(done).toHaveBeenCalledWith(undefined);
    expect(nc.isClosed()).toBe(true);
  });
});

describe('shutdown - in a child process', () => {
  const dir = mkdtempSync(join(tmpdir(), 'asyncapi-nats-shutdown-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /**
   * A script that installs `drainOnSignal` with the default `onDone` (process.exit) on two targets:
   * the first waits `firstMs` (or forever when -1) and may fail, then prints `ready`.
   */
  function script(name: string, firstMs: number, fail: boolean): string {
    const path = join(dir, `${name}.mjs`);
    const shutdown = JSON.stringify(join(ROOT, 'runtime', 'shutdown.ts'));
    writeFileSync(
      path,
      `import { drainOnSignal } from ${shutdown};
const say = (line) => process.stdout.write(line + '\\n');
drainOnSignal([
  { drain: async () => {
      say('server start');
      await new Promise((resolve) => { if (${firstMs} >= 0) setTimeout(resolve, ${firstMs}); });
      if (${fail}) throw new Error('server drain failed');
      say('server done');
  } },
  { drain: async () => { say('connection done'); } },
]);
setInterval(() => {}, 1000);
say('ready');
`,
    );
    return path;
  }

  /** Runs the script under tsx; resolves its stdout lines and exit code once it exits. */
  function run(path: string): {
    child: ChildProcess;
    lines: string[];
    stderr: () => string;
    exited: Promise<number | null>;
  } {
    const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=source', path], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const lines: string[] = [];
    let stderr = '';
    child.stdout?.on('data', (chunk: Buffer) => lines.push(...chunk.toString().split('\n').filter(Boolean)));
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    onTestFinished(() => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    });
    return { child, lines, stderr: () => stderr, exited };
  }

  test('shutdown - SIGTERM drains in order and exits 0', async () => {
    const { child, lines, exited } = run(script('clean', 100, false));
    await waitFor('ready', () => lines.includes('ready'), 15_000);
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(lines).toEqual(['ready', 'server start', 'server done', 'connection done']);
  });

  test('shutdown - a failed drain still drains the rest and exits 1', async () => {
    const { child, lines, stderr, exited } = run(script('failing', 0, true));
    await waitFor('ready', () => lines.includes('ready'), 15_000);
    child.kill('SIGINT');
    expect(await exited).toBe(1);
    expect(lines).toEqual(['ready', 'server start', 'connection done']);
    expect(stderr()).toContain('asyncapi-nats: draining shutdown target 0 failed');
  });

  test('shutdown - a second signal while a drain hangs exits 1 at once', async () => {
    const { child, lines, stderr, exited } = run(script('hanging', -1, false));
    await waitFor('ready', () => lines.includes('ready'), 15_000);
    child.kill('SIGTERM');
    await waitFor('the drain to start', () => lines.includes('server start'));
    child.kill('SIGINT');
    expect(await exited).toBe(1);
    expect(lines).toEqual(['ready', 'server start']);
    expect(stderr()).toContain('asyncapi-nats: SIGINT while draining: exiting without waiting');
  });
});
