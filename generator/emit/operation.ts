/**
 * What client and server emitters share about an operation: its runtime descriptor and the
 * TypeScript types of its messages, parameters and reply.
 */
import type { ts } from 'ts-morph';
import { joinTokens } from '../model/subject.js';
import type {
  ApiModel,
  ChannelModel,
  DurableModel,
  MessageModel,
  OperationModel,
  SubjectToken,
} from '../model/types.js';
import {
  arr,
  bool,
  call,
  keyword,
  literalType,
  type Member,
  num,
  obj,
  pure,
  ref,
  str,
  typeLiteral,
  typeRef,
  union,
} from './ast.js';
import { type ClassShape, type GeneratedFile, jsDoc, print } from './file.js';

/** Aliases of the sibling modules inside client.ts and server.ts. */
export const TYPES = 'T';
export const SCHEMAS = 'S';
export const SUBJECTS = 'subjects';

/** Lookups over one model. */
export class ModelIndex {
  readonly model: ApiModel;
  readonly #messages: Map<string, MessageModel>;
  readonly #channels: Map<string, ChannelModel>;
  readonly #zodNames: Map<string, string>;

  constructor(model: ApiModel) {
    this.model = model;
    this.#messages = new Map(model.messages.map((m) => [m.key, m]));
    this.#channels = new Map(model.channels.map((c) => [c.id, c]));
    this.#zodNames = new Map(model.schemas.map((s) => [s.name, s.zodName]));
  }

  message(key: string): MessageModel {
    const m = this.#messages.get(key);
    if (!m) throw new Error(`internal: unknown message ${key}`);
    return m;
  }

  channel(id: string): ChannelModel {
    const c = this.#channels.get(id);
    if (!c) throw new Error(`internal: unknown channel ${id}`);
    return c;
  }

  zodName(schemaName: string): string {
    const z = this.#zodNames.get(schemaName);
    if (!z) throw new Error(`internal: unknown schema ${schemaName}`);
    return z;
  }
}

/** The `MessageSpec` literal of message `key`. */
export function messageSpec(index: ModelIndex, key: string, file: GeneratedFile): ts.Expression {
  const m = index.message(key);
  file.siblingNamespace('schemas', SCHEMAS, false);
  const headerNames = m.headers ? headerNamesOf(index, m) : [];
  return obj(
    [
      ['name', str(m.name)],
      ['payload', m.payload ? ref(`${SCHEMAS}.${index.zodName(m.payload)}`) : undefined],
      ['headers', m.headers ? ref(`${SCHEMAS}.${index.zodName(m.headers)}`) : undefined],
      ['headerNames', m.headers ? arr(headerNames.map(str)) : undefined],
    ],
    false,
  );
}

/** Header names of a message, in the order its schema lists them (allOf members included). */
export function headerNamesOf(_index: ModelIndex, m: MessageModel): string[] {
  return [...m.headerNames];
}

/** The `OperationSpec` literal the runtime executes for `op`. */
export function descriptor(index: ModelIndex, op: OperationModel, file: GeneratedFile): ts.Expression {
  const channel = index.channel(op.channel);
  const keys = op.messages.length > 0 ? op.messages : [];
  const messages =
    keys.length > 0 ? keys.map((k) => messageSpec(index, k, file)) : [obj([['name', str(op.id)]], false)];
  const replyKeys = op.reply?.messages ?? [];
  const template = (tokens: readonly SubjectToken[]) =>
    pure(call(file.runtime('subjectTemplate'), [str(joinTokens(tokens))]));
  file.siblingNamespace('subjects', SUBJECTS, false);
  return obj([
    ['id', str(op.id)],
    ['subject', ref(`${SUBJECTS}.${channel.subjectConst}`)],
    ['messages', arr(messages, messages.length > 1)],
    [
      'reply',
      op.reply
        ? obj(
            [
              [
                'messages',
                arr(
                  replyKeys.map((k) => messageSpec(index, k, file)),
                  replyKeys.length > 1,
                ),
              ],
              ['withHeaders', bool(replyWithHeaders(index, op))],
            ],
            false,
          )
        : undefined,
    ],
    ['timeoutMs', op.timeoutMs !== undefined ? num(op.timeoutMs) : undefined],
    ['handlerTimeoutMs', op.handlerTimeoutMs !== undefined ? num(op.handlerTimeoutMs) : undefined],
    ['durable', op.durable ? durableSpec(op.durable) : undefined],
    ['shared', op.action === 'receive' && channel.receivers ? ref(channel.receivers.constName) : undefined],
    ['queue', op.queue ? template(op.queue.tokens) : undefined],
    [
      'matchHeaders',
      op.matchHeaders
        ? arr(
            op.matchHeaders.map((h) =>
              obj(
                [
                  ['header', str(h.header)],
                  ['value', template(h.tokens)],
                ],
                false,
              ),
            ),
          )
        : undefined,
    ],
  ]);
}

