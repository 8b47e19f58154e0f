import { arrow, callOn, constDecl, jsDoc, pure, satisfies, typeRef } from './ast.js';
import type { GeneratedFile } from './file.js';
import type { ModelIndex } from './model-index.js';
import { printNode } from './print.js';
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
    const checked = typeRef(`${z}.ZodType`, [typeRef(`${types}.${decl.name}`)]);
    // The schema keeps its inferred zod type (`.shape`, `.extend`, `.pick` stay usable) and is checked
    // against the TypeScript type with `satisfies`. A member of a reference cycle (it reads another
    // declaration through `z.lazy`) is annotated instead: TypeScript cannot infer a type that refers
    // to itself.
    const cyclic = printNode(expression).includes(`${z}.lazy(`);
    // A pure arrow call, so that a bundler drops the schemas an application never uses: a pure mark on
    // `z.object({...})` alone still keeps the calls in its arguments (measured with esbuild).
    const schema = pure(callOn(arrow(expression), []));
    file.add(
      constDecl(decl.zodName, cyclic ? schema : satisfies(schema, checked), {
        isExported: true,
        doc: jsDoc([`Validates {@link ${types}.${decl.name}}.`]),
        ...(cyclic ? { type: checked } : {}),
      }),
    );
    declared.add(decl.name);
  }
}
