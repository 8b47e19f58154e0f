/**
 * Shape → TypeScript type node. Prints the type the zod expression of `zod.ts` parses to (its output
 * type is assignable to this one under `exactOptionalPropertyTypes`).
 */
import { ts } from 'ts-morph';
import type { JsonSchema } from '../../model/types.js';
import { addDoc, literalType, printNode, propertyName } from './print.js';
import { type Shape, type ShapeContext, toShape } from './shape.js';

export interface TypeContext extends ShapeContext {
  /** Namespace for references to declarations (`T` gives `T.X`); bare `X` without it. */
  readonly qualifier?: string | undefined;
}

const f = ts.factory;

/** The TypeScript type of `schema`; references to declarations are type references `X` (or `Q.X`). */
export function typeNode(schema: JsonSchema, ctx: TypeContext): ts.TypeNode {
  return typeOf(toShape(schema, ctx), ctx.qualifier);
}

function typeOf(shape: Shape, qualifier: string | undefined): ts.TypeNode {
  switch (shape.kind) {
    case 'unknown':
      return keyword(ts.SyntaxKind.UnknownKeyword);
    case 'never':
      return keyword(ts.SyntaxKind.NeverKeyword);
    case 'null':
      return literalType(null);
    case 'ref':
      return f.createTypeReferenceNode(
        qualifier === undefined ? shape.name : f.createQualifiedName(f.createIdentifier(qualifier), shape.name),
      );
    case 'string':
      return keyword(ts.SyntaxKind.StringKeyword);
    case 'number':
      return keyword(ts.SyntaxKind.NumberKeyword);
    case 'boolean':
      return keyword(ts.SyntaxKind.BooleanKeyword);
    case 'literal':
      return unionOf(shape.values.map(literalType));
    case 'object': {
      const members: ts.TypeElement[] = shape.properties.map((p) =>
        addDoc(
          f.createPropertySignature(
            undefined,
            propertyName(p.name),
            p.required ? undefined : f.createToken(ts.SyntaxKind.QuestionToken),
            typeOf(p.shape, qualifier),
          ),
          p.doc,
        ),
      );
      // Extra keys: their type must also admit every declared property's type for the index signature
      // to be valid TypeScript; zod's output (`{...} & { [k: string]: X }`) is assignable to it.
      if (shape.extra === 'loose') members.push(indexSignature(keyword(ts.SyntaxKind.UnknownKeyword)));
      else if (typeof shape.extra === 'object') {
        const extra = shape.extra;
        const types = extra.kind === 'unknown' ? [extra] : [extra, ...shape.properties.map((p) => p.shape)];
        members.push(indexSignature(unionOf(types.map((t) => typeOf(t, qualifier)))));
      }
      if (shape.properties.length === 0 && shape.extra === 'strict') {
        return record(keyword(ts.SyntaxKind.NeverKeyword));
      }
      return f.createTypeLiteralNode(members);
    }
    case 'record':
      return record(typeOf(shape.value, qualifier));
    case 'array':
      return f.createArrayTypeNode(typeOf(shape.items, qualifier));
    case 'tuple': {
      const elements: ts.TypeNode[] = shape.items.map((item, i) => {
        const type = typeOf(item, qualifier);
        return i < shape.required ? type : f.createOptionalTypeNode(type);
      });
      if (shape.rest) elements.push(f.createRestTypeNode(f.createArrayTypeNode(typeOf(shape.rest, qualifier))));
      return f.createTupleTypeNode(elements);
    }
    case 'union':
      return unionOf(shape.members.map((m) => typeOf(m, qualifier)));
    case 'intersection':
      return f.createIntersectionTypeNode(shape.members.map((m) => typeOf(m, qualifier)));
    case 'nullable':
      return unionOf([typeOf(shape.inner, qualifier), literalType(null)]);
    case 'coerce':
      return typeOf(shape.inner, qualifier);
  }
}

/** A union without nested unions or repeated members (compared by their printed form). */
function unionOf(types: readonly ts.TypeNode[]): ts.TypeNode {
  const seen = new Set<string>();
  const members: ts.TypeNode[] = [];
  for (const type of types.flatMap((t) => (ts.isUnionTypeNode(t) ? [...t.types] : [t]))) {
    const text = printNode(type);
    if (seen.has(text)) continue;
    seen.add(text);
    members.push(type);
  }
  if (members.some((m) => m.kind === ts.SyntaxKind.UnknownKeyword)) return keyword(ts.SyntaxKind.UnknownKeyword);
  return members.length === 1 ? (members[0] as ts.TypeNode) : f.createUnionTypeNode(members);
}

function record(value: ts.TypeNode): ts.TypeNode {
  return f.createTypeReferenceNode('Record', [keyword(ts.SyntaxKind.StringKeyword), value]);
}

function indexSignature(type: ts.TypeNode): ts.IndexSignatureDeclaration {
  const key = f.createParameterDeclaration(
    undefined,
    undefined,
    'key',
    undefined,
    keyword(ts.SyntaxKind.StringKeyword),
  );
  return f.createIndexSignature(undefined, [key], type);
}

function keyword(kind: ts.KeywordTypeSyntaxKind): ts.KeywordTypeNode {
  return f.createKeywordTypeNode(kind);
}
