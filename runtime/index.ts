// The NATS client's declarations (and `TestKit`) use `Symbol.asyncDispose` and `AsyncDisposable`:
// this brings TypeScript's disposable lib (5.2 or later) into the user's program, so it type-checks
// without `lib: esnext`, `@types/node` or `skipLibCheck`. `preserve` keeps the line in the .d.ts.
/// <reference lib="esnext.disposable" preserve="true" />

/**
 * `asyncapi-nats/runtime`: what an application imports next to its generated code: `connect`, the
 * typed errors, `wildcard`, shutdown, logging and telemetry, and the types of handlers and options.
 * docs/runtime.md lists it with the wire conventions. Generated code imports the codegen contract,
 * `asyncapi-nats/runtime/gen` (runtime/gen.ts).
 *
 * @module
 */

/**
 * The contract of code generated before `asyncapi-nats/runtime/gen` existed (contract 4), which
 * imported everything from here. It and the codegen functions below (`publish`, `request`,
 * `subscribe`, `reply`, `durablePublish`, `consume`, `ServerCore`, `jsonSchema`) stay so that such
 * code keeps compiling and running (test/unit/codegen-contract.test.ts runs it).
 *
 * @deprecated Regenerate: current generated code imports `CODEGEN_CONTRACT` from `asyncapi-nats/runtime/gen`.
 */
export const RUNTIME_CONTRACT = 4 as const;

/** The NATS connection and message types, re-exported so generated code needs no second import. */
export type { NatsConnection } from '@nats-io/transport-node';
/** zod's `z`, re-exported so generated schemas and the runtime share one zod instance. */
export { z } from 'zod';
export { publish, request } from './client.js';
export { connect } from './connect.js';
export { connectOptionsFromEnv } from './env.js';
export {
  AckError,
  AsyncApiNatsError,
  BusyError,
  ConfigError,
  ConnectError,
  ConnectionLostError,
  ConsumerStalledError,
  ContractError,
  DeadLetterError,
  DeadLetterHeaders,
  DecodeError,
  HandlerTimeoutError,
  InvalidSubjectParameterError,
  NoRespondersError,
  NotConnectedError,
  OverflowError,
  PayloadTooLargeError,
  PermissionError,
  PublishError,
  RemoteError,
  ServiceError,
  SlowConsumerError,
  StreamCancelledError,
  type StreamCancelReason,
  StreamInterruptedError,
  StreamSetupError,
  StreamTimeoutError,
  type StreamTimeoutPhase,
  SubscriptionClosedError,
  TimeoutError,
  UnhandledMessageError,
  ValidationError,
} from './errors.js';
export { consume, durablePublish } from './jetstream.js';
export { jsonSchema } from './json-schema.js';
export { reply, subscribe } from './server.js';
export { ServerCore, type ServiceIdentity } from './server-core.js';
export { redactServerUrl } from './server-url.js';
export type { ServiceInfo } from './service.js';
export { type Drainable, drainOnSignal } from './shutdown.js';
export { watchConnection } from './status.js';
export { type ReplyStream, requestStream } from './stream-client.js';
export { replyStream, type StreamHandlerResult } from './stream-server.js';
export { type SubjectRules, type SubjectTemplate, subjectTemplate, type Wildcard, wildcard } from './subject.js';
export {
  consoleLogger,
  jsonLogger,
  type LogEvent,
  type Logger,
  type MetricsHook,
  type OperationKind,
  type OperationSample,
  useOpenTelemetry,
} from './telemetry.js';
export type {
  ClientOptions,
  ConnectionEvent,
  ConnectOptions,
  Credentials,
  DurableReceivedMessage,
  DurableSpec,
  ErrorEvent,
  Handle,
  HandleStats,
  OperationSpec,
  PublishAck,
  ReceivedMessage,
  RequestOptions,
  ServerOptions,
  ServiceOptions,
  SharedChannel,
  StreamingSpec,
  StreamOptions,
  StreamReceivedMessage,
} from './types.js';
