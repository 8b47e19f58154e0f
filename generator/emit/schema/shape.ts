/**
 * JSON Schema → `Shape`: the one place that decides what a schema means for the generated code.
 * The TypeScript printer (`type.ts`), the zod printer (`zod.ts`), the example factories and the docs
 * checks all read the same Shape, so types, validators and examples cannot drift apart. Named schemas
 * become `ref` shapes here, which makes every Shape a tree.
 *
 * The meaning is JSON Schema's as the reference validator has it (ajv 8 with ajv-formats' full
 * formats; docs/schemas.md lists where we differ and why): keywords apply to values of their JSON
 * type only, `oneOf` means exactly one, `format` is ajv-formats' table. What a schema says that code
 * cannot honour is a finding, never silence.
 */
import { isKnownFormat } from '../../../runtime/json-schema.js';
import {
  ANNOTATIONS,
  ANY_VOCABULARY,
  booleanExclusiveBounds,
  dialectName,
  vocabularyOf,
} from '../../model/schema-vocabulary.js';
import type { JsonSchema, JsonSchemaObject, NamedSchema, SchemaDialect } from '../../model/types.js';
import { suggest } from '../../suggest.js';
import type {
  ArrayChecks,
  Coverage,
  HeaderKind,
  JsonValue,
  ObjectShape,
  PatternSource,
  PropertyShape,
  Shape,
  Unevaluated,
} from './shape-types.js';
import { staticallyAccepts } from './static.js';

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

/**
 * The JSON Schema dialect a schema is read in: AsyncAPI's default schema format is draft-07 based;
 * a multi-format schema may name another draft or an OpenAPI 3.0 schema object.
 */
export type Dialect = SchemaDialect;

/** Something a schema says that the generated code reads differently from, or cannot honour. */
export interface SchemaFinding {
  readonly code: string;
  readonly severity: 'error' | 'warning' | 'info';
  readonly message: string;
  /** The schema object the finding is about, and the keyword of it (when about one). */
  readonly schema: JsonSchemaObject;
  readonly keyword?: string | undefined;
  /** JSON pointer of the keyword (or schema) from the declaration's root, for messages. */
  readonly path: string;
  readonly help?: string | undefined;
}

/** Receives the findings of one declaration. */
export type SchemaWarn = (finding: SchemaFinding) => void;

export interface ShapeContext {
  readonly refs: SchemaRefs;
  /** The declaration being emitted: at the top it is expanded, not replaced by a reference to itself. */
  readonly root?: JsonSchemaObject | undefined;
  readonly role?: SchemaRole | undefined;
  readonly warn?: SchemaWarn | undefined;
  /** Default `draft-07`. */
  readonly dialect?: Dialect | undefined;
}

export type {
  ArrayChecks,
  Coverage,
  HeaderKind,
  JsonValue,
  Literal,
  ObjectShape,
  PatternSource,
  PropertyShape,
  Shape,
  Unevaluated,
} from './shape-types.js';

const UNKNOWN: Shape = { kind: 'unknown' };
const NEVER: Shape = { kind: 'never' };

type JsonType = 'null' | 'boolean' | 'object' | 'array' | 'number' | 'integer' | 'string';
const ALL_TYPES: readonly JsonType[] = ['object', 'array', 'string', 'number', 'boolean', 'null'];
const TYPE_NAMES: ReadonlySet<string> = new Set<JsonType>([...ALL_TYPES, 'integer']);

/** Names `z.object` would find on every object (`'constructor' in {}`): objects declaring them are read by own keys. */
export const PROTOTYPE_NAMES: ReadonlySet<string> = new Set(Object.getOwnPropertyNames(Object.prototype));

/** The Shape of `schema`. Throws when it meets a cycle through objects that have no name. */
export function toShape(schema: JsonSchema, ctx: ShapeContext): Shape {
  return new ShapeBuilder(ctx).top(schema);
}

/** The description of a schema, for JSDoc; undefined when it has none. */
export function docOf(schema: JsonSchema): string | undefined {
  if (typeof schema !== 'object') return undefined;
  const text = schema.description;
  return typeof text === 'string' && text.trim() !== '' ? text.trim() : undefined;
}

class ShapeBuilder {
  private readonly onPath = new Set<JsonSchemaObject>();
  private readonly dialect: Dialect;
  private readonly vocabulary: ReadonlySet<string>;

  constructor(private readonly ctx: ShapeContext) {
    this.dialect = ctx.dialect ?? 'draft-07';
    this.vocabulary = vocabularyOf(this.dialect);
  }

  top(schema: JsonSchema): Shape {
    if (typeof schema === 'boolean' || schema !== this.ctx.root) return this.shape(schema, '', ALL_TYPES);
    if (this.ctx.role === 'headers') return this.guard(schema, '', () => this.headers(schema));
    return this.expand(schema, '', ALL_TYPES);
  }

  private find(
    schema: JsonSchemaObject,
    path: string,
    finding: Omit<SchemaFinding, 'schema' | 'path'> & { readonly keyword?: string | undefined },
  ): void {
    const at = finding.keyword === undefined ? path : `${path}/${pointerToken(finding.keyword)}`;
    this.ctx.warn?.({ ...finding, schema, path: at === '' ? '/' : at });
  }

