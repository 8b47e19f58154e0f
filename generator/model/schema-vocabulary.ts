/**
 * The vocabulary of each JSON Schema dialect we read: which keywords assert something about a value,
 * which only annotate it, and how a dialect writes what. The Shape (generator/emit/schema/shape.ts)
 * decides what a schema means with these tables, and `diff` (generator/diff/) compares two versions
 * through the same tables, so a keyword the generated code ignores is a keyword `diff` ignores too.
 */
import type { SchemaDialect } from './types.js';

/** Keywords that annotate and never reject a value (in every dialect we read). */
export const ANNOTATIONS: ReadonlySet<string> = new Set([
  '$schema',
  '$id',
  'id',
  '$comment',
  '$anchor',
  '$vocabulary',
  'definitions',
  '$defs',
  'title',
  'description',
  'default',
  'examples',
  'example',
  'readOnly',
  'writeOnly',
  'deprecated',
  'contentMediaType',
  'contentEncoding',
  'contentSchema',
  'discriminator',
  'externalDocs',
  'xml',
]);

/** Keywords with validation meaning, and the dialects that give it to them. */
const DRAFT4 = [
  'type',
  'enum',
  'multipleOf',
  'maximum',
  'exclusiveMaximum',
  'minimum',
  'exclusiveMinimum',
  'maxLength',
  'minLength',
  'pattern',
  'format',
  'items',
  'additionalItems',
  'maxItems',
  'minItems',
  'uniqueItems',
  'maxProperties',
  'minProperties',
  'required',
  'properties',
  'patternProperties',
  'additionalProperties',
  'dependencies',
  'allOf',
  'anyOf',
  'oneOf',
  'not',
];
const DRAFT6 = [...DRAFT4, 'const', 'contains', 'propertyNames'];
const DRAFT7 = [...DRAFT6, 'if', 'then', 'else'];
const DRAFT2019 = [
  ...DRAFT7,
  'dependentRequired',
  'dependentSchemas',
  'minContains',
  'maxContains',
  'unevaluatedProperties',
  'unevaluatedItems',
];
const DRAFT2020 = [...DRAFT2019.filter((k) => k !== 'additionalItems'), 'prefixItems'];
const VOCABULARY: Readonly<Record<SchemaDialect, ReadonlySet<string>>> = {
  'draft-04': new Set(DRAFT4),
  'draft-06': new Set(DRAFT6),
  'draft-07': new Set(DRAFT7),
  '2019-09': new Set(DRAFT2019),
  '2020-12': new Set(DRAFT2020),
  'openapi-3.0': new Set([...DRAFT4, 'nullable']),
};
/** Every keyword some dialect we read gives validation meaning to. */
export const ANY_VOCABULARY: ReadonlySet<string> = new Set([
  ...DRAFT2020,
  'additionalItems',
  'nullable',
  '$ref',
  '$recursiveRef',
  '$dynamicRef',
]);

/** The keywords `dialect` gives validation meaning to. */
export function vocabularyOf(dialect: SchemaDialect): ReadonlySet<string> {
  return VOCABULARY[dialect];
}

/**
 * True when `keyword: value` can reject a value in `dialect`: a keyword of its vocabulary (plus
 * `nullable` next to `type`, which ajv honours in every dialect, and `$ref`), and for the exclusive
 * bounds the form the dialect writes them in (draft-04 and OpenAPI 3.0: a boolean beside
 * `minimum`/`maximum`; later drafts: a number).
 */
export function hasEffect(keyword: string, value: unknown, dialect: SchemaDialect): boolean {
  if (keyword === 'nullable' || keyword === '$ref') return true;
  if (!VOCABULARY[dialect].has(keyword)) return false;
  if (keyword === 'exclusiveMinimum' || keyword === 'exclusiveMaximum') {
    return typeof value === 'boolean' ? booleanExclusiveBounds(dialect) : true;
  }
  return true;
}

/** Draft-04 and OpenAPI 3.0 write exclusive bounds as booleans that make `minimum`/`maximum` exclusive. */
export function booleanExclusiveBounds(dialect: SchemaDialect): boolean {
  return dialect === 'draft-04' || dialect === 'openapi-3.0';
}

/** How a message names a dialect: "JSON Schema draft-07", "an OpenAPI 3.0 schema". */
export function dialectName(dialect: SchemaDialect): string {
  return dialect === 'openapi-3.0' ? 'an OpenAPI 3.0 schema' : `JSON Schema ${dialect}`;
}
