/** schemas.ts: a zod schema per named schema, typed against types.ts so the two cannot drift. */
import { VariableDeclarationKind } from 'ts-morph';
import { type GeneratedFile, jsDoc, print } from './file.js';
import type { ModelIndex } from './operation.js';
import { type SchemaRefs, zodExpression } from './schema/index.js';

export function emitSchemas(index: ModelIndex, file: GeneratedFile, refs: SchemaRefs): void {
  const z = file.runtime('z');
  const types = file.siblingNamespace('types', 'T', true);
  const declared = new Set<string>();
  for (const decl of index.model.schemas) {
    const expression = zodExpression(decl.schema, {
      refs,
      ...(typeof decl.schema === 'object' ? { root: decl.schema } : {}),
      declared,
      role: decl.role,
    });
    file.sf.addVariableStatement({
      isExported: true,
      declarationKind: VariableDeclarationKind.Const,
      declarations: [{ name: decl.zodName, type: `${z}.ZodType<${types}.${decl.name}>`, initializer: print(expression) }],
      docs: jsDoc([`Validates {@link ${types}.${decl.name}}.`]),
    });
    declared.add(decl.name);
  }
}
