/** The runtime descriptor (`OperationSpec` literal) of an operation, as the generated client and server hold it. */
import type { ts } from 'ts-morph';
import { joinTokens } from '../model/subject.js';
import type { DurableModel, MessageModel, OperationModel, StreamModel, SubjectToken } from '../model/types.js';
import { arr, bool, call, constDecl, num, obj, pure, ref, str, typeRef } from './ast.js';
import type { GeneratedFile } from './file.js';
import { type ModelIndex, SCHEMAS, SUBJECTS } from './model-index.js';
import { replyWithHeaders } from './signatures.js';
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
    ['streaming', op.stream ? streamingSpec(index, op.stream, file) : undefined],
    [
      'reply',
      op.reply && !op.stream
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

/** The runtime's `StreamingSpec` literal: chunk messages, the end message, timeouts and window. */
function streamingSpec(index: ModelIndex, stream: StreamModel, file: GeneratedFile): ts.Expression {
  return obj([
    [
      'chunks',
      arr(
        stream.chunks.map((k) => messageSpec(index, k, file)),
        stream.chunks.length > 1,
      ),
    ],
    ['end', stream.end !== undefined ? messageSpec(index, stream.end, file) : undefined],
    ['firstChunkTimeoutMs', num(stream.firstChunkTimeoutMs)],
    ['idleTimeoutMs', num(stream.idleTimeoutMs)],
    ['totalTimeoutMs', num(stream.totalTimeoutMs)],
    ['window', num(stream.window)],
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

/** The module-private `OperationSpec` constants of `ops`, one per operation. */
export function addDescriptors(index: ModelIndex, ops: readonly OperationModel[], file: GeneratedFile): void {
  for (const op of ops) {
    file.add(
      constDecl(op.descriptorConst, descriptor(index, op, file), { type: typeRef(file.runtime('OperationSpec')) }),
    );
  }
}
