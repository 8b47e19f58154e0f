/**
 * JSON Schema → `Shape`: the one place that decides what a schema means for the generated code.
 * Both emitters (`zod.ts`, `type.ts`) print the same Shape, so the zod output type and the TypeScript
 * type cannot drift apart. Named schemas become `ref` shapes here, which makes every Shape a tree.
 */
import type { JsonSchema, JsonSchemaObject, NamedSchema } from '../../model/types.js';
import { docOf } from './print.js';

/** Declared names by identity: the schema objects that have a declaration of their own. */
export interface SchemaRefs {
  /** Type name of the declaration of `schema` (compared by identity); undefined when it has none. */
  nameOf(schema: JsonSchemaObject): string | undefined;
  /** Name of the zod schema constant of the declaration whose type name is `name`. */
  zodNameOf(name: string): string;
}

/** The references of a module's declarations (`NamedSchema.name` / `zodName`, keyed by schema identity). */
export function schemaRefs(schemas: readonly NamedSchema[]): SchemaRefs {
  const names = new Map<JsonSchemaObject, string>();
  const zodNames = new Map<string, string>();
  for (const s of schemas) {
    if (typeof s.schema === 'object') names.set(s.schema, s.name);
    zodNames.set(s.name, s.zodName);
  }
  return {
    nameOf: (schema) => names.get(schema),
    zodNameOf: (name) => {
      const zodName = zodNames.get(name);
      if (zodName === undefined) throw new Error(`no declaration named '${name}'`);
      return zodName;
    },
  };
}

export type SchemaRole = NamedSchema['role'];

/** Receives what the generated code cannot check; `path` is a JSON pointer from the emitted schema. */
export type SchemaWarn = (message: string, path: string) => void;

export interface ShapeContext {
  readonly refs: SchemaRefs;
  /** The declaration being emitted: at the top it is expanded, not replaced by a reference to itself. */
  readonly root?: JsonSchemaObject | undefined;
  readonly role?: SchemaRole | undefined;
  readonly warn?: SchemaWarn | undefined;
}

export type Literal = string | number | boolean | null;

export type StringFormat = 'date-time' | 'date' | 'time' | 'email' | 'uuid' | 'uri' | 'ipv4' | 'ipv6';

export interface PropertyShape {
  readonly name: string;
  readonly shape: Shape;
  readonly required: boolean;
  readonly doc?: string | undefined;
}

export type Shape =
  | { readonly kind: 'unknown' }
  | { readonly kind: 'never' }
  /** A declaration: type `name`, zod constant `zodName`. */
  | { readonly kind: 'ref'; readonly name: string; readonly zodName: string }
  | {
      readonly kind: 'string';
      readonly format?: StringFormat | undefined;
      readonly minLength?: number | undefined;
      readonly maxLength?: number | undefined;
      readonly pattern?: { readonly source: string; readonly flags: string } | undefined;
      /** Said in a comment next to the validator (e.g. a pattern JavaScript cannot compile). */
      readonly note?: string | undefined;
    }
  | {
      readonly kind: 'number';
      readonly integer: boolean;
      /** Header values: parsed from their string form. */
      readonly coerce: boolean;
      readonly gte?: number | undefined;
      readonly gt?: number | undefined;
      readonly lte?: number | undefined;
      readonly lt?: number | undefined;
      readonly multipleOf?: number | undefined;
    }
  | { readonly kind: 'boolean'; readonly coerce: boolean }
  | { readonly kind: 'null' }
  /** `enum` / `const`: at least one value. */
  | { readonly kind: 'literal'; readonly values: readonly Literal[] }
  | {
      readonly kind: 'object';
      readonly properties: readonly PropertyShape[];
      /** Other keys: dropped (`strip`), rejected (`strict`), kept (`loose`), or validated by a Shape. */
      readonly extra: 'strip' | 'strict' | 'loose' | Shape;
    }
  /** An object with no declared properties whose values all have one shape. */
  | { readonly kind: 'record'; readonly value: Shape }
  | {
      readonly kind: 'array';
      readonly items: Shape;
      readonly minItems?: number | undefined;
      readonly maxItems?: number | undefined;
    }
  /** `items: [...]`: the first `required` elements must be present; `rest` undefined means no more. */
  | { readonly kind: 'tuple'; readonly items: readonly Shape[]; readonly required: number; readonly rest?: Shape }
  | { readonly kind: 'union'; readonly members: readonly Shape[] }
  | { readonly kind: 'intersection'; readonly members: readonly Shape[] }
  | { readonly kind: 'nullable'; readonly inner: Shape }
  /** A header value whose schema is not a plain number/boolean: parse the string, then validate. */
  | { readonly kind: 'coerce'; readonly to: 'number' | 'boolean'; readonly inner: Shape };