/** The runtime's `DurableSpec` literal: stream, consumer, message id source, dead letter. */
function durableSpec(d: DurableModel): ts.Expression {
  const { stream, consumer, messageId } = d;
  return obj([
    [
      'stream',
      obj(
        [
          ['name', str(stream.name)],
          ['subjects', arr(stream.subjects.map(str))],
          ['storage', str(stream.storage)],
          ['replicas', num(stream.replicas)],
          ['retention', str(stream.retention)],
          ['duplicateWindowMs', stream.duplicateWindowMs !== undefined ? num(stream.duplicateWindowMs) : undefined],
          ['maxAgeMs', stream.maxAgeMs !== undefined ? num(stream.maxAgeMs) : undefined],
        ],
        false,
      ),
    ],
    [
      'consumer',
      consumer
        ? obj(
            [
              ['durable', str(consumer.durable)],
              ['ackWaitMs', consumer.ackWaitMs !== undefined ? num(consumer.ackWaitMs) : undefined],
              ['maxDeliver', consumer.maxDeliver !== undefined ? num(consumer.maxDeliver) : undefined],
              ['backoffMs', consumer.backoffMs ? arr(consumer.backoffMs.map(num)) : undefined],
            ],
            false,
          )
        : undefined,
    ],
    [
      'messageId',
      messageId === undefined
        ? undefined
        : 'header' in messageId
          ? obj([['header', str(messageId.header)]], false)
          : obj([['payload', arr(messageId.payload.map(str))]], false),
    ],
    [
      'deadLetter',
      obj(
        [
          ['subject', str(d.deadLetter.subject)],
          ['stream', str(d.deadLetter.stream)],
        ],
        false,
      ),
    ],
  ]);
}

/** True when a reply message declares headers: the reply value is then `{ payload, headers }`. */
export function replyWithHeaders(index: ModelIndex, op: OperationModel): boolean {
  return (op.reply?.messages ?? []).some((k) => index.message(k).headers !== undefined);
}

export function payloadType(m: MessageModel): ts.TypeNode {
  return m.payload ? typeRef(`${TYPES}.${m.payload}`) : keyword('unknown');
}

export function headersType(m: MessageModel): ts.TypeNode {
  return m.headers ? typeRef(`${TYPES}.${m.headers}`) : typeRef('Record', [keyword('string'), keyword('never')]);
}

/** The type of what a reply carries (a payload, or payload and headers). */
export function replyType(index: ModelIndex, op: OperationModel): ts.TypeNode {
  const messages = (op.reply?.messages ?? []).map((k) => index.message(k));
  if (messages.length === 0) return keyword('unknown');
  if (!replyWithHeaders(index, op)) return union(messages.map(payloadType));
  return union(
    messages.map((m) =>
      typeLiteral([
        { name: 'payload', type: payloadType(m) },
        { name: 'headers', type: headersType(m), optional: m.requiredHeaders.length === 0 },
      ]),
    ),
  );
}

/** Parameters type of a channel (`T.AgentMessageParams`), or undefined when it has none. */
export function paramsType(channel: ChannelModel): ts.TypeNode | undefined {
  return channel.parameters.length > 0 ? typeRef(`${TYPES}.${channel.paramsType}`) : undefined;
}

/** A parameter's value type: its enum values, or any string. */
function parameterValueType(p: ChannelModel['parameters'][number]): ts.TypeNode {
  return p.enum ? union(p.enum.map(literalType)) : keyword('string');
}

