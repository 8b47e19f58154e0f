/** client.ts: one typed method per send operation (publish and request). */
import { VariableDeclarationKind } from 'ts-morph';
import { keyword } from './ast.js';
import type { GeneratedFile } from './file.js';
import { jsDoc, print, where } from './file.js';
import { descriptor, type ModelIndex, operationDoc, replyType, sendArgsType, TYPES } from './operation.js';

export function emitClient(index: ModelIndex, file: GeneratedFile): void {
  const { model } = index;
  const ops = model.operations.filter((op) => op.action === 'send');
  file.siblingNamespace('types', TYPES, true);
  const nc = file.runtime('NatsConnection');
  const clientOptions = file.runtime('ClientOptions');

  for (const op of ops) {
    file.sf.addTypeAlias({
      name: op.argsType,
      isExported: true,
      type: print(sendArgsType(index, op)),
      docs: jsDoc([`Arguments of {@link ${model.clientClass}.${op.name}}.`]),
    });
  }
  for (const op of ops) {
    file.sf.addVariableStatement({
      declarationKind: VariableDeclarationKind.Const,
      declarations: [
        {
          name: op.descriptorConst,
          type: file.runtime('OperationSpec'),
          initializer: print(descriptor(index, op, file)),
        },
      ],
    });
  }

  const cls = file.sf.addClass({
    name: model.clientClass,
    isExported: true,
    docs: jsDoc([
      `Typed NATS client for ${model.title} ${model.version}: one method per operation the spec sends.`,
      'Payloads and headers are validated before sending (see `ClientOptions.validate`); replies are validated on arrival.',
    ]),
    properties: [
      { name: '#nc', type: nc, isReadonly: true },
      { name: '#options', type: clientOptions, isReadonly: true },
    ],
    ctors: [
      {
        parameters: [
          { name: 'nc', type: nc },
          { name: 'options', type: clientOptions, initializer: '{}' },
        ],
        statements: ['this.#nc = nc;', 'this.#options = options;'],
        docs: jsDoc([
          '@param nc a connection from `connect()` of `asyncapi-nats/runtime` (or `@nats-io/transport-node`)',
        ]),
      },
    ],
  });

  for (const op of ops) {
    const { paragraphs, facts } = operationDoc(index, op);
    const docs = jsDoc(
      [...paragraphs, facts],
      [{ tagName: 'generated', text: `from operations.${op.id} (${where(op.location)})` }],
    );
    if (op.kind === 'publish') {
      cls.addMethod({
        name: op.name,
        docs,
        parameters: [{ name: 'args', type: op.argsType }],
        returnType: print(keyword('void')),
        statements: [`${file.runtime('publish')}(this.#nc, ${op.descriptorConst}, args, this.#options);`],
      });
    } else {
      const reply = print(replyType(index, op));
      const requestOptions = file.runtime('RequestOptions');
      cls.addMethod({
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
