/** server.ts: one typed registration per receive operation (subscribe, reply and streaming reply handlers). */
import type { ts } from 'ts-morph';
import type { OperationModel } from '../model/types.js';
import {
  arr,
  awaitExpr,
  bool,
  call,
  callOn,
  constDecl,
  functionType,
  getter,
  jsDoc,
  keyword,
  literalExpression,
  member,
  method,
  newExpr,
  num,
  obj,
  param,
  promiseOf,
  ref,
  ret,
  stmt,
  str,
  thisField,
  typeAlias,
  typeRef,
  union,
} from './ast.js';
import { addDescriptors, messageSpec } from './descriptor.js';
import type { GeneratedFile } from './file.js';
import { type ModelIndex, TYPES } from './model-index.js';
import { connectionClass, operationMethodDoc } from './operation.js';
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

  for (const op of ops) {
    file.add(
      typeAlias(receivedName(op), receivedType(index, op, file), {
        isExported: true,
        doc: jsDoc([
          `What a {@link ${model.serverClass}.${op.name}} handler receives: the validated payload, headers and subject parameters${op.stream ? ", and the stream's `signal`, which aborts when the caller cancels" : ''}.`,
        ]),
      }),
    );
    const handler = op.stream
      ? streamHandlerType(receivedName(op), streamHandlerReturn(index, op))
      : handlerType(receivedName(op), op.kind === 'reply' ? replyType(index, op) : keyword('void'));
    file.add(
      typeAlias(op.argsType, receiveArgsType(index, op, file, handler), {
        isExported: true,
        doc: jsDoc([`Arguments of {@link ${model.serverClass}.${op.name}}.`]),
      }),
    );
  }
  addSharedChannels(index, file);
  addDescriptors(index, ops, file);
  addServiceInfo(model.title, model.version, model.serverClass, file);
  file.add(serverClass(index, ops, file));
}

/** The `serviceInfo` constant: the NATS service the server registers as. */
function addServiceInfo(title: string, version: string, serverClass: string, file: GeneratedFile): void {
  const info = serviceInfo(title, version);
  const literal = obj([
    ['name', str(info.name)],
    ['version', str(info.version)],
    ['description', str(`${title}: NATS server generated from its AsyncAPI document`)],
    [
      'metadata',
      obj([
        ['asyncapi.title', str(title)],
        ['asyncapi.version', str(version)],
      ]),
    ],
  ]);
  file.add(
    constDecl('serviceInfo', literal, {
      type: typeRef(file.runtime('ServiceInfo')),
      doc: jsDoc([
        `The NATS service every ${serverClass} registers as (\`nats micro ls\`), named after the spec's \`info\`${info.version === version ? '' : ' (its version is not a semantic version, so 0.0.0 is used)'}.`,
      ]),
    }),
  );
}

/** The server class: `#core` besides the connection, the `service` getter, one registration per operation, drain and close. */
function serverClass(index: ModelIndex, ops: readonly OperationModel[], file: GeneratedFile): ts.ClassDeclaration {
  const { model } = index;
  const info = serviceInfo(model.title, model.version);
  const core = file.runtime('ServerCore');
  const service = getter(
    'service',
    union([typeRef(file.runtime('ServiceIdentity')), keyword('undefined')]),
    [ret(member(thisField('core'), 'service'))],
    jsDoc([
      'Name, instance id and version of the NATS service this server answers for (undefined with `{ service: false }`).',
    ]),
  );
  const drain = method('drain', [], promiseOf(keyword('void')), [stmt(awaitExpr(coreCall('drain')))], {
    isAsync: true,
    doc: jsDoc(['Stops every registration of this server, then waits for the handlers still running.']),
  });
  const close = method('close', [], promiseOf(keyword('void')), [stmt(awaitExpr(coreCall('close')))], {
    isAsync: true,
    doc: jsDoc([
      `Graceful shutdown: {@link ${model.serverClass}.drain} (running handlers finish, durable messages are acked), then drains and closes the connection. The runtime's \`drainOnSignal([server, nc])\` does the same on SIGTERM.`,
    ]),
  });
  return connectionClass(
    file,
    model.serverClass,
    'ServerOptions',
    [
      `Typed NATS server for ${model.title} ${model.version}: one registration per operation the spec receives.`,
      'Invalid messages never reach a handler; a request that fails validation, or whose handler throws, gets an error reply instead of a timeout.',
      `It registers as the NATS service \`${info.name}\` (\`$SRV.PING\`, \`$SRV.INFO\`, \`$SRV.STATS\`; see \`nats micro ls\`) with one endpoint per registration; \`{ service: false }\` turns that off.`,
    ],
    [{ name: 'core', type: typeRef(core), value: newExpr(core, [ref('nc'), ref('serviceInfo'), ref('options')]) }],
    [service, ...ops.map((op) => registration(index, op, file)), drain, close],
  );
}

