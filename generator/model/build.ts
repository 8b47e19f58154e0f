/**
 * Parsed document → model, with the NATS checks the AsyncAPI parser cannot make. Problems are
 * collected, never thrown: the caller decides whether they stop generation.
 */
import type {
  ChannelInterface,
  InfoInterface,
  MessageInterface,
  OperationInterface,
  ServerInterface,
} from '@asyncapi/parser';
import { camelCase, NameRegistry, pascalCase, safeIdentifier, safeMember } from '../naming.js';
import type { ParsedSpec } from '../parse/parse.js';
import type { Problem } from '../problems.js';
import { scanExtensions } from './extension-scan.js';
import { EXTENSIONS, type ExtensionContext, readMatchHeaders, readQueue, readTimeout } from './extensions.js';
import { JETSTREAM_EXTENSION, readJetStream } from './jetstream.js';
import { readSchemaFormat, unwrapSchema } from './schema-format.js';
import { SchemaCollector } from './schemas.js';
import { separate } from './shared.js';
import { readStream, STREAM_EXTENSION, type StreamReplyMessage } from './stream.js';
import { parseSubjectTemplate, tokenProblem } from './subject.js';
import type {
  ApiModel,
  ChannelModel,
  JsonSchema,
  JsonSchemaObject,
  MessageModel,
  OperationKind,
  OperationModel,
  ParameterModel,
  SchemaDialect,
  SecuritySchemeModel,
  ServerModel,
  SpecLocation,
} from './types.js';

/** Builds the model of a parsed spec; `problems` holds every NATS rule it breaks. */
export function buildModel(spec: ParsedSpec): { model: ApiModel; problems: Problem[] } {
  return new ModelBuilder(spec).build();
}

/** Header names NATS accepts: printable ASCII without ':' (FIELD-NOTES: the client throws otherwise). */
const HEADER_NAME = /^[\x21-\x39\x3b-\x7e]+$/;

function text(v: string | undefined | null): string | undefined {
  return typeof v === 'string' && v.trim() !== '' ? v : undefined;
}

function pointerOf(model: { meta(): unknown }): string {
  const pointer = (model.meta() as { pointer?: unknown }).pointer;
  return typeof pointer === 'string' ? pointer : '';
}

/** The names of a node's `tags` (read from the raw JSON: the parser's v3 channel has no `tags()`). */
function tagNames(model: { json(): unknown }): string[] {
  const tags = (model.json() as Record<string, unknown>).tags;
  if (!Array.isArray(tags)) return [];
  return tags.flatMap((t) => {
    const name = typeof t === 'object' && t !== null ? (t as Record<string, unknown>).name : undefined;
    return typeof name === 'string' && name.trim() !== '' ? [name] : [];
  });
}

/** A text field read from the raw JSON (the parser's v3 interfaces lack some, e.g. channel `title`). */
function field(model: { json(): unknown }, key: string): string | undefined {
  const value = (model.json() as Record<string, unknown>)[key];
  return typeof value === 'string' ? text(value) : undefined;
}

/** Contact, license, external docs and terms of service of `info`, each only when the spec gives it. */
function infoLinks(info: InfoInterface): Pick<ApiModel, 'contact' | 'license' | 'externalDocs' | 'termsOfService'> {
  const c = info.contact();
  const contact = { name: text(c?.name()), url: text(c?.url()), email: text(c?.email()) };
  const l = info.license();
  const licenseName = text(l?.name());
  const licenseUrl = text(l?.url());
  const docs = info.externalDocs();
  const docsUrl = text(docs?.url());
  const docsDescription = text(docs?.description());
  const terms = text(info.termsOfService());
  const defined = <T extends object>(o: T) =>
    Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as {
      [K in keyof T]: Exclude<T[K], undefined>;
    };
  return {
    ...(contact.name || contact.url || contact.email ? { contact: defined(contact) } : {}),
    ...(licenseName ? { license: { name: licenseName, ...(licenseUrl ? { url: licenseUrl } : {}) } } : {}),
    ...(docsUrl
      ? { externalDocs: { url: docsUrl, ...(docsDescription ? { description: docsDescription } : {}) } }
      : {}),
    ...(terms ? { termsOfService: terms } : {}),
  };
}

/** `info.tags`, each with its description: the areas the channels and operations are tagged with. */
function infoTags(info: InfoInterface): Pick<ApiModel, 'tags'> {
  const tags = info
    .tags()
    .all()
    .filter((t) => text(t.name()) !== undefined)
    .map((t) => {
      const description = text(t.description());
      return { name: t.name(), ...(description ? { description } : {}) };
    });
  return tags.length > 0 ? { tags } : {};
}

class ModelBuilder {
  readonly #spec: ParsedSpec;
  readonly #problems: Problem[] = [];
  readonly #names = new NameRegistry();
  readonly #schemas: SchemaCollector;
  readonly #messages = new Map<object, MessageModel>();
  readonly #channels = new Map<string, ChannelModel>();
  /** Channels whose address cannot be a NATS subject in a non-NATS spec: skipped with a warning. */
  readonly #skipped = new Set<string>();
  readonly #natsSpec: boolean;
  readonly #ext: ExtensionContext;
  /** A 2.x file's channels as written, by address (see `#originalParameter`). */
  #originalChannels: Map<string, ChannelInterface> | undefined;