  private shape(schema: unknown, path: string, allowed: readonly JsonType[]): Shape {
    if (schema === undefined || schema === true) return UNKNOWN;
    if (schema === false) return NEVER;
    if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) {
      throw new Error(`not a JSON Schema at '${path || '/'}': ${JSON.stringify(schema)}`);
    }
    const object = schema as JsonSchemaObject;
    const name = this.ctx.refs.nameOf(object);
    if (name !== undefined) return { kind: 'ref', name, zodName: this.ctx.refs.zodNameOf(name) };
    return this.expand(object, path, allowed);
  }

  private guard<T>(schema: JsonSchemaObject, path: string, build: () => T): T {
    if (this.onPath.has(schema)) {
      throw new Error(
        `schema at '${path || '/'}' contains itself but has no name; the model must name every member of a cycle`,
      );
    }
    this.onPath.add(schema);
    try {
      return build();
    } finally {
      this.onPath.delete(schema);
    }
  }

  private expand(schema: JsonSchemaObject, path: string, allowed: readonly JsonType[]): Shape {
    return this.guard(schema, path, () => this.describe(schema, path, allowed));
  }

  /** Findings about keywords this dialect does not give meaning to. */
  private vet(schema: JsonSchemaObject, path: string): void {
    for (const keyword of Object.keys(schema)) {
      if (keyword.startsWith('x-') || ANNOTATIONS.has(keyword) || this.vocabulary.has(keyword)) continue;
      if (keyword === 'nullable' || keyword === '$ref') continue; // read where they matter
      if (!ANY_VOCABULARY.has(keyword)) {
        const near = suggest(keyword, [...this.vocabulary, ...ANNOTATIONS]);
        this.find(schema, path, {
          code: 'schema-unknown-keyword',
          severity: 'info',
          keyword,
          message: `'${keyword}' is not a JSON Schema keyword: it has no effect${near ? ` (did you mean '${near}'?)` : ''}`,
          help: near ? `rename it to '${near}'` : `remove it, or prefix it with 'x-' if it is an extension`,
        });
      } else {
        this.find(schema, path, {
          code: 'schema-keyword-not-in-dialect',
          severity: 'warning',
          keyword,
          message: `'${keyword}' is not a keyword of ${dialectName(this.dialect)}: it has no effect here`,
          help: replacement(keyword, this.dialect),
        });
      }
    }
  }

  private has(schema: JsonSchemaObject, keyword: string): boolean {
    return schema[keyword] !== undefined && this.vocabulary.has(keyword);
  }

  private describe(schema: JsonSchemaObject, path: string, allowed: readonly JsonType[]): Shape {
    this.vet(schema, path);
    let types = this.typesOf(schema, path, allowed);
    const allOf = this.has(schema, 'allOf') ? schemaList(schema.allOf) : undefined;
    // The types an allOf member declares bind the whole value, so its other keywords need no others.
    for (const member of allOf ?? []) {
      const declared = typeof member === 'object' ? declaredTypes(member) : undefined;
      if (declared) types = intersectTypes(types, declared);
    }
    if (types.length === 0) return NEVER;
    const merged = allOf && mergeableAllOf(schema, allOf, this.ctx.refs);
    const parts: Shape[] = [this.base(merged ?? schema, path, types)];
    if (allOf && !merged) parts.push(...allOf.map((s, i) => this.shape(s, `${path}/allOf/${i}`, types)));
    if (this.has(schema, 'anyOf')) {
      const members = schemaList(schema.anyOf);
      if (members) parts.push(union(members.map((s, i) => this.shape(s, `${path}/anyOf/${i}`, types))));
    }
    if (this.has(schema, 'oneOf')) {
      const members = schemaList(schema.oneOf);
      if (members) {
        const shapes = members.map((s, i) => this.shape(s, `${path}/oneOf/${i}`, types));
        // Members no value can match two of (told apart by type or by a discriminating property) need
        // no exclusivity check: the cheaper union means the same.
        parts.push(exclusive(members, types) ? union(shapes) : oneOf(shapes));
      }
    }
    const not: Shape[] = [];
    if (this.has(schema, 'not')) not.push(this.shape(schema.not, `${path}/not`, types));
    const conditions: { if: Shape; then?: Shape; else?: Shape }[] = [];
    if (this.has(schema, 'if')) {
      const then = this.has(schema, 'then') ? this.shape(schema.then, `${path}/then`, types) : undefined;
      const otherwise = this.has(schema, 'else') ? this.shape(schema.else, `${path}/else`, types) : undefined;
      if (then !== undefined || otherwise !== undefined) {
        conditions.push({
          if: this.shape(schema.if, `${path}/if`, types),
          ...(then !== undefined ? { then } : {}),
          ...(otherwise !== undefined ? { else: otherwise } : {}),
        });
      }
    }
    // A base that says only which types are allowed adds nothing to a part built for those types.
    const own = parts[0] as Shape;
    const rest = parts.slice(1);
    const core = onlyTypes(own) && rest.some(narrowed) ? rest : [own, ...rest];
    return refined(allOfShape(core), not, conditions, this.unevaluated(schema, path, types));
  }

  /** `unevaluatedProperties` / `unevaluatedItems` of `schema` (2019-09 and later), with what evaluates keys. */
  private unevaluated(schema: JsonSchemaObject, path: string, types: readonly JsonType[]): Unevaluated[] {
    const out: Unevaluated[] = [];
    if (this.has(schema, 'unevaluatedProperties') && types.includes('object')) {
      const shape = this.shape(schema.unevaluatedProperties, `${path}/unevaluatedProperties`, ALL_TYPES);
      if (shape.kind !== 'unknown')
        out.push({ of: 'properties', coverage: this.coverage(schema, 'properties', true), shape });
    }
    if (this.has(schema, 'unevaluatedItems') && types.includes('array')) {
      const shape = this.shape(schema.unevaluatedItems, `${path}/unevaluatedItems`, ALL_TYPES);
      if (shape.kind !== 'unknown') out.push({ of: 'items', coverage: this.coverage(schema, 'items', true), shape });
    }
    return out;
  }

  /** What `schema` and the subschemas it applies in place evaluate, of an object's keys or an array's items. */
  private coverage(
    schema: unknown,
    of: 'properties' | 'items',
    top: boolean,
    seen: Set<JsonSchemaObject> = new Set(),
  ): Coverage {
    const none: Coverage = { names: [], patterns: [], prefix: 0, all: false, branches: [] };
    if (schema === true || schema === false || !isRecord(schema)) return none;
    const s = schema as JsonSchemaObject;
    if (seen.has(s)) return none;
    seen.add(s);
    try {
      const names: string[] = [];
      const patterns: PatternSource[] = [];
      let prefix = 0;
      let all = false;
      let contains: Shape | undefined;
      const branches: Coverage['branches'][number][] = [];
      const merge = (c: Coverage) => {
        names.push(...c.names);
        patterns.push(...c.patterns);
        prefix = Math.max(prefix, c.prefix);
        all ||= c.all;
        branches.push(...c.branches);
        if (c.contains) contains = c.contains;
      };
      const nested = (sub: unknown) => this.coverage(sub, of, false, seen);
      const quiet = (sub: unknown) =>
        new ShapeBuilder({ ...this.ctx, root: undefined, warn: undefined }).shape(sub, '', ALL_TYPES);
      if (of === 'properties') {
        if (this.has(s, 'properties') && isRecord(s.properties)) names.push(...Object.keys(s.properties));
        if (this.has(s, 'patternProperties') && isRecord(s.patternProperties)) {
          for (const source of Object.keys(s.patternProperties)) {
            const compiled = compilePattern(source);
            if (compiled) patterns.push(compiled);
          }
        }
        if (this.has(s, 'additionalProperties')) all = true;
        if (!top && this.has(s, 'unevaluatedProperties')) all = true;
        for (const keyword of ['dependentSchemas', 'dependencies'] as const) {
          if (!this.has(s, keyword) || !isRecord(s[keyword])) continue;
          for (const [key, sub] of Object.entries(s[keyword] as Record<string, unknown>)) {
            if (!Array.isArray(sub)) branches.push({ key, cover: nested(sub) });
          }
        }
      } else {
        const prefixItems = this.dialect === '2020-12' ? s.prefixItems : s.items;
        if (Array.isArray(prefixItems)) {
          prefix = prefixItems.length;
          const rest = this.dialect === '2020-12' ? 'items' : 'additionalItems';
          if (this.has(s, rest)) all = true;
        } else if (this.has(s, 'items')) all = true;
        if (!top && this.has(s, 'unevaluatedItems')) all = true;
        if (this.dialect === '2020-12' && this.has(s, 'contains')) contains = quiet(s.contains);
      }
      for (const member of schemaList(s.allOf) ?? []) merge(nested(member));
      for (const keyword of ['anyOf', 'oneOf'] as const) {
        for (const member of schemaList(s[keyword]) ?? [])
          branches.push({ when: quiet(member), cover: nested(member) });
      }
      if (this.has(s, 'if')) {
        const cover = nested(s.if);
        const then = this.has(s, 'then') ? nested(s.then) : undefined;
        branches.push({
          when: quiet(s.if),
          cover: then ? union2(cover, then) : cover,
          ...(this.has(s, 'else') ? { otherwise: nested(s.else) } : {}),
        });
      }
      return { names: [...new Set(names)], patterns, prefix, all, branches, ...(contains ? { contains } : {}) };
    } finally {
      seen.delete(s);
    }
  }

  /**
   * The JSON types `schema` admits, within `allowed`: its `type` (plus `null` for `nullable: true`,
   * which ajv honours next to `type`), or all of `allowed`.
   */
  private typesOf(schema: JsonSchemaObject, path: string, allowed: readonly JsonType[]): JsonType[] {
    let declared: JsonType[] | undefined;
    const type = schema.type;
    if (type !== undefined) {
      const list = Array.isArray(type) ? type : [type];
      declared = [];
      for (const t of list) {
        if (typeof t === 'string' && TYPE_NAMES.has(t)) declared.push(t as JsonType);
        else {
          this.find(schema, path, {
            code: 'schema-unknown-type',
            severity: 'warning',
            keyword: 'type',
            message: `${JSON.stringify(t)} is not a JSON Schema type: it admits no value`,
            help: `use one of ${[...TYPE_NAMES].join(', ')}`,
          });
        }
      }
      if (declared.length === 0 && list.length > 0) return [];
    }
    if (schema.nullable !== undefined) this.nullable(schema, path, declared);
    if (declared !== undefined && schema.nullable === true && !declared.includes('null')) declared.push('null');
    if (declared === undefined && allowed.length > 1) {
      const keyword = ['properties', 'required', 'additionalProperties', 'patternProperties'].find((k) =>
        this.has(schema, k),
      );
      if (keyword !== undefined) {
        this.find(schema, path, {
          code: 'schema-untyped-object',
          severity: 'info',
          keyword,
          message: `'${keyword}' without 'type: object': JSON Schema applies it to objects only, so this schema accepts strings, numbers, arrays and null as well (and its TypeScript type says so)`,
          help: 'add type: object if only objects are meant',
        });
      }
    }
    return declared === undefined ? [...allowed] : intersectTypes(allowed, declared);
  }

  private nullable(schema: JsonSchemaObject, path: string, declared: readonly JsonType[] | undefined): void {
    if (declared === undefined && schema.nullable === true) {
      this.find(schema, path, {
        code: 'schema-nullable-without-type',
        severity: 'warning',
        keyword: 'nullable',
        message: `'nullable' without 'type' has no effect (every type is already allowed)`,
        help: this.dialect === 'openapi-3.0' ? 'add a type' : "remove it, or use type: [<type>, 'null']",
      });
    } else if (this.dialect !== 'openapi-3.0' && schema.nullable === true) {
      this.find(schema, path, {
        code: 'schema-nullable',
        severity: 'warning',
        keyword: 'nullable',
        message: `'nullable' is an OpenAPI 3.0 keyword, not JSON Schema: the generated code allows null here, as ajv does, but other JSON Schema tools ignore it`,
        help: `use type: [${(declared ?? []).map((t) => `'${t}'`).join(', ')}, 'null']`,
      });
    }
  }

  /** What `type` (or its absence), `enum`, `const` and the types' own keywords say. */
  private base(schema: JsonSchemaObject, path: string, types: readonly JsonType[]): Shape {
    const typed = types.map((type) => this.typed(type, schema, path));
    const shape = union(typed);
    const values = this.has(schema, 'const') ? [schema.const] : Array.isArray(schema.enum) ? schema.enum : undefined;
    if (values === undefined) return shape;
    const keyword = this.has(schema, 'const') ? 'const' : 'enum';
    const kept: JsonValue[] = [];
    const dropped: unknown[] = [];
    let structured = false;
    for (const value of values as JsonValue[]) {
      const type = jsonType(value);
      const member = typed[types.indexOf(type)] ?? (type === 'integer' ? typed[types.indexOf('number')] : undefined);
      if (member === undefined || !staticallyAccepts(member, value)) dropped.push(value);
      else if (!kept.some((k) => deepEqual(k, value))) {
        kept.push(value);
        if (value !== null && typeof value === 'object') structured = true;
      }
    }
    if (dropped.length > 0) {
      this.find(schema, path, {
        code: 'schema-enum-contradiction',
        severity: 'warning',
        keyword,
        message:
          kept.length === 0
            ? `no value of '${keyword}' satisfies the rest of the schema (${describeValues(dropped)}): no value is valid`
            : `${describeValues(dropped)} of '${keyword}' can never be valid: the rest of the schema rejects ${dropped.length === 1 ? 'it' : 'them'}`,
        help: 'make the values agree with `type` and the other keywords, or remove the ones that cannot occur',
      });
    }
    if (kept.length === 0) return NEVER;
    const literal: Shape = { kind: 'literal', values: kept };
    if (!structured) return literal;
    // Object and array values: their own keywords (properties, items, ...) still apply to them.
    const present = new Set(kept.map((v) => jsonType(v)));
    const structure = typed.filter(
      (s) =>
        (s.kind === 'object' && present.has('object')) ||
        ((s.kind === 'array' || s.kind === 'tuple') && present.has('array')),
    );
    if (structure.every(plain)) return literal;
    // The scalar values were checked above; the structure part only has to let them through.
    const scalars: Shape[] = [];
    for (const type of present) {
      if (type === 'null' || type === 'boolean') scalars.push({ kind: type });
      else if (type === 'string') scalars.push({ kind: 'string' });
      else if (type === 'number' || type === 'integer') scalars.push({ kind: 'number', integer: false });
    }
    return allOfShape([literal, union([...structure, ...scalars])]);
  }

  private typed(type: JsonType, schema: JsonSchemaObject, path: string): Shape {
    switch (type) {
      case 'null':
        return { kind: 'null' };
      case 'boolean':
        return { kind: 'boolean' };
      case 'string':
        return this.string(schema, path);
      case 'number':
      case 'integer':
        return this.number(schema, path, type === 'integer');
      case 'object':
        return this.object(schema, path);
      case 'array':
        return this.array(schema, path);
    }
  }

  private count(schema: JsonSchemaObject, path: string, keyword: string): number | undefined {
    if (!this.has(schema, keyword)) return undefined;
    const value = schema[keyword];
    if (typeof value === 'number' && Number.isInteger(value) && value >= 0) return value;
    this.invalid(schema, path, keyword, 'a non-negative integer');
    return undefined;
  }

  private finite(schema: JsonSchemaObject, path: string, keyword: string): number | undefined {
    if (!this.has(schema, keyword)) return undefined;
    const value = schema[keyword];
    if (typeof value === 'number' && Number.isFinite(value)) return value;
    if (typeof value === 'boolean' && (keyword === 'exclusiveMinimum' || keyword === 'exclusiveMaximum')) {
      if (this.draft4) return undefined;
      this.find(schema, path, {
        code: 'schema-invalid-keyword',
        severity: 'warning',
        keyword,
        message: `boolean '${keyword}' is draft-04 syntax; in ${dialectName(this.dialect)} it must be a number, so it has no effect (ajv rejects the schema)`,
        help: `write ${keyword}: <bound> instead of ${keyword === 'exclusiveMinimum' ? 'minimum' : 'maximum'}: <bound> with ${keyword}: true`,
      });
      return undefined;
    }
    this.invalid(schema, path, keyword, 'a number');
    return undefined;
  }

  private invalid(schema: JsonSchemaObject, path: string, keyword: string, expected: string): void {
    this.find(schema, path, {
      code: 'schema-invalid-keyword',
      severity: 'warning',
      keyword,
      message: `'${keyword}' must be ${expected} (it is ${JSON.stringify(schema[keyword])}): it has no effect here (ajv rejects the schema)`,
      help: `write ${keyword} as ${expected}`,
    });
  }

  private get draft4(): boolean {
    return booleanExclusiveBounds(this.dialect);
  }

  private string(schema: JsonSchemaObject, path: string): Shape {
    let pattern: PatternSource | undefined;
    let note: string | undefined;
    if (this.has(schema, 'pattern')) {
      if (typeof schema.pattern !== 'string') this.invalid(schema, path, 'pattern', 'a string');
      else {
        pattern = this.pattern(schema.pattern, schema, path, 'pattern');
        if (!pattern)
          note = `pattern ${JSON.stringify(schema.pattern)} is not a valid JavaScript regular expression and is not checked`;
      }
    }
    const format = this.format(schema, path, 'string');
    return {
      kind: 'string',
      minLength: this.count(schema, path, 'minLength'),
      maxLength: this.count(schema, path, 'maxLength'),
      pattern,
      format,
      note,
    };
  }

  private formatSeen = new WeakSet<JsonSchemaObject>();

  /** `format`, when it is one ajv-formats checks for values of `type`. */
  private format(schema: JsonSchemaObject, path: string, type: 'string' | 'number'): string | undefined {
    const format = schema.format;
    if (format === undefined) return undefined;
    if (typeof format !== 'string') {
      if (!this.formatSeen.has(schema)) this.invalid(schema, path, 'format', 'a string');
      this.formatSeen.add(schema);
      return undefined;
    }
    if (!isKnownFormat(format)) {
      if (!this.formatSeen.has(schema)) {
        this.find(schema, path, {
          code: 'schema-unknown-format',
          severity: 'info',
          keyword: 'format',
          message: `format '${format}' is not one ajv-formats knows: JSON Schema makes it an annotation, so it is not checked`,
          help: `use a known format (${KNOWN_FORMATS}), or a pattern`,
        });
      }
      this.formatSeen.add(schema);
      return undefined;
    }
    return formatType(format) === type ? format : undefined;
  }

  /** Compiles a pattern as ajv does (Unicode mode); one that needs non-Unicode mode is read so, with a warning. */
  private pattern(source: string, schema: JsonSchemaObject, path: string, keyword: string): PatternSource | undefined {
    const compiled = compilePattern(source);
    if (compiled?.flags === 'u') return compiled;
    this.find(schema, path, {
      code: 'schema-invalid-pattern',
      severity: 'warning',
      keyword,
      message:
        compiled === undefined
          ? `pattern ${JSON.stringify(source)} is not a valid JavaScript regular expression and is not checked`
          : `pattern ${JSON.stringify(source)} is not valid in Unicode mode (ajv rejects the schema); it is checked without the 'u' flag`,
      help: 'JSON Schema patterns are ECMA-262 regular expressions with Unicode semantics: escape only syntax characters',
    });
    return compiled;
  }

  private number(schema: JsonSchemaObject, path: string, integer: boolean): Shape {
    const minimum = this.finite(schema, path, 'minimum');
    const maximum = this.finite(schema, path, 'maximum');
    const bounds: { gte?: number; gt?: number; lte?: number; lt?: number } = {};
    if (this.draft4) {
      // draft 4 wrote exclusiveMinimum/Maximum as booleans next to minimum/maximum
      if (minimum !== undefined) bounds[schema.exclusiveMinimum === true ? 'gt' : 'gte'] = minimum;
      if (maximum !== undefined) bounds[schema.exclusiveMaximum === true ? 'lt' : 'lte'] = maximum;
    } else {
      if (minimum !== undefined) bounds.gte = minimum;
      if (maximum !== undefined) bounds.lte = maximum;
      const gt = this.finite(schema, path, 'exclusiveMinimum');
      const lt = this.finite(schema, path, 'exclusiveMaximum');
      if (gt !== undefined) bounds.gt = gt;
      if (lt !== undefined) bounds.lt = lt;
    }
    let multipleOf = this.finite(schema, path, 'multipleOf');
    if (multipleOf !== undefined && multipleOf <= 0) {
      this.invalid(schema, path, 'multipleOf', 'a number greater than 0');
      multipleOf = undefined;
    }
    return { kind: 'number', integer, ...bounds, multipleOf, format: this.format(schema, path, 'number') };
  }

  private object(schema: JsonSchemaObject, path: string): Shape {
    const declared = this.has(schema, 'properties') && isRecord(schema.properties) ? schema.properties : {};
    const required = this.requiredNames(schema, path);
    const properties: PropertyShape[] = Object.entries(declared).map(([name, value]): PropertyShape => {
      const shape = this.shape(value, `${path}/properties/${pointerToken(name)}`, ALL_TYPES);
      return {
        name,
        shape,
        required: required.has(name),
        declared: true,
        doc: shape.kind === 'ref' ? undefined : docOf(value as JsonSchema),
      };
    });
    let patterns: { pattern: PatternSource; shape: Shape }[] | undefined;
    if (this.has(schema, 'patternProperties') && isRecord(schema.patternProperties)) {
      patterns = [];
      for (const [source, value] of Object.entries(schema.patternProperties)) {
        const pattern = this.pattern(source, schema, path, 'patternProperties');
        // A pattern JavaScript cannot compile matches no key here; its schema checks nothing.
        if (pattern === undefined) continue;
        patterns.push({
          pattern,
          shape: this.shape(value, `${path}/patternProperties/${pointerToken(source)}`, ALL_TYPES),
        });
      }
    }
    let extra: ObjectShape['extra'] = 'open';
    if (this.has(schema, 'additionalProperties')) {
      const additional = schema.additionalProperties;
      const shape = this.shape(additional, `${path}/additionalProperties`, ALL_TYPES);
      extra = shape.kind === 'never' ? 'strict' : shape.kind === 'unknown' ? 'loose' : shape;
    }
    const propertyNames = this.has(schema, 'propertyNames')
      ? this.shape(schema.propertyNames, `${path}/propertyNames`, ['string'])
      : undefined;
    const dependencies = this.dependencies(schema, path);
    // A required name without a property is still an "additional" key: its value is what the
    // patterns matching it, or additionalProperties, say; additionalProperties: false forbids it.
    for (const name of required) {
      if (Object.hasOwn(declared, name)) continue;
      const matching = (patterns ?? []).filter((p) => new RegExp(p.pattern.source, p.pattern.flags).test(name));
      const shape =
        matching.length > 0
          ? allOfShape(matching.map((p) => p.shape))
          : extra === 'strict'
            ? NEVER
            : typeof extra === 'object'
              ? extra
              : UNKNOWN;
      if (shape.kind === 'never') {
        this.find(schema, path, {
          code: 'schema-required-forbidden',
          severity: 'warning',
          keyword: 'required',
          message: `'${name}' is required but ${matching.length > 0 ? 'no value matches its patternProperties' : 'is not a property, and additionalProperties forbids other keys'}: no object is valid`,
          help: `declare '${name}' under properties, or drop it from required`,
        });
        return NEVER;
      }
      properties.push({ name, shape, required: true, declared: false });
    }
    return {
      kind: 'object',
      properties,
      extra,
      ...(patterns && patterns.length > 0 ? { patterns } : {}),
      ...(propertyNames && propertyNames.kind !== 'unknown' ? { propertyNames } : {}),
      minProperties: this.count(schema, path, 'minProperties'),
      maxProperties: this.count(schema, path, 'maxProperties'),
      ...(dependencies.length > 0 ? { dependencies } : {}),
    };
  }

  private requiredNames(schema: JsonSchemaObject, path: string): Set<string> {
    if (!this.has(schema, 'required')) return new Set();
    const required = schema.required;
    if (!Array.isArray(required) || !required.every((r) => typeof r === 'string')) {
      // OpenAPI/AsyncAPI property-level `required: true` is not JSON Schema.
      this.invalid(schema, path, 'required', 'an array of property names');
      return new Set();
    }
    return new Set(required as string[]);
  }

  private dependencies(schema: JsonSchemaObject, path: string): { name: string; required?: string[]; shape?: Shape }[] {
    const out: { name: string; required?: string[]; shape?: Shape }[] = [];
    for (const keyword of ['dependencies', 'dependentRequired', 'dependentSchemas'] as const) {
      if (!this.has(schema, keyword) || !isRecord(schema[keyword])) continue;
      for (const [name, value] of Object.entries(schema[keyword] as Record<string, unknown>)) {
        if (Array.isArray(value) && keyword !== 'dependentSchemas') {
          out.push({ name, required: value.filter((v): v is string => typeof v === 'string') });
        } else if (keyword !== 'dependentRequired') {
          const shape = this.shape(value, `${path}/${keyword}/${pointerToken(name)}`, ['object']);
          if (shape.kind !== 'unknown') out.push({ name, shape });
        }
      }
    }
    return out;
  }

  private array(schema: JsonSchemaObject, path: string): Shape {
    const checks: { -readonly [K in keyof ArrayChecks]: ArrayChecks[K] } = {
      minItems: this.count(schema, path, 'minItems'),
      maxItems: this.count(schema, path, 'maxItems'),
    };
    if (this.has(schema, 'uniqueItems') && schema.uniqueItems === true) checks.uniqueItems = true;
    if (this.has(schema, 'contains')) {
      const shape = this.shape(schema.contains, `${path}/contains`, ALL_TYPES);
      const min = this.count(schema, path, 'minContains') ?? 1;
      const max = this.count(schema, path, 'maxContains');
      checks.contains = { shape, min, ...(max !== undefined ? { max } : {}) };
    }
    const prefix = this.dialect === '2020-12' ? schema.prefixItems : schema.items;
    if (Array.isArray(prefix)) {
      const at = this.dialect === '2020-12' ? 'prefixItems' : 'items';
      const shapes = prefix.map((s, i) => this.shape(s, `${path}/${at}/${i}`, ALL_TYPES));
      const restKeyword = this.dialect === '2020-12' ? 'items' : 'additionalItems';
      const rest = this.has(schema, restKeyword)
        ? this.shape(schema[restKeyword], `${path}/${restKeyword}`, ALL_TYPES)
        : UNKNOWN;
      return {
        kind: 'tuple',
        items: shapes,
        required: Math.min(checks.minItems ?? 0, shapes.length),
        ...(rest.kind === 'never' ? {} : { rest }),
        ...checks,
      };
    }
    const items = this.has(schema, 'items') && !Array.isArray(schema.items) ? schema.items : undefined;
    return { kind: 'array', items: this.shape(items, `${path}/items`, ALL_TYPES), ...checks };
  }

  /**
   * A header set. NATS headers are text: each declared header's text is read as the JSON value it
   * stands for (`headerValue`), and only declared headers are ever sent or read, so keywords about
   * other keys change nothing on the wire.
   */
  private headers(schema: JsonSchemaObject): Shape {
    this.vet(schema, '');
    const members = [{ schema, path: '' }, ...this.headerMembers(schema, '')];
    const declared = new Map<string, { schemas: { schema: unknown; path: string }[] }>();
    const required = new Set<string>();
    for (const { schema: member, path } of members) {
      if (isRecord(member.properties)) {
        for (const [name, value] of Object.entries(member.properties)) {
          let entry = declared.get(name);
          if (!entry) {
            entry = { schemas: [] };
            declared.set(name, entry);
          }
          entry.schemas.push({ schema: value, path: `${path}/properties/${pointerToken(name)}` });
        }
      }
      for (const name of this.requiredNames(member, path)) required.add(name);
    }
    const properties: PropertyShape[] = [...declared].map(([name, { schemas }]) => {
      const values = schemas.map(({ schema: value, path }) => this.headerValue(name, value, path));
      const shape = values.length === 1 ? (values[0] as Shape) : allOfShape(values);
      const first = schemas[0]?.schema;
      return {
        name,
        shape,
        required: required.has(name),
        declared: true,
        doc: shape.kind === 'ref' || first === undefined ? undefined : docOf(first as JsonSchema),
      };
    });
    for (const name of required) {
      if (!declared.has(name)) properties.push({ name, shape: { kind: 'string' }, required: true, declared: true });
    }
    for (const { schema: member, path } of members) {
      for (const keyword of ['patternProperties', 'additionalProperties', 'propertyNames'] as const) {
        if (member[keyword] === undefined || (keyword === 'additionalProperties' && member[keyword] === false))
          continue;
        this.find(member, path, {
          code: 'schema-header-keyword',
          severity: 'warning',
          keyword,
          message: `'${keyword}' has no effect on headers: the generated code sends and reads the declared headers only`,
          help: 'declare each header under properties',
        });
      }
    }
    const headerSet: ObjectShape = { kind: 'object', properties, extra: 'open' };
    // Whatever else the schema says about the header set applies to the parsed headers.
    const rest = this.headerRest(schema);
    return onlyTypes(rest) ? headerSet : { kind: 'headers', headers: headerSet, rest };
  }

  /** The `allOf` members of a header schema that contribute headers (their properties merge). */
  private headerMembers(schema: JsonSchemaObject, path: string): { schema: JsonSchemaObject; path: string }[] {
    const out: { schema: JsonSchemaObject; path: string }[] = [];
    const allOf = schemaList(schema.allOf);
    allOf?.forEach((member, i) => {
      if (!isRecord(member)) return;
      const at = `${path}/allOf/${i}`;
      out.push({ schema: member, path: at }, ...this.headerMembers(member, at));
    });
    return out;
  }

  /** A header schema without what `headers()` read from it: the other keywords, on the parsed set. */
  private headerRest(schema: JsonSchemaObject): Shape {
    const strip = (s: JsonSchemaObject): JsonSchemaObject => {
      const rest: Record<string, unknown> = {};
      for (const [key, value] of Object.entries(s)) {
        if (
          ['properties', 'required', 'patternProperties', 'additionalProperties', 'propertyNames', 'type'].includes(key)
        )
          continue;
        if (key === 'allOf' && Array.isArray(value)) {
          rest.allOf = value.map((m) => (isRecord(m) ? strip(m) : m));
        } else rest[key] = value;
      }
      return rest;
    };
    const rest = strip(schema);
    if (!Object.keys(rest).some((k) => this.vocabulary.has(k))) return UNKNOWN;
    const shape = new ShapeBuilder({ ...this.ctx, root: undefined, warn: undefined }).shape(rest, '', ['object']);
    return shape;
  }

  /** One header: its text is parsed as the scalar types its schema admits; objects and arrays cannot be sent. */
  private headerValue(name: string, schema: unknown, path: string): Shape {
    const shape = this.shape(schema, path, ['string', 'number', 'boolean']);
    const types = isRecord(schema) ? admittedTypes(schema) : ALL_TYPES;
    const scalar = types.filter((t) => t !== 'object' && t !== 'array' && t !== 'null');
    if (scalar.length === 0 && isRecord(schema)) {
      this.find(schema, path, {
        code: 'schema-header-not-scalar',
        severity: 'error',
        message: `header '${name}' is ${types.length === 1 && types[0] === 'null' ? 'null' : 'an object or array'}: a NATS header value is text, and no encoding of ${types.length === 1 && types[0] === 'null' ? 'null' : 'objects and arrays'} is defined`,
        help: 'make the header a string, number, integer or boolean, or move the data into the payload',
      });
      return NEVER;
    }
    // Numbers and booleans first: text that reads as one is taken for one when the schema allows it.
    const kinds: HeaderKind[] = [];
    if (scalar.includes('number')) kinds.push('number');
    else if (scalar.includes('integer')) kinds.push('integer');
    if (scalar.includes('boolean')) kinds.push('boolean');
    if (scalar.includes('string')) kinds.push('string');
    if (kinds.length === 1 && kinds[0] === 'string') return shape;
    return { kind: 'header', kinds, inner: shape };
  }
}