/** `this.#core.name()`. */
function coreCall(name: string): ts.Expression {
  return callOn(member(thisField('core'), name), []);
}

/** The registration method of one receive operation, by its kind. */
function registration(index: ModelIndex, op: OperationModel, file: GeneratedFile): ts.MethodDeclaration {
  if (op.stream) {
    const typeArgs = [typeRef(receivedName(op)), chunkType(index, op), endType(index, op)];
    return receiveMethod(index, op, file, 'replyStream', typeArgs);
  }
  if (op.kind === 'reply')
    return receiveMethod(index, op, file, 'reply', [typeRef(receivedName(op)), replyType(index, op)]);
  if (op.durable) return receiveMethod(index, op, file, 'consume', [typeRef(receivedName(op))]);
  return receiveMethod(index, op, file, 'subscribe', [typeRef(receivedName(op))]);
}

/**
 * `op(args): Handle { return this.#core.track(fn<types>(this.#nc, descriptor, args, args.handler, this.#options), descriptor); }`:
 * the runtime's `fn` registers the handler, the core keeps it for drain and close.
 */
function receiveMethod(
  index: ModelIndex,
  op: OperationModel,
  file: GeneratedFile,
  fn: 'reply' | 'replyStream' | 'consume' | 'subscribe',
  typeArgs: readonly ts.TypeNode[],
): ts.MethodDeclaration {
  const values = hasReceiveArgs(index, op) ? ref('args') : obj([], false);
  const registered = call(
    file.runtime(fn),
    [thisField('nc'), ref(op.descriptorConst), values, ref('args.handler'), thisField('options')],
    typeArgs,
  );
  const tracked = callOn(member(thisField('core'), 'track'), [registered, ref(op.descriptorConst)]);
  return method(op.name, [param('args', typeRef(op.argsType))], typeRef(file.runtime('Handle')), [ret(tracked)], {
    doc: operationMethodDoc(index, op),
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
    const literal = obj([
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
                  discriminator.values.map(([value, i]) => arr([literalExpression(value), num(i)])),
                  true,
                ),
              ],
            ])
          : undefined,
      ],
    ]);
    file.add(
      constDecl(receivers.constName, literal, {
        type: typeRef(file.runtime('SharedChannel')),
        doc: jsDoc([
          `The receive operations that share channel \`${channel.id}\` (\`${channel.address}\`): each message goes to the one whose message it is${discriminator ? `, named by its \`${discriminator.property}\` property` : ''}.`,
        ]),
      }),
    );
  }
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

/** `(message: X) => R | Promise<R>`. */
function handlerType(message: string, returns: ts.TypeNode): ts.TypeNode {
  return functionType([param('message', typeRef(message))], union([returns, promiseOf(returns)]));
}

/** `(message: X) => AsyncGenerator<C, E, undefined>` (or `AsyncIterable<C>`): a streaming handler. */
function streamHandlerType(message: string, returns: ts.TypeNode): ts.TypeNode {
  return functionType([param('message', typeRef(message))], returns);
}
