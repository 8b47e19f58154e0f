/**
 * Shape → the zod expression that validates it, as a small tree (`ZodNode`). The tree has two readers:
 * `zod.ts` prints it as TypeScript for schemas.ts, and `live.ts` builds it with the live `z` and the
 * runtime's `jsonSchema` for generation-time checks (spec examples, example factories, docs). One
 * tree, two outputs: what the generator checks examples with is what the generated code runs.
 *
 * Plain keywords stay plain zod (the hot path costs what hand-written zod does); keywords zod has no
 * check for use the runtime's `jsonSchema` helpers.
 */
import { type Coverage, type JsonValue, type ObjectShape, PROTOTYPE_NAMES, type Shape } from './shape.js';

export type ZodNode =
  /** zod's `z`. */
  | { readonly op: 'z' }
  /** The runtime's `jsonSchema` helpers. */
  | { readonly op: 'jsonSchema' }
  /** The zod constant of a declaration (`XSchema`). */
  | { readonly op: 'declaration'; readonly name: string; readonly zodName: string }
  | { readonly op: 'get'; readonly of: ZodNode; readonly name: string }
  /** `fn<type>(...args)`; `type` is printed as the call's type argument (a Shape's TypeScript type). */
  | { readonly op: 'call'; readonly fn: ZodNode; readonly args: readonly ZodNode[]; readonly type?: Shape }
  /** `() => body` */
  | { readonly op: 'thunk'; readonly body: ZodNode }
  | { readonly op: 'json'; readonly value: JsonValue }
  | { readonly op: 'undefined' }
  | { readonly op: 'object'; readonly entries: readonly (readonly [string, ZodNode])[] }
  | { readonly op: 'array'; readonly items: readonly ZodNode[] }
  | { readonly op: 'regexp'; readonly source: string; readonly flags: string }
  /** `node` with a comment in front. */
  | { readonly op: 'note'; readonly text: string; readonly node: ZodNode };

/** Whether declaration `name` is already defined where the tree is used (else it is reached lazily). */
export type IsDeclared = (name: string) => boolean;

const Z: ZodNode = { op: 'z' };
const JS: ZodNode = { op: 'jsonSchema' };

function get(of: ZodNode, name: string): ZodNode {
  return { op: 'get', of, name };
}

/** `target.method(...args)` */
function call(target: ZodNode, method: string, args: readonly ZodNode[] = [], type?: Shape): ZodNode {
  return { op: 'call', fn: get(target, method), args, ...(type ? { type } : {}) };
}

/** `expr.check(...)`, folded into the previous `.check(...)` when `expr` ends with one. */
function withCheck(expr: ZodNode, check: ZodNode): ZodNode {
  if (expr.op === 'call' && expr.fn.op === 'get' && expr.fn.name === 'check' && expr.type === undefined) {
    return { ...expr, args: [...expr.args, check] };
  }
  return call(expr, 'check', [check]);
}

function z(method: string, ...args: ZodNode[]): ZodNode {
  return call(Z, method, args);
}

function js(method: string, args: readonly ZodNode[] = [], type?: Shape): ZodNode {
  return call(JS, method, args, type);
}

function json(value: JsonValue): ZodNode {
  return { op: 'json', value };
}

function array(items: readonly ZodNode[]): ZodNode {
  return { op: 'array', items };
}

function regexp(pattern: { readonly source: string; readonly flags: string }): ZodNode {
  return { op: 'regexp', source: pattern.source, flags: pattern.flags };
}