  constructor(spec: ParsedSpec) {
    this.#spec = spec;
    const components = spec.document.components().schemas();
    this.#schemas = new SchemaCollector(this.#names, (component) =>
      components.has(component) ? this.#locate(`/components/schemas/${component}`) : undefined,
    );
    // Only a declared nats server makes this a NATS spec, whose addresses must all be NATS subjects.
    // Without servers the protocol is unknown: an address gets the same verdict as under Kafka or MQTT.
    this.#natsSpec = spec.document
      .servers()
      .all()
      .some((s) => s.protocol().toLowerCase() === 'nats');
    this.#ext = { report: (p, pointer) => this.#report(p, pointer), locate: (pointer) => this.#locate(pointer) };
  }

  #locate(pointer: string): SpecLocation {
    const { line, column } = this.#spec.sourceMap.locate(pointer);
    return { file: this.#spec.file, line, column, pointer };
  }

  #report(p: Omit<Problem, 'file' | 'line' | 'column'>, pointer: string): void {
    const { line, column } = this.#spec.sourceMap.locate(pointer);
    this.#problems.push({ ...p, file: this.#spec.file, line, column });
  }

  /**
   * Address rules are errors for a NATS spec; for a spec of another protocol, or without servers, the
   * channel is skipped with a warning.
   */
  #addressProblem(p: Omit<Problem, 'file' | 'line' | 'column' | 'severity'>, pointer: string, channelId: string): void {
    if (this.#natsSpec) {
      this.#report({ ...p, severity: 'error' }, pointer);
    } else {
      this.#skipped.add(channelId);
      this.#report({ ...p, severity: 'warning', message: `${p.message}; channel '${channelId}' is skipped` }, pointer);
    }
  }

  /** An operation NATS cannot serve: an error for a NATS spec; otherwise the operation is skipped with a warning. */
  #operationProblem(
    p: Omit<Problem, 'file' | 'line' | 'column' | 'severity'>,
    pointer: string,
    operationId: string,
  ): void {
    if (this.#natsSpec) this.#report({ ...p, severity: 'error' }, pointer);
    else
      this.#report(
        { ...p, severity: 'warning', message: `${p.message}; operation '${operationId}' is skipped` },
        pointer,
      );
  }

  build(): { model: ApiModel; problems: Problem[] } {
    const doc = this.#spec.document;
    const info = doc.info();
    const base = safeIdentifier(pascalCase(info.title()));
    // Class names first: they are the names users see most.
    const clientClass = this.#names.claim(`${base}Client`);
    const serverClass = this.#names.claim(`${base}Server`);

    this.#problems.push(...scanExtensions(this.#spec.sourceMap, this.#spec.file, this.#spec.declaredVersion));
    // Component messages first, so a shared message is known by its component, not its first use.
    for (const message of doc.components().messages().all()) this.#message(message);
    for (const channel of doc.channels().all()) this.#channel(channel);
    const operations: OperationModel[] = [];
    const memberNames = { send: new NameRegistry(), receive: new NameRegistry() };
    for (const operation of doc.operations().all()) {
      const op = this.#operation(operation, memberNames);
      if (op) operations.push(op);
    }
    for (const message of doc.allMessages().all()) this.#message(message);

    this.#protocolProblem(operations.length);
    const schemas = this.#schemas.finish((component) =>
      this.#locate(component ? `/components/schemas/${component}` : '/components/schemas'),
    );
    this.#problems.push(...this.#schemas.findings((pointer) => this.#spec.sourceMap.locate(pointer), this.#spec.file));
    this.#sharedChannels(operations);
    this.#streamAgreement(operations);
    const description = text(info.description());
    const model: ApiModel = {
      source: this.#spec.file,
      asyncapiVersion: this.#spec.declaredVersion,
      title: info.title(),
      version: info.version(),
      ...(description ? { description } : {}),
      ...infoLinks(info),
      ...infoTags(info),
      clientClass,
      serverClass,
      protocols: [
        ...new Set(
          doc
            .servers()
            .all()
            .map((s) => s.protocol()),
        ),
      ],
      servers: doc
        .servers()
        .all()
        .map((s) => this.#server(s)),
      channels: [...this.#channels.values()].filter((c) => !this.#skipped.has(c.id)),
      operations,
      messages: [...this.#messages.values()],
      schemas,
    };
    return { model, problems: this.#problems };
  }

  /** A server as the docs show it: host, protocol, variables and the security schemes it accepts. */
  #server(server: ServerInterface): ServerModel {
    const title = field(server, 'title');
    const summary = field(server, 'summary');
    const description = text(server.description());
    const pathname = text(server.pathname());
    const protocolVersion = text(server.protocolVersion());
    const security: SecuritySchemeModel[] = [];
    // A `$ref`ed scheme comes back without its id: its component is the one with the same JSON.
    const components = this.#spec.document.components().securitySchemes().all();
    for (const requirements of server.security()) {
      for (const requirement of requirements.all()) {
        const scheme = requirement.scheme();
        const settings: { label: string; value: string }[] = [];
        const add = (label: string, value: string | undefined) => {
          if (text(value)) settings.push({ label, value: value as string });
        };
        add('in', scheme.in());
        add('name', scheme.name());
        add('scheme', scheme.scheme());
        add('bearer format', scheme.bearerFormat());
        add('OpenID Connect URL', scheme.openIdConnectUrl());
        const flows = scheme.flows();
        if (flows) {
          const names = (['authorizationCode', 'clientCredentials', 'implicit', 'password'] as const).filter(
            (f) => flows[f]() !== undefined,
          );
          add('flows', names.join(', '));
        }
        add('scopes', requirement.scopes().join(', '));
        const schemeDescription = text(scheme.description());
        const name = text(scheme.id()) ?? components.find((c) => c.json() === scheme.json())?.id();
        security.push({
          ...(name ? { name } : {}),
          type: scheme.type(),
          ...(schemeDescription ? { description: schemeDescription } : {}),
          settings,
        });
      }
    }
    return {
      name: server.id(),
      host: server.host(),
      ...(pathname ? { pathname } : {}),
      protocol: server.protocol(),
      ...(protocolVersion ? { protocolVersion } : {}),
      ...(title ? { title } : {}),
      ...(summary ? { summary } : {}),
      ...(description ? { description } : {}),
      variables: server
        .variables()
        .all()
        .map((v) => {
          const variableDescription = text(v.description());
          const fallback = text(v.defaultValue());
          return {
            name: v.id(),
            ...(variableDescription ? { description: variableDescription } : {}),
            ...(fallback ? { default: fallback } : {}),
            enum: v.allowedValues(),
            examples: v.examples(),
          };
        }),
      security,
      location: this.#locate(pointerOf(server)),
    };
  }

  /**
   * One diagnostic per document when its servers do not make it a NATS spec: what protocol it
   * declares, and what is generated from it anyway.
   */
  #protocolProblem(operationsKept: number): void {
    const doc = this.#spec.document;
    // Each protocol once, as first written (`kafka` and `Kafka` are one).
    const byName = new Map<string, string>();
    for (const server of doc.servers().all()) {
      const protocol = server.protocol();
      if (!byName.has(protocol.toLowerCase())) byName.set(protocol.toLowerCase(), protocol);
    }
    const protocols = [...byName.values()];
    const addressed = [...this.#channels.values()].filter((c) => c.address !== null).length;
    const skipped = this.#skipped.size;
    const operations = doc.operations().all().length;
    const operationsSkipped = operations - operationsKept;
    const outcome =
      `the generated code speaks NATS; channels whose addresses are legal NATS subjects are generated, ${skipped === 0 ? 'none' : `${skipped} of ${addressed}`} skipped` +
      (operationsSkipped > 0 ? ` (and ${operationsSkipped} of ${operations} operations)` : '');
    if (protocols.length === 0) {
      this.#report(
        {
          code: 'no-servers',
          severity: 'info',
          message: `the document declares no servers, so its protocol is not known: ${outcome}`,
          help: 'declare a server with `protocol: nats` to make this a NATS spec, where every address must be a NATS subject',
        },
        '/asyncapi',
      );
    } else if (!this.#natsSpec) {
      const names = protocols.join(', ');
      this.#report(
        {
          code: 'not-nats',
          severity: 'warning',
          message: `servers declare ${names}, not nats: ${outcome}`,
          help: `the generated client and server connect to NATS, not to ${names}; use them with a NATS server or a bridge, or declare a nats server if this is a NATS system`,
        },
        '/servers',
      );
    } else {
      const others = protocols.filter((p) => p.toLowerCase() !== 'nats');
      if (others.length > 0) {
        this.#report(
          {
            code: 'not-nats',
            severity: 'info',
            message: `servers also declare ${others.join(', ')}: the generated code connects to NATS only`,
            help: 'nothing to do; describe only the NATS side in this document to silence this',
          },
          '/servers',
        );
      }
    }
  }

  #channel(channel: ChannelInterface): void {
    const id = channel.id();
    const pointer = pointerOf(channel);
    const address = channel.address() ?? null;
    const declared = channel
      .parameters()
      .all()
      .map((p) => p.id());
    const parsed = address === null ? undefined : parseSubjectTemplate(address);
    for (const issue of parsed?.issues ?? []) {
      this.#addressProblem({ code: issue.code, message: issue.message, help: issue.help }, `${pointer}/address`, id);
    }
    if (parsed && !this.#skipped.has(id)) {
      for (const name of parsed.parameters.filter((n) => !declared.includes(n))) {
        this.#report(
          {
            code: 'nats-undeclared-parameter',
            severity: 'warning',
            message: `address '${address}' uses {${name}}, which channel '${id}' does not declare in parameters`,
            help: `add \`parameters: { ${name}: { description: ... } }\` to the channel`,
          },
          `${pointer}/address`,
        );
      }
    }
    const parameters: ParameterModel[] = (parsed?.parameters ?? []).map((name) =>
      this.#parameter(channel, pointer, name, address, this.#skipped.has(id)),
    );
    const name = pascalCase(id);
    const title = field(channel, 'title');
    const summary = field(channel, 'summary');
    const description = text(channel.description());
    const tags = tagNames(channel);
    this.#channels.set(id, {
      id,
      name,
      paramsType: this.#names.claim(safeIdentifier(`${name}Params`)),
      subjectConst: this.#names.claim(safeIdentifier(`${camelCase(id)}Subject`)),
      address,
      tokens: parsed?.tokens ?? [],
      parameters,
      ...(title ? { title } : {}),
      ...(summary ? { summary } : {}),
      ...(description ? { description } : {}),
      ...(tags.length > 0 ? { tags } : {}),
      location: this.#locate(pointer),
    });
  }

  /**
   * A `{name}` of a channel address. A 3.0 parameter says `enum`, `default`, `examples`, `description`
   * and `location`; a 2.x one had a whole `schema`, of which the converter keeps only `enum`, `const`,
   * `default` and `examples`, so for a 2.x file the schema is read from the document as written.
   */
  #parameter(
    channel: ChannelInterface,
    channelPointer: string,
    name: string,
    address: string | null,
    skipped: boolean,
  ): ParameterModel {
    const p = channel.parameters().get(name);
    let at = p ? `${channelPointer}/parameters/${pointerToken(name)}` : `${channelPointer}/address`;
    const raw = (p?.json() ?? {}) as { enum?: unknown; examples?: unknown; default?: unknown; location?: unknown };
    const description = text(p?.description());
    const strings = (v: unknown) =>
      Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : undefined;
    const en = strings(raw.enum);
    const examples = strings(raw.examples);
    let schema: JsonSchemaObject | undefined;
    const original = address === null ? undefined : this.#originalParameter(address, name);
    if (original !== undefined) {
      at = original.pointer;
      const cleaned = this.#schemas.clean(original.schema);
      if (typeof cleaned === 'object' && constrains(cleaned)) schema = cleaned;
    } else if (Array.isArray(raw.enum)) {
      schema = { enum: raw.enum };
    }
    const valueAt = typeof raw.location === 'string' ? parseLocation(raw.location) : undefined;
    const scalar =
      typeof raw.default === 'string' || typeof raw.default === 'number' || typeof raw.default === 'boolean';
    const fallback = scalar ? String(raw.default) : undefined;
    if (!skipped) {
      const values: [what: string, value: string, where: string][] = (en ?? []).map((v) => [
        'enum value',
        v,
        `${at}/enum`,
      ]);
      if (fallback !== undefined) values.push(['default', fallback, `${at}/default`]);
      for (const [what, value, where] of values) {
        const reason = tokenProblem(value);
        if (reason === undefined) continue;
        this.#report(
          {
            code: 'nats-parameter-value',
            severity: 'warning',
            message: `${what} '${value}' of parameter '${name}' can never be part of a subject: ${reason}`,
            help: 'parameter values are single NATS subject tokens: 1 to 64 characters without `.`, `*`, `>`, whitespace or control characters, not starting with `$`',
          },
          where,
        );
      }
      if (fallback !== undefined && en !== undefined && !en.includes(fallback)) {
        this.#report(
          {
            code: 'nats-parameter-value',
            severity: 'warning',
            message: `default '${fallback}' of parameter '${name}' is not one of its enum values (${en.map((v) => `'${v}'`).join(', ')}); a subject built from it is rejected`,
            help: 'make the default one of the enum values',
          },
          `${at}/default`,
        );
      }
      if (raw.location !== undefined && valueAt === undefined) {
        this.#report(
          {
            code: 'nats-parameter-location',
            severity: 'warning',
            message: `location ${JSON.stringify(raw.location)} of parameter '${name}' is not used: only a payload field or a header can be read (\`$message.payload#/<path>\`, \`$message.header#/<name>\`)`,
            help: 'point the location at a payload field or a header, or remove it',
          },
          `${at}/location`,
        );
      }
    }
    return {
      name,
      ...(description ? { description } : {}),
      ...(en ? { enum: en } : {}),
      ...(examples ? { examples } : {}),
      ...(schema ? { schema } : {}),
      ...(fallback !== undefined ? { default: fallback } : {}),
      ...(valueAt !== undefined ? { valueAt } : {}),
      location: this.#locate(at),
    };
  }

  /** A 2.x file's parameter `schema` as written (before conversion), with its pointer there. */
  #originalParameter(address: string, name: string): { schema: unknown; pointer: string } | undefined {
    const original = this.#spec.original;
    if (original === undefined) return undefined;
    this.#originalChannels ??= new Map(
      original
        .channels()
        .all()
        .map((c) => [c.address() ?? c.id(), c] as const),
    );
    const channel = this.#originalChannels.get(address);
    const p = channel?.parameters().get(name);
    if (channel === undefined || p === undefined) return undefined;
    const pointer = pointerOf(p) || `${pointerOf(channel)}/parameters/${pointerToken(name)}`;
    return { schema: p.hasSchema() ? p.schema()?.json() : undefined, pointer };
  }

  /**
   * Several receive operations on one channel share its subject: each message must go to exactly one
   * of them. Their messages must be told apart (a discriminator property, or schemas that exclude each
   * other), and they must agree on how they subscribe (one queue group; all durable or none, each with
   * a consumer of its own, on a stream that allows several). What breaks a rule is an error located
   * at the later operation; otherwise the channel gets the `receivers` its descriptors share.
   */
  #sharedChannels(operations: readonly OperationModel[]): void {
    const byChannel = new Map<string, OperationModel[]>();
    for (const op of operations) {
      if (op.action !== 'receive') continue;
      const list = byChannel.get(op.channel) ?? [];
      list.push(op);
      byChannel.set(op.channel, list);
    }
    for (const [channelId, ops] of byChannel) {
      if (ops.length < 2) continue;
      const channel = this.#channels.get(channelId);
      if (channel === undefined) continue;
      const problem = (op: OperationModel, message: string, help: string, code = 'nats-ambiguous-operations') =>
        this.#report({ code, severity: 'error', message, help }, op.location.pointer);
      const first = ops[0] as OperationModel;
      let broken = false;
      // The same message in two operations: nothing could tell which of them a copy is for.
      const owner = new Map<string, OperationModel>();
      for (const op of ops) {
        for (const key of op.messages) {
          const other = owner.get(key);
          if (other !== undefined && other !== op) {
            broken = true;
            problem(
              op,
              `operations '${other.id}' and '${op.id}' both receive message '${this.#messageName(key)}' on channel '${channelId}': a message there could be for either`,
              'give each receive operation of a channel its own messages, or make them one operation',
            );
          }
          owner.set(key, op);
        }
      }
      for (const op of ops.slice(1)) {
        if ((op.queue?.template ?? null) !== (first.queue?.template ?? null)) {
          broken = true;
          problem(
            op,
            `operation '${op.id}' receives on channel '${channelId}' in ${op.queue ? `queue group '${op.queue.template}'` : 'no queue group'}, but '${first.id}' uses ${first.queue ? `queue group '${first.queue.template}'` : 'none'}: the receive operations of one channel share one subscription`,
            'give every receive operation of the channel the same queue group (or none)',
            'nats-shared-channel-queue',
          );
        }
        if ((op.durable === undefined) !== (first.durable === undefined)) {
          broken = true;
          problem(
            op,
            `operation '${op.id}' receives on channel '${channelId}' ${op.durable ? 'from JetStream' : 'from core NATS'}, but '${first.id}' ${first.durable ? 'from JetStream' : 'from core NATS'}: the receive operations of one channel must all be durable or none`,
            'declare x-nats-jetstream on the channel, so that every operation of it is durable',
            'nats-shared-channel-durable',
          );
        }
      }
      const durables = ops.filter((op) => op.durable !== undefined);
      if (durables.length > 1) {
        const stream = durables[0]?.durable?.stream;
        if (stream?.retention === 'workqueue') {
          broken = true;
          problem(
            durables[1] as OperationModel,
            `operations ${durables.map((op) => `'${op.id}'`).join(', ')} consume channel '${channelId}' from stream '${stream.name}', whose work-queue retention allows one consumer per subject`,
            'use retention limits or interest, or one receive operation with all the messages',
            'nats-shared-channel-durable',
          );
        }
        const names = new Map<string, OperationModel>();
        for (const op of durables) {
          const name = op.durable?.consumer?.durable;
          if (name === undefined) continue;
          const other = names.get(name);
          if (other !== undefined) {
            broken = true;
            problem(
              op,
              `operations '${other.id}' and '${op.id}' on channel '${channelId}' would share durable consumer '${name}', which hands each message to one of them`,
              `name each operation's consumer in ${JETSTREAM_EXTENSION}.consumer`,
              'nats-shared-channel-durable',
            );
          }
          names.set(name, op);
        }
      }
      const separation = separate(
        ops.map((op) => ({
          id: op.id,
          messages:
            op.messages.length > 0
              ? op.messages.map((key) => ({ name: this.#messageName(key), payload: this.#payloadSchema(key) }))
              : [{ name: op.id, payload: undefined }],
        })),
      );
      if (separation.kind === 'ambiguous') {
        const a = ops[separation.first] as OperationModel;
        const b = ops[separation.second] as OperationModel;
        const [ma, mb] = separation.messages;
        if (!broken) {
          problem(
            b,
            `operation '${b.id}' (message '${mb}') and operation '${a.id}' (message '${ma}') share channel '${channelId}', and their payloads cannot be told apart: a message that fits both could be for either`,
            'give every message of the channel a required property with a value of its own (e.g. `type: { const: subscribe }`), or use one channel per operation',
          );
        }
        broken = true;
      }
      if (broken) continue;
      this.#channels.set(channelId, {
        ...channel,
        receivers: {
          constName: this.#names.claim(safeIdentifier(`${camelCase(channelId)}Receivers`)),
          operations: ops.map((op) => op.id),
          ...(separation.kind === 'discriminator'
            ? { discriminator: { property: separation.property, values: separation.values } }
            : {}),
        },
      });
    }
  }

  /**
   * The send and receive operations of one channel agree on whether its reply streams: a caller that
   * waits for one reply and a server that streams (or the other way round) never meet.
   */
  #streamAgreement(operations: readonly OperationModel[]): void {
    const byChannel = new Map<string, OperationModel[]>();
    for (const op of operations) {
      if (op.reply === undefined) continue;
      byChannel.set(op.channel, [...(byChannel.get(op.channel) ?? []), op]);
    }
    for (const [channelId, ops] of byChannel) {
      const streaming = ops.filter((op) => op.stream !== undefined);
      this.#streamSharing(channelId, streaming, operations);
      if (streaming.length === 0 || streaming.length === ops.length) continue;
      const first = streaming[0] as OperationModel;
      for (const op of ops.filter((o) => o.stream === undefined)) {
        this.#report(
          {
            code: 'nats-stream-mismatch',
            severity: 'error',
            message: `operation '${op.id}' on channel '${channelId}' expects ${op.kind === 'request' ? 'one reply' : 'to answer with one reply'}, but '${first.id}' streams the reply (${STREAM_EXTENSION})`,
            help: `declare ${STREAM_EXTENSION} on every operation of the channel that has a reply, with the same settings, or on none`,
          },
          op.location.pointer,
        );
      }
    }
  }

  /** A streaming receive operation needs its channel to itself: its requests are never routed by message. */
  #streamSharing(channelId: string, streaming: readonly OperationModel[], operations: readonly OperationModel[]): void {
    const receivers = operations.filter((op) => op.channel === channelId && op.action === 'receive');
    if (receivers.length < 2) return;
    for (const op of streaming.filter((o) => o.action === 'receive')) {
      const others = receivers.filter((o) => o !== op).map((o) => `'${o.id}'`);
      this.#report(
        {
          code: 'nats-stream-shared-channel',
          severity: 'error',
          message: `operation '${op.id}' streams its reply on channel '${channelId}', which ${others.join(', ')} also receive${others.length === 1 ? 's' : ''}: a streaming operation needs a channel of its own`,
          help: 'give the streaming operation its own channel (address)',
        },
        op.location.pointer,
      );
    }
  }

  /** A reply message as the `x-nats-stream` reader sees it: its key, the names it goes by, its headers. */
  #streamReply(message: MessageInterface): StreamReplyMessage {
    const model = this.#message(message);
    const ids = [message.id(), model.key.split('/').pop(), model.name].filter(
      (n, i, all): n is string => typeof n === 'string' && n !== '' && all.indexOf(n) === i,
    );
    return { key: model.key, ids, hasHeaders: message.hasHeaders(), pointer: model.key };
  }

  #messageByKey(key: string): MessageModel | undefined {
    for (const m of this.#messages.values()) if (m.key === key) return m;
    return undefined;
  }

  #messageName(key: string): string {
    return this.#messageByKey(key)?.name ?? key;
  }

  /** A message's payload schema; undefined when it has none (any body). */
  #payloadSchema(key: string): JsonSchema | undefined {
    const payload = this.#messageByKey(key)?.payload;
    return payload === undefined ? undefined : this.#schemas.schemaOf(payload);
  }

  #message(message: MessageInterface): MessageModel {
    const json = message.json() as object;
    const existing = this.#messages.get(json);
    if (existing) return existing;
    const pointer = pointerOf(message);
    const raw = json as Record<string, unknown>;
    const label =
      text(message.name()) ??
      (typeof raw['x-parser-message-name'] === 'string' && !/^<anonymous/.test(raw['x-parser-message-name'])
        ? raw['x-parser-message-name']
        : undefined) ??
      message.id() ??
      'Message';
    const name = pascalCase(label);
    const location = this.#locate(pointer);

    let payload: string | undefined;
    if (message.hasPayload()) {
      const json = message.payload()?.json();
      const { schema: raw, at, format } = unwrapSchema(json, `${pointer}/payload`);
      const reading = this.#schemaFormat(format ?? message.schemaFormat(), label, 'payload', at);
      if (reading !== undefined) {
        const schema = this.#schemas.clean(raw, at, reading);
        if (typeof schema === 'object') {
          payload = this.#schemas.declare(schema, `${name}Payload`, 'payload', this.#locate(at));
        } else if (schema === false) {
          payload = this.#schemas.declare({ not: {} }, `${name}Payload`, 'payload', this.#locate(at));
        }
      }
    }

    let headers: string | undefined;
    let headerNames: string[] = [];
    let requiredHeaders: string[] = [];
    const headersJson = message.hasHeaders() ? message.headers()?.json() : undefined;
    const headersFormat = unwrapSchema(headersJson, `${pointer}/headers`);
    const headersReading =
      headersFormat.format === undefined
        ? 'draft-07'
        : this.#schemaFormat(headersFormat.format, label, 'headers', headersFormat.at);
    if (message.hasHeaders() && headersReading !== undefined) {
      const schema = this.#schemas.clean(headersFormat.schema, headersFormat.at, headersReading);
      const declared = typeof schema === 'object' ? headerDeclarations(schema) : undefined;
      if (
        typeof schema !== 'object' ||
        (schema.type !== undefined && schema.type !== 'object') ||
        declared === undefined ||
        declared.names.length === 0
      ) {
        this.#report(
          {
            code: 'nats-headers-not-object',
            severity: 'warning',
            message: `headers of message '${label}' are not an object schema with properties; they are not typed`,
            help: 'describe headers as `type: object` with one property per header',
          },
          `${pointer}/headers`,
        );
      } else {
        for (const header of declared.names) {
          if (!HEADER_NAME.test(header)) {
            this.#report(
              {
                code: 'nats-illegal-header-name',
                severity: 'error',
                message: `header name '${header}' is not allowed by NATS`,
                help: 'header names are printable ASCII characters without spaces or ":"',
              },
              `${pointer}/headers/properties/${header}`,
            );
          }
        }
        headers = this.#schemas.declare(schema, `${name}Headers`, 'headers', this.#locate(headersFormat.at));
        headerNames = declared.names;
        requiredHeaders = declared.required;
      }
    }

    const contentType = message.contentType() ?? this.#spec.document.defaultContentType() ?? 'application/json';
    if (!/json/i.test(contentType)) {
      this.#report(
        {
          code: 'non-json-content-type',
          severity: 'warning',
          message: `message '${label}' declares content type '${contentType}', but generated code sends and reads payloads as JSON`,
          help: 'use application/json, or expect a plain client to see JSON text (a string payload arrives quoted)',
        },
        message.contentType() ? `${pointer}/contentType` : '/defaultContentType',
      );
    }
    const model: MessageModel = {
      key: pointer,
      name,
      ...optionalText('title', message.title()),
      ...optionalText('summary', message.summary()),
      ...optionalText('description', message.description()),
      contentType,
      ...(payload ? { payload } : {}),
      ...(headers ? { headers } : {}),
      headerNames,
      requiredHeaders,
      examples: message
        .examples()
        .all()
        .map((e, i) => ({
          ...(e.name() ? { name: e.name() as string } : {}),
          ...(e.hasPayload() ? { payload: e.payload() } : {}),
          ...(e.hasHeaders() ? { headers: e.headers() } : {}),
          location: this.#locate(`${pointer}/examples/${i}`),
        })),
      location,
    };
    this.#messages.set(json, model);
    return model;
  }

  /**
   * The dialect a message's payload or header schema is read in, or undefined (with a warning) when its
   * schema format is not JSON Schema: that part is then `unknown` and not validated.
   */
  #schemaFormat(
    format: string | undefined,
    label: string,
    part: 'payload' | 'headers',
    at: string,
  ): SchemaDialect | undefined {
    const reading = readSchemaFormat(format);
    if (reading.kind === 'unsupported') {
      this.#report(
        {
          code: 'unsupported-schema-format',
          severity: 'warning',
          message: `the ${part} of message '${label}' is ${reading.name} ('${format}'): the generator reads JSON Schema only, so it is typed as unknown and not validated`,
          help: 'describe it as a JSON Schema (or AsyncAPI schema) to get types and validation',
        },
        at.replace(/\/schema$/, ''),
      );
      return undefined;
    }
    if (reading.note !== undefined) {
      this.#report(
        {
          code: 'schema-format-assumed',
          severity: 'warning',
          message: `the ${part} of message '${label}': ${reading.note}`,
          help: "name a JSON Schema version the generator reads: draft-04, draft-06, draft-07, 2019-09 or 2020-12 (e.g. 'application/schema+json;version=draft-07')",
        },
        at.replace(/\/schema$/, ''),
      );
    }
    return reading.dialect;
  }

  /** Header names a message declares. */
  #headerNames(messageKey: string): readonly string[] {
    const message = [...this.#messages.values()].find((m) => m.key === messageKey);
    return message?.headerNames ?? [];
  }

  #operation(
    operation: OperationInterface,
    members: { send: NameRegistry; receive: NameRegistry },
  ): OperationModel | undefined {
    const pointer = pointerOf(operation);
    const id = operation.id() ?? pointer.split('/').pop() ?? 'operation';
    const action = operation.isSend() ? 'send' : 'receive';
    const channel = operation.channels().all()[0];
    if (!channel) {
      this.#report(
        {
          code: 'operation-without-channel',
          severity: 'error',
          message: `operation '${id}' has no channel`,
          help: 'set `channel: { $ref: ... }`',
        },
        pointer,
      );
      return undefined;
    }
    const channelModel = this.#channels.get(channel.id());
    if (!channelModel || this.#skipped.has(channel.id())) {
      if (channelModel) {
        this.#report(
          {
            code: 'operation-skipped',
            severity: 'warning',
            message: `operation '${id}' is skipped: its channel '${channel.id()}' is not a NATS subject`,
            help: 'give the channel an address that is a legal NATS subject',
          },
          pointer,
        );
      }
      return undefined;
    }
    if (channelModel.address === null) {
      this.#operationProblem(
        {
          code: 'nats-missing-address',
          message: `operation '${id}' uses channel '${channel.id()}', which has no address`,
          help: 'only a reply channel may omit its address (NATS then uses the requester inbox)',
        },
        `${pointer}/channel`,
        id,
      );
      return undefined;
    }
    if (action === 'send' && parseSubjectTemplate(channelModel.address).hasWildcard) {
      // The channel stays: receiving from a wildcard address is a subscription pattern.
      this.#operationProblem(
        {
          code: 'nats-wildcard-in-publish',
          message: `operation '${id}' sends to '${channelModel.address}', which contains a wildcard`,
          help: 'publish to a concrete subject: replace * or > with a {parameter}',
        },
        `${pointer}/channel`,
        id,
      );
      return undefined;
    }

    const reply = operation.reply();
    const kind: OperationKind = action === 'send' ? (reply ? 'request' : 'publish') : reply ? 'reply' : 'subscribe';
    const messages = operation
      .messages()
      .all()
      .map((m) => this.#message(m).key);
    if (messages.length === 0) {
      this.#report(
        {
          code: 'operation-without-message',
          severity: 'warning',
          message: `operation '${id}' declares no message; its payload is typed as unknown`,
          help: 'add `messages` to the operation or its channel',
        },
        pointer,
      );
    }

    let replyModel: OperationModel['reply'];
    let streamReplies: StreamReplyMessage[] | undefined;
    if (reply) {
      let replyMessages = reply.messages().all();
      if (replyMessages.length === 0) replyMessages = reply.channel()?.messages().all() ?? [];
      if (replyMessages.length === 0) {
        this.#report(
          {
            code: 'nats-request-without-reply',
            severity: 'error',
            message: `operation '${id}' expects a reply, but its reply declares no message`,
            help: 'add `messages` to the reply or to its reply channel',
          },
          `${pointer}/reply`,
        );
      }
      const replyChannel = reply.channel();
      if (replyChannel?.address()) {
        this.#report(
          {
            code: 'nats-reply-address',
            severity: 'info',
            message: `reply channel '${replyChannel.id()}' has an address; NATS replies go to the requester's inbox, so it is not used`,
            help: 'set `address: null` on reply channels',
          },
          `${pointer}/reply`,
        );
      }
      replyModel = {
        ...(replyChannel ? { channel: replyChannel.id() } : {}),
        messages: replyMessages.map((m) => this.#message(m).key),
      };
      streamReplies = replyMessages.map((m) => this.#streamReply(m));
    }

    const ext = (name: string) => operation.extensions().get(name)?.value() as unknown;
    const channelJetStream = channel.extensions().get(JETSTREAM_EXTENSION)?.value() as unknown;
    const stream = readStream(
      ext(STREAM_EXTENSION),
      pointer,
      {
        id,
        replyMessages: streamReplies,
        hasTimeout: ext(EXTENSIONS.timeout) !== undefined,
        hasHandlerTimeout: ext(EXTENSIONS.handlerTimeout) !== undefined,
        ...(ext(JETSTREAM_EXTENSION) !== undefined
          ? { jetstreamAt: `${pointer}/${JETSTREAM_EXTENSION}` }
          : channelJetStream !== undefined
            ? { jetstreamAt: `${pointerOf(channel)}/${JETSTREAM_EXTENSION}` }
            : {}),
      },
      this.#ext,
    );
    const streams = ext(STREAM_EXTENSION) !== undefined && ext(STREAM_EXTENSION) !== false;
    const timeoutMs = streams ? undefined : readTimeout(ext(EXTENSIONS.timeout), pointer, this.#ext);
    if (timeoutMs !== undefined && !reply) {
      this.#report(
        {
          code: 'nats-extension-misplaced',
          severity: 'error',
          message: `${EXTENSIONS.timeout} on '${id}' has no meaning: the operation has no reply`,
          help: 'remove it, or add a reply',
        },
        `${pointer}/${EXTENSIONS.timeout}`,
      );
    }
    const handlerTimeoutMs = streams
      ? undefined
      : readTimeout(ext(EXTENSIONS.handlerTimeout), pointer, this.#ext, EXTENSIONS.handlerTimeout);
    if (handlerTimeoutMs !== undefined && action !== 'receive') {
      this.#report(
        {
          code: 'nats-extension-misplaced',
          severity: 'error',
          message: `${EXTENSIONS.handlerTimeout} on send operation '${id}' has no meaning: it limits a receiving handler`,
          help: 'move it to the receive operation whose handler it limits',
        },
        `${pointer}/${EXTENSIONS.handlerTimeout}`,
      );
    }
    let queue: OperationModel['queue'];
    let matchHeaders: OperationModel['matchHeaders'];
    const queueExt = ext(EXTENSIONS.queue);
    const binding = operation.bindings().get('nats')?.value() as unknown;
    const matchExt = ext(EXTENSIONS.matchHeaders);
    if (action === 'receive') {
      queue = readQueue(binding, queueExt, pointer, this.#ext);
      for (const clash of queue?.parameters.filter((p) => channelModel.parameters.some((c) => c.name === p)) ?? []) {
        this.#report(
          {
            code: 'nats-bad-extension',
            severity: 'error',
            message: `queue placeholder {${clash}} is also a parameter of channel '${channel.id()}'`,
            help: 'give the queue placeholder its own name; the queue group is already scoped to the subject',
          },
          `${pointer}/${EXTENSIONS.queue}`,
        );
      }
      const known = [...channelModel.parameters.map((p) => p.name), ...(queue?.parameters ?? [])];
      matchHeaders = readMatchHeaders(matchExt, known, pointer, this.#ext);
      const declared = new Set(messages.flatMap((k) => this.#headerNames(k)));
      for (const h of matchHeaders ?? []) {
        if (!declared.has(h.header)) {
          this.#report(
            {
              code: 'nats-undeclared-header',
              severity: 'warning',
              message: `${EXTENSIONS.matchHeaders} filters on header '${h.header}', which no message of '${id}' declares`,
              help: `declare '${h.header}' in the message's headers schema (and make it required)`,
            },
            `${pointer}/${EXTENSIONS.matchHeaders}/${h.header}`,
          );
        }
      }
    } else {
      for (const [name, value] of [
        [EXTENSIONS.queue, queueExt],
        [EXTENSIONS.matchHeaders, matchExt],
      ] as const) {
        if (value !== undefined) {
          this.#report(
            {
              code: 'nats-extension-misplaced',
              severity: 'error',
              message: `${name} on send operation '${id}' has no meaning`,
              help: 'queue groups and header filters belong to receive operations',
            },
            `${pointer}/${name}`,
          );
        }
      }
    }

    // A streaming operation's x-nats-jetstream is reported by readStream, once.
    const durable = streams
      ? undefined
      : readJetStream(
          channelJetStream,
          ext(JETSTREAM_EXTENSION),
          pointerOf(channel),
          pointer,
          {
            id,
            kind,
            tokens: channelModel.tokens,
            address: channelModel.address,
            ...(queue ? { queue } : {}),
            hasMatchHeaders: matchHeaders !== undefined && matchHeaders.length > 0,
            headerNames: commonHeaderNames(messages.map((k) => this.#headerNames(k))),
          },
          this.#ext,
        );

    const member = members[action].claim(safeMember(camelCase(id)));
    const typeBase = pascalCase(id);
    const title = field(operation, 'title');
    const summary = field(operation, 'summary');
    const description = field(operation, 'description');
    const tags = tagNames(operation);
    return {
      id,
      name: member,
      argsType: this.#names.claim(safeIdentifier(`${typeBase}Args`)),
      ...(action === 'receive' ? { messageType: this.#names.claim(safeIdentifier(`${typeBase}Received`)) } : {}),
      descriptorConst: this.#names.claim(safeIdentifier(`${camelCase(id)}Operation`)),
      action,
      kind,
      channel: channel.id(),
      messages,
      ...(replyModel ? { reply: replyModel } : {}),
      ...(queue ? { queue } : {}),
      ...(timeoutMs !== undefined && reply ? { timeoutMs } : {}),
      ...(handlerTimeoutMs !== undefined && action === 'receive' ? { handlerTimeoutMs } : {}),
      ...(matchHeaders && matchHeaders.length > 0 ? { matchHeaders } : {}),
      ...(durable ? { durable } : {}),
      ...(stream ? { stream } : {}),
      ...(title ? { title } : {}),
      ...(summary ? { summary } : {}),
      ...(description ? { description } : {}),
      ...(tags.length > 0 ? { tags } : {}),
      location: this.#locate(pointer),
    };
  }
}

/** Keywords that only annotate a schema: a parameter schema of these alone does not constrain the value. */
const ANNOTATIONS = new Set([
  'description',
  'title',
  'examples',
  'example',
  'default',
  '$comment',
  '$id',
  '$schema',
  'readOnly',
  'writeOnly',
  'deprecated',
]);

/** Whether a parameter schema says anything about the value beyond it being a string. */
function constrains(schema: JsonSchemaObject): boolean {
  return Object.entries(schema).some(
    ([key, value]) => !ANNOTATIONS.has(key) && !key.startsWith('x-') && !(key === 'type' && value === 'string'),
  );
}

/**
 * A parameter `location` the runtime can read: `$message.payload#/a/b` (a JSON pointer into the
 * payload; the empty pointer, the whole payload, too) or `$message.header#/<name>`.
 */
function parseLocation(expression: string): ParameterModel['valueAt'] {
  const match = /^\$message\.(payload|header)#(.*)$/.exec(expression);
  if (match === null) return undefined;
  const pointer = match[2] as string;
  if (pointer !== '' && !pointer.startsWith('/')) return undefined;
  const path =
    pointer === ''
      ? []
      : pointer
          .slice(1)
          .split('/')
          .map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
  if (match[1] === 'header') return path.length === 1 && path[0] !== '' ? { in: 'header', path } : undefined;
  return { in: 'payload', path };
}

/** A JSON pointer token: `~` and `/` escaped. */
function pointerToken(name: string): string {
  return name.replace(/~/g, '~0').replace(/\//g, '~1');
}

/** Header names every one of the messages declares (a message id header must always be there). */
function commonHeaderNames(lists: readonly (readonly string[])[]): string[] {
  const [first, ...rest] = lists;
  return (first ?? []).filter((name) => rest.every((list) => list.includes(name)));
}

function optionalText<K extends string>(key: K, value: string | undefined): { [P in K]?: string } {
  const t = text(value);
  return (t ? { [key]: t } : {}) as { [P in K]?: string };
}

/**
 * The headers a header schema declares: its properties and those of its `allOf` members (recursively),
 * in order, and the names they require.
 */
function headerDeclarations(schema: JsonSchemaObject): { names: string[]; required: string[] } {
  const names: string[] = [];
  const required: string[] = [];
  const seen = new Set<JsonSchemaObject>();
  const visit = (s: JsonSchemaObject): void => {
    if (seen.has(s)) return;
    seen.add(s);
    const props = s.properties;
    if (typeof props === 'object' && props !== null && !Array.isArray(props)) {
      for (const name of Object.keys(props)) if (!names.includes(name)) names.push(name);
    }
    if (Array.isArray(s.required)) {
      for (const name of s.required) if (typeof name === 'string' && !required.includes(name)) required.push(name);
    }
    if (Array.isArray(s.allOf)) {
      for (const member of s.allOf) {
        if (typeof member === 'object' && member !== null && !Array.isArray(member)) visit(member as JsonSchemaObject);
      }
    }
  };
  visit(schema);
  for (const name of required) if (!names.includes(name)) names.push(name);
  return { names, required };
}
