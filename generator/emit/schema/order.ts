/**
 * Declaration order for types.ts and schemas.ts: each schema after the declarations it refers to, so
 * only references inside a cycle need `z.lazy`. Deterministic: dependencies are visited in the order
 * they appear, a cycle is broken where the walk (in input order) first closes it, and otherwise the
 * input order is kept.
 */
import type { JsonSchema, JsonSchemaObject, NamedSchema } from '../../model/types.js';
import type { SchemaRefs } from './shape.js';

/** Keywords whose values are subschemas (or lists of them) the emitters print, in printing order. */
const SUBSCHEMAS = [
  'additionalProperties',
  'propertyNames',
  'unevaluatedProperties',
  'prefixItems',
  'items',
  'additionalItems',
  'contains',
  'unevaluatedItems',
  'allOf',
  'anyOf',
  'oneOf',
  'not',
  'if',
  'then',
  'else',
] as const;

/** Keywords whose values map names to subschemas. */
const SCHEMA_MAPS = ['patternProperties', 'dependencies', 'dependentSchemas'] as const;

export function orderDeclarations(schemas: readonly NamedSchema[], refs: SchemaRefs): NamedSchema[] {
  const byName = new Map(schemas.map((s) => [s.name, s]));
  const done = new Set<string>();
  const visiting = new Set<string>();
  const out: NamedSchema[] = [];
  const visit = (declaration: NamedSchema): void => {
    if (done.has(declaration.name) || visiting.has(declaration.name)) return;
    visiting.add(declaration.name);
    for (const name of referencedNames(declaration.schema, refs)) {
      const dependency = byName.get(name);
      if (dependency) visit(dependency);
    }
    visiting.delete(declaration.name);
    done.add(declaration.name);
    out.push(declaration);
  };
  for (const declaration of schemas) visit(declaration);
  return out;
}

/** Names of the declarations `schema` refers to directly, in the order the emitters print them. */
export function referencedNames(schema: JsonSchema, refs: SchemaRefs): string[] {
  const names = new Set<string>();
  const seen = new Set<JsonSchemaObject>();
  const walk = (node: unknown, top: boolean): void => {
    if (typeof node !== 'object' || node === null || Array.isArray(node)) return;
    const object = node as JsonSchemaObject;
    if (!top) {
      const name = refs.nameOf(object);
      if (name !== undefined) {
        names.add(name);
        return;
      }
    }
    if (seen.has(object)) return;
    seen.add(object);
    const properties = object.properties;
    if (typeof properties === 'object' && properties !== null) {
      for (const value of Object.values(properties)) walk(value, false);
    }
    for (const keyword of SCHEMA_MAPS) {
      const map = object[keyword];
      if (typeof map === 'object' && map !== null && !Array.isArray(map)) {
        for (const value of Object.values(map)) walk(value, false);
      }
    }
    for (const keyword of SUBSCHEMAS) {
      const value = object[keyword];
      if (Array.isArray(value)) for (const item of value) walk(item, false);
      else walk(value, false);
    }
  };
  walk(schema, true);
  return [...names];
}