/** The zod tree of `shape`. */
export function zodTree(shape: Shape, declared: IsDeclared): ZodNode {
  const of = (s: Shape) => zodTree(s, declared);
  switch (shape.kind) {
    case 'unknown':
      return z('unknown');
    case 'never':
      return z('never');
    case 'null':
      return z('null');
    case 'boolean':
      return z('boolean');
    case 'ref': {
      const constant: ZodNode = { op: 'declaration', name: shape.name, zodName: shape.zodName };
      return declared(shape.name) ? constant : z('lazy', { op: 'thunk', body: constant });
    }
    case 'string': {
      let expr = z('string');
      if (shape.minLength !== undefined) expr = withCheck(expr, js('minLength', [json(shape.minLength)]));
      if (shape.maxLength !== undefined) expr = withCheck(expr, js('maxLength', [json(shape.maxLength)]));
      if (shape.pattern) expr = call(expr, 'regex', [regexp(shape.pattern)]);
      if (shape.format !== undefined) expr = withCheck(expr, js('format', [json(shape.format)]));
      return shape.note === undefined ? expr : { op: 'note', text: shape.note, node: expr };
    }
    case 'number': {
      let expr = z('number');
      for (const bound of ['gte', 'gt', 'lte', 'lt'] as const) {
        const value = shape[bound];
        if (value !== undefined) expr = call(expr, bound, [json(value)]);
      }
      if (shape.integer) expr = withCheck(expr, get(JS, 'integer'));
      if (shape.multipleOf !== undefined) expr = withCheck(expr, js('multipleOf', [json(shape.multipleOf)]));
      if (shape.format !== undefined) expr = withCheck(expr, js('format', [json(shape.format)]));
      return expr;
    }
    case 'literal':
      return literal(shape);
    case 'object':
      return object(shape, of);
    case 'array': {
      let expr = z('array', of(shape.items));
      if (shape.minItems !== undefined) expr = call(expr, 'min', [json(shape.minItems)]);
      if (shape.maxItems !== undefined) expr = call(expr, 'max', [json(shape.maxItems)]);
      return arrayChecks(expr, shape, of);
    }
    case 'tuple': {
      const items = shape.items.map((item, i) => (i < shape.required ? of(item) : call(of(item), 'exactOptional')));
      const args = [array(items)];
      if (shape.rest) args.push(of(shape.rest));
      let expr = z('tuple', ...args);
      if (shape.minItems !== undefined && shape.minItems > shape.items.length) {
        expr = withCheck(expr, z('minLength', json(shape.minItems)));
      }
      const longest = shape.rest ? Number.POSITIVE_INFINITY : shape.items.length;
      if (shape.maxItems !== undefined && shape.maxItems < longest) {
        expr = withCheck(expr, z('maxLength', json(shape.maxItems)));
      }
      return arrayChecks(expr, shape, of);
    }
    case 'union':
      return z('union', array(shape.members.map(of)));
    case 'oneOf':
      return z('xor', array(shape.members.map(of)));
    case 'allOf':
      return js('allOf', [array(shape.members.map(of))], shape);
    case 'refined': {
      const checks = [
        ...shape.not.map((n) => js('not', [of(n)])),
        ...(shape.unevaluated ?? []).map((u) =>
          js('unevaluated', [
            json(u.of),
            coverage(u.coverage, of),
            u.shape.kind === 'never' ? json(false) : of(u.shape),
          ]),
        ),
        ...shape.conditions.map((c) =>
          js('when', [of(c.if), c.then ? of(c.then) : { op: 'undefined' }, ...(c.else ? [of(c.else)] : [])]),
        ),
      ];
      return js('all', [of(shape.base), ...checks]);
    }
    case 'nullable':
      return call(of(shape.inner), 'nullable');
    case 'header':
      return js('header', [array(shape.kinds.map((k) => json(k))), of(shape.inner)]);
    case 'headers':
      // What the schema says beyond its headers applies to the headers as parsed (the object's output).
      return call(object(shape.headers, of), 'check', [js('matches', [of(shape.rest)])]);
  }
}

/** A Shape's `Coverage` as the runtime's: only what it has. */
function coverage(c: Coverage, of: (s: Shape) => ZodNode): ZodNode {
  const entries: [string, ZodNode][] = [];
  if (c.names.length > 0) entries.push(['names', json(c.names)]);
  if (c.patterns.length > 0) entries.push(['patterns', array(c.patterns.map(regexp))]);
  if (c.prefix > 0) entries.push(['prefix', json(c.prefix)]);
  if (c.all) entries.push(['all', json(true)]);
  if (c.contains) entries.push(['contains', of(c.contains)]);
  if (c.branches.length > 0) {
    entries.push([
      'branches',
      array(
        c.branches.map((b) => {
          const branch: [string, ZodNode][] = [];
          if (b.when) branch.push(['when', of(b.when)]);
          if (b.key !== undefined) branch.push(['key', json(b.key)]);
          branch.push(['cover', coverage(b.cover, of)]);
          if (b.otherwise) branch.push(['otherwise', coverage(b.otherwise, of)]);
          return { op: 'object', entries: branch };
        }),
      ),
    ]);
  }
  return { op: 'object', entries };
}

