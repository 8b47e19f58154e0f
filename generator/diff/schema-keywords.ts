/**
 * The vocabulary the schema rules compare: which JSON Schema keywords assert something about a value
 * (and for which JSON types), which only annotate it, and how two versions of one keyword relate.
 * AsyncAPI's default schema format is JSON Schema draft-07 (plus `discriminator`, `externalDocs`,
 * `deprecated`); an OpenAPI 3.0 schema object adds `nullable` and the draft-04 boolean form of
 * `exclusiveMinimum`/`exclusiveMaximum`.
 */
import { ANNOTATIONS as SCHEMA_ANNOTATIONS } from '../model/schema-vocabulary.js';
import type { JsonSchema, JsonSchemaObject, SchemaDialect } from '../model/types.js';

/**
 * How a change moves the set of values a schema accepts. `equivalent`: written differently, same
 * values. `narrowed`: some values the old version accepted are rejected now. `widened`: some values
 * the old version rejected are accepted now. `changed`: both, or no rule can tell which.
 */
export type Effect = 'same' | 'equivalent' | 'narrowed' | 'widened' | 'changed';

/**
 * How the node being compared bears on the whole message: `1` a narrower node narrows the message
 * (most keywords), `-1` it widens it (inside `not`), `0` no rule can tell (inside `oneOf`, whose
 * "exactly one" turns a wider member into fewer accepted values, or `if`).
 */
export type Polarity = 1 | -1 | 0;

/** The effect a node's change has on the message, seen through `polarity`. */
export function through(effect: Effect, polarity: Polarity): Effect {
  if (effect !== 'narrowed' && effect !== 'widened') return effect;
  if (polarity === 0) return 'changed';
  if (polarity === -1) return effect === 'narrowed' ? 'widened' : 'narrowed';
  return effect;
}

/** `narrowed` and `widened` together are `changed`; anything with `same` is the other. */
export function combine(a: Effect, b: Effect): Effect {
  if (a === b || b === 'same') return a;
  if (a === 'same') return b;
  if (a === 'equivalent') return b;
  if (b === 'equivalent') return a;
  return 'changed';
}

/**
 * The dialect a schema is read in: the Shape's (generator/model/schema-vocabulary.ts decides which
 * keywords of it have an effect; `diff` compares only those).
 */
export type Dialect = SchemaDialect;

/** Keywords that only document: merge.ts reports them as `docs-changed`, so the rules leave them alone. */
export const DOCS: ReadonlySet<string> = new Set([
  'description',
  'title',
  'examples',
  'example',
  'externalDocs',
  '$comment',
]);

/**
 * Annotations: they say something about a value without deciding whether it is accepted. The set is
 * the Shape's (draft-07 §10, `contentMediaType`/`contentEncoding`, which ajv does not check,
 * `discriminator`, which the generated code does not read either), less what merge.ts reports as
 * docs and the definitions compared where they are used.
 */
export const ANNOTATIONS: ReadonlySet<string> = new Set(
  [...SCHEMA_ANNOTATIONS].filter((k) => !DOCS.has(k) && k !== 'definitions' && k !== '$defs'),
);

/**
 * Where subschemas are kept to be referred to: they matter only through the `$ref`s to them, which
 * the parser has replaced by the subschema itself, so a change is compared (and reported) where
 * the subschema is used.
 */
export const DEFINITIONS: ReadonlySet<string> = new Set(['definitions', '$defs']);

/** The JSON type a keyword asserts something about (it passes every value of another type). */
export type TypeGroup = 'string' | 'number' | 'object' | 'array';

/** Keywords that apply to one JSON type only. */
export const TYPE_GROUP: Readonly<Record<string, TypeGroup>> = {
  minLength: 'string',
  maxLength: 'string',
  pattern: 'string',
  minimum: 'number',
  maximum: 'number',
  exclusiveMinimum: 'number',
  exclusiveMaximum: 'number',
  multipleOf: 'number',
  properties: 'object',
  required: 'object',
  additionalProperties: 'object',
  patternProperties: 'object',
  propertyNames: 'object',
  dependencies: 'object',
  dependentRequired: 'object',
  dependentSchemas: 'object',
  minProperties: 'object',
  maxProperties: 'object',
  items: 'array',
  additionalItems: 'array',
  contains: 'array',
  minItems: 'array',
  maxItems: 'array',
  uniqueItems: 'array',
};

