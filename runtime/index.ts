/**
 * `asyncapi-nats/runtime`: the one module generated code imports. Everything here is contract
 * version {@link RUNTIME_CONTRACT}; docs/runtime.md lists it with the wire conventions.
 *
 * @module
 */

/**
 * Version of this contract. Generated code checks it at type level, so a runtime with an incompatible
 * contract fails to compile instead of misbehaving.
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
  ConnectError,
  ConnectionLostError,
  ConsumerStalledError,
  DeadLetterError,
  DeadLetterHeaders,
  DecodeError,
  HandlerTimeoutError,
  InvalidSubjectParameterError,
  NoRespondersError,
  NotConnectedError,
  PayloadTooLargeError,
  PermissionError,
  PublishError,
  RemoteError,
  ServiceError,
  StreamSetupError,
  TimeoutError,
  ValidationError,
} from './errors.js';
export { consume, durablePublish } from './jetstream.js';
export { jsonSchema } from './json-schema.js';
export { reply, subscribe } from './server.js';
export { ServerCore, type ServiceIdentity } from './server-core.js';
export type { ServiceInfo } from './service.js';
export { type Drainable, drainOnSignal } from './shutdown.js';
export { watchConnection } from './status.js';
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
} from './types.js';
