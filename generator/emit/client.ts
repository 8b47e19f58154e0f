/** client.ts: one typed method per send operation (publish, request and streamed request). */
import type { ts } from 'ts-morph';
import type { OperationModel } from '../model/types.js';
import {
  call,
  ifUndefined,
  jsDoc,
  keyword,
  method,
  param,
  promiseOf,
  ref,
  ret,
  spreadAll,
  stmt,
  thisField,
  typeAlias,
  typeRef,
} from './ast.js';
import { addDescriptors } from './descriptor.js';
import type { GeneratedFile } from './file.js';
import { type ModelIndex, TYPES } from './model-index.js';
import { connectionClass, operationMethodDoc } from './operation.js';
import { chunkType, endType, replyStreamType, replyType, sendArgsType } from './signatures.js';

export function emitClient(index: ModelIndex, file: GeneratedFile): void {
  const { model } = index;
  const ops = model.operations.filter((op) => op.action === 'send');
  file.siblingNamespace('types', TYPES, true);

  for (const op of ops) {
    file.add(
      typeAlias(op.argsType, sendArgsType(index, op), {
        isExported: true,
        doc: jsDoc([`Arguments of {@link ${model.clientClass}.${op.name}}.`]),
      }),
    );
  }
  addDescriptors(index, ops, file);

  const methods = ops.map((op) => clientMethod(index, op, file));
  file.add(
    connectionClass(
      file,
      model.clientClass,
      'ClientOptions',
      [
        `Typed NATS client for ${model.title} ${model.version}: one method per operation the spec sends.`,
        'Payloads and headers are validated before sending (see `ClientOptions.validate`); replies are validated on arrival.',
      ],
      [],
      methods,
    ),
  );
}

/** The client method of one send operation, by its kind. */
function clientMethod(index: ModelIndex, op: OperationModel, file: GeneratedFile): ts.MethodDeclaration {
  const doc = operationMethodDoc(index, op);
  if (op.kind === 'publish' && op.durable) return durablePublishMethod(op, file, doc);
  if (op.kind === 'publish') return publishMethod(op, file, doc);
  if (op.stream) return streamMethod(index, op, file, doc);
  return requestMethod(index, op, file, doc);
}

/** `this.#nc, descriptor, args`: what every runtime call of a client method starts with. */
function sendArgs(op: OperationModel): ts.Expression[] {
  return [thisField('nc'), ref(op.descriptorConst), ref('args')];
}

/** `op(args): Promise<PublishAck> { return durablePublish(this.#nc, descriptor, args, this.#options); }`. */
function durablePublishMethod(op: OperationModel, file: GeneratedFile, doc: string | undefined): ts.MethodDeclaration {
  const sent = call(file.runtime('durablePublish'), [...sendArgs(op), thisField('options')]);
  const returns = promiseOf(typeRef(file.runtime('PublishAck')));
  return method(op.name, [param('args', typeRef(op.argsType))], returns, [ret(sent)], { doc });
}

/** `op(args): void { publish(this.#nc, descriptor, args, this.#options); }`. */
function publishMethod(op: OperationModel, file: GeneratedFile, doc: string | undefined): ts.MethodDeclaration {
  const sent = call(file.runtime('publish'), [...sendArgs(op), thisField('options')]);
  return method(op.name, [param('args', typeRef(op.argsType))], keyword('void'), [stmt(sent)], { doc });
}

/** `op(args, options?): Promise<Reply> { return request<Reply>(..., options merged over this.#options); }`. */
function requestMethod(
  index: ModelIndex,
  op: OperationModel,
  file: GeneratedFile,
  doc: string | undefined,
): ts.MethodDeclaration {
  const reply = replyType(index, op);
  const options = ifUndefined(ref('options'), thisField('options'), spreadAll([thisField('options'), ref('options')]));
  const sent = call(file.runtime('request'), [...sendArgs(op), options], [reply]);
  const params = [
    param('args', typeRef(op.argsType)),
    param('options', typeRef(file.runtime('RequestOptions')), { optional: true }),
  ];
  return method(op.name, params, promiseOf(reply), [ret(sent)], { doc });
}

/**
 * `op(args, options?): ReplyStream<Chunk, End> { return requestStream<Chunk, End>(..., options merged over
 * this.#options); }`: the request goes out on the stream's first `next()`.
 */
function streamMethod(
  index: ModelIndex,
  op: OperationModel,
  file: GeneratedFile,
  doc: string | undefined,
): ts.MethodDeclaration {
  const options = ifUndefined(ref('options'), thisField('options'), spreadAll([thisField('options'), ref('options')]));
  const sent = call(
    file.runtime('requestStream'),
    [...sendArgs(op), options],
    [chunkType(index, op), endType(index, op)],
  );
  const params = [
    param('args', typeRef(op.argsType)),
    param('options', typeRef(file.runtime('StreamOptions')), { optional: true }),
  ];
  return method(op.name, params, replyStreamType(index, op, file), [ret(sent)], { doc });
}