/**
 * True when no value of `types` can match two of `members`: their types do not overlap, or they are
 * objects that all require one property whose `const`/`enum` values do not overlap.
 */
function exclusive(members: readonly JsonSchema[], types: readonly JsonType[]): boolean {
  const admitted = members.map((m) =>
    typeof m === 'object' ? intersectTypes(types, admittedTypes(m)) : m ? [...types] : [],
  );
  const overlaps = (a: readonly JsonType[], b: readonly JsonType[]) => intersectTypes(a, b).length > 0;
  let disjoint = true;
  for (let i = 0; i < admitted.length && disjoint; i++) {
    for (let j = 0; j < i && disjoint; j++)
      if (overlaps(admitted[i] as JsonType[], admitted[j] as JsonType[])) disjoint = false;
  }
  if (disjoint) return true;
  if (!admitted.every((a) => a.length === 1 && a[0] === 'object')) return false;
  const tags = members.map((m) => (typeof m === 'object' ? discriminators(m) : new Map<string, unknown[]>()));
  const first = tags[0] ?? new Map<string, unknown[]>();
  for (const [name] of first) {
    const values = tags.map((t) => t.get(name));
    if (values.some((v) => v === undefined)) continue;
    const seen = new Set<string>();
    let clash = false;
    for (const list of values as unknown[][]) {
      for (const value of new Set(list.map((v) => JSON.stringify(canonical(v))))) {
        if (seen.has(value)) clash = true;
        seen.add(value);
      }
    }
    if (!clash) return true;
  }
  return false;
}

