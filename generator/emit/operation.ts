import type { ts } from 'ts-morph';
import type { OperationModel, StreamModel } from '../model/types.js';
import { assign, classDecl, ctor, jsDoc, obj, param, privateField, ref, thisField, typeRef } from './ast.js';
import { type GeneratedFile, where } from './file.js';
import type { ModelIndex } from './model-index.js';
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
  if (op.stream) facts.push(streamFacts(index, op, op.stream));
  return { paragraphs: [op.summary ?? op.title, op.description], facts: `${facts.join(' ')}.` };
}

/** How a streamed reply goes: its chunks, its end, the caller's timeouts and the window. */
function streamFacts(index: ModelIndex, op: OperationModel, stream: StreamModel): string {
  const names = (keys: readonly string[]) => keys.map((k) => `\`${index.message(k).name}\``).join(' or ');
  const end =
    stream.end !== undefined ? `, then one ${names([stream.end])} that ends it` : ', and ends when the server is done';
  const how =
    op.kind === 'request'
      ? 'and streams the reply: iterate it with `for await` to get'
      : 'and streams each reply: the handler yields';
  return `${how} ${names(stream.chunks)} chunks as they come${end} (first chunk within ${stream.firstChunkTimeoutMs} ms, at most ${stream.idleTimeoutMs} ms between chunks, ${stream.totalTimeoutMs} ms in all; the server sends at most ${stream.window} chunks ahead of the caller)${op.kind === 'request' ? '; `options.signal`, `break` or `cancel()` stops it and tells the server' : '; `message.signal` aborts when the caller cancels'}`;
}

/** A field the constructor sets besides `#nc` and `#options` (the server's `#core`). */
export interface ConnectionField {
  readonly name: string;
  readonly type: ts.TypeNode;
  readonly value: ts.Expression;
}

/**
 * `class Name { #nc; #options; constructor(nc, options = {}) { ... } ...members }`: the shape client and
 * server share, built whole.
 */
export function connectionClass(
  file: GeneratedFile,
  name: string,
  optionsType: 'ClientOptions' | 'ServerOptions',
  docs: readonly string[],
  fields: readonly ConnectionField[],
  members: readonly ts.ClassElement[],
): ts.ClassDeclaration {
  const nc = typeRef(file.runtime('NatsConnection'));
  const options = typeRef(file.runtime(optionsType));
  const init = ctor(
    [param('nc', nc), param('options', options, { initializer: obj([], false) })],
    [
      assign(thisField('nc'), ref('nc')),
      assign(thisField('options'), ref('options')),
      ...fields.map((field) => assign(thisField(field.name), field.value)),
    ],
    jsDoc(['@param nc a connection from `connect()` of `asyncapi-nats/runtime` (or `@nats-io/transport-node`)']),
  );
  const own = [privateField('nc', nc), privateField('options', options)];
  return classDecl(name, [...own, ...fields.map((field) => privateField(field.name, field.type)), init, ...members], {
    isExported: true,
    doc: jsDoc(docs),
  });
}

/** The JSDoc of an operation's method: its prose, facts and where it came from. */
export function operationMethodDoc(index: ModelIndex, op: OperationModel): string | undefined {
  const { paragraphs, facts } = operationDoc(index, op);
  return jsDoc(
    [...paragraphs, facts],
    [{ tagName: 'generated', text: `from operations.${op.id} (${where(op.location)})` }],
  );
}
