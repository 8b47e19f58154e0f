/**
 * The one model between parsing and printing.
 *
 * Plain data: no parser objects, no functions. The model builder (`build.ts`) fills it from a parsed
 * AsyncAPI document; every emitter reads only this. Every node keeps the place in the spec it came
 * from, so diagnostics and `@generated from` comments can point back to the YAML.
 */

/** Where a node was written in the spec. `line` and `column` are 1-based. */
export interface SpecLocation {
  /** Path of the spec file, as given to the generator. */
  readonly file: string;
  readonly line: number;
  readonly column: number;
  /** JSON pointer of the node inside the document, e.g. `/operations/sendAgentMessage`. */
  readonly pointer: string;
}

/**
 * A JSON Schema as the generator sees it: the parser's dereferenced schema with every `x-parser-*`
 * key removed. Objects keep their identity, so a schema that refers to itself is a cyclic object
 * graph, and the same component used twice is the same object.
 */
export type JsonSchema = boolean | JsonSchemaObject;

/**
 * A JSON Schema dialect: AsyncAPI's default schema format is draft-07 based; a multi-format schema may
 * name another JSON Schema draft or an OpenAPI 3.0 schema object.
 */
export type SchemaDialect = 'draft-04' | 'draft-06' | 'draft-07' | '2019-09' | '2020-12' | 'openapi-3.0';

/** A JSON Schema object (draft 7 vocabulary as used by AsyncAPI's default schema format). */
export interface JsonSchemaObject {
  readonly [keyword: string]: unknown;
}

/** A schema that gets a declaration of its own (a TypeScript type and a zod schema). */
export interface NamedSchema {
  /** PascalCase type name, unique within the generated module. */
  readonly name: string;
  /** Name of the zod schema constant (`${name}Schema`, made unique). */
  readonly zodName: string;
  readonly schema: JsonSchema;
  /** How the schema is used; header sets are validated from string header values. */
  readonly role: 'payload' | 'headers' | 'component' | 'recursive';
  /** The JSON Schema dialect it is written in (its message's schema format); `draft-07` when absent. */
  readonly dialect?: SchemaDialect;
  readonly description?: string;
  readonly location: SpecLocation;
}

/** One token of a NATS subject template. */
export type SubjectToken =
  | { readonly kind: 'literal'; readonly value: string }
  | { readonly kind: 'parameter'; readonly name: string };

/** A `{name}` placeholder of a channel address. */
export interface ParameterModel {
  /** Name as written in the address, e.g. `tenant_id`. */
  readonly name: string;
  readonly description?: string;
  /** Allowed values, when the spec lists them. */
  readonly enum?: readonly string[];
  readonly examples?: readonly string[];
  /**
   * What a value must be, as a JSON Schema of the token's text: the 3.0 `enum`, or a 2.x parameter's
   * whole `schema` (`pattern`, `minLength`, `maxLength`, `format`, `enum`, a numeric or boolean
   * `type`, ...). Absent when the spec does not constrain the value.
   */
  readonly schema?: JsonSchemaObject;
  /** The value used when none is given (the spec's `default`). */
  readonly default?: string;
  /**
   * Where a message carries the value (the spec's `location`, `$message.payload#/a/b` or
   * `$message.header#/name`): a payload path, or a header name as the one element of `path`.
   */
  readonly valueAt?: { readonly in: 'payload' | 'header'; readonly path: readonly string[] };
  readonly location: SpecLocation;
}

/** A channel: one NATS subject template (or none, for a reply channel without address). */
export interface ChannelModel {
  /** The channel's key in the spec. */
  readonly id: string;
  /** PascalCase base for the generated names of this channel (e.g. `AgentMessage`). */
  readonly name: string;
  /** Type of the subject parameters (`AgentMessageParams`). */
  readonly paramsType: string;
  /** The typed subject builder constant (`agentMessageSubject`). */
  readonly subjectConst: string;
  /** Address as written (`ai.agent.message.{tenant_id}`); null for a reply channel without one. */
  readonly address: string | null;
  /** Address split on `.`; empty when there is no address. */
  readonly tokens: readonly SubjectToken[];
  readonly parameters: readonly ParameterModel[];
  /** Present when several receive operations share the channel: how a message finds its operation. */
  readonly receivers?: SharedChannelModel;
  readonly title?: string;
  readonly summary?: string;
  readonly description?: string;
  /** Names of the channel's `tags`. */
  readonly tags?: readonly string[];
  readonly location: SpecLocation;
}

/** A JSON value a `const` or `enum` can fix: what a discriminator property's values are. */
export type ScalarValue = string | number | boolean | null;

/**
 * The receive operations of one channel, which the model builder checked can be told apart by their
 * messages (else it reports `nats-ambiguous-operations`): the runtime's `SharedChannel`.
 */