const UNKNOWN: Shape = { kind: 'unknown' };
const NEVER: Shape = { kind: 'never' };

/** Keywords with validation meaning that the generated code does not check. */
const IGNORED = [
  'not',
  'if',
  'then',
  'else',
  'patternProperties',
  'propertyNames',
  'dependencies',
  'dependentRequired',
  'dependentSchemas',
  'minProperties',
  'maxProperties',
  'contains',
  'unevaluatedProperties',
  'unevaluatedItems',
] as const;

/** RFC 3339 `full-time` (JSON Schema `time`); `z.iso.time()` rejects the offset this requires. */
export const FULL_TIME =
  '^(?:[01]\\d|2[0-3]):[0-5]\\d:(?:[0-5]\\d|60)(?:\\.\\d+)?(?:[Zz]|[+-](?:[01]\\d|2[0-3]):[0-5]\\d)$';

const FORMATS: ReadonlySet<string> = new Set<StringFormat>([
  'date-time',
  'date',
  'time',
  'email',
  'uuid',
  'uri',
  'ipv4',
  'ipv6',
]);

/** The Shape of `schema`. Throws when it meets a cycle through objects that have no name. */
export function toShape(schema: JsonSchema, ctx: ShapeContext): Shape {
  return new ShapeBuilder(ctx).top(schema);
}

class ShapeBuilder {
  private readonly onPath = new Set<JsonSchemaObject>();

  constructor(private readonly ctx: ShapeContext) {}

  top(schema: JsonSchema): Shape {
    if (typeof schema === 'boolean' || schema !== this.ctx.root) return this.shape(schema, '');
    return this.expand(schema, '', this.ctx.role === 'headers');
  }

  private warn(message: string, path: string): void {
    this.ctx.warn?.(message, path === '' ? '/' : path);
  }

