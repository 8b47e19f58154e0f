/**
 * Disagreements between the emitted zod and the reference (ajv) that are known and explained. Each
 * entry says why we differ on purpose or cannot agree; docs/schemas.md lists the same reasons for users.
 *
 * An entry does not match by a pattern on the value: it *corrects* the reference in exactly the one
 * respect it describes (an ajv option, a keyword with our meaning, or a rewrite of schema and value
 * that sidesteps an ajv bug) and matches when the corrected reference agrees with our verdict. The
 * entries apply in order, each on top of the ones before it, so a payload that differs for two listed
 * reasons is explained by the second; a disagreement no correction removes fails the oracle.
 */
import type { Ajv, Options } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { JsonSchema } from '../../generator/model/types.js';
import { isMultipleOf } from '../../runtime/json-schema.js';
import { acyclic, ajvClass, type Draft } from './reference.js';

/** One judged payload on which the two validators disagreed. */
export interface Disagreement {
  /** Corpus document id (`wild/frolf-bot.yaml`, `random/17`). */
  readonly doc: string;
  /** Declaration name in the generated module. */
  readonly declaration: string;
  readonly role: string;
  readonly value: unknown;
  /** The declaration's JSON Schema, and the draft ajv judged it in. */
  readonly schema: JsonSchema;
  readonly draft: Draft;
  /** What ajv judged: the value, or for a header set the values its wire text stands for. */
  readonly judged: unknown;
  /** ajv's verdict. */
  readonly reference: boolean;
  readonly referenceError?: string | undefined;
  /** The emitted zod schema's verdict. */
  readonly ours: boolean;
  readonly oursError?: string | undefined;
}

export interface Exception {
  /** Short id, quoted in the oracle's summary. */
  readonly id: string;
  /** Why we differ; the same text is in docs/schemas.md. */
  readonly reason: string;
  readonly matches: (d: Disagreement) => boolean;
}

/** What a correction changes in the reference. */
type Correction = 'own-keys' | 'proto-key' | 'multipleOf' | 'contains-tuple';

const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (
  ajv: Ajv,
) => Ajv;

/** An ajv for `draft` with the corrections that change ajv itself. */
function correctedAjv(draft: Draft, corrections: ReadonlySet<Correction>): Ajv {
  const options: Options = {
    strict: false,
    logger: false,
    allErrors: false,
    unicodeRegExp: true,
    code: { optimize: false },
    ...(corrections.has('own-keys') ? { ownProperties: true } : {}),
  };
  const ajv = ajvClass(draft, options);
  addFormats(ajv);
  if (corrections.has('multipleOf')) {
    ajv.removeKeyword('multipleOf');
    ajv.addKeyword({
      keyword: 'multipleOf',
      type: 'number',
      schemaType: 'number',
      validate: (divisor: number, value: number) => isMultipleOf(value, divisor),
    });
  }
  return ajv;
}

/** A name no schema of the corpus uses, standing in for `__proto__` (which ajv skips as a property name). */
const PROTO = '__proto__\u0000';

function renameProto(value: unknown, inSchema: boolean): unknown {
  if (Array.isArray(value)) return value.map((v) => renameProto(v, inSchema));
  if (value === null || typeof value !== 'object') return inSchema && value === '__proto__' ? PROTO : value;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    Object.defineProperty(out, key === '__proto__' ? PROTO : key, {
      value: renameProto(v, inSchema),
      enumerable: true,
      writable: true,
    });
  }
  return out;
}

/** `contains` next to an array-form `items` moves into an `allOf` member of its own. */
function isolateContains(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(isolateContains);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) out[key] = isolateContains(v);
  if (Array.isArray(out.items) && out.contains !== undefined) {
    const { contains, minContains, maxContains, ...rest } = out;
    const member: Record<string, unknown> = { contains };
    if (minContains !== undefined) member.minContains = minContains;
    if (maxContains !== undefined) member.maxContains = maxContains;
    return { ...rest, allOf: [...(Array.isArray(rest.allOf) ? rest.allOf : []), member] };
  }
  return out;
}

const compiled = new Map<string, WeakMap<object, (value: unknown) => boolean>>();

/** The reference's verdict on the judged value, with `corrections` applied. */
function correctedVerdict(d: Disagreement, corrections: ReadonlySet<Correction>): boolean | undefined {
  const key = `${d.draft} ${[...corrections].sort().join(' ')}`;
  let cache = compiled.get(key);
  if (cache === undefined) {
    cache = new WeakMap();
    compiled.set(key, cache);
  }
  const schemaKey = typeof d.schema === 'object' ? d.schema : { boolean: d.schema };
  let check = cache.get(schemaKey);
  if (check === undefined) {
    let schema = acyclic(d.schema);
    if (corrections.has('proto-key')) schema = renameProto(schema, true) as JsonSchema;
    if (corrections.has('contains-tuple')) schema = isolateContains(schema) as JsonSchema;
    try {
      const validate = correctedAjv(d.draft, corrections).compile(schema as object);
      check = (value) => validate(value) as boolean;
    } catch {
      return undefined;
    }
    cache.set(schemaKey, check);
  }
  const value = corrections.has('proto-key') ? renameProto(d.judged, false) : d.judged;
  return check(value);
}

const ORDER: readonly (Correction & string)[] = ['own-keys', 'proto-key', 'multipleOf', 'contains-tuple'];

/** An exception whose correction, on top of the ones listed before it, makes ajv agree with us. */
function corrected(id: Correction, reason: string): Exception {
  const upTo = new Set(ORDER.slice(0, ORDER.indexOf(id) + 1));
  return { id, reason, matches: (d) => correctedVerdict(d, upTo) === d.ours };
}

export const EXCEPTIONS: readonly Exception[] = [
  corrected(
    'own-keys',
    "An object's properties are its own keys: ajv also finds inherited ones, so for ajv `{}` has a " +
      "'constructor' (the Object function) and a 'toString'; `required: ['constructor']` passes and " +
      "`properties: {constructor: {type: string}}` fails on `{}`. ajv's ownProperties option agrees with us.",
  ),
  corrected(
    'proto-key',
    'A property named __proto__ is checked like any other key; ajv skips that name in properties, ' +
      'patternProperties and dependencies (to guard against prototype pollution), so its value is never checked.',
  ),
  corrected(
    'multipleOf',
    'multipleOf reads numbers as the decimals their JSON text writes (0.3 is a multiple of 0.1, ' +
      '-4.1000000000000005 is not); ajv divides binary floats and compares with parseInt, so 0.3 / 0.1 = ' +
      '2.9999999999999996 fails and 1e21 is no multiple of 1.',
  ),
  corrected(
    'contains-tuple',
    'ajv bug: next to an array-form items whose member schemas check something, ajv does not apply ' +
      '`contains` to arrays no longer than those members (an empty array passes); the same contains in an ' +
      'allOf member of its own is applied.',
  ),
];
