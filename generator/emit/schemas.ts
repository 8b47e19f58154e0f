import { type GeneratedFile, jsDoc, print } from './file.js';
import type { ModelIndex } from './operation.js';
import { type SchemaRefs, usesHelpers, zodExpression } from './schema/index.js';

/**
 * schemas.ts: one zod constant per declaration. What a schema says that the code reads differently
 * is reported once, when the model is built (`SchemaCollector.findings`), not here.
 */
export function emitSchemas(index: ModelIndex, file: GeneratedFile, refs: SchemaRefs): void {
  const z = file.runtime('z');
  const types = file.siblingNamespace('types', 'T', true);
  const declared = new Set<string>();
  for (const decl of index.model.schemas) {
    const ctx = {
      refs,
      ...(typeof decl.schema === 'object' ? { root: decl.schema } : {}),
      declared,
      role: decl.role,
      dialect: decl.dialect,
      qualifier: types,
    };
    const helpers = usesHelpers(decl.schema, ctx) ? file.runtime('jsonSchema') : 'jsonSchema';
    const expression = zodExpression(decl.schema, { ...ctx, helpers });
    file.constant({
      name: decl.zodName,
      type: `${z}.ZodType<${types}.${decl.name}>`,
      initializer: print(expression),
      isExported: true,
      docs: jsDoc([`Validates {@link ${types}.${decl.name}}.`]),
    });
    declared.add(decl.name);
  }
}