/** Why a parameter may be left out: the value it then takes. */
function defaultDoc(p: ChannelModel['parameters'][number], sending: boolean): string | undefined {
  const at = p.valueAt;
  const carried =
    sending && at !== undefined
      ? `Left out, it is the message's ${at.in === 'header' ? `header \`${at.path[0]}\`` : `\`/${at.path.join('/')}\``}; given, it must equal it.`
      : undefined;
  // The parameter's own description is said once, on the channel's parameters type (types.ts), which
  // the member's doc links to; here only what differs for this call.
  const doc = [carried, p.default !== undefined ? `Default \`${p.default}\`.` : undefined].filter(Boolean);
  return doc.length > 0 ? doc.join('\n\n') : undefined;
}

/** Whether a client may leave a parameter out: it has a default, or the message carries it. */
function optionalToSend(p: ChannelModel['parameters'][number]): boolean {
  return p.default !== undefined || p.valueAt !== undefined;
}

/**
 * The `params` member of a send operation's arguments: the channel's parameters type, or, when some
 * parameter has a default, a literal where those are optional (and `params` too when all of them are).
 */
function sendParamsMember(channel: ChannelModel): Member | undefined {
  const params = paramsType(channel);
  if (params === undefined) return undefined;
  const doc = `Values for the subject \`${channel.address}\` (each described on {@link ${TYPES}.${channel.paramsType}}).`;
  if (!channel.parameters.some(optionalToSend)) return { name: 'params', type: params, doc };
  const type = typeLiteral(
    channel.parameters.map((p) => {
      const text = defaultDoc(p, true);
      return {
        name: p.name,
        type: parameterValueType(p),
        optional: optionalToSend(p),
        ...(text ? { doc: text } : {}),
      };
    }),
  );
  return { name: 'params', type, doc, optional: channel.parameters.every(optionalToSend) };
}

/** Arguments of a send operation: one variant per message. */
export function sendArgsType(index: ModelIndex, op: OperationModel): ts.TypeNode {
  const channel = index.channel(op.channel);
  const params = sendParamsMember(channel);
  const variants = (op.messages.length > 0 ? op.messages.map((k) => index.message(k)) : [undefined]).map((m) => {
    const members: Member[] = [];
    if (params) members.push(params);
    members.push({
      name: 'payload',
      type: m ? payloadType(m) : keyword('unknown'),
      optional: !m?.payload,
      doc: m ? messageDoc(m) : 'Any JSON value.',
    });
    if (m?.headers) {
      members.push({
        name: 'headers',
        type: headersType(m),
        optional: m.requiredHeaders.length === 0,
        doc: 'NATS headers of the message.',
      });
    }
    return typeLiteral(members);
  });
  return union(variants);
}

/** A message's title or summary and its description, for JSDoc. */
function messageDoc(m: MessageModel): string {
  return [m.title ?? m.summary ?? `The ${m.name} message.`, m.description].filter((p) => p !== undefined).join('\n\n');
}

/** The generated name of what a receive operation's handler gets. */
export function receivedName(op: OperationModel): string {
  if (op.messageType === undefined) throw new Error(`internal: operation '${op.id}' is not a receive operation`);
  return op.messageType;
}

/** Payload, headers and params a receive handler gets. */
export function receivedType(index: ModelIndex, op: OperationModel, file: GeneratedFile): ts.TypeNode {
  const channel = index.channel(op.channel);
  const messages = op.messages.map((k) => index.message(k));
  const payload = messages.length > 0 ? union(messages.map(payloadType)) : keyword('unknown');
  const none = typeRef('Record', [keyword('string'), keyword('never')]);
  const headers = messages.length > 0 ? union(messages.map(headersType)) : none;
  const params = paramsType(channel) ?? none;
  return typeRef(file.runtime(op.durable ? 'DurableReceivedMessage' : 'ReceivedMessage'), [payload, headers, params]);
}

