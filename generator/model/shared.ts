/**
 * Several receive operations on one channel: whether their messages can be told apart, so that the
 * runtime can hand each message to exactly one operation. Decided conservatively from the payload
 * schemas: a discriminator property (required everywhere, with fixed values that differ per
 * operation), or, pair by pair, something that makes two payload schemas exclude each other. What
 * cannot be shown here is reported as ambiguous, never guessed at run time.
 */
import type { JsonSchema, JsonSchemaObject, ScalarValue } from './types.js';

/** One receive operation of a shared channel: its id and its messages' payload schemas (undefined: any body). */
export interface Receiver {
  readonly id: string;
  readonly messages: readonly { readonly name: string; readonly payload: JsonSchema | undefined }[];
}

/** The outcome for one channel: a discriminator, or the operations are told apart by schema, or the first pair that cannot be. */
export type Separation =
  | {
      readonly kind: 'discriminator';
      readonly property: string;
      readonly values: readonly (readonly [ScalarValue, number])[];
    }
  | { readonly kind: 'schemas' }
  | {
      readonly kind: 'ambiguous';
      /** Index of the later operation of the pair (the one a diagnostic points at). */
      readonly second: number;
      readonly first: number;
      readonly messages: readonly [string, string];
    };

/** How the receive operations of one channel are told apart (`receivers` in spec order, at least two). */
export function separate(receivers: readonly Receiver[]): Separation {
  const discriminator = findDiscriminator(receivers);
  if (discriminator !== undefined) return { kind: 'discriminator', ...discriminator };
  for (let j = 1; j < receivers.length; j++) {
    for (let i = 0; i < j; i++) {
      for (const a of (receivers[i] as Receiver).messages) {
        for (const b of (receivers[j] as Receiver).messages) {
          if (!exclusive(a.payload, b.payload))
            return { kind: 'ambiguous', first: i, second: j, messages: [a.name, b.name] };
        }
      }
    }
  }
  return { kind: 'schemas' };
}

/** A property whose fixed values name the operation, with `[value, operation index]` pairs. */
function findDiscriminator(
  receivers: readonly Receiver[],
): { property: string; values: (readonly [ScalarValue, number])[] } | undefined {
  const first = receivers[0]?.messages[0]?.payload;
  if (typeof first !== 'object') return undefined;
  for (const property of propertyNames(first)) {
    const values: (readonly [ScalarValue, number])[] = [];
    const seen = new Set<string>();
    let ok = true;
    receivers.forEach((receiver, index) => {
      if (!ok) return;
      const mine = new Set<string>();
      for (const m of receiver.messages) {
        const fixed = typeof m.payload === 'object' ? fixedValues(m.payload, property) : undefined;
        if (fixed === undefined || receiver.messages.length === 0) {
          ok = false;
          return;
        }
        for (const value of fixed) {
          const key = keyOf(value);
          if (mine.has(key)) continue;
          if (seen.has(key)) {
            ok = false;
            return;
          }
          mine.add(key);
          values.push([value, index]);
        }
      }
      if (receiver.messages.length === 0) ok = false;
      for (const key of mine) seen.add(key);
    });
    if (ok) return { property, values };
  }
  return undefined;
}

/** True when no value can be valid for both schemas (as far as can be shown simply). */
function exclusive(a: JsonSchema | undefined, b: JsonSchema | undefined): boolean {
  if (a === false || b === false) return true;
  if (typeof a !== 'object' || typeof b !== 'object') return false;
  if (a === b) return false;
  const ta = typesOf(a);
  const tb = typesOf(b);
  if (ta !== undefined && tb !== undefined && !ta.some((t) => tb.includes(t))) return true;
  for (const property of propertyNames(a)) {
    const va = fixedValues(a, property);
    const vb = va === undefined ? undefined : fixedValues(b, property);
    if (va !== undefined && vb !== undefined && !va.some((v) => vb.some((w) => keyOf(v) === keyOf(w)))) return true;
  }
  return requiresWhatOtherForbids(a, b) || requiresWhatOtherForbids(b, a);
}

/** `a` requires a property that `b` (closed by `additionalProperties: false`) does not declare. */
function requiresWhatOtherForbids(a: JsonSchemaObject, b: JsonSchemaObject): boolean {
  if (b.additionalProperties !== false || b.patternProperties !== undefined || b.allOf !== undefined) return false;
  const declared = isRecord(b.properties) ? b.properties : {};
  return [...required(a)].some((name) => !Object.hasOwn(declared, name));
}

/** The object schema and its `allOf` members: where properties and `required` are read from. */
function parts(schema: JsonSchemaObject): JsonSchemaObject[] {
  const out = [schema];
  if (Array.isArray(schema.allOf)) {
    for (const member of schema.allOf) if (isRecord(member)) out.push(member as JsonSchemaObject);
  }
  return out;
}

function propertyNames(schema: JsonSchemaObject): string[] {
  const names: string[] = [];
  for (const part of parts(schema)) {
    if (isRecord(part.properties))
      for (const name of Object.keys(part.properties)) if (!names.includes(name)) names.push(name);
  }
  return names;
}

function required(schema: JsonSchemaObject): Set<string> {
  const out = new Set<string>();
  for (const part of parts(schema)) {
    if (Array.isArray(part.required)) for (const name of part.required) if (typeof name === 'string') out.add(name);
  }
  return out;
}

/**
 * The values `property` can have in a payload `schema` accepts, when the schema requires it and fixes
 * it with `const` or a scalar `enum` (its own, or an `allOf` member's); else undefined.
 */
export function fixedValues(schema: JsonSchemaObject, property: string): ScalarValue[] | undefined {
  const types = typesOf(schema);
  if (types !== undefined && !types.includes('object')) return undefined;
  if (!required(schema).has(property)) return undefined;
  let values: ScalarValue[] | undefined;
  for (const part of parts(schema)) {
    const sub = isRecord(part.properties) ? part.properties[property] : undefined;
    if (!isRecord(sub)) continue;
    const own = sub.const !== undefined ? [sub.const] : Array.isArray(sub.enum) ? sub.enum : undefined;
    if (own === undefined) continue;
    if (!own.every(isScalar)) return undefined;
    // Several parts fixing it: only values all of them allow.
    values = values === undefined ? [...own] : values.filter((v) => own.some((w) => keyOf(v) === keyOf(w)));
  }
  return values;
}

function isScalar(value: unknown): value is ScalarValue {
  return value === null || ['string', 'number', 'boolean'].includes(typeof value);
}

/** Equal keys for equal JSON values: `1` and `'1'` differ. */
function keyOf(value: ScalarValue): string {
  return `${typeof value}:${String(value)}`;
}

/** The JSON types a schema's `type` allows (`integer` counted as `number`), or undefined without `type`. */
function typesOf(schema: JsonSchemaObject): string[] | undefined {
  const type = schema.type;
  const list =
    typeof type === 'string' ? [type] : Array.isArray(type) ? type.filter((t) => typeof t === 'string') : undefined;
  return list?.map((t) => (t === 'integer' ? 'number' : t));
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