/** Required properties of an object schema (and its allOf members) whose values are a `const` or an `enum`. */
function discriminators(schema: JsonSchemaObject, seen = new Set<JsonSchemaObject>()): Map<string, unknown[]> {
  const out = new Map<string, unknown[]>();
  if (seen.has(schema)) return out;
  seen.add(schema);
  const required = Array.isArray(schema.required) ? schema.required : [];
  const properties = isRecord(schema.properties) ? schema.properties : {};
  for (const name of required) {
    if (typeof name !== 'string') continue;
    const property = properties[name];
    if (!isRecord(property)) continue;
    const values =
      property.const !== undefined ? [property.const] : Array.isArray(property.enum) ? property.enum : undefined;
    if (values) out.set(name, values);
  }
  for (const member of schemaList(schema.allOf) ?? []) {
    if (!isRecord(member)) continue;
    for (const [name, values] of discriminators(member, seen)) if (!out.has(name)) out.set(name, values);
  }
  return out;
}

/** The JSON types a schema admits as far as `type`, `enum`/`const` and its combinators say (for headers). */
function admittedTypes(schema: JsonSchemaObject, seen = new Set<JsonSchemaObject>()): JsonType[] {
  if (seen.has(schema)) return [...ALL_TYPES];
  seen.add(schema);
  let types: JsonType[] = [...ALL_TYPES];
  const type = schema.type;
  if (type !== undefined) {
    const list = (Array.isArray(type) ? type : [type]).filter((t): t is JsonType => TYPE_NAMES.has(t as string));
    types = intersectTypes(types, list);
    if (schema.nullable === true && !types.includes('null')) types.push('null');
  }
  const values = schema.const !== undefined ? [schema.const] : Array.isArray(schema.enum) ? schema.enum : undefined;
  if (values) types = intersectTypes(types, [...new Set(values.map((v) => jsonType(v as JsonValue)))]);
  for (const keyword of ['anyOf', 'oneOf'] as const) {
    const members = schemaList(schema[keyword]);
    if (members) {
      const admitted = new Set(
        members.flatMap((m) => (isRecord(m) ? admittedTypes(m, seen) : m === true ? ALL_TYPES : [])),
      );
      types = intersectTypes(types, [...admitted]);
    }
  }
  for (const member of schemaList(schema.allOf) ?? []) {
    if (isRecord(member)) types = intersectTypes(types, admittedTypes(member, seen));
  }
  return types;
}

