/** subjects.ts: one subject template per channel, with the spec's rules for its parameter values. */
import type { ts } from 'ts-morph';
import type { ChannelModel, JsonSchemaObject } from '../model/types.js';
import type { Problem } from '../problems.js';
import { arr, call, constDecl, jsDoc, obj, pure, str } from './ast.js';
import { type GeneratedFile, where } from './file.js';
import type { ModelIndex } from './model-index.js';
import { type SchemaRefs, usesHelpers, zodExpression } from './schema/index.js';

/**
 * No declarations to refer to: a parameter schema is printed whole, since a declared schema (a
 * component the payloads use too) validates JSON values, not the text of a subject token.
 */
const INLINE: SchemaRefs = {
  nameOf: () => undefined,
  zodNameOf: (name) => {
    throw new Error(`internal: no declaration '${name}' in a parameter schema`);
  },
};

/** `warn` receives what a parameter schema's validator cannot check, located at the parameter. */
export function emitSubjects(index: ModelIndex, file: GeneratedFile, warn: (problem: Problem) => void): void {
  for (const channel of index.model.channels) {
    if (channel.address === null) continue;
    const params = channel.parameters.map((p) => `- \`${p.name}\`${p.description ? `: ${p.description.trim()}` : ''}`);
    const rules = subjectRules(channel, file, warn);
    const constrained = channel.parameters.filter((p) => p.schema !== undefined).map((p) => `\`${p.name}\``);
    const located = channel.parameters.flatMap((p) =>
      p.valueAt === undefined
        ? []
        : [
            `\`${p.name}\` (${p.valueAt.in === 'header' ? `header \`${p.valueAt.path[0]}\`` : `payload \`/${p.valueAt.path.join('/')}\``})`,
          ],
    );
    const template = pure(
      call(file.runtime('subjectTemplate'), rules ? [str(channel.address), rules] : [str(channel.address)]),
    );
    file.add(
      constDecl(channel.subjectConst, template, {
        isExported: true,
        doc: jsDoc(
          [
            `Subject of channel \`${channel.id}\`: \`${channel.address}\`.`,
            channel.summary ?? channel.title,
            channel.description,
            params.length > 0 ? `Parameters:\n${params.join('\n')}` : undefined,
            params.length > 0
              ? `\`build()\` rejects a value that is empty, contains \`.\`, \`*\`, \`>\`, whitespace, a control character or a lone UTF-16 surrogate, or starts with \`$\`${constrained.length > 0 ? `, and a value of ${constrained.join(', ')} that the spec does not allow; a server reports a message whose subject has such a value and never hands it over` : ''}.`
              : undefined,
            located.length > 0
              ? `The message carries ${located.join(', ')}: \`build(params, message)\` takes a value left out from it and refuses one that differs, and a server refuses a message whose value there differs from its subject's.`
              : undefined,
          ],
          [{ tagName: 'generated', text: `from channels.${channel.id} (${where(channel.location)})` }],
        ),
      }),
    );
  }
}

/**
 * The `SubjectRules` of a channel: `schema` validates an object of the constrained parameters' values,
 * read as header values are (text, with numbers and booleans parsed strictly), so `pattern`, `format`
 * and the rest mean here what they mean everywhere else; `defaults` fill values not given.
 */
function subjectRules(
  channel: ChannelModel,
  file: GeneratedFile,
  warn: (problem: Problem) => void,
): ts.Expression | undefined {
  const constrained = channel.parameters.filter((p) => p.schema !== undefined);
  const defaults = channel.parameters.filter((p) => p.default !== undefined);
  const located = channel.parameters.filter((p) => p.valueAt !== undefined);
  if (constrained.length === 0 && defaults.length === 0 && located.length === 0) return undefined;
  let schema: ts.Expression | undefined;
  if (constrained.length > 0) {
    const root: JsonSchemaObject = {
      type: 'object',
      properties: Object.fromEntries(constrained.map((p) => [p.name, p.schema])),
    };
    file.runtime('z');
    const ctx = { refs: INLINE, root, declared: new Set<string>(), role: 'headers' as const };
    schema = zodExpression(root, {
      ...ctx,
      helpers: usesHelpers(root, ctx) ? file.runtime('jsonSchema') : 'jsonSchema',
      warn: (finding) => {
        // The pointer starts at the synthesized object: `/properties/<name>/...`.
        const [, , token, ...rest] = finding.path.split('/');
        const name = token?.replace(/~1/g, '/').replace(/~0/g, '~');
        const p = constrained.find((c) => c.name === name) ?? constrained[0];
        if (p === undefined) return;
        const inner = rest.length > 0 ? ` at /${rest.join('/')}` : '';
        warn({
          code: finding.code,
          severity: finding.severity,
          message: `parameter '${p.name}' of channel '${channel.id}'${inner}: ${finding.message}`,
          file: p.location.file,
          line: p.location.line,
          column: p.location.column,
          ...(finding.help ? { help: finding.help } : {}),
        });
      },
    });
  }
  return obj([
    ['schema', schema],
    [
      'defaults',
      defaults.length > 0
        ? obj(
            defaults.map((p) => [p.name, str(p.default as string)] as const),
            false,
          )
        : undefined,
    ],
    [
      'locations',
      located.length > 0
        ? obj(
            located.map((p) => {
              const at = p.valueAt as NonNullable<typeof p.valueAt>;
              const where =
                at.in === 'header'
                  ? obj([['header', str(at.path[0] as string)]], false)
                  : obj([['payload', arr(at.path.map(str))]], false);
              return [p.name, where] as const;
            }),
          )
        : undefined,
    ],
  ]);
}
