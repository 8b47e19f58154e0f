import { type GeneratedFile, jsDoc, print } from './file.js';
import type { ModelIndex } from './model-index.js';
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
    const expression = print(zodExpression(decl.schema, { ...ctx, helpers }));
    const checked = `${z}.ZodType<${types}.${decl.name}>`;
    // The schema keeps its inferred zod type (`.shape`, `.extend`, `.pick` stay usable) and is checked
    // against the TypeScript type with `satisfies`. A member of a reference cycle (it reads another
    // declaration through `z.lazy`) is annotated instead: TypeScript cannot infer a type that refers
    // to itself.
    const cyclic = expression.includes(`${z}.lazy(`);
    file.constant({
      name: decl.zodName,
      ...(cyclic ? { type: checked } : {}),
      // A pure arrow call, so that a bundler drops the schemas an application never uses: a pure mark on
      // `z.object({...})` alone still keeps the calls in its arguments (measured with esbuild).
      initializer: cyclic
        ? `/* @__PURE__ */ (() => ${expression})()`
        : `/* @__PURE__ */ (() => ${expression})() satisfies ${checked}`,
      isExported: true,
      docs: jsDoc([`Validates {@link ${types}.${decl.name}}.`]),
    });
    declared.add(decl.name);
  }
}
