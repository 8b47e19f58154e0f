/**
 * Turns the parser's dereferenced schemas into the model's clean schema graph and decides which
 * schemas get declarations of their own: payload and header roots, named components, and every
 * schema a cycle passes through (a recursive type needs a name to refer to).
 */
import { type SchemaFinding, schemaRefs, toShape } from '../emit/schema/shape.js';
import type { NameRegistry } from '../naming.js';
import { pascalCase, safeIdentifier } from '../naming.js';
import type { Problem } from '../problems.js';
import type { JsonSchema, JsonSchemaObject, NamedSchema, SchemaDialect, SpecLocation } from './types.js';

const ANONYMOUS = /^<anonymous-/;

type Raw = Record<string, unknown>;

function isObject(v: unknown): v is Raw {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Collects schemas for one model. Identity in → identity out: the same raw object cleans to one object. */
export class SchemaCollector {
  readonly #names: NameRegistry;
  readonly #clean = new Map<object, JsonSchemaObject>();
  /** Component name the parser recorded for each clean object (`x-parser-schema-id`). */
  readonly #componentId = new Map<JsonSchemaObject, string>();
  readonly #declared = new Map<JsonSchemaObject, NamedSchema>();
  readonly #order: NamedSchema[] = [];
  /** Where each clean object was first met in the document (a JSON pointer), for findings. */
  readonly #pointer = new Map<JsonSchemaObject, string>();
  /** The dialect each clean object was read in (absent: draft-07). */
  readonly #dialect = new Map<JsonSchemaObject, SchemaDialect>();

  readonly #locateComponent: ((component: string) => SpecLocation | undefined) | undefined;

  /** `locateComponent` finds `components/schemas/<name>` in the spec, when it is there. */
  constructor(names: NameRegistry, locateComponent?: (component: string) => SpecLocation | undefined) {
    this.#names = names;
    this.#locateComponent = locateComponent;
  }

  /**
   * A copy of `raw` without `x-parser-*` keys; cycles and shared objects are kept as such. `pointer`
   * says where `raw` is in the document and `dialect` what it is written in.
   */
  clean(raw: unknown, pointer = '', dialect?: SchemaDialect): JsonSchema {
    if (typeof raw === 'boolean') return raw;
    if (!isObject(raw)) return true;
    return this.#cleanObject(raw, pointer, dialect);
  }

  #cleanObject(raw: Raw, pointer: string, dialect: SchemaDialect | undefined): JsonSchemaObject {
    const existing = this.#clean.get(raw);
    if (existing) return existing;
    const out: Record<string, unknown> = {};
    this.#clean.set(raw, out);
    const id = raw['x-parser-schema-id'];
    const component = typeof id === 'string' && !ANONYMOUS.test(id) ? id : undefined;
    if (component) this.#componentId.set(out, component);
    const at =
      component && this.#locateComponent?.(component) ? `/components/schemas/${pointerToken(component)}` : pointer;
    this.#pointer.set(out, at);
    if (dialect && dialect !== 'draft-07') this.#dialect.set(out, dialect);
    for (const [key, value] of Object.entries(raw)) {
      if (key.startsWith('x-parser-')) continue;
      out[key] = this.#cleanValue(value, `${at}/${pointerToken(key)}`, dialect);
    }
    return out;
  }

  #cleanValue(value: unknown, pointer: string, dialect: SchemaDialect | undefined): unknown {
    if (Array.isArray(value)) return value.map((v, i) => this.#cleanValue(v, `${pointer}/${i}`, dialect));
    if (isObject(value)) return this.#cleanObject(value, pointer, dialect);
    return value;
  }

  /**
   * What the declarations' schemas say that the generated code reads differently from a plain reading
   * or cannot honour, as located problems (each once, however many declarations share the schema).
   */
  findings(locate: (pointer: string) => { line: number; column: number }, file: string): Problem[] {
    const refs = schemaRefs(this.#order);
    const seen = new Set<string>();
    const ids = new Map<JsonSchemaObject, number>();
    const problems: Problem[] = [];
    for (const decl of this.#order) {
      if (typeof decl.schema !== 'object') continue;
      const report = (f: SchemaFinding): void => {
        let id = ids.get(f.schema);
        if (id === undefined) {
          id = ids.size;
          ids.set(f.schema, id);
        }
        const key = `${id} ${f.keyword ?? ''} ${f.code} ${f.message}`;
        if (seen.has(key)) return;
        seen.add(key);
        const base = this.#pointer.get(f.schema) ?? decl.location.pointer;
        const pointer = f.keyword === undefined ? base : `${base}/${pointerToken(f.keyword)}`;
        const { line, column } = locate(pointer);
        problems.push({
          code: f.code,
          severity: f.severity,
          message: `${decl.name}${f.path === '/' ? '' : ` at ${f.path}`}: ${f.message}`,
          file,
          line,
          column,
          ...(f.help ? { help: f.help } : {}),
        });
      };
      try {
        toShape(decl.schema, { refs, root: decl.schema, role: decl.role, dialect: decl.dialect, warn: report });
      } catch (e) {
        // A cycle without a name cannot happen after finish(); anything else is a bug worth showing.
        problems.push({
          code: 'schema-internal',
          severity: 'error',
          message: `${decl.name}: ${e instanceof Error ? e.message : String(e)}`,
          file,
          line: decl.location.line,
          column: decl.location.column,
        });
      }
    }
    return problems;
  }

  /** The schema declared under `name`. */
  schemaOf(name: string): JsonSchemaObject | boolean | undefined {
    return this.#order.find((d) => d.name === name)?.schema;
  }

  /** The name of a clean schema's declaration, if it has one. */
  nameOf(schema: JsonSchemaObject): string | undefined {
    return this.#declared.get(schema)?.name;
  }

  /**
   * Gives `schema` a declaration (or returns the one it has). Named components keep their component
   * name; otherwise `fallbackName` is used.
   */
  declare(schema: JsonSchemaObject, fallbackName: string, role: NamedSchema['role'], where: SpecLocation): string {
    const existing = this.#declared.get(schema);
    if (existing) return existing.name;
    const component = this.#componentId.get(schema);
    const location = component && this.#locateComponent ? (this.#locateComponent(component) ?? where) : where;
    const base = safeIdentifier(pascalCase(component ?? fallbackName));
    // The zod constant is always `${name}Schema`: claim a name whose companion is free too.
    let name = this.#names.claim(base);
    while (!this.#names.isFree(`${name}Schema`)) name = this.#names.claim(base);
    const zodName = this.#names.claim(`${name}Schema`);
    const description = typeof schema.description === 'string' ? schema.description : undefined;
    const dialect = this.#dialect.get(schema);
    const decl: NamedSchema = {
      name,
      zodName,
      schema,
      role: component && role === 'recursive' ? 'component' : role,
      ...(dialect ? { dialect } : {}),
      ...(description ? { description } : {}),
      location,
    };
    this.#declared.set(schema, decl);
    this.#order.push(decl);
    return name;
  }

  /**
   * Declares what the roots reach that needs a name: named components (shared, so they are printed
   * once) and every object a cycle returns to. Call after all roots are declared.
   */
  finish(location: (component: string | undefined) => SpecLocation): readonly NamedSchema[] {
    const visited = new Set<JsonSchemaObject>();
    const onPath = new Set<JsonSchemaObject>();
    const walk = (node: unknown, hint: string): void => {
      if (Array.isArray(node)) {
        for (const item of node) walk(item, hint);
        return;
      }
      if (!isObject(node)) return;
      const schema = node as JsonSchemaObject;
      if (onPath.has(schema)) {
        // A cycle returns here: this object must be referable by name.
        this.declare(schema, hint, 'recursive', location(this.#componentId.get(schema)));
        return;
      }
      if (visited.has(schema)) return;
      visited.add(schema);
      const component = this.#componentId.get(schema);
      if (component && !this.#declared.has(schema) && isDeclarable(schema)) {
        this.declare(schema, component, 'component', location(component));
      }
      onPath.add(schema);
      for (const [key, value] of Object.entries(schema)) {
        if (key === 'examples' || key === 'example' || key === 'default' || key === 'const' || key === 'enum') continue;
        if (key === 'properties' && isObject(value)) {
          for (const [prop, sub] of Object.entries(value)) walk(sub, `${hint} ${prop}`);
        } else {
          walk(value, `${hint} ${key === 'items' ? 'item' : key}`);
        }
      }
      onPath.delete(schema);
    };
    // Walk in declaration order; declarations added during the walk are walked too.
    for (let i = 0; i < this.#order.length; i++) {
      const decl = this.#order[i] as NamedSchema;
      if (typeof decl.schema === 'boolean') continue;
      onPath.clear();
      visited.delete(decl.schema);
      walk(decl.schema, decl.name);
    }
    return this.#order;
  }
}

/**
 * Worth a declaration of its own: object, array, enum or composite schemas. A named component that
 * is just `type: string` reads better inline (and keeps the zod output flat).
 */
function isDeclarable(schema: JsonSchemaObject): boolean {
  return (
    'properties' in schema ||
    'enum' in schema ||
    'oneOf' in schema ||
    'anyOf' in schema ||
    'allOf' in schema ||
    schema.type === 'object' ||
    schema.type === 'array'
  );
}

function pointerToken(name: string): string {
  return name.replace(/~/g, '~0').replace(/\//g, '~1');
}
