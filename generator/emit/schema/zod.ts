/**
 * Shape → zod 4 expression (classic API, `import { z } from 'zod'`), printed from the tree
 * `zod-tree.ts` builds (the same tree `live.ts` evaluates for the generator's own checks). The output
 * type of every expression is assignable to the TypeScript type `type.ts` prints for the same Shape,
 * under `exactOptionalPropertyTypes`.
 */
import { ts } from 'ts-morph';
import type { JsonSchema } from '../../model/types.js';
import { addInlineNote, literalExpression, numberExpression, objectLiteralKey } from '../ast.js';
import { isMultiLine, markMultiLine } from '../print.js';
import { type JsonValue, type SchemaRole, type ShapeContext, toShape } from './shape.js';
import { shapeType } from './type.js';
import { type ZodNode, zodTree } from './zod-tree.js';

export interface ZodContext extends ShapeContext {
  /** Type names (`X`, not `XSchema`) whose zod constant is already declared above the one being emitted. */
  readonly declared: ReadonlySet<string>;
  readonly role: SchemaRole;
  /** Namespace of the declarations' types (`T` gives `T.X`) in the type arguments of runtime helpers. */
  readonly qualifier?: string | undefined;
  /** Local name of the runtime's `jsonSchema` helpers; default `jsonSchema`. */
  readonly helpers?: string | undefined;
}

const f = ts.factory;

/**
 * The zod expression for `schema`. A reference to declaration `X` is its constant (`XSchema`, i.e.
 * `NamedSchema.zodName`) when `X` is in `declared`, else `z.lazy(() => XSchema)`; always lazy for `root`.
 */
export function zodExpression(schema: JsonSchema, ctx: ZodContext): ts.Expression {
  const self = ctx.root === undefined ? undefined : ctx.refs.nameOf(ctx.root);
  const tree = zodTree(toShape(schema, ctx), (name) => name !== self && ctx.declared.has(name));
  return printZod(tree, { qualifier: ctx.qualifier, helpers: ctx.helpers ?? 'jsonSchema' });
}

/** Whether printing `schema` needs the runtime's `jsonSchema` helpers. */
export function usesHelpers(schema: JsonSchema, ctx: ShapeContext): boolean {
  const uses = (node: ZodNode): boolean => {
    switch (node.op) {
      case 'jsonSchema':
        return true;
      case 'get':
        return uses(node.of);
      case 'call':
        return uses(node.fn) || node.args.some(uses);
      case 'thunk':
        return uses(node.body);
      case 'object':
        return node.entries.some(([, v]) => uses(v));
      case 'array':
        return node.items.some(uses);
      case 'note':
        return uses(node.node);
      default:
        return false;
    }
  };
  return uses(zodTree(toShape(schema, ctx), () => true));
}

interface PrintContext {
  readonly qualifier: string | undefined;
  readonly helpers: string;
}

function printZod(node: ZodNode, ctx: PrintContext): ts.Expression {
  const of = (n: ZodNode) => printZod(n, ctx);
  switch (node.op) {
    case 'z':
      return f.createIdentifier('z');
    case 'jsonSchema':
      return f.createIdentifier(ctx.helpers);
    case 'declaration':
      return f.createIdentifier(node.zodName);
    case 'get': {
      const object = of(node.of);
      const access = f.createPropertyAccessExpression(object, node.name);
      return isMultiLine(object) ? markMultiLine(access) : access;
    }
    case 'call': {
      // A call on or of something printed on several lines is on several lines too (see `array`).
      const fn = of(node.fn);
      const args = node.args.map(of);
      const call = f.createCallExpression(fn, node.type ? [shapeType(node.type, ctx.qualifier)] : undefined, args);
      return isMultiLine(fn) || args.some(isMultiLine) ? markMultiLine(call) : call;
    }
    case 'thunk':
      return f.createArrowFunction(undefined, undefined, [], undefined, undefined, of(node.body));
    case 'json':
      return jsonExpression(node.value);
    case 'undefined':
      return f.createIdentifier('undefined');
    case 'object': {
      const literal = f.createObjectLiteralExpression(
        node.entries.map(([key, value]) => f.createPropertyAssignment(objectLiteralKey(key), of(value))),
        node.entries.length > 0,
      );
      return node.entries.length > 0 ? markMultiLine(literal) : literal;
    }
    case 'array': {
      // An item on several lines (an object schema) puts every item on a line of its own.
      const items = node.items.map(of);
      const broken = items.some(isMultiLine);
      const literal = f.createArrayLiteralExpression(items, broken);
      return broken ? markMultiLine(literal) : literal;
    }
    case 'regexp': {
      // `new RegExp('…', 'u')`: the pattern travels as a string literal, so no escaping can go wrong.
      const args: ts.Expression[] = [f.createStringLiteral(node.source, true)];
      if (node.flags !== '') args.push(f.createStringLiteral(node.flags, true));
      return f.createNewExpression(f.createIdentifier('RegExp'), undefined, args);
    }
    case 'note':
      return addInlineNote(of(node.node), node.text);
  }
}

/** A JSON value as a literal expression; `__proto__` keys stay data (see `objectLiteralKey`). */
function jsonExpression(value: JsonValue): ts.Expression {
  if (Array.isArray(value)) return f.createArrayLiteralExpression(value.map(jsonExpression));
  if (value !== null && typeof value === 'object') {
    return f.createObjectLiteralExpression(
      Object.entries(value).map(([key, v]) => f.createPropertyAssignment(objectLiteralKey(key), jsonExpression(v))),
    );
  }
  if (typeof value === 'number') return numberExpression(value);
  return literalExpression(value as string | boolean | null);
}
