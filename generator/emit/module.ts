/**
 * The generated module: every file of it printed from one model. The only part of generation that
 * needs ts-morph (the TypeScript compiler), so it is loaded when code is generated, not before.
 */
import type { ApiModel } from '../model/types.js';
import type { Problem } from '../problems.js';
import { emitClient } from './client.js';
import { emitExamples } from './examples-file.js';
import { type FileContext, GeneratedFile } from './file.js';
import { emitIndex } from './index-file.js';
import { ModelIndex } from './model-index.js';
import { orderDeclarations, schemaRefs } from './schema/index.js';
import { emitSchemas } from './schemas.js';
import { emitServer } from './server.js';
import { emitSubjects } from './subjects.js';
import { emitTypes } from './types.js';

/** The fixed file names of one generated module, in emit order. */
export const GENERATED_FILES = [
  'types.ts',
  'schemas.ts',
  'examples.ts',
  'subjects.ts',
  'client.ts',
  'server.ts',
  'index.ts',
] as const;

/** Prints every file of a model. Deterministic: the same model gives the same text. */
export function emitModel(
  model: ApiModel,
  ctx: FileContext,
  include: { readonly client: boolean; readonly server: boolean } = { client: true, server: true },
): { files: Map<string, string>; problems: Problem[] } {
  const problems: Problem[] = [];
  const refs = schemaRefs(model.schemas);
  // Declarations that others refer to come first, so zod needs z.lazy only inside cycles.
  model = { ...model, schemas: orderDeclarations(model.schemas, refs) };
  const index = new ModelIndex(model);
  const emitters: Record<(typeof GENERATED_FILES)[number], (file: GeneratedFile) => void> = {
    'types.ts': (f) => emitTypes(index, f, refs),
    'schemas.ts': (f) => emitSchemas(index, f, refs),
    'examples.ts': (f) => emitExamples(index, f, (p) => problems.push(p)),
    'subjects.ts': (f) => emitSubjects(index, f, (p) => problems.push(p)),
    'client.ts': (f) => emitClient(index, f),
    'server.ts': (f) => emitServer(index, f),
    'index.ts': (f) => emitIndex(index, f, include),
  };
  const files = new Map<string, string>();
  for (const name of GENERATED_FILES) {
    if ((name === 'client.ts' && !include.client) || (name === 'server.ts' && !include.server)) continue;
    const file = new GeneratedFile(name, ctx);
    emitters[name](file);
    files.set(name, file.finish());
  }
  return { files, problems };
}