/** JSON types as sets: `number` is `integer` plus the numbers that are not integers. */
const ATOMS = ['null', 'boolean', 'object', 'array', 'string', 'integer', 'fraction'] as const;
type Atom = (typeof ATOMS)[number];

/** The JSON types a `type` keyword admits, as atoms (every atom when there is no `type`). */
export function typeAtoms(s: JsonSchemaObject): ReadonlySet<Atom> {
  const raw = s.type;
  if (raw === undefined) return new Set(ATOMS);
  const names = (Array.isArray(raw) ? raw : [raw]).filter((t): t is string => typeof t === 'string');
  // `nullable: true` next to `type` admits null in every dialect, as ajv and the Shape read it.
  if (s.nullable === true) names.push('null');
  const atoms = new Set<Atom>();
  for (const name of names) {
    if (name === 'number') atoms.add('integer').add('fraction');
    else if ((ATOMS as readonly string[]).includes(name) && name !== 'fraction') atoms.add(name as Atom);
  }
  return atoms;
}

/** True when some value of `group` passes the `type` keyword. */
export function admits(atoms: ReadonlySet<Atom>, group: TypeGroup): boolean {
  return group === 'number' ? atoms.has('integer') || atoms.has('fraction') : atoms.has(group);
}

/** `string`, `integer|null`, `any`: the admitted types for a message. */
export function typeName(atoms: ReadonlySet<Atom>): string {
  if (atoms.size === ATOMS.length) return 'any';
  if (atoms.size === 0) return 'nothing';
  const names: string[] = [];
  for (const a of ATOMS) {
    if (a === 'integer' && atoms.has('fraction')) continue;
    if (a === 'fraction') {
      if (atoms.has('fraction')) names.push('number');
      continue;
    }
    if (atoms.has(a)) names.push(a);
  }
  return names.join('|');
}

/** How two sets relate: `same`, `narrowed` (b ⊂ a), `widened` (a ⊂ b) or `changed`. */
export function setEffect<T>(a: ReadonlySet<T>, b: ReadonlySet<T>): Effect {
  const lost = [...a].some((x) => !b.has(x));
  const gained = [...b].some((x) => !a.has(x));
  if (lost && gained) return 'changed';
  if (lost) return 'narrowed';
  if (gained) return 'widened';
  return 'same';
}

/**
 * One bound of a value: `value` and whether it is exclusive. Lower bounds without a keyword are
 * `-Infinity` (numbers) or 0 (lengths and counts); upper bounds `Infinity`.
 */
export interface Bound {
  readonly value: number;
  readonly exclusive: boolean;
}

/** How a lower (`side: 'lower'`) or upper bound moved. */
export function boundEffect(a: Bound, b: Bound, side: 'lower' | 'upper'): Effect {
  if (a.value === b.value && a.exclusive === b.exclusive) return 'same';
  const tighter =
    side === 'lower'
      ? b.value > a.value || (b.value === a.value && b.exclusive)
      : b.value < a.value || (b.value === a.value && b.exclusive);
  return tighter ? 'narrowed' : 'widened';
}

function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

/**
 * The effective numeric bound of `s`: the tighter of `minimum` (inclusive) and `exclusiveMinimum`
 * (a number in draft-06 and later; in draft-04 and OpenAPI 3.0 a boolean that makes `minimum`
 * exclusive). Likewise for the maximum.
 */
