/**
 * A JSON Schema as the docs site shows it: a collapsible tree of properties, items and options with
 * their constraints, and the field paths the search finds.
 */
import type { JsonSchema, JsonSchemaObject } from '../model/types.js';
import { inline, type TextRun } from './markdown.js';

/** One node of a collapsible schema tree. */
export interface SchemaNodeView {
  /** Property name, `[]` for array items, or the schema's own label at the root. */
  readonly name: string;
  readonly type: string;
  readonly required: boolean;
  /** The schema's description as inline runs (its Markdown read, never raw backticks). */
  readonly description?: readonly TextRun[];
  /** `enum: a, b`, `format: uuid`, `min: 1`, `pattern: ^x$`, `default: 1`, ... */
  readonly constraints: readonly string[];
  readonly children: readonly SchemaNodeView[];
  readonly hasChildren: boolean;
  /** Open by default (the first levels). */
  readonly open: boolean;
}

export function isObject(s: unknown): s is JsonSchemaObject {
  return typeof s === 'object' && s !== null && !Array.isArray(s);
}

export function typeLabel(s: JsonSchema): string {
  if (s === true) return 'any';
  if (!isObject(s)) return 'never';
  if (s.const !== undefined) return `const ${JSON.stringify(s.const)}`;
  if (Array.isArray(s.type)) return s.type.join(' | ');
  if (typeof s.type === 'string') return s.type === 'array' && isObject(s.items) ? `${typeLabel(s.items)}[]` : s.type;
  if (Array.isArray(s.oneOf)) return 'one of';
  if (Array.isArray(s.anyOf)) return 'any of';
  if (Array.isArray(s.allOf)) return 'all of';
  if (isObject(s.properties)) return 'object';
  return 'any';
}

const CONSTRAINTS: readonly [string, string][] = [
  ['format', 'format'],
  ['minimum', 'min'],
  ['exclusiveMinimum', 'min (exclusive)'],
  ['maximum', 'max'],
  ['exclusiveMaximum', 'max (exclusive)'],
  ['multipleOf', 'multiple of'],
  ['minLength', 'min length'],
  ['maxLength', 'max length'],
  ['pattern', 'pattern'],
  ['minItems', 'min items'],
  ['maxItems', 'max items'],
  ['uniqueItems', 'unique items'],
  ['minProperties', 'min properties'],
  ['maxProperties', 'max properties'],
  ['default', 'default'],
];

function constraintsOf(s: JsonSchema): string[] {
  if (!isObject(s)) return [];
  const out: string[] = [];
  if (Array.isArray(s.enum)) out.push(`enum: ${s.enum.map((v) => JSON.stringify(v)).join(', ')}`);
  for (const [key, label] of CONSTRAINTS) {
    const v = s[key];
    if (v !== undefined) out.push(`${label}: ${typeof v === 'string' ? v : JSON.stringify(v)}`);
  }
  if (s.additionalProperties === false) out.push('no other properties');
  return out;
}

/** Depth of schema trees on the page; deeper nodes (and cycles) end with a note. */
const MAX_TREE_DEPTH = 8;

/** A collapsible tree of a schema: properties, array items, and the options of oneOf/anyOf/allOf. */
export function schemaTree(
  schema: JsonSchema,
  name: string,
  required: boolean,
  depth = 0,
  stack: Set<object> = new Set(),
): SchemaNodeView {
  const s = isObject(schema) ? schema : {};
  const description = inline(typeof s.description === 'string' ? s.description : undefined);
  const children: SchemaNodeView[] = [];
  const constraints = constraintsOf(schema);
  if (isObject(schema) && stack.has(schema)) {
    constraints.push('recursive: same schema as an enclosing node');
  } else if (depth >= MAX_TREE_DEPTH) {
    constraints.push('nested deeper than shown');
  } else if (isObject(schema)) {
    stack.add(schema);
    const req = new Set(Array.isArray(s.required) ? s.required : []);
    if (isObject(s.properties)) {
      for (const [key, sub] of Object.entries(s.properties)) {
        children.push(schemaTree(sub as JsonSchema, key, req.has(key), depth + 1, stack));
      }
    }
    if (isObject(s.items)) children.push(schemaTree(s.items, '[]', false, depth + 1, stack));
    if (isObject(s.additionalProperties)) {
      children.push(schemaTree(s.additionalProperties, '{key}', false, depth + 1, stack));
    }
    for (const key of ['oneOf', 'anyOf', 'allOf'] as const) {
      const options = s[key];
      if (Array.isArray(options)) {
        options.forEach((o, i) => {
          children.push(schemaTree(o as JsonSchema, `${key}[${i}]`, false, depth + 1, stack));
        });
      }
    }
    stack.delete(schema);
  }
  return {
    name,
    type: typeLabel(schema),
    required,
    ...(description.length > 0 ? { description } : {}),
    constraints,
    children,
    hasChildren: children.length > 0,
    open: depth < 1,
  };
}

/** Field paths of a schema, for search (`messages[].role`); stops at cycles and depth 6. */
export function fieldPaths(schema: JsonSchema, prefix: string, out: string[], stack: Set<object>, depth = 0): void {
  if (!isObject(schema) || stack.has(schema) || depth > 6) return;
  stack.add(schema);
  if (isObject(schema.properties)) {
    for (const [key, sub] of Object.entries(schema.properties)) {
      const p = prefix ? `${prefix}.${key}` : key;
      out.push(p);
      fieldPaths(sub as JsonSchema, p, out, stack, depth + 1);
    }
  }
  if (isObject(schema.items)) fieldPaths(schema.items, `${prefix}[]`, out, stack, depth + 1);
  for (const key of ['oneOf', 'anyOf', 'allOf'] as const) {
    const options = schema[key];
    if (Array.isArray(options)) for (const o of options) fieldPaths(o as JsonSchema, prefix, out, stack, depth + 1);
  }
  stack.delete(schema);
}