/** The types a schema's `type` (and `nullable: true` next to it) names; undefined without `type`. */
function declaredTypes(schema: JsonSchemaObject): JsonType[] | undefined {
  if (schema.type === undefined) return undefined;
  const list = (Array.isArray(schema.type) ? schema.type : [schema.type]).filter((t): t is JsonType =>
    TYPE_NAMES.has(t as string),
  );
  if (schema.nullable === true && !list.includes('null')) list.push('null');
  return list;
}

/** `a ∩ b`, where `number` contains `integer`. */
function intersectTypes(a: readonly JsonType[], b: readonly JsonType[]): JsonType[] {
  const out: JsonType[] = [];
  for (const t of a) {
    if (b.includes(t)) out.push(t);
    else if (t === 'number' && b.includes('integer')) out.push('integer');
    else if (t === 'integer' && b.includes('number')) out.push('integer');
  }
  return [...new Set(out)].filter((t, _, all) => !(t === 'integer' && all.includes('number')));
}

function jsonType(value: JsonValue): JsonType {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value as JsonType;
}

/** True for a type's Shape that constrains nothing beyond the type itself. */
function plain(shape: Shape): boolean {
  switch (shape.kind) {
    case 'object':
      return (
        shape.properties.length === 0 &&
        (shape.extra === 'open' || shape.extra === 'loose') &&
        !shape.patterns &&
        !shape.propertyNames &&
        shape.minProperties === undefined &&
        shape.maxProperties === undefined &&
        !shape.dependencies
      );
    case 'array':
      return (
        shape.items.kind === 'unknown' &&
        shape.minItems === undefined &&
        shape.maxItems === undefined &&
        !shape.uniqueItems &&
        !shape.contains
      );
    case 'string':
      return shape.minLength === undefined && shape.maxLength === undefined && !shape.pattern && !shape.format;
    case 'number':
      return (
        !shape.integer &&
        shape.gte === undefined &&
        shape.gt === undefined &&
        shape.lte === undefined &&
        shape.lt === undefined &&
        shape.multipleOf === undefined &&
        !shape.format
      );
    case 'null':
    case 'boolean':
      return true;
    default:
      return false;
  }
}

