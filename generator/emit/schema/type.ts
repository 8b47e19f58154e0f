/**
 * Shape → TypeScript type node. Prints the type the zod expression of `zod.ts` parses to (its output
 * type is assignable to this one under `exactOptionalPropertyTypes`). Keywords TypeScript cannot say
 * (`not`, bounds, patterns, exactly one of `oneOf`) leave the type wider than the validator.
 */
import { ts } from 'ts-morph';
import type { JsonSchema } from '../../model/types.js';
import { addDoc, literalType, propertyName } from '../ast.js';
import { printNode } from '../print.js';
import { type JsonValue, type ObjectShape, type Shape, type ShapeContext, toShape } from './shape.js';

export interface TypeContext extends ShapeContext {
  /** Namespace for references to declarations (`T` gives `T.X`); bare `X` without it. */
  readonly qualifier?: string | undefined;
}

const f = ts.factory;

/** The TypeScript type of `schema`; references to declarations are type references `X` (or `Q.X`). */
export function typeNode(schema: JsonSchema, ctx: TypeContext): ts.TypeNode {
  return shapeType(toShape(schema, ctx), ctx.qualifier);
}

/** The TypeScript type of a Shape (also the type argument of the runtime helpers zod.ts prints). */
export function shapeType(shape: Shape, qualifier: string | undefined): ts.TypeNode {
  const of = (s: Shape) => shapeType(s, qualifier);
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
      return unionOf(shape.values.map(jsonType));
    case 'object':
      return objectType(shape, of);
    case 'array':
      return f.createArrayTypeNode(of(shape.items));
    case 'tuple': {
      const elements: ts.TypeNode[] = shape.items.map((item, i) => {
        const type = of(item);
        return i < shape.required ? type : f.createOptionalTypeNode(type);
      });
      if (shape.rest) elements.push(f.createRestTypeNode(f.createArrayTypeNode(of(shape.rest))));
      return f.createTupleTypeNode(elements);
    }
    case 'union':
    case 'oneOf':
      return unionOf(shape.members.map(of));
    case 'allOf':
      return f.createIntersectionTypeNode(shape.members.map((m) => parenthesized(of(m))));
    case 'refined':
      return of(shape.base);
    case 'nullable':
      return unionOf([of(shape.inner), literalType(null)]);
    case 'header':
      return of(shape.inner);
    case 'headers':
      return of(shape.headers);
  }
}

function objectType(shape: ObjectShape, of: (s: Shape) => ts.TypeNode): ts.TypeNode {
  const members: ts.TypeElement[] = shape.properties.map((p) =>
    addDoc(
      f.createPropertySignature(
        undefined,
        propertyName(p.name),
        p.required ? undefined : f.createToken(ts.SyntaxKind.QuestionToken),
        of(p.shape),
      ),
      p.doc,
    ),
  );
  // Other keys, when the schema says what they are: an index signature, whose type must also admit
  // every declared property's type to be valid TypeScript.
  let others: Shape[] | undefined;
  const patterns = (shape.patterns ?? []).map((p) => p.shape);
  if (shape.extra === 'loose' || (shape.extra === 'open' && patterns.length > 0)) others = [{ kind: 'unknown' }];
  else if (typeof shape.extra === 'object') others = [shape.extra, ...patterns];
  else if (shape.extra === 'strict' && patterns.length > 0) others = patterns;
  if (others !== undefined) {
    const all = others.some((o) => o.kind === 'unknown')
      ? others
      : [...others, ...shape.properties.map((p) => p.shape)];
    if (shape.properties.length === 0) return record(unionOf(all.map(of)));
    members.push(indexSignature(unionOf(all.map(of))));
  }
  if (shape.properties.length === 0) {
    return record(keyword(shape.extra === 'strict' ? ts.SyntaxKind.NeverKeyword : ts.SyntaxKind.UnknownKeyword));
  }
  return f.createTypeLiteralNode(members);
}

/** The literal type of a JSON value: primitives as literal types, arrays as tuples, objects as type literals. */
function jsonType(value: JsonValue): ts.TypeNode {
  if (Array.isArray(value)) return f.createTupleTypeNode(value.map(jsonType));
  if (value !== null && typeof value === 'object') {
    return f.createTypeLiteralNode(
      Object.entries(value).map(([key, v]) =>
        f.createPropertySignature(undefined, propertyName(key), undefined, jsonType(v)),
      ),
    );
  }
  return literalType(value as string | number | boolean | null);
}

function parenthesized(type: ts.TypeNode): ts.TypeNode {
  return ts.isUnionTypeNode(type) || ts.isFunctionTypeNode(type) ? f.createParenthesizedType(type) : type;
}

/** A union without nested unions or repeated members (compared by their printed form). */
function unionOf(types: readonly ts.TypeNode[]): ts.TypeNode {
  const seen = new Set<string>();
  const members: ts.TypeNode[] = [];
  for (const type of types.flatMap((t) => (ts.isUnionTypeNode(t) ? [...t.types] : [t]))) {
    const text = printNode(type);
    if (seen.has(text)) continue;
    seen.add(text);
    members.push(
      ts.isIntersectionTypeNode(type) || ts.isFunctionTypeNode(type) ? f.createParenthesizedType(type) : type,
    );
  }
  if (members.some((m) => m.kind === ts.SyntaxKind.UnknownKeyword)) return keyword(ts.SyntaxKind.UnknownKeyword);
  if (members.length === 0) return keyword(ts.SyntaxKind.NeverKeyword);
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
