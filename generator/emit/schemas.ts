import type { Problem } from '../problems.js';
import { type GeneratedFile, jsDoc, print } from './file.js';
import type { ModelIndex } from './operation.js';
import { type SchemaRefs, zodExpression } from './schema/index.js';

/**
 * `warn` receives what a zod schema cannot enforce (e.g. `uniqueItems`), located at the declaration.
 */
export function emitSchemas(
  index: ModelIndex,
  file: GeneratedFile,
  refs: SchemaRefs,
  warn: (problem: Problem) => void,
): void {
  const z = file.runtime('z');
  const types = file.siblingNamespace('types', 'T', true);
  const declared = new Set<string>();
  for (const decl of index.model.schemas) {
    const expression = zodExpression(decl.schema, {
      refs,
      ...(typeof decl.schema === 'object' ? { root: decl.schema } : {}),
      declared,
      role: decl.role,
      warn: (message, pointer) =>
        warn({
          code: 'schema-not-enforced',
          severity: 'warning',
          message: `${decl.name}${pointer === '' ? '' : ` at ${pointer}`}: ${message}`,
          file: decl.location.file,
          line: decl.location.line,
          column: decl.location.column,
          help: 'the generated validator does not check this keyword; validate it in your handler if it matters',
        }),
    });
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