/** True for a Shape built for the types its context allows: it admits no value of another type. */
function narrowed(shape: Shape): boolean {
  switch (shape.kind) {
    case 'ref':
    case 'unknown':
      return false;
    case 'union':
    case 'oneOf':
      return shape.members.every(narrowed);
    case 'allOf':
      return shape.members.some(narrowed);
    case 'refined':
      return narrowed(shape.base);
    case 'nullable':
      return narrowed(shape.inner);
    default:
      return true;
  }
}

/** True for a Shape that says nothing but which JSON types are allowed. */
function onlyTypes(shape: Shape): boolean {
  if (shape.kind === 'union') return shape.members.every(onlyTypes);
  if (shape.kind === 'nullable') return onlyTypes(shape.inner);
  return shape.kind === 'unknown' || plain(shape);
}

function isPlainType(shape: Shape, type: 'object' | 'array' | 'string' | 'number' | 'boolean' | 'null'): boolean {
  return shape.kind === type && plain(shape);
}

/**
 * `allOf` whose members are all anonymous plain objects (properties/required only, no name shared,
 * no `additionalProperties` anywhere, which would change what the members accept) is one object:
 * merged here so zod reports one object's errors instead of several members'.
 */
function mergeableAllOf(
  schema: JsonSchemaObject,
  members: readonly JsonSchema[],
  refs: SchemaRefs,
): JsonSchemaObject | undefined {
  const parentType = schema.type;
  if (parentType !== undefined && parentType !== 'object') return undefined;
  if (!isPlainObject(schema, ['allOf', 'anyOf', 'oneOf', 'not', 'if', 'then', 'else'])) return undefined;
  const properties: Record<string, unknown> = {};
  const required = new Set<unknown>();
  let typed = parentType === 'object';
  for (const part of [schema, ...members]) {
    if (typeof part !== 'object') return undefined;
    if (part !== schema && (refs.nameOf(part) !== undefined || !isPlainObject(part, []))) return undefined;
    if (part !== schema && part.type !== undefined && part.type !== 'object') return undefined;
    if (part.type === 'object') typed = true;
    if (part.properties !== undefined && !isRecord(part.properties)) return undefined;
    if (part.required !== undefined && !Array.isArray(part.required)) return undefined;
    for (const [name, value] of Object.entries((part.properties as Record<string, unknown> | undefined) ?? {})) {
      if (Object.hasOwn(properties, name)) return undefined;
      properties[name] = value;
    }
    if (Array.isArray(part.required)) for (const name of part.required) required.add(name);
  }
  if (Object.keys(properties).length === 0) return undefined;
  const merged: Record<string, unknown> = { properties, required: [...required] };
  if (typed) merged.type = 'object';
  // The parent's own combinators stay with the parent (describe() reads them from `schema`).
  return merged;
}

