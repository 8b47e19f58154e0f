/** The TypeScript types of an operation's arguments, messages, parameters, reply and handler. */
import type { ts } from 'ts-morph';
import type { ChannelModel, MessageModel, OperationModel } from '../model/types.js';
import { keyword, literalType, type Member, typeLiteral, typeRef, union } from './ast.js';
import type { GeneratedFile } from './file.js';
import { type ModelIndex, TYPES } from './model-index.js';
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

/** The type of a streamed reply's chunks: the union of the chunk messages' payloads. */
export function chunkType(index: ModelIndex, op: OperationModel): ts.TypeNode {
  const chunks = op.stream?.chunks ?? [];
  return chunks.length > 0 ? union(chunks.map((k) => payloadType(index.message(k)))) : keyword('unknown');
}

/** The type of a streamed reply's end message: its payload, or `undefined` when none is declared. */
export function endType(index: ModelIndex, op: OperationModel): ts.TypeNode {
  const end = op.stream?.end;
  return end !== undefined ? payloadType(index.message(end)) : keyword('undefined');
}

/** What a streaming client method returns: `ReplyStream<Chunk, End>`. */
export function replyStreamType(index: ModelIndex, op: OperationModel, file: GeneratedFile): ts.TypeNode {
  return typeRef(file.runtime('ReplyStream'), [chunkType(index, op), endType(index, op)]);
}

/**
 * What a streaming handler returns: an async generator of chunks that returns the end message, or any
 * async iterable of chunks when no end is declared.
 */
export function streamHandlerReturn(index: ModelIndex, op: OperationModel): ts.TypeNode {
  const chunk = chunkType(index, op);
  return op.stream?.end !== undefined
    ? typeRef('AsyncGenerator', [chunk, endType(index, op), keyword('undefined')])
    : typeRef('AsyncIterable', [chunk]);
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
  const received = op.stream ? 'StreamReceivedMessage' : op.durable ? 'DurableReceivedMessage' : 'ReceivedMessage';
  return typeRef(file.runtime(received), [payload, headers, params]);
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
    doc: op.stream
      ? `Called once for each valid request; each value it yields is a chunk (validated, sent in order, at most ${op.stream.window} ahead of the caller)${op.stream.end !== undefined ? ', its return value the end message' : ''}. Stop when \`message.signal\` aborts: the caller cancelled or went away. A throw ends the stream with an error.`
      : op.kind === 'reply'
        ? 'Called once for each valid request; its return value is the reply (a throw becomes an error reply).'
        : op.durable
          ? 'Called for each valid message; the message is acked when it resolves. A throw naks it for redelivery (dead-lettered after the last delivery), so make it idempotent by `messageId`.'
          : 'Called once for each valid message; a throw is reported to `onError` and the subscription goes on.',
  });
  return typeLiteral(members);
}
