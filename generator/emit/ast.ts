/**
 * Small builders over `ts.factory`, so emitters read like the code they produce and every spec
 * string reaches the output as a printed literal.
 */
import { ts } from 'ts-morph';
import {
  addDoc,
  literalType as literalTypeNode,
  numberExpression,
  objectLiteralKey,
  printNode,
  propertyName,
} from './schema/print.js';

const f = ts.factory;

/** An identifier, or `a.b.c` for a dotted name. */
export function ref(name: string): ts.Expression {
  const [head, ...rest] = name.split('.');
  return rest.reduce<ts.Expression>(
    (e, part) => f.createPropertyAccessExpression(e, part),
    f.createIdentifier(head as string),
  );
}

export function str(value: string): ts.StringLiteral {
  return f.createStringLiteral(value, true);
}

export function num(value: number): ts.Expression {
  return numberExpression(value);
}

export function bool(value: boolean): ts.Expression {
  return value ? f.createTrue() : f.createFalse();
}

/** `{ a: x, 'b-c': y }`; entries whose value is undefined are left out. */
/**
 * Literals printed on one line longer than this are broken one entry per line, so that generated
 * lines stay within the project's 120 columns once indented and keyed.
 */
const ONE_LINE_MAX = 72;

/** An object literal: one entry per line, or (`multiLine` false) on one line when it fits. */
export function obj(
  entries: readonly (readonly [string, ts.Expression | undefined])[],
  multiLine = true,
): ts.ObjectLiteralExpression {
  const properties = entries
    .filter((e): e is readonly [string, ts.Expression] => e[1] !== undefined)
    .map(([k, v]) => f.createPropertyAssignment(objectLiteralKey(k), v));
  const literal = f.createObjectLiteralExpression(properties, multiLine);
  return multiLine || printNode(literal).length <= ONE_LINE_MAX
    ? literal
    : f.createObjectLiteralExpression(properties, true);
}

/** An array literal: on one line when it fits (or `multiLine` false), else one item per line. */
export function arr(items: readonly ts.Expression[], multiLine = false): ts.ArrayLiteralExpression {
  const literal = f.createArrayLiteralExpression([...items], multiLine);
  return multiLine || items.length < 2 || printNode(literal).length <= ONE_LINE_MAX
    ? literal
    : f.createArrayLiteralExpression([...items], true);
}

export function call(
  callee: string,
  args: readonly ts.Expression[],
  typeArgs?: readonly ts.TypeNode[],
): ts.CallExpression {
  return f.createCallExpression(ref(callee), typeArgs ? [...typeArgs] : undefined, [...args]);
}

/**
 * `expr` marked `/* @__PURE__ *\/`: a bundler may drop the call when its result is unused (a schema
 * or subject template the application never imports), as it cannot know the call has no side effects.
 */
export function pure<T extends ts.Expression>(expr: T): T {
  return ts.addSyntheticLeadingComment(expr, ts.SyntaxKind.MultiLineCommentTrivia, ' @__PURE__ ', false);
}

/** A type reference, `T.Name` allowed. */
export function typeRef(name: string, args?: readonly ts.TypeNode[]): ts.TypeReferenceNode {
  const [head, ...rest] = name.split('.');
  const entity = rest.reduce<ts.EntityName>(
    (e, part) => f.createQualifiedName(e, part),
    f.createIdentifier(head as string),
  );
  return f.createTypeReferenceNode(entity, args ? [...args] : undefined);
}

export function literalType(value: string): ts.TypeNode {
  return literalTypeNode(value);
}

/** `A | B`, without repeats; `unknown` absorbs everything. */
export function union(types: readonly ts.TypeNode[]): ts.TypeNode {
  const seen = new Map<string, ts.TypeNode>();
  for (const t of types) {
    if (t.kind === ts.SyntaxKind.UnknownKeyword) return t;
    const text = printNode(t);
    if (!seen.has(text)) seen.set(text, t);
  }
  const unique = [...seen.values()];
  return unique.length === 1 ? (unique[0] as ts.TypeNode) : f.createUnionTypeNode(unique);
}

export function keyword(kind: 'string' | 'unknown' | 'void' | 'never' | 'undefined'): ts.TypeNode {
  const kinds = {
    string: ts.SyntaxKind.StringKeyword,
    unknown: ts.SyntaxKind.UnknownKeyword,
    void: ts.SyntaxKind.VoidKeyword,
    never: ts.SyntaxKind.NeverKeyword,
    undefined: ts.SyntaxKind.UndefinedKeyword,
  } as const;
  return f.createKeywordTypeNode(kinds[kind]);
}

/** One member of a type literal. */
export interface Member {
  readonly name: string;
  readonly type: ts.TypeNode;
  readonly optional?: boolean;
  readonly doc?: string;
}

/** `{ readonly a: X; readonly b?: Y }` with JSDoc on members. */
export function typeLiteral(members: readonly Member[]): ts.TypeLiteralNode {
  return f.createTypeLiteralNode(
    members.map((m) => {
      const sig = f.createPropertySignature(
        [f.createModifier(ts.SyntaxKind.ReadonlyKeyword)],
        propertyName(m.name),
        m.optional ? f.createToken(ts.SyntaxKind.QuestionToken) : undefined,
        m.type,
      );
      return addDoc(sig, m.doc);
    }),
  );
}

/** `Promise<T>`. */
export function promiseOf(type: ts.TypeNode): ts.TypeNode {
  return typeRef('Promise', [type]);
}
