/**
 * The reference judge of the differential oracle: ajv 8 with ajv-formats (full formats), for the JSON
 * Schema draft a schema is written in (draft-07 is AsyncAPI's default schema format). Our schemas are
 * dereferenced object graphs that may contain themselves, so each is first written as a tree whose
 * cycles go through `definitions` and `$ref`.
 */
import { Ajv, type Options, type ValidateFunction } from 'ajv';
import { Ajv2019 } from 'ajv/dist/2019.js';
import { Ajv2020 } from 'ajv/dist/2020.js';
import Ajv04Module from 'ajv-draft-04';
import addFormatsModule from 'ajv-formats';
import type { JsonSchema, SchemaDialect } from '../../generator/model/types.js';

/** The drafts the oracle judges with. */
export type Draft = 'draft-04' | 'draft-07' | '2019-09' | '2020-12';

/**
 * The draft ajv judges a declaration's dialect in: draft-04 (ajv-draft-04) for draft-04 and OpenAPI
 * 3.0 schema objects (ajv honours `nullable` next to `type` in every draft), draft-07 for draft-06.
 */
export function draftOf(dialect: SchemaDialect | undefined): Draft {
  if (dialect === 'draft-04' || dialect === 'openapi-3.0') return 'draft-04';
  if (dialect === '2019-09' || dialect === '2020-12') return dialect;
  return 'draft-07';
}

// ajv-draft-04 is CommonJS with `exports.default`, like ajv-formats.
const Ajv04 = ((Ajv04Module as unknown as { default?: unknown }).default ?? Ajv04Module) as new (
  options: Options,
) => Ajv;

/** An ajv instance of `draft`'s class. */
export function ajvClass(draft: Draft, options: Options): Ajv {
  if (draft === '2020-12') return new Ajv2020(options);
  if (draft === '2019-09') return new Ajv2019(options);
  if (draft === 'draft-04') return new Ajv04(options);
  return new Ajv(options);
}

// ajv-formats is CommonJS with `exports.default`: under ESM interop the function may sit one level down.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (
  ajv: Ajv,
) => Ajv;

const options = {
  // Unknown keywords (x-*, nullable, discriminator...) are annotations, as the specs' authors meant.
  strict: false,
  // Unknown formats are annotations (JSON Schema says so): ajv ignores them; no need to say it each time.
  logger: false,
  allErrors: false,
  validateFormats: true,
  // JSON Schema regular expressions are ECMA-262 with Unicode semantics.
  unicodeRegExp: true,
  // The corpus is large: never let one huge schema's generated code be kept around for nothing.
  code: { optimize: false },
} as const;

const instances = new Map<Draft, Ajv>();

function ajvFor(draft: Draft): Ajv {
  let ajv = instances.get(draft);
  if (!ajv) {
    ajv = ajvClass(draft, options);
    addFormats(ajv);
    instances.set(draft, ajv);
  }
  return ajv;
}

/** A compiled reference check, or why ajv could not compile the schema. */
export type Reference =
  | { readonly ok: true; readonly check: (value: unknown) => { valid: boolean; error?: string } }
  | { readonly ok: false; readonly reason: string };

/** Keywords whose value is data, not a schema: copied as they are. */
const LITERALS = new Set(['enum', 'const', 'examples', 'example', 'default', 'required']);
/** Keywords whose value maps names to schemas (the names are data). */
const MAPS = new Set(['properties', 'patternProperties', 'definitions', '$defs', 'dependencies', 'dependentSchemas']);

/** Compiles `schema` with ajv for `draft`. */
export function reference(schema: JsonSchema, draft: Draft = 'draft-07'): Reference {
  let validate: ValidateFunction;
  try {
    validate = ajvFor(draft).compile(acyclic(schema) as object);
  } catch (e) {
    return { ok: false, reason: e instanceof Error ? e.message : String(e) };
  }
  return {
    ok: true,
    check: (value) => {
      const valid = validate(value) as boolean;
      if (valid) return { valid };
      const first = validate.errors?.[0];
      return { valid, error: first ? `${first.instancePath || '/'} ${first.message ?? first.keyword}` : 'invalid' };
    },
  };
}

/**
 * The schema as a tree: every object that contains itself becomes a `definitions` entry, referred to by
 * `$ref`. A boolean schema stays a boolean.
 */
export function acyclic(schema: JsonSchema): JsonSchema {
  if (typeof schema !== 'object' || schema === null) return schema;
  const cyclic = new Set<object>();
  const visit = (node: unknown, stack: Set<object>) => {
    if (typeof node !== 'object' || node === null) return;
    if (stack.has(node)) {
      cyclic.add(node);
      return;
    }
    stack.add(node);
    for (const v of Object.values(node)) visit(v, stack);
    stack.delete(node);
  };
  visit(schema, new Set());
  const names = new Map<object, string>([...cyclic].map((node, i) => [node, `oracle${i}`]));
  const definitions: Record<string, unknown> = {};
  const copy = (node: unknown, top: boolean): unknown => {
    if (typeof node !== 'object' || node === null) return node;
    if (Array.isArray(node)) return node.map((v) => copy(v, false));
    const name = names.get(node);
    if (name !== undefined && !top) {
      if (!(name in definitions)) {
        definitions[name] = {};
        definitions[name] = copy(node, true);
      }
      return { $ref: `#/definitions/${name}` };
    }
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(node)) {
      // `$id`s inside a dereferenced graph would make ajv resolve references against other bases.
      if (k === '$id' || k === '$schema') continue;
      if (LITERALS.has(k)) out[k] = v;
      else if (MAPS.has(k) && typeof v === 'object' && v !== null && !Array.isArray(v)) {
        out[k] = Object.fromEntries(Object.entries(v).map(([key, sub]) => [key, copy(sub, false)]));
      } else out[k] = copy(v, false);
    }
    return out;
  };
  const root = copy(schema, false) as Record<string, unknown>;
  return names.size === 0 ? root : { ...root, definitions: { ...(root.definitions as object), ...definitions } };
}