/** Only documentation, `type`, `properties` and `required` (plus the keywords in `allowed`). */
function isPlainObject(schema: JsonSchemaObject, allowed: readonly string[]): boolean {
  const plainKeys = new Set(['type', 'properties', 'required', ...allowed]);
  return Object.keys(schema).every((key) => plainKeys.has(key) || key.startsWith('x-') || ANNOTATIONS.has(key));
}

/** `anyOf`: at least one member. */
export function union(members: readonly Shape[]): Shape {
  const flat = members.flatMap((m) => (m.kind === 'union' ? m.members : [m]));
  if (flat.some((m) => m.kind === 'unknown')) return UNKNOWN;
  const rest = dedupe(flat.filter((m) => m.kind !== 'never'));
  if (coversEverything(rest)) return UNKNOWN;
  const withoutNull = rest.filter((m) => m.kind !== 'null');
  if (withoutNull.length < rest.length && withoutNull.length > 0) return nullable(union(withoutNull));
  if (rest.length === 0) return NEVER;
  return rest.length === 1 ? (rest[0] as Shape) : { kind: 'union', members: rest };
}

/** Every JSON value, as a union of each type without constraints. */
function coversEverything(members: readonly Shape[]): boolean {
  const types = ['object', 'array', 'string', 'number', 'boolean', 'null'] as const;
  return types.every((t) => members.some((m) => isPlainType(m, t)));
}