export interface SharedChannelModel {
  /** Name of the module constant their descriptors share (`sessionReceivers`). */
  readonly constName: string;
  /** Ids of the receive operations, in spec order. */
  readonly operations: readonly string[];
  /**
   * A top-level payload property every message requires with fixed values, different per operation:
   * `[value, index into operations]`. Absent: the operations' schemas tell the messages apart.
   */
  readonly discriminator?: {
    readonly property: string;
    readonly values: readonly (readonly [ScalarValue, number])[];
  };
}

/** A message: payload and header schemas plus documentation. */
export interface MessageModel {
  /** Unique key: the JSON pointer of the message definition it was resolved to. */
  readonly key: string;
  /** PascalCase name, unique within the generated module. */
  readonly name: string;
  readonly title?: string;
  readonly summary?: string;
  readonly description?: string;
  readonly contentType: string;
  /** Name of the payload's NamedSchema; undefined when the message has no payload. */
  readonly payload?: string;
  /** Name of the header set's NamedSchema; undefined when the message declares no headers. */
  readonly headers?: string;
  /**
   * Header names the message declares, in schema order: the header schema's properties and those of
   * its `allOf` members (the headers generated code sends and reads).
   */
  readonly headerNames: readonly string[];
  /** Header names the spec marks required. */
  readonly requiredHeaders: readonly string[];
  /** The spec's examples, in order; `location` is where each was written (for docs diagnostics). */
  readonly examples: readonly {
    readonly name?: string;
    readonly payload?: unknown;
    readonly headers?: unknown;
    readonly location: SpecLocation;
  }[];
  readonly location: SpecLocation;
}

/** A NATS queue group, possibly with its own `{placeholders}` (e.g. `agent.{agent_id}`). */
export interface QueueModel {
  readonly template: string;
  readonly tokens: readonly SubjectToken[];
  /** Placeholder names, in order of appearance. */
  readonly parameters: readonly string[];
  readonly location: SpecLocation;
}

/**
 * The four NATS interactions an operation can be:
 * `publish` (send, no reply), `request` (send, awaits a reply),
 * `subscribe` (receive, no reply), `reply` (receive, answers each request).
 */
export type OperationKind = 'publish' | 'request' | 'subscribe' | 'reply';

/**
 * A JetStream-backed operation (`x-nats-jetstream`): the stream it is stored in, the durable consumer
 * receivers share, where the message id comes from, and where dead letters go.
 */
export interface DurableModel {
  readonly stream: {
    readonly name: string;
    /** Subjects the stream captures; default: the channel address with `*` for each parameter. */
    readonly subjects: readonly string[];
    readonly storage: 'file' | 'memory';
    readonly replicas: number;
    readonly retention: 'limits' | 'workqueue' | 'interest';
    readonly duplicateWindowMs?: number;
    readonly maxAgeMs?: number;
  };
  /** Receive operations: the shared durable consumer (name defaults to the queue group, dots as `_`). */
  readonly consumer?: {
    readonly durable: string;
    readonly ackWaitMs?: number;
    readonly maxDeliver?: number;
    readonly backoffMs?: readonly number[];
  };
  /** Send operations: where `Nats-Msg-Id` comes from (absent: a generated id). */
  readonly messageId?: { readonly header: string } | { readonly payload: readonly string[] };
  /** Dead-letter subject and the stream that keeps it (default `dead-letter.<stream>`, `<stream>_DEAD_LETTER`). */
  readonly deadLetter: { readonly subject: string; readonly stream: string };
  /** Where the stream settings were written. */
  readonly location: SpecLocation;
}

/**
 * A request/reply operation whose reply is a stream (`x-nats-stream`): chunk messages in order, then an
 * optional end message, with the caller's timeouts and the server's flow-control window.
 */
export interface StreamModel {
  /** Message keys of the chunks: the reply's messages minus `end` (at least one). */
  readonly chunks: readonly string[];
  /** Message key of the final message, when declared. */
  readonly end?: string;
  /** Request sent → first chunk (or end), in milliseconds; default 30000. */
  readonly firstChunkTimeoutMs: number;
  /** Longest wait for the next chunk while the caller waits, in milliseconds; default 30000. */
  readonly idleTimeoutMs: number;
  /** Request sent → end, in milliseconds; default 300000. */
  readonly totalTimeoutMs: number;
  /** Chunks the server may send ahead of the caller's credit; default 32. */
  readonly window: number;
  /** Where `x-nats-stream` was written. */
  readonly location: SpecLocation;
}

