/** client.ts: one typed method per send operation (publish and request). */

import type { OperationModel } from '../model/types.js';
import { keyword } from './ast.js';
import { addDescriptors } from './descriptor.js';
import { type GeneratedFile, jsDoc, print, where } from './file.js';
import { type ModelIndex, TYPES } from './model-index.js';
import { addConnectionClass, operationDoc } from './operation.js';
import { chunkType, endType, replyStreamType, replyType, sendArgsType } from './signatures.js';

export function emitClient(index: ModelIndex, file: GeneratedFile): void {
  const { model } = index;
  const ops = model.operations.filter((op) => op.action === 'send');
  file.siblingNamespace('types', TYPES, true);

  for (const op of ops) {
    file.typeAlias({
      name: op.argsType,
      isExported: true,
      type: print(sendArgsType(index, op)),
      docs: jsDoc([`Arguments of {@link ${model.clientClass}.${op.name}}.`]),
    });
  }
  addDescriptors(index, ops, file);

  const cls = addConnectionClass(file, model.clientClass, 'ClientOptions', [
    `Typed NATS client for ${model.title} ${model.version}: one method per operation the spec sends.`,
    'Payloads and headers are validated before sending (see `ClientOptions.validate`); replies are validated on arrival.',
  ]);

  for (const op of ops) {
    const { paragraphs, facts } = operationDoc(index, op);
    const docs = jsDoc(
      [...paragraphs, facts],
      [{ tagName: 'generated', text: `from operations.${op.id} (${where(op.location)})` }],
    );
    if (op.kind === 'publish' && op.durable) {
      cls.methods.push({
        name: op.name,
        docs,
        parameters: [{ name: 'args', type: op.argsType }],
        returnType: `Promise<${file.runtime('PublishAck')}>`,
        statements: [`return ${file.runtime('durablePublish')}(this.#nc, ${op.descriptorConst}, args, this.#options);`],
      });
    } else if (op.kind === 'publish') {
      cls.methods.push({
        name: op.name,
        docs,
        parameters: [{ name: 'args', type: op.argsType }],
        returnType: print(keyword('void')),
        statements: [`${file.runtime('publish')}(this.#nc, ${op.descriptorConst}, args, this.#options);`],
      });
    } else if (op.stream) {
      cls.methods.push(streamMethod(index, op, file, docs));
    } else {
      const reply = print(replyType(index, op));
      const requestOptions = file.runtime('RequestOptions');
      cls.methods.push({
        name: op.name,
        docs,
        parameters: [
          { name: 'args', type: op.argsType },
          { name: 'options', type: requestOptions, hasQuestionToken: true },
        ],
        returnType: `Promise<${reply}>`,
        statements: [
          `return ${file.runtime('request')}<${reply}>(this.#nc, ${op.descriptorConst}, args, options === undefined ? this.#options : { ...this.#options, ...options });`,
        ],
      });
    }
  }
}

/** A streaming request: returns the `ReplyStream` of its chunks (the request goes out on the first `next()`). */
function streamMethod(index: ModelIndex, op: OperationModel, file: GeneratedFile, docs: ReturnType<typeof jsDoc>) {
  const typeArgs = `${print(chunkType(index, op))}, ${print(endType(index, op))}`;
  return {
    name: op.name,
    docs,
    parameters: [
      { name: 'args', type: op.argsType },
      { name: 'options', type: file.runtime('StreamOptions'), hasQuestionToken: true },
    ],
    returnType: print(replyStreamType(index, op, file)),
    statements: [
      `return ${file.runtime('requestStream')}<${typeArgs}>(this.#nc, ${op.descriptorConst}, args, options === undefined ? this.#options : { ...this.#options, ...options });`,
    ],
  };
}
