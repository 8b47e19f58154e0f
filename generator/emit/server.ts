/** server.ts: one typed registration per receive operation (subscribe and reply handlers). */
import { ts } from 'ts-morph';
import type { OperationModel, ScalarValue } from '../model/types.js';
import { arr, bool, keyword, num, obj, promiseOf, str, typeRef, union } from './ast.js';
import { addDescriptors, messageSpec } from './descriptor.js';
import { type GeneratedFile, jsDoc, print, where } from './file.js';
import { type ModelIndex, TYPES } from './model-index.js';
import { addConnectionClass, operationDoc } from './operation.js';
import {
  chunkType,
  endType,
  receiveArgsType,
  receivedName,
  receivedType,
  replyType,
  streamHandlerReturn,
} from './signatures.js';

export function emitServer(index: ModelIndex, file: GeneratedFile): void {
  const { model } = index;
  const ops = model.operations.filter((op) => op.action === 'receive');
  file.siblingNamespace('types', TYPES, true);
  const handle = file.runtime('Handle');

  for (const op of ops) {
    file.typeAlias({
      name: receivedName(op),
      isExported: true,
      type: print(receivedType(index, op, file)),
      docs: jsDoc([
        `What a {@link ${model.serverClass}.${op.name}} handler receives: the validated payload, headers and subject parameters${op.stream ? ", and the stream's `signal`, which aborts when the caller cancels" : ''}.`,
      ]),
    });
    const handler = op.stream
      ? streamHandlerType(receivedName(op), streamHandlerReturn(index, op))
      : handlerType(receivedName(op), op.kind === 'reply' ? replyType(index, op) : keyword('void'));
    file.typeAlias({
      name: op.argsType,
      isExported: true,
      type: print(receiveArgsType(index, op, file, handler)),
      docs: jsDoc([`Arguments of {@link ${model.serverClass}.${op.name}}.`]),
    });
  }
  addSharedChannels(index, file);
  addDescriptors(index, ops, file);

  const info = serviceInfo(model.title, model.version);
  file.constant({
    name: 'serviceInfo',
    type: file.runtime('ServiceInfo'),
    initializer: print(
      obj([
        ['name', str(info.name)],
        ['version', str(info.version)],
        ['description', str(`${model.title}: NATS server generated from its AsyncAPI document`)],
        [
          'metadata',
          obj([
            ['asyncapi.title', str(model.title)],
            ['asyncapi.version', str(model.version)],
          ]),
        ],
      ]),
    ),
    docs: jsDoc([
      `The NATS service every ${model.serverClass} registers as (\`nats micro ls\`), named after the spec's \`info\`${info.version === model.version ? '' : ' (its version is not a semantic version, so 0.0.0 is used)'}.`,
    ]),
  });

  const cls = addConnectionClass(file, model.serverClass, 'ServerOptions', [
    `Typed NATS server for ${model.title} ${model.version}: one registration per operation the spec receives.`,
    'Invalid messages never reach a handler; a request that fails validation, or whose handler throws, gets an error reply instead of a timeout.',
    `It registers as the NATS service \`${info.name}\` (\`$SRV.PING\`, \`$SRV.INFO\`, \`$SRV.STATS\`; see \`nats micro ls\`) with one endpoint per registration; \`{ service: false }\` turns that off.`,
  ]);
  const core = file.runtime('ServerCore');
  cls.properties.splice(2, 0, { name: '#core', type: core, isReadonly: true });
  const ctor = cls.ctors?.[0];
  if (ctor === undefined || !Array.isArray(ctor.statements))
    throw new Error('internal: the server class has no constructor');
  ctor.statements = [...ctor.statements, `this.#core = new ${core}(nc, serviceInfo, options);`];
  cls.getAccessors = [
    {
      name: 'service',
      returnType: `${file.runtime('ServiceIdentity')} | undefined`,
      statements: ['return this.#core.service;'],
      docs: jsDoc([
        'Name, instance id and version of the NATS service this server answers for (undefined with `{ service: false }`).',
      ]),
    },
  ];

  for (const op of ops) {
    const { paragraphs, facts } = operationDoc(index, op);
    const { fn, typeArgs } = registration(index, op, file);
    cls.methods.push({
      name: op.name,
      docs: jsDoc(
        [...paragraphs, facts],
        [{ tagName: 'generated', text: `from operations.${op.id} (${where(op.location)})` }],
      ),
      parameters: [{ name: 'args', type: op.argsType }],
      returnType: handle,
      statements: [
        `return this.#core.track(${fn}<${typeArgs}>(this.#nc, ${op.descriptorConst}, ${hasReceiveArgs(index, op) ? 'args' : '{}'}, args.handler, this.#options), ${op.descriptorConst});`,
      ],
    });
  }
  cls.methods.push({
    name: 'drain',
    isAsync: true,
    docs: jsDoc(['Stops every registration of this server, then waits for the handlers still running.']),
    returnType: 'Promise<void>',
    statements: ['await this.#core.drain();'],
  });
  cls.methods.push({
    name: 'close',
    isAsync: true,
    docs: jsDoc([
      'Graceful shutdown: {@link ' +
        model.serverClass +
        ".drain} (running handlers finish, durable messages are acked), then drains and closes the connection. The runtime's `drainOnSignal([server, nc])` does the same on SIGTERM.",
    ]),
    returnType: 'Promise<void>',
    statements: ['await this.#core.close();'],
  });
}

