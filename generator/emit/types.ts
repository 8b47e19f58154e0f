/** types.ts: a TypeScript type per named schema, and the parameter types of every subject. */
import { jsDoc, keyword, literalType, typeAlias, typeLiteral, union } from './ast.js';
import { type GeneratedFile, where } from './file.js';
import type { ModelIndex } from './model-index.js';
import { type SchemaRefs, typeNode } from './schema/index.js';

export function emitTypes(index: ModelIndex, file: GeneratedFile, refs: SchemaRefs): void {
  for (const decl of index.model.schemas) {
    const type = typeNode(decl.schema, {
      refs,
      ...(typeof decl.schema === 'object' ? { root: decl.schema } : {}),
      role: decl.role,
      dialect: decl.dialect,
    });
    file.add(
      typeAlias(decl.name, type, {
        isExported: true,
        doc: jsDoc(
          [
            decl.description,
            decl.role === 'headers'
              ? 'NATS header values travel as text; numbers and booleans are parsed from it.'
              : undefined,
          ],
          [
            {
              tagName: 'generated',
              text: `from ${decl.location.pointer.slice(1).replace(/\//g, '.')} (${where(decl.location)})`,
            },
          ],
        ),
      }),
    );
  }
  for (const channel of index.model.channels) {
    if (channel.parameters.length === 0) continue;
    const type = typeLiteral(
      channel.parameters.map((p) => ({
        name: p.name,
        type: p.enum ? union(p.enum.map((v) => literalType(v))) : keyword('string'),
        ...(p.description ? { doc: p.description } : {}),
      })),
    );
    file.add(
      typeAlias(channel.paramsType, type, {
        isExported: true,
        doc: jsDoc(
          [`Parameters of the subject \`${channel.address}\` (channel \`${channel.id}\`).`],
          [{ tagName: 'generated', text: `from channels.${channel.id} (${where(channel.location)})` }],
        ),
      }),
    );
  }
}