function literal(shape: Extract<Shape, { kind: 'literal' }>): ZodNode {
  const values = shape.values;
  if (values.some((v) => v !== null && typeof v === 'object')) return js('enum', [json(values)], shape);
  if (values.length === 1) return z('literal', json(values[0] as JsonValue));
  if (values.every((v) => typeof v === 'string')) return z('enum', json(values));
  return z('union', array(values.map((v) => z('literal', json(v)))));
}

/** Array keywords that read the items as received: uniqueness and `contains`. */
function arrayChecks(
  expr: ZodNode,
  shape: Extract<Shape, { kind: 'array' | 'tuple' }>,
  of: (s: Shape) => ZodNode,
): ZodNode {
  const checks: ZodNode[] = [];
  if (shape.uniqueItems) checks.push(get(JS, 'uniqueItems'));
  if (shape.contains) {
    const { min, max } = shape.contains;
    const args = [of(shape.contains.shape)];
    if (min !== 1 || max !== undefined) args.push(json(min));
    if (max !== undefined) args.push(json(max));
    checks.push(js('contains', args));
  }
  return checks.length === 0 ? expr : js('all', [expr, ...checks]);
}

/** True when `z.object` says exactly what the object shape says (else the runtime reads it by own keys). */
function isZodObject(shape: ObjectShape): boolean {
  return (
    typeof shape.extra === 'string' &&
    shape.patterns === undefined &&
    shape.propertyNames === undefined &&
    shape.minProperties === undefined &&
    shape.maxProperties === undefined &&
    shape.dependencies === undefined &&
    // `z.object` finds these on every object ('constructor' in {}) and skips `__proto__`.
    !shape.properties.some((p) => PROTOTYPE_NAMES.has(p.name))
  );
}

function object(shape: ObjectShape, of: (s: Shape) => ZodNode): ZodNode {
  if (isZodObject(shape)) {
    if (shape.properties.length === 0 && shape.extra !== 'strict') return z('record', z('string'), z('unknown'));
    const fields: ZodNode = {
      op: 'object',
      entries: shape.properties.map((p) => [p.name, p.required ? of(p.shape) : call(of(p.shape), 'exactOptional')]),
    };
    switch (shape.extra) {
      case 'strict':
        return z('strictObject', fields);
      case 'loose':
        return z('looseObject', fields);
      default:
        return z('object', fields);
    }
  }
  const entries: [string, ZodNode][] = [];
  const declared = shape.properties.filter((p) => p.declared);
  if (declared.length > 0) {
    entries.push(['properties', { op: 'object', entries: declared.map((p) => [p.name, of(p.shape)]) }]);
  }
  const required = shape.properties.filter((p) => p.required).map((p) => p.name);
  if (required.length > 0) entries.push(['required', json(required)]);
  if (shape.patterns) {
    entries.push(['patternProperties', array(shape.patterns.map((p) => array([regexp(p.pattern), of(p.shape)])))]);
  }
  if (shape.extra === 'strict') entries.push(['additionalProperties', json(false)]);
  else if (typeof shape.extra === 'object') entries.push(['additionalProperties', of(shape.extra)]);
  if (shape.propertyNames) entries.push(['propertyNames', of(shape.propertyNames)]);
  if (shape.minProperties !== undefined) entries.push(['minProperties', json(shape.minProperties)]);
  if (shape.maxProperties !== undefined) entries.push(['maxProperties', json(shape.maxProperties)]);
  if (shape.dependencies) {
    entries.push([
      'dependencies',
      array(shape.dependencies.map((d) => array([json(d.name), d.shape ? of(d.shape) : json(d.required ?? [])]))),
    ]);
  }
  return js('object', [{ op: 'object', entries }], shape);
}