/** One operation of the spec, resolved to NATS terms. */
export interface OperationModel {
  /** The operation's key in the spec. */
  readonly id: string;
  /** camelCase method name on the generated client or server. */
  readonly name: string;
  /** Generated type name of the arguments of the client method or server registration. */
  readonly argsType: string;
  /** Receive operations only: the generated type of what a handler gets (`ReceiveAgentMessageReceived`). */
  readonly messageType?: string;
  /** Module-private descriptor constant (`sendAgentMessageOperation`). */
  readonly descriptorConst: string;
  readonly action: 'send' | 'receive';
  readonly kind: OperationKind;
  /** Id of the channel the operation sends to or receives from. */
  readonly channel: string;
  /** Keys of the messages the operation carries (at least one). */
  readonly messages: readonly string[];
  /** For `request` and `reply`: the reply's channel id (undefined: the NATS inbox) and message keys. */
  readonly reply?: { readonly channel?: string; readonly messages: readonly string[] };
  /** Queue group for receive operations (from the NATS binding or `x-nats-queue`). */
  readonly queue?: QueueModel;
  /** Request timeout in milliseconds (`x-nats-timeout-ms`), for `request` and `reply`. */
  readonly timeoutMs?: number;
  /** Receive operations: how long a handler may take, in milliseconds (`x-nats-handler-timeout-ms`). */
  readonly handlerTimeoutMs?: number;
  /**
   * Header filter for receive operations (`x-nats-match-headers`): a message reaches the handler only
   * when each named header equals the value, where `{name}` refers to a queue or channel parameter.
   */
  readonly matchHeaders?: readonly { readonly header: string; readonly tokens: readonly SubjectToken[] }[];
  /** Present when the operation is JetStream-backed (`x-nats-jetstream`); only `publish` and `subscribe`. */
  readonly durable?: DurableModel;
  /**
   * Present when the reply is a stream (`x-nats-stream`); only `request` and `reply`. `reply` still
   * lists every reply message (chunks and end).
   */
  readonly stream?: StreamModel;
  readonly title?: string;
  readonly summary?: string;
  readonly description?: string;
  /** Names of the operation's `tags`. */
  readonly tags?: readonly string[];
  readonly location: SpecLocation;
}

/** A `{name}` placeholder of a server's host or pathname (`servers.<name>.variables`). */
export interface ServerVariableModel {
  readonly name: string;
  readonly description?: string;
  readonly default?: string;
  /** Allowed values, when the spec lists them. */
  readonly enum: readonly string[];
  readonly examples: readonly string[];
}

/** A security scheme a server accepts (`components.securitySchemes.<name>`). */
export interface SecuritySchemeModel {
  /** Key under `components.securitySchemes`; absent for a scheme written inline. */
  readonly name?: string;
  /** `userPassword`, `X509`, `httpApiKey`, `http`, `oauth2`, ... as written. */
  readonly type: string;
  readonly description?: string;
  /**
   * The scheme's other settings as label and value, in the spec's words (`in: user`, `scheme: bearer`,
   * `bearer format: JWT`, `OpenID Connect URL: ...`, `flows: clientCredentials`, `scopes: a, b`).
   */
  readonly settings: readonly { readonly label: string; readonly value: string }[];
}

/** A server of the spec (`servers.<name>`): where it is and how a client gets in. */
export interface ServerModel {
  /** Key under `servers`. */
  readonly name: string;
  /** `host[:port]`, variables as written (`{region}.example.com:4222`). */
  readonly host: string;
  readonly pathname?: string;
  readonly protocol: string;
  readonly protocolVersion?: string;
  readonly title?: string;
  readonly summary?: string;
  readonly description?: string;
  readonly variables: readonly ServerVariableModel[];
  /** Alternatives: a client that satisfies any one of them may connect. Empty when the spec names none. */
  readonly security: readonly SecuritySchemeModel[];
  readonly location: SpecLocation;
}

/** Everything the emitters need, for one spec. */
export interface ApiModel {
  /** Path of the spec file as given (used in headers and diagnostics). */
  readonly source: string;
  /** The `asyncapi` version the document declared (`3.0.0`, `2.6.0`, ...). */
  readonly asyncapiVersion: string;
  readonly title: string;
  readonly version: string;
  readonly description?: string;
  /** `info.contact`, when it names anything. */
  readonly contact?: { readonly name?: string; readonly url?: string; readonly email?: string };
  /** `info.license`. */
  readonly license?: { readonly name: string; readonly url?: string };
  /** `info.externalDocs`. */
  readonly externalDocs?: { readonly url: string; readonly description?: string };
  /** `info.tags`: the names channels and operations are tagged with, and what each means. */
  readonly tags?: readonly { readonly name: string; readonly description?: string }[];
  /** `info.termsOfService` (a URL). */
  readonly termsOfService?: string;
  /** Names of the generated client and server classes (from `info.title`: `AiSdkClient`, `AiSdkServer`). */
  readonly clientClass: string;
  readonly serverClass: string;
  /** Protocols the spec's servers declare (empty when it declares none). */
  readonly protocols: readonly string[];
  /** The spec's servers, in document order (empty when it declares none). */
  readonly servers: readonly ServerModel[];
  readonly channels: readonly ChannelModel[];
  readonly operations: readonly OperationModel[];
  readonly messages: readonly MessageModel[];
  /** Declarations for types.ts and schemas.ts, in an order where each refers only to earlier ones or lazily. */
  readonly schemas: readonly NamedSchema[];
}
