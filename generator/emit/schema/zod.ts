/**
 * Shape → zod 4 expression (classic API, `import { z } from 'zod'`). The output type of every
 * expression is assignable to the TypeScript type `type.ts` prints for the same Shape, under
 * `exactOptionalPropertyTypes`.
 */
import { ts } from 'ts-morph';
import type { JsonSchema } from '../../model/types.js';
import { addInlineNote, literalExpression, numberExpression, objectLiteralKey } from './print.js';
import { FULL_TIME, type Literal, type SchemaRole, type Shape, type ShapeContext, toShape } from './shape.js';

export interface ZodContext extends ShapeContext {
  /** Type names (`X`, not `XSchema`) whose zod constant is already declared above the one being emitted. */
  readonly declared: ReadonlySet<string>;
  readonly role: SchemaRole;
}

const f = ts.factory;

/**
 * The zod expression for `schema`. A reference to declaration `X` is its constant (`XSchema`, i.e.
 * `NamedSchema.zodName`) when `X` is in `declared`, else `z.lazy(() => XSchema)`; always lazy for `root`.
 */
export function zodExpression(schema: JsonSchema, ctx: ZodContext): ts.Expression {
  const self = ctx.root === undefined ? undefined : ctx.refs.nameOf(ctx.root);
  return zodOf(toShape(schema, ctx), (name) => name !== self && ctx.declared.has(name));
}

type IsDeclared = (name: string) => boolean;

function zodOf(shape: Shape, declared: IsDeclared): ts.Expression {
  switch (shape.kind) {
    case 'unknown':
      return z('unknown');
    case 'never':
      return z('never');
    case 'null':
      return z('null');
    case 'ref': {
      const constant = f.createIdentifier(shape.zodName);
      if (declared(shape.name)) return constant;
      return z('lazy', f.createArrowFunction(undefined, undefined, [], undefined, undefined, constant));
    }
    case 'string': {
      let expr: ts.Expression;
      switch (shape.format) {
        case 'date-time':
          expr = call(f.createPropertyAccessExpression(zed(), 'iso'), 'datetime', [
            f.createObjectLiteralExpression([f.createPropertyAssignment('offset', f.createTrue())]),
          ]);
          break;
        case 'date':
          expr = call(f.createPropertyAccessExpression(zed(), 'iso'), 'date');
          break;
        case 'time':
          expr = call(z('string'), 'regex', [regExp(FULL_TIME, '')]);
          break;
        case 'email':
          expr = z('email');
          break;
        case 'uuid':
          expr = z('uuid');
          break;
        case 'uri':
          expr = z('url');
          break;
        case 'ipv4':
          expr = z('ipv4');
          break;
        case 'ipv6':
          expr = z('ipv6');
          break;
        case undefined:
          expr = z('string');
      }
      if (shape.minLength !== undefined) expr = call(expr, 'min', [numberExpression(shape.minLength)]);
      if (shape.maxLength !== undefined) expr = call(expr, 'max', [numberExpression(shape.maxLength)]);
      if (shape.pattern) expr = call(expr, 'regex', [regExp(shape.pattern.source, shape.pattern.flags)]);
      return addInlineNote(expr, shape.note);
    }
    case 'number': {
      let expr: ts.Expression;
      if (shape.coerce) {
        expr = call(f.createPropertyAccessExpression(zed(), 'coerce'), 'number');
        if (shape.integer) expr = call(expr, 'int');
      } else expr = z(shape.integer ? 'int' : 'number');
      for (const bound of ['gte', 'gt', 'lte', 'lt', 'multipleOf'] as const) {
        const value = shape[bound];
        if (value !== undefined) expr = call(expr, bound, [numberExpression(value)]);
      }
      return expr;
    }
    case 'boolean':
      return z(shape.coerce ? 'stringbool' : 'boolean');
    case 'literal':
      return literal(shape.values);
    case 'object': {
      const fields = f.createObjectLiteralExpression(
        shape.properties.map((p) => {
          const value = zodOf(p.shape, declared);
          return f.createPropertyAssignment(
            objectLiteralKey(p.name),
            p.required ? value : call(value, 'exactOptional'),
          );
        }),
        shape.properties.length > 0,
      );
      switch (shape.extra) {
        case 'strip':
          return z('object', fields);
        case 'strict':
          return z('strictObject', fields);
        case 'loose':
          return z('looseObject', fields);
        default:
          return call(z('object', fields), 'catchall', [zodOf(shape.extra, declared)]);
      }
    }
    case 'record':
      return z('record', z('string'), zodOf(shape.value, declared));
    case 'array': {
      let expr = z('array', zodOf(shape.items, declared));
      if (shape.minItems !== undefined) expr = call(expr, 'min', [numberExpression(shape.minItems)]);
      if (shape.maxItems !== undefined) expr = call(expr, 'max', [numberExpression(shape.maxItems)]);
      return expr;
    }
    case 'tuple': {
      const items = shape.items.map((item, i) => {
        const value = zodOf(item, declared);
        return i < shape.required ? value : call(value, 'exactOptional');
      });
      const args: ts.Expression[] = [f.createArrayLiteralExpression(items)];
      if (shape.rest) args.push(zodOf(shape.rest, declared));
      return z('tuple', ...args);
    }
    case 'union':
      return z('union', f.createArrayLiteralExpression(shape.members.map((m) => zodOf(m, declared))));
    case 'intersection':
      return shape.members.map((m) => zodOf(m, declared)).reduce((left, right) => z('intersection', left, right));
    case 'nullable':
      return call(zodOf(shape.inner, declared), 'nullable');
    case 'coerce': {
      const parse =
        shape.to === 'number' ? call(f.createPropertyAccessExpression(zed(), 'coerce'), 'number') : z('stringbool');
      const inner = zodOf(shape.inner, declared);
      // `.pipe()` wants a target whose input type accepts number/boolean; a declared schema is typed
      // `z.ZodType<T.X>` (input `unknown`), so it is reached through `z.any()`, which accepts anything.
      return call(parse, 'pipe', [shape.inner.kind === 'ref' ? call(z('any'), 'pipe', [inner]) : inner]);
    }
  }
}

function literal(values: readonly Literal[]): ts.Expression {
  if (values.length === 1) return z('literal', literalExpression(values[0] as Literal));
  if (values.every((v) => typeof v === 'string')) {
    return z('enum', f.createArrayLiteralExpression(values.map(literalExpression)));
  }
  return z('union', f.createArrayLiteralExpression(values.map((v) => z('literal', literalExpression(v)))));
}

/** `new RegExp('…', 'u')`: the pattern travels as a string literal, so no escaping can go wrong. */
function regExp(source: string, flags: string): ts.Expression {
  const args: ts.Expression[] = [f.createStringLiteral(source, true)];
  if (flags !== '') args.push(f.createStringLiteral(flags, true));
  return f.createNewExpression(f.createIdentifier('RegExp'), undefined, args);
}

function zed(): ts.Identifier {
  return f.createIdentifier('z');
}

/** `z.<method>(...args)` */
function z(method: string, ...args: ts.Expression[]): ts.Expression {
  return call(zed(), method, args);
}

/** `<target>.<method>(...args)` */
function call(target: ts.Expression, method: string, args: readonly ts.Expression[] = []): ts.Expression {
  return f.createCallExpression(f.createPropertyAccessExpression(target, method), undefined, args);
}