/**
 * One `SharedChannel` constant per channel that several receive operations share; their descriptors
 * refer to it, which is how the runtime knows they are one subscription.
 */
function addSharedChannels(index: ModelIndex, file: GeneratedFile): void {
  for (const channel of index.model.channels) {
    const receivers = channel.receivers;
    if (receivers === undefined) continue;
    const ops = receivers.operations.map((id) => {
      const op = index.model.operations.find((o) => o.id === id);
      if (op === undefined) throw new Error(`internal: unknown operation ${id}`);
      return op;
    });
    const discriminator = receivers.discriminator;
    file.constant({
      name: receivers.constName,
      type: file.runtime('SharedChannel'),
      initializer: print(
        obj([
          [
            'operations',
            arr(
              ops.map((op) =>
                obj([
                  ['id', str(op.id)],
                  [
                    'messages',
                    arr(
                      (op.messages.length > 0 ? op.messages : []).map((k) => messageSpec(index, k, file)),
                      op.messages.length > 1,
                    ),
                  ],
                  ['reply', bool(op.kind === 'reply')],
                ]),
              ),
              true,
            ),
          ],
          [
            'discriminator',
            discriminator
              ? obj([
                  ['property', str(discriminator.property)],
                  [
                    'values',
                    arr(
                      discriminator.values.map(([value, i]) => arr([scalar(value), num(i)])),
                      true,
                    ),
                  ],
                ])
              : undefined,
          ],
        ]),
      ),
      docs: jsDoc([
        `The receive operations that share channel \`${channel.id}\` (\`${channel.address}\`): each message goes to the one whose message it is${discriminator ? `, named by its \`${discriminator.property}\` property` : ''}.`,
      ]),
    });
  }
}

/** A JSON scalar as a literal expression. */
function scalar(value: ScalarValue): ts.Expression {
  if (value === null) return ts.factory.createNull();
  if (typeof value === 'string') return str(value);
  if (typeof value === 'boolean') return bool(value);
  return num(value);
}

/** The service name and version the NATS services protocol accepts: `AI SDK` → `ai-sdk`; a version that is not semantic → `0.0.0`. */
export function serviceInfo(title: string, version: string): { name: string; version: string } {
  const name =
    title
      .trim()
      .toLowerCase()
      .replace(/[^a-z0-9_-]+/g, '-')
      .replace(/^-+|-+$/g, '') || 'service';
  return { name, version: SEMVER.test(version) ? version : '0.0.0' };
}

const SEMVER =
  /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$/;

/** True when the registration takes subject or queue values (else only a handler). */
function hasReceiveArgs(index: ModelIndex, op: OperationModel): boolean {
  return index.channel(op.channel).parameters.length > 0 || (op.queue?.parameters.length ?? 0) > 0;
}

/** The runtime function a receive operation registers with, and its type arguments. */
function registration(index: ModelIndex, op: OperationModel, file: GeneratedFile): { fn: string; typeArgs: string } {
  if (op.stream) {
    return {
      fn: file.runtime('replyStream'),
      typeArgs: `${receivedName(op)}, ${print(chunkType(index, op))}, ${print(endType(index, op))}`,
    };
  }
  if (op.kind === 'reply')
    return { fn: file.runtime('reply'), typeArgs: `${receivedName(op)}, ${print(replyType(index, op))}` };
  return { fn: file.runtime(op.durable ? 'consume' : 'subscribe'), typeArgs: receivedName(op) };
}

/** `(message: X) => AsyncGenerator<C, E, undefined>` (or `AsyncIterable<C>`): a streaming handler. */
function streamHandlerType(message: string, returns: ts.TypeNode): ts.TypeNode {
  const f = ts.factory;
  const param = f.createParameterDeclaration(undefined, undefined, 'message', undefined, typeRef(message));
  return f.createFunctionTypeNode(undefined, [param], returns);
}

/** `(message: X) => R | Promise<R>`. */
function handlerType(message: string, returns: ts.TypeNode): ts.TypeNode {
  const f = ts.factory;
  const param = f.createParameterDeclaration(undefined, undefined, 'message', undefined, typeRef(message));
  return f.createFunctionTypeNode(undefined, [param], union([returns, promiseOf(returns)]));
}
