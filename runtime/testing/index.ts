// The NATS client's declarations (and `TestKit`) use `Symbol.asyncDispose` and `AsyncDisposable`:
// this brings TypeScript's disposable lib (5.2 or later) into the user's program, so it type-checks
// without `lib: esnext`, `@types/node` or `skipLibCheck`. `preserve` keeps the line in the .d.ts.
/// <reference lib="esnext.disposable" preserve="true" />

/**
 * `asyncapi-nats/testing`: contract tests for handlers against a real `nats-server`, started on a free
 * loopback port with JetStream in a temp dir, by the same code this package's own tests use. Pair it
 * with the generated `example…()` factories (examples.ts) for valid payloads.
 *
 * Needs the `nats-server` binary (on `PATH`, or `NATS_SERVER_BIN`); without it `startTestKit` throws
 * {@link NatsServerNotFoundError}, so a missing server fails a test run instead of skipping it. Only
 * processes started here are ever signalled, by PID; one still running when the test process exits (or
 * gets SIGTERM, as vitest's workers do) is killed then, and its temp dir removed.
 *
 * @module
 */

export { startTestKit, type TestKit, type TestKitOptions } from './kit.js';
export {
  type ClusterMembership,
  type Connz,
  freePort,
  type Jsz,
  NatsProcess,
  NatsServerNotFoundError,
  type NatsServerOptions,
  reservePorts,
  type ServerPorts,
  ServerStartError,
  startServer,
  type Varz,
} from './nats-server.js';
export {
  type FakeReplyStreamOptions,
  fakeReplyStream,
  type ScriptStreamOptions,
  scriptStream,
} from './stream.js';