  private shape(schema: JsonSchema | undefined, path: string): Shape {
    if (schema === undefined || schema === true) return UNKNOWN;
    if (schema === false) return NEVER;
    if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) {
      throw new Error(`not a JSON Schema at '${path || '/'}': ${JSON.stringify(schema)}`);
    }
    const name = this.ctx.refs.nameOf(schema);
    if (name !== undefined) return { kind: 'ref', name, zodName: this.ctx.refs.zodNameOf(name) };
    return this.expand(schema, path, false);
  }

  private expand(schema: JsonSchemaObject, path: string, headers: boolean): Shape {
    if (this.onPath.has(schema)) {
      throw new Error(
        `schema at '${path || '/'}' contains itself but has no name; the model must name every member of a cycle`,
      );
    }
    this.onPath.add(schema);
    try {
      return this.describe(schema, path, headers);
    } finally {
      this.onPath.delete(schema);
    }
  }

  private describe(schema: JsonSchemaObject, path: string, headers: boolean): Shape {
    for (const keyword of IGNORED) {
      if (schema[keyword] !== undefined) this.warn(`'${keyword}' is not checked by the generated schema`, path);
    }
    const parts: Shape[] = [];
    const allOf = schemaList(schema.allOf);
    const merged = allOf && mergeableAllOf(schema, allOf, this.ctx.refs);
    const base = this.base(merged ?? schema, path, headers);
    if (base) parts.push(base);
    if (allOf && !merged) parts.push(...allOf.map((s, i) => this.shape(s, `${path}/allOf/${i}`)));
    for (const keyword of ['anyOf', 'oneOf'] as const) {
      const members = schemaList(schema[keyword]);
      if (members) parts.push(union(members.map((s, i) => this.shape(s, `${path}/${keyword}/${i}`))));
    }
    const shape = intersection(parts);
    return schema.nullable === true ? nullable(shape) : shape;
  }

  /** What `type` (or its absence), `enum`, `const` and the type's own keywords say; undefined: nothing. */
  private base(schema: JsonSchemaObject, path: string, headers: boolean): Shape | undefined {
    const types = typesOf(schema);
    if (schema.const !== undefined) return this.literal([schema.const], types, path);
    if (Array.isArray(schema.enum)) return this.literal(schema.enum, types, path);
    if (types === undefined) return undefined;
    const hasNull = types.includes('null');
    let rest = types.filter((t) => t !== 'null');
    if (rest.includes('number')) rest = rest.filter((t) => t !== 'integer');
    const shape = union(rest.map((type) => this.typed(type, schema, path, headers)));
    if (!hasNull) return shape;
    return rest.length === 0 ? { kind: 'null' } : nullable(shape);
  }

  /** `enum`/`const` values allowed by `type` (when given), as a literal Shape. */
  private literal(values: readonly unknown[], types: readonly string[] | undefined, path: string): Shape {
    if (values.some((v) => v !== null && typeof v === 'object')) {
      this.warn(`object and array values of 'enum'/'const' are not checked by the generated schema`, path);
      return UNKNOWN;
    }
    const allowed = (values as Literal[]).filter((v) => types === undefined || types.includes(jsonType(v)));
    const unique = [...new Set(allowed)];
    return unique.length === 0 ? NEVER : { kind: 'literal', values: unique };
  }

  private typed(type: string, schema: JsonSchemaObject, path: string, headers: boolean): Shape {
    switch (type) {
      case 'string':
        return this.string(schema, path);
      case 'number':
      case 'integer':
        return {
          kind: 'number',
          integer: type === 'integer',
          coerce: false,
          ...numberBounds(schema),
        };
      case 'boolean':
        return { kind: 'boolean', coerce: false };
      case 'object':
        return this.object(schema, path, headers);
      case 'array':
        return this.array(schema, path);
      default:
        this.warn(`unknown type '${type}' accepts any value`, path);
        return UNKNOWN;
    }
  }

  private string(schema: JsonSchemaObject, path: string): Shape {
    const format = typeof schema.format === 'string' && FORMATS.has(schema.format) ? schema.format : undefined;
    const pattern = schema.pattern;
    let compiled: { source: string; flags: string } | undefined;
    let note: string | undefined;
    if (typeof pattern === 'string') {
      compiled = compilePattern(pattern);
      if (!compiled) {
        note = `pattern ${JSON.stringify(pattern)} is not a valid JavaScript regular expression and is not checked`;
        this.warn(note, `${path}/pattern`);
      }
    }
    return {
      kind: 'string',
      format: format as StringFormat | undefined,
      minLength: count(schema.minLength),
      maxLength: count(schema.maxLength),
      pattern: compiled,
      note,
    };
  }

  private object(schema: JsonSchemaObject, path: string, headers: boolean): Shape {
    const declared = isRecord(schema.properties) ? schema.properties : {};
    const required = new Set(Array.isArray(schema.required) ? schema.required : []);
    const properties = Object.entries(declared).map(([name, value]): PropertyShape => {
      const at = `${path}/properties/${pointerToken(name)}`;
      const propSchema = value as JsonSchema;
      const shape = headers ? this.headerValue(propSchema, at) : this.shape(propSchema, at);
      return {
        name,
        shape,
        required: required.has(name),
        doc: shape.kind === 'ref' ? undefined : docOf(propSchema),
      };
    });
    const additional = schema.additionalProperties;
    let extra: 'strip' | 'strict' | 'loose' | Shape;
    if (headers)
      extra = 'strip'; // NATS adds headers of its own
    else if (additional === undefined) extra = 'strip';
    else {
      const shape = this.shape(additional as JsonSchema, `${path}/additionalProperties`);
      extra = shape.kind === 'never' ? 'strict' : shape.kind === 'unknown' ? 'loose' : shape;
    }
    if (properties.length > 0 || extra === 'strict') return { kind: 'object', properties, extra };
    return { kind: 'record', value: typeof extra === 'string' ? UNKNOWN : extra };
  }

  /** NATS header values are strings: numbers and booleans are parsed from them. */
  private headerValue(schema: JsonSchema, path: string): Shape {
    const scalar = typeof schema === 'object' ? scalarOf(schema) : undefined;
    const shape = this.shape(schema, path);
    if (scalar === undefined) return shape;
    if (shape.kind === 'number' || shape.kind === 'boolean') return { ...shape, coerce: true };
    return { kind: 'coerce', to: scalar, inner: shape };
  }

  private array(schema: JsonSchemaObject, path: string): Shape {
    if (schema.uniqueItems === true) this.warn(`'uniqueItems' is not checked by the generated schema`, path);
    const items = schema.items;
    const minItems = count(schema.minItems);
    const maxItems = count(schema.maxItems);
    if (Array.isArray(items)) {
      const shapes = items.map((s, i) => this.shape(s as JsonSchema, `${path}/items/${i}`));
      const additional = schema.additionalItems;
      const rest = this.shape(additional as JsonSchema | undefined, `${path}/additionalItems`);
      if (maxItems !== undefined) this.warn(`'maxItems' of a tuple is not checked by the generated schema`, path);
      return {
        kind: 'tuple',
        items: shapes,
        required: Math.min(minItems ?? 0, shapes.length),
        ...(rest.kind === 'never' ? {} : { rest }),
      };
    }
    return {
      kind: 'array',
      items: this.shape(items as JsonSchema | undefined, `${path}/items`),
      minItems,
      maxItems,
    };
  }
}