export function numericBound(s: JsonSchemaObject, side: 'lower' | 'upper'): Bound {
  const inclusive = num(side === 'lower' ? s.minimum : s.maximum);
  const exclusiveKey = side === 'lower' ? s.exclusiveMinimum : s.exclusiveMaximum;
  const none: Bound = { value: side === 'lower' ? -Infinity : Infinity, exclusive: false };
  if (typeof exclusiveKey === 'boolean') {
    return inclusive === undefined ? none : { value: inclusive, exclusive: exclusiveKey };
  }
  const exclusive = num(exclusiveKey);
  const candidates: Bound[] = [];
  if (inclusive !== undefined) candidates.push({ value: inclusive, exclusive: false });
  if (exclusive !== undefined) candidates.push({ value: exclusive, exclusive: true });
  return candidates.reduce((best, c) => (boundEffect(best, c, side) === 'narrowed' ? c : best), none);
}

/** A count bound (`minLength`, `maxItems`, ...): lower bounds default to 0, upper to `Infinity`. */
export function countBound(s: JsonSchemaObject, keyword: string, side: 'lower' | 'upper'): Bound {
  const v = num(s[keyword]);
  return { value: v ?? (side === 'lower' ? 0 : Infinity), exclusive: false };
}

/**
 * JSON text with object keys sorted: two values are the same JSON value exactly when their keys
 * are equal. A value that contains itself is cut where it returns.
 */
export function canonicalJson(value: unknown, path: Set<object> = new Set()): string {
  if (typeof value !== 'object' || value === null) return JSON.stringify(value) ?? 'null';
  if (path.has(value)) return '"<cycle>"';
  path.add(value);
  let out: string;
  if (Array.isArray(value)) {
    out = `[${value.map((v) => canonicalJson(v, path)).join(',')}]`;
  } else {
    const keys = Object.keys(value).sort();
    out = `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k], path)}`).join(',')}}`;
  }
  path.delete(value);
  return out;
}

/** A value for a message: JSON, cut at 40 characters. */
export function shown(value: unknown): string {
  const json = typeof value === 'object' && value !== null ? canonicalJson(value) : JSON.stringify(value);
  const text = json ?? String(value);
  return text.length > 40 ? `${text.slice(0, 39)}…` : text;
}

export function isSchemaObject(v: unknown): v is JsonSchemaObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * True when `s` accepts every value: absent, `true`, or an object with nothing but annotations,
 * documentation, definitions and `x-` extensions.
 */
export function acceptsAll(s: JsonSchema | undefined): boolean {
  if (s === undefined || s === true) return true;
  if (s === false) return false;
  return Object.keys(s).every(
    (k) => DOCS.has(k) || ANNOTATIONS.has(k) || DEFINITIONS.has(k) || (k.startsWith('x-') && !k.startsWith('x-nats-')),
  );
}

/** True when `s` rejects every value: `false`, or `not: {}`/`not: true` alone. */
export function acceptsNone(s: JsonSchema | undefined): boolean {
  if (s === false) return true;
  if (!isSchemaObject(s) || s.not === undefined) return false;
  const { not, ...rest } = s;
  return acceptsAll(not as JsonSchema) && acceptsAll(rest);
}

/**
 * What a schema says for the property `name` when `properties` does not list it: the
 * `patternProperties` whose pattern matches it, else `additionalProperties` (absent: anything).
 * `key` is the keyword (and pattern) it comes from, for the pointer.
 */
export function otherProperty(s: JsonSchemaObject, name: string): { schema: JsonSchema; key: readonly string[] } {
  const patterns = isSchemaObject(s.patternProperties) ? s.patternProperties : {};
  for (const [pattern, schema] of Object.entries(patterns)) {
    if (matches(pattern, name)) return { schema: schema as JsonSchema, key: ['patternProperties', pattern] };
  }
  const additional = s.additionalProperties;
  return {
    schema: additional === undefined ? true : (additional as JsonSchema),
    key: ['additionalProperties'],
  };
}

/** `pattern` (an ECMA-262 regex, as JSON Schema says) matches `name`; a pattern JavaScript cannot compile matches nothing. */
function matches(pattern: string, name: string): boolean {
  try {
    return new RegExp(pattern, 'u').test(name);
  } catch {
    return false;
  }
}