/** Arguments of a receive registration: parameters (each may be `wildcard`), queue placeholders, handler. */
export function receiveArgsType(
  index: ModelIndex,
  op: OperationModel,
  file: GeneratedFile,
  handler: ts.TypeNode,
): ts.TypeNode {
  const channel = index.channel(op.channel);
  const members: Member[] = [];
  if (channel.parameters.length > 0) {
    const wildcard = typeRef(file.runtime('Wildcard'));
    members.push({
      name: 'params',
      doc: `Values for the subject \`${channel.address}\` (each described on {@link ${TYPES}.${channel.paramsType}}); \`wildcard\` receives every value of that parameter.`,
      type: typeLiteral(
        channel.parameters.map((p) => {
          const doc = defaultDoc(p, false);
          return {
            name: p.name,
            type: union([parameterValueType(p), wildcard]),
            optional: p.default !== undefined,
            ...(doc ? { doc } : {}),
          };
        }),
      ),
      optional: channel.parameters.every((p) => p.default !== undefined),
    });
  }
  if (op.queue && op.queue.parameters.length > 0) {
    members.push({
      name: 'queue',
      doc: `Values for the queue group \`${op.queue.template}\`.`,
      type: typeLiteral(op.queue.parameters.map((name) => ({ name, type: keyword('string') }))),
    });
  }
  members.push({
    name: 'handler',
    type: handler,
    doc:
      op.kind === 'reply'
        ? 'Called once for each valid request; its return value is the reply (a throw becomes an error reply).'
        : op.durable
          ? 'Called for each valid message; the message is acked when it resolves. A throw naks it for redelivery (dead-lettered after the last delivery), so make it idempotent by `messageId`.'
          : 'Called once for each valid message; a throw is reported to `onError` and the subscription goes on.',
  });
  return typeLiteral(members);
}

/** JSDoc paragraphs shared by client methods and server registrations. */
export function operationDoc(
  index: ModelIndex,
  op: OperationModel,
): { paragraphs: (string | undefined)[]; facts: string } {
  const channel = index.channel(op.channel);
  const facts: string[] = [];
  const verb = {
    publish: 'Publishes to',
    request: 'Sends a request to',
    subscribe: 'Subscribes to',
    reply: 'Answers requests on',
  }[op.kind];
  facts.push(`${op.durable && op.kind === 'subscribe' ? 'Consumes' : verb} \`${channel.address}\``);
  if (op.queue && !op.durable) facts.push(`in queue group \`${op.queue.template}\``);
  if (op.timeoutMs !== undefined) facts.push(`(timeout ${op.timeoutMs} ms)`);
  if (op.handlerTimeoutMs !== undefined) facts.push(`(handler timeout ${op.handlerTimeoutMs} ms)`);
  if (op.durable) {
    const { stream, consumer, deadLetter, messageId } = op.durable;
    if (op.kind === 'publish') {
      const id =
        messageId === undefined
          ? 'a generated message id'
          : 'header' in messageId
            ? `the message id from header \`${messageId.header}\``
            : `the message id from payload field \`${messageId.payload.join('.')}\``;
      facts.push(
        `durably: resolves once JetStream stream \`${stream.name}\` has stored the message; retries carry ${id}, so the stream stores it once`,
      );
    } else if (consumer) {
      facts.push(
        `from JetStream stream \`${stream.name}\` through durable consumer \`${consumer.durable}\`, which every instance shares (each message goes to one of them); after ${consumer.maxDeliver ?? 5} failed deliveries a message goes to the dead-letter subject \`${deadLetter.subject}\``,
      );
    }
  }
  return { paragraphs: [op.summary ?? op.title, op.description], facts: `${facts.join(' ')}.` };
}

/** The module-private `OperationSpec` constants of `ops`, one per operation. */
export function addDescriptors(index: ModelIndex, ops: readonly OperationModel[], file: GeneratedFile): void {
  for (const op of ops) {
    file.constant({
      name: op.descriptorConst,
      type: file.runtime('OperationSpec'),
      initializer: print(descriptor(index, op, file)),
    });
  }
}

/** `class Name { #nc; #options; constructor(nc, options = {}) }`: the shape client and server share. */
export function addConnectionClass(
  file: GeneratedFile,
  name: string,
  optionsType: 'ClientOptions' | 'ServerOptions',
  docs: readonly string[],
): ClassShape {
  const nc = file.runtime('NatsConnection');
  const options = file.runtime(optionsType);
  return file.classDeclaration({
    name,
    isExported: true,
    docs: jsDoc(docs),
    properties: [
      { name: '#nc', type: nc, isReadonly: true },
      { name: '#options', type: options, isReadonly: true },
    ],
    ctors: [
      {
        parameters: [
          { name: 'nc', type: nc },
          { name: 'options', type: options, initializer: '{}' },
        ],
        statements: ['this.#nc = nc;', 'this.#options = options;'],
        docs: jsDoc([
          '@param nc a connection from `connect()` of `asyncapi-nats/runtime` (or `@nats-io/transport-node`)',
        ]),
      },
    ],
  });
}