function jsonType(value: Literal): string {
  if (value === null) return 'null';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

/** The `type` list; without `type`, `properties`/`additionalProperties` say object and `items` array. */
function typesOf(schema: JsonSchemaObject): string[] | undefined {
  const type = schema.type;
  if (typeof type === 'string') return type === 'number' ? ['number', 'integer'] : [type];
  if (Array.isArray(type)) {
    const types = type.filter((t): t is string => typeof t === 'string');
    return types.includes('number') ? [...types, 'integer'] : types;
  }
  if (schema.properties !== undefined || schema.additionalProperties !== undefined) return ['object'];
  if (schema.items !== undefined) return ['array'];
  return undefined;
}

/** 'number' or 'boolean' when every value the schema allows is one (for header values). */
function scalarOf(schema: JsonSchemaObject): 'number' | 'boolean' | undefined {
  const values = schema.const !== undefined ? [schema.const] : schema.enum;
  if (Array.isArray(values) && values.length > 0) {
    if (values.every((v) => typeof v === 'number')) return 'number';
    if (values.every((v) => typeof v === 'boolean')) return 'boolean';
    return undefined;
  }
  const type = schema.type;
  if (type === 'number' || type === 'integer') return 'number';
  if (type === 'boolean') return 'boolean';
  return undefined;
}

function numberBounds(schema: JsonSchemaObject) {
  const minimum = finite(schema.minimum);
  const maximum = finite(schema.maximum);
  const exclusiveMinimum = schema.exclusiveMinimum;
  const exclusiveMaximum = schema.exclusiveMaximum;
  const bounds: { gte?: number; gt?: number; lte?: number; lt?: number; multipleOf?: number } = {};
  // draft 4 wrote exclusiveMinimum/Maximum as booleans next to minimum/maximum
  if (exclusiveMinimum === true && minimum !== undefined) bounds.gt = minimum;
  else if (minimum !== undefined) bounds.gte = minimum;
  if (typeof exclusiveMinimum === 'number' && Number.isFinite(exclusiveMinimum)) {
    if (bounds.gte !== undefined && bounds.gte > exclusiveMinimum) {
      // minimum is the tighter bound
    } else {
      delete bounds.gte;
      bounds.gt = exclusiveMinimum;
    }
  }
  if (exclusiveMaximum === true && maximum !== undefined) bounds.lt = maximum;
  else if (maximum !== undefined) bounds.lte = maximum;
  if (typeof exclusiveMaximum === 'number' && Number.isFinite(exclusiveMaximum)) {
    if (bounds.lte !== undefined && bounds.lte < exclusiveMaximum) {
      // maximum is the tighter bound
    } else {
      delete bounds.lte;
      bounds.lt = exclusiveMaximum;
    }
  }
  const multipleOf = finite(schema.multipleOf);
  if (multipleOf !== undefined && multipleOf > 0) bounds.multipleOf = multipleOf;
  return bounds;
}

/**
 * `allOf` whose members are all anonymous plain objects (properties/required only, no name shared,
 * no `additionalProperties` anywhere, which would change what the members accept) is one object:
 * merged here so zod reports one object's errors instead of an intersection's.
 */
function mergeableAllOf(
  schema: JsonSchemaObject,
  members: readonly JsonSchema[],
  refs: SchemaRefs,
): JsonSchemaObject | undefined {
  const parentType = schema.type;
  if (parentType !== undefined && parentType !== 'object') return undefined;
  if (!isPlainObject(schema, ['allOf', 'anyOf', 'oneOf', 'nullable'])) return undefined;
  const properties: Record<string, unknown> = {};
  const required = new Set<unknown>();
  for (const part of [schema, ...members]) {
    if (typeof part !== 'object') return undefined;
    if (part !== schema && (refs.nameOf(part) !== undefined || !isPlainObject(part, []))) return undefined;
    if (part !== schema && part.type !== undefined && part.type !== 'object') return undefined;
    if (part.properties !== undefined && !isRecord(part.properties)) return undefined;
    for (const [name, value] of Object.entries((part.properties as Record<string, unknown> | undefined) ?? {})) {
      if (Object.hasOwn(properties, name)) return undefined;
      properties[name] = value;
    }
    if (Array.isArray(part.required)) for (const name of part.required) required.add(name);
  }
  if (Object.keys(properties).length === 0) return undefined;
  return { type: 'object', properties, required: [...required] };
}

/** Only documentation, `type`, `properties` and `required` (plus the keywords in `allowed`). */
function isPlainObject(schema: JsonSchemaObject, allowed: readonly string[]): boolean {
  const plain = new Set(['type', 'properties', 'required', 'description', 'title', 'examples', 'default', ...allowed]);
  return Object.keys(schema).every((key) => plain.has(key) || key.startsWith('x-') || key === '$id');
}

function union(members: readonly Shape[]): Shape {
  const flat = members.flatMap((m) => (m.kind === 'union' ? m.members : [m]));
  if (flat.some((m) => m.kind === 'unknown')) return UNKNOWN;
  const rest = flat.filter((m) => m.kind !== 'never');
  const withoutNull = rest.filter((m) => m.kind !== 'null');
  if (withoutNull.length < rest.length && withoutNull.length > 0) return nullable(union(withoutNull));
  if (rest.length === 0) return NEVER;
  return rest.length === 1 ? (rest[0] as Shape) : { kind: 'union', members: rest };
}

function intersection(parts: readonly Shape[]): Shape {
  const flat = parts.flatMap((p) => (p.kind === 'intersection' ? p.members : [p])).filter((p) => p.kind !== 'unknown');
  if (flat.some((p) => p.kind === 'never')) return NEVER;
  if (flat.length === 0) return UNKNOWN;
  return flat.length === 1 ? (flat[0] as Shape) : { kind: 'intersection', members: flat };
}

function nullable(shape: Shape): Shape {
  if (shape.kind === 'unknown' || shape.kind === 'nullable' || shape.kind === 'null') return shape;
  if (shape.kind === 'never') return { kind: 'null' };
  if (shape.kind === 'literal' && shape.values.includes(null)) return shape;
  return { kind: 'nullable', inner: shape };
}

function compilePattern(pattern: string): { source: string; flags: string } | undefined {
  // JSON Schema patterns are ECMA-262 with Unicode semantics (as in ajv); some only compile without 'u'
  for (const flags of ['u', '']) {
    try {
      new RegExp(pattern, flags);
      return { source: pattern, flags };
    } catch {
      // try the next flags
    }
  }
  return undefined;
}

function schemaList(value: unknown): JsonSchema[] | undefined {
  return Array.isArray(value) && value.length > 0 ? (value as JsonSchema[]) : undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function count(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 ? value : undefined;
}

function finite(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

function pointerToken(name: string): string {
  return name.replace(/~/g, '~0').replace(/\//g, '~1');
}
