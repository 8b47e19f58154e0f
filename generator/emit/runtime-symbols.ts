/**
 * The codegen contract as the emitter sees it: every symbol generated code may import from
 * `asyncapi-nats/runtime/gen` (runtime/gen.ts), and whether it is a type. The emitter imports
 * nothing else from the runtime; test/unit/codegen-contract.test.ts holds this table and that
 * module's exports equal. Change them and `CODEGEN_CONTRACT` together.
 */
export const RUNTIME_SYMBOLS = {
  CODEGEN_CONTRACT: { type: false },
  z: { type: false },
  jsonSchema: { type: false },
  subjectTemplate: { type: false },
  publish: { type: false },
  request: { type: false },
  subscribe: { type: false },
  reply: { type: false },
  durablePublish: { type: false },
  consume: { type: false },
  requestStream: { type: false },
  replyStream: { type: false },
  ServerCore: { type: false },
  ServiceInfo: { type: true },
  ServiceIdentity: { type: true },
  NatsConnection: { type: true },
  SubjectTemplate: { type: true },
  OperationSpec: { type: true },
  SharedChannel: { type: true },
  ClientOptions: { type: true },
  ServerOptions: { type: true },
  RequestOptions: { type: true },
  ReceivedMessage: { type: true },
  DurableReceivedMessage: { type: true },
  PublishAck: { type: true },
  Handle: { type: true },
  Wildcard: { type: true },
  ReplyStream: { type: true },
  StreamOptions: { type: true },
  StreamReceivedMessage: { type: true },
} as const;

/** A symbol of the runtime contract. */
export type RuntimeSymbol = keyof typeof RUNTIME_SYMBOLS;

/** The contract version this generator emits code for (runtime/gen.ts's `CODEGEN_CONTRACT`). */
export const CODEGEN_CONTRACT_VERSION = 5;

/** Where generated code imports the codegen contract from, unless the user says otherwise. */
export const DEFAULT_RUNTIME_IMPORT = 'asyncapi-nats/runtime/gen';
