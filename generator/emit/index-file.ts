import { constDecl, exportFrom, literalType, ref } from './ast.js';
import { examplePlan } from './examples-file.js';
import type { GeneratedFile } from './file.js';
import type { ModelIndex } from './model-index.js';
import { CODEGEN_CONTRACT_VERSION } from './runtime-symbols.js';
import { receivedName } from './signatures.js';

/** `index.ts`: every generated name, from the files that were emitted. */
export function emitIndex(
  index: ModelIndex,
  file: GeneratedFile,
  include: { readonly client: boolean; readonly server: boolean },
): void {
  const { model } = index;
  const send = model.operations.filter((o) => o.action === 'send');
  const receive = model.operations.filter((o) => o.action === 'receive');
  const exports: { module: string; names: string[]; typeOnly: boolean }[] = [
    { module: './client.js', names: [model.clientClass], typeOnly: false },
    { module: './client.js', names: send.map((o) => o.argsType), typeOnly: true },
    { module: './server.js', names: [model.serverClass], typeOnly: false },
    { module: './server.js', names: receive.flatMap((o) => [o.argsType, receivedName(o)]), typeOnly: true },
    { module: './schemas.js', names: model.schemas.map((s) => s.zodName), typeOnly: false },
    { module: './examples.js', names: examplePlan(index).factories.map((f) => f.name), typeOnly: false },
    {
      module: './subjects.js',
      names: model.channels.filter((c) => c.address !== null).map((c) => c.subjectConst),
      typeOnly: false,
    },
    {
      module: './types.js',
      names: [
        ...model.schemas.map((s) => s.name),
        ...model.channels.filter((c) => c.parameters.length > 0).map((c) => c.paramsType),
      ],
      typeOnly: true,
    },
  ];
  for (const e of exports) {
    if (e.names.length === 0) continue;
    if ((e.module === './client.js' && !include.client) || (e.module === './server.js' && !include.server)) continue;
    file.add(exportFrom(e.module, [...e.names].sort(), e.typeOnly));
  }
  const contract = file.runtime('CODEGEN_CONTRACT');
  file.add(
    constDecl('codegenContract', ref(contract), {
      type: literalType(CODEGEN_CONTRACT_VERSION),
      isExported: true,
      doc: 'The codegen contract this code was generated for. If this line fails to compile, the installed\nasyncapi-nats ships another contract: regenerate with it (npx asyncapi-nats generate).',
    }),
  );
}