function dedupe(members: readonly Shape[]): Shape[] {
  const seen = new Set<string>();
  return members.filter((m) => {
    const key = JSON.stringify(m);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** `oneOf`: exactly one member. */
function oneOf(members: readonly Shape[]): Shape {
  if (members.length === 1) return members[0] as Shape;
  // A member that admits nothing can never be the one; the others decide alone.
  const rest = members.filter((m) => m.kind !== 'never');
  if (rest.length === 0) return NEVER;
  if (rest.length === 1) return rest[0] as Shape;
  return { kind: 'oneOf', members: rest };
}

/** `allOf`: every member. */
export function allOfShape(parts: readonly Shape[]): Shape {
  const flat = parts.flatMap((p) => (p.kind === 'allOf' ? p.members : [p])).filter((p) => p.kind !== 'unknown');
  if (flat.some((p) => p.kind === 'never')) return NEVER;
  const members = dedupe(flat);
  if (members.length === 0) return UNKNOWN;
  return members.length === 1 ? (members[0] as Shape) : { kind: 'allOf', members };
}

/** Both coverages at once. */
function union2(a: Coverage, b: Coverage): Coverage {
  return {
    names: [...new Set([...a.names, ...b.names])],
    patterns: [...a.patterns, ...b.patterns],
    prefix: Math.max(a.prefix, b.prefix),
    all: a.all || b.all,
    branches: [...a.branches, ...b.branches],
    ...(a.contains || b.contains ? { contains: a.contains ?? b.contains } : {}),
  };
}

function refined(
  base: Shape,
  not: readonly Shape[],
  conditions: readonly { if: Shape; then?: Shape; else?: Shape }[],
  unevaluated: readonly Unevaluated[] = [],
): Shape {
  if (base.kind === 'never') return NEVER;
  // `not: {}` rejects everything; `not: false` rejects nothing.
  if (not.some((n) => n.kind === 'unknown')) return NEVER;
  const nots = not.filter((n) => n.kind !== 'never');
  const conds = conditions.filter((c) => {
    if (c.if.kind === 'unknown') return c.then !== undefined && c.then.kind !== 'unknown';
    if (c.if.kind === 'never') return c.else !== undefined && c.else.kind !== 'unknown';
    return (c.then !== undefined && c.then.kind !== 'unknown') || (c.else !== undefined && c.else.kind !== 'unknown');
  });
  // An `if` that always or never matches is just its branch.
  const extra: Shape[] = [];
  const rest = conds.filter((c) => {
    if (c.if.kind === 'unknown' && c.then) extra.push(c.then);
    else if (c.if.kind === 'never' && c.else) extra.push(c.else);
    else return true;
    return false;
  });
  const core = extra.length > 0 ? allOfShape([base, ...extra]) : base;
  // Nothing left unevaluated when everything is: such a keyword checks nothing.
  const open = unevaluated.filter((u) => !u.coverage.all);
  if (nots.length === 0 && rest.length === 0 && open.length === 0) return core;
  return {
    kind: 'refined',
    base: core,
    not: nots,
    conditions: rest,
    ...(open.length > 0 ? { unevaluated: open } : {}),
  };
}

export function nullable(shape: Shape): Shape {
  if (shape.kind === 'unknown' || shape.kind === 'nullable' || shape.kind === 'null') return shape;
  if (shape.kind === 'never') return { kind: 'null' };
  if (shape.kind === 'literal' && shape.values.includes(null)) return shape;
  return { kind: 'nullable', inner: shape };
}

function compilePattern(pattern: string): PatternSource | undefined {
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

const NUMBER_FORMATS = new Set(['int32', 'int64', 'float', 'double']);
const KNOWN_FORMATS =
  'date, time, date-time, iso-time, iso-date-time, duration, uri, uri-reference, uri-template, url, email, hostname, ipv4, ipv6, regex, uuid, json-pointer, json-pointer-uri-fragment, relative-json-pointer, byte, int32, int64, float, double, password, binary';

function formatType(format: string): 'string' | 'number' {
  return NUMBER_FORMATS.has(format) ? 'number' : 'string';
}

function deepEqual(a: unknown, b: unknown): boolean {
  return JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
}

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, canonical((value as Record<string, unknown>)[k])]),
    );
  }
  return Object.is(value, -0) ? 0 : value;
}

function describeValues(values: readonly unknown[]): string {
  const shown = values.slice(0, 3).map((v) => JSON.stringify(v));
  return values.length > 3 ? `${shown.join(', ')} and ${values.length - 3} more` : shown.join(', ');
}

function replacement(keyword: string, dialect: Dialect): string {
  const later = ['2019-09', '2020-12'];
  switch (keyword) {
    case 'dependentRequired':
    case 'dependentSchemas':
      return later.includes(dialect)
        ? ''
        : "use 'dependencies', or declare the schema format as JSON Schema 2019-09 or later";
    case 'unevaluatedProperties':
    case 'unevaluatedItems':
      return `'${keyword}' needs JSON Schema 2019-09 or later: declare that schema format, or use additionalProperties/additionalItems`;
    case 'prefixItems':
      return "use 'items' with an array (draft-07), or declare the schema format as JSON Schema 2020-12";
    case 'minContains':
    case 'maxContains':
      return 'declare the schema format as JSON Schema 2019-09 or later';
    case 'if':
    case 'then':
    case 'else':
      return 'if/then/else needs JSON Schema draft-07 or later';
    case 'const':
    case 'contains':
    case 'propertyNames':
      return `'${keyword}' needs JSON Schema draft-06 or later`;
    case 'additionalItems':
      return "in 2020-12 'items' next to 'prefixItems' says what additional items must match";
    default:
      return `remove '${keyword}', or declare a schema format whose dialect has it`;
  }
}

function schemaList(value: unknown): JsonSchema[] | undefined {
  return Array.isArray(value) && value.length > 0 ? (value as JsonSchema[]) : undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function pointerToken(name: string): string {
  return name.replace(/~/g, '~0').replace(/\//g, '~1');
}
