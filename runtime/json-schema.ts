/**
 * The JSON Schema keywords zod has no check for, as zod checks and schemas that generated code builds
 * its validators from (docs/schemas.md). Each one means what the reference validator (ajv 8 with
 * ajv-formats' full formats) means by the keyword: formats are ajv-formats' own table, string lengths
 * count code points, equality is deep and ignores key order, objects are read by their own keys.
 *
 * Every check reads the value as received, never a transformed copy, and no schema here changes a
 * payload: what a handler gets is what was sent.
 */
import { fullFormats } from 'ajv-formats/dist/formats.js';
import { z } from 'zod';
import { ContractError } from './errors.js';

/** A check zod runs after its own type check (`schema.check(...)`), or before a base in `all`. */
export type JsonSchemaCheck = z.core.$ZodCheck<unknown>;

type RawIssue = z.core.$ZodRawIssue;
type Payload = z.core.ParsePayload<unknown>;

/** One parse context for the subschemas the checks run: synchronous, like every generated schema. */
const CONTEXT: z.core.ParseContextInternal = { async: false };

/** The issues `schema` finds in `value` (none: it matches). */
function issuesOf(schema: z.core.$ZodType, value: unknown): RawIssue[] {
  const result = schema._zod.run({ value, issues: [] }, CONTEXT);
  if (result instanceof Promise)
    throw new ContractError('asyncapi-nats: JSON Schema checks run synchronous schemas only');
  return result.issues;
}

function matches(schema: z.core.$ZodType, value: unknown): boolean {
  return issuesOf(schema, value).length === 0;
}

/** Adds `issues` (found at `key` of the value, or at the value itself) to `payload`. */
function forward(payload: Payload, issues: readonly RawIssue[], key?: PropertyKey): void {
  for (const issue of issues) {
    payload.issues.push(key === undefined ? issue : { ...issue, path: [key, ...(issue.path ?? [])] });
  }
}

function fail(payload: Payload, message: string, path?: PropertyKey[]): void {
  payload.issues.push({ code: 'custom', message, input: payload.value, ...(path ? { path } : {}) });
}

/**
 * A key the schema forbids. Not zod's `unrecognized_keys` issue: zod lets that one through a pipe
 * (for intersections to reconcile), and checks before a base run in a pipe (`all`).
 */
function unrecognized(payload: Payload, key: string): void {
  fail(payload, `Unrecognized key: ${JSON.stringify(key)}`, [key]);
}

function check(fn: (payload: Payload) => void): JsonSchemaCheck {
  return z.check(fn as z.core.CheckFn<unknown>) as unknown as JsonSchemaCheck;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const hasOwn = Object.prototype.hasOwnProperty;

/**
 * JSON equality as ajv has it (`fast-deep-equal`): numbers by value (`0` equals `-0`), arrays in
 * order, objects by their own keys in any order.
 */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!jsonEqual(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  for (const key of keys) {
    if (!hasOwn.call(b, key)) return false;
    if (!jsonEqual((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key])) return false;
  }
  return true;
}

/** The length JSON Schema gives a string: Unicode code points (a surrogate pair counts once, as in ajv). */
export function codePointLength(text: string): number {
  let length = 0;
  for (let i = 0; i < text.length; i++) {
    length++;
    const unit = text.charCodeAt(i);
    if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < text.length && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) i++;
  }
  return length;
}

/** `value` as an exact decimal: `digits × 10^exponent` (from its shortest round-trip text). */
function decimal(value: number): { digits: bigint; exponent: number } {
  const [mantissa = '0', exponent = '0'] = String(Math.abs(value)).split('e');
  const [whole = '0', fraction = ''] = mantissa.split('.');
  return { digits: BigInt(whole + fraction), exponent: Number(exponent) - fraction.length };
}

/**
 * True when `value` is an integer multiple of `divisor`, both read as the decimal numbers their JSON
 * text writes (so 0.3 is a multiple of 0.1, which binary floating point division denies).
 */
export function isMultipleOf(value: number, divisor: number): boolean {
  if (Number.isSafeInteger(value) && Number.isSafeInteger(divisor)) return value % divisor === 0;
  const v = decimal(value);
  const d = decimal(divisor);
  const exponent = Math.min(v.exponent, d.exponent);
  const scaledValue = v.digits * 10n ** BigInt(v.exponent - exponent);
  const scaledDivisor = d.digits * 10n ** BigInt(d.exponent - exponent);
  return scaledDivisor !== 0n && scaledValue % scaledDivisor === 0n;
}

type FormatTest = (value: never) => boolean;

/**
 * Date-times ajv-formats certainly accepts (a day of the month up to 28, every field in range): most
 * values pass here, in one regular expression, and only the others run ajv-formats' own check.
 * Measured on Node 20: 0.2 µs against 1.2 µs for a typical RFC 3339 timestamp.
 */
const PLAIN_DATE_TIME =
  /^\d{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|1\d|2[0-8])[Tt ](?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d(?:\.\d+)?(?:[Zz]|[+-](?:[01]\d|2[0-3])(?::?[0-5]\d)?)$/;

/** Fast paths: formats whose full check is slow, with a regular expression for values it surely accepts. */
const SURELY_VALID: Readonly<Record<string, RegExp>> = { 'date-time': PLAIN_DATE_TIME };

/** ajv-formats' full formats, by name: the JSON type each applies to and its test. */
function formatOf(name: string): { readonly type: 'string' | 'number'; readonly test: FormatTest } | undefined {
  if (!hasOwn.call(fullFormats, name)) return undefined;
  const format = (fullFormats as Record<string, unknown>)[name];
  let type: 'string' | 'number' = 'string';
  let test: FormatTest;
  if (format === true) test = () => true;
  else if (format instanceof RegExp) test = (value: string) => format.test(value);
  else if (typeof format === 'function') test = format as FormatTest;
  else if (typeof format === 'object' && format !== null && 'validate' in format) {
    const { type: declared, validate } = format as { type?: 'string' | 'number'; validate: unknown };
    type = declared ?? 'string';
    test = validate instanceof RegExp ? (value: string) => validate.test(value) : (validate as FormatTest);
  } else return undefined;
  const fast = SURELY_VALID[name];
  if (fast) {
    const full = test as (value: string) => boolean;
    test = (value: string) => fast.test(value) || full(value);
  }
  return { type, test };
}

/** ajv-formats' own test of a format, without fast path (for tests of the fast paths). */
export function fullFormatTest(name: string): ((value: string) => boolean) | undefined {
  const format = (fullFormats as Record<string, unknown>)[name];
  if (typeof format === 'function') return format as (value: string) => boolean;
  if (typeof format === 'object' && format !== null && 'validate' in format && typeof format.validate === 'function') {
    return format.validate as (value: string) => boolean;
  }
  return undefined;
}

/** Whether ajv-formats knows a format (a format it does not know is an annotation, checking nothing). */
export function isKnownFormat(name: string): boolean {
  return formatOf(name) !== undefined;
}

/** Whether `value` passes the format `name` (true for values of another JSON type and unknown formats). */
export function formatMatches(name: string, value: unknown): boolean {
  const format = formatOf(name);
  return format === undefined || typeof value !== format.type || format.test(value as never);
}

const integerCheck = check((payload) => {
  if (!Number.isInteger(payload.value)) {
    payload.issues.push({ code: 'invalid_type', expected: 'int', input: payload.value });
  }
});

const uniqueItemsCheck = check((payload) => {
  const items = payload.value;
  if (!Array.isArray(items) || items.length < 2) return;
  if (items.every((item) => typeof item !== 'object' || item === null)) {
    if (new Set(items).size === items.length) return;
  }
  for (let i = 1; i < items.length; i++) {
    for (let j = 0; j < i; j++) {
      if (jsonEqual(items[i], items[j])) {
        fail(payload, `Items ${j} and ${i} are equal; items must be unique`);
        return;
      }
    }
  }
});

const HEADER_SYNTAX = {
  integer: /^-?(?:0|[1-9][0-9]*)$/,
  number: /^-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?$/,
};

/** What a header value's text may stand for, tried in this order. */
export type HeaderValueKind = 'string' | 'integer' | 'number' | 'boolean';

function headerCandidate(kind: HeaderValueKind, text: string): { value: unknown } | undefined {
  switch (kind) {
    case 'string':
      return { value: text };
    case 'integer':
    case 'number':
      return HEADER_SYNTAX[kind].test(text) ? { value: Number(text) } : undefined;
    case 'boolean':
      return text === 'true' ? { value: true } : text === 'false' ? { value: false } : undefined;
  }
}

/** The `object` helper's description of one object schema; every member is optional. */
export interface ObjectSpec {
  /** `properties`: each present own key's value must match its schema. */
  readonly properties?: Readonly<Record<string, z.core.$ZodType>>;
  /** `required`: own keys that must be present. */
  readonly required?: readonly string[];
  /** `patternProperties`: every own key a pattern matches has its value checked by that schema. */
  readonly patternProperties?: readonly (readonly [RegExp, z.core.$ZodType])[];
  /** `additionalProperties`: keys neither declared nor matched by a pattern; `false` forbids them. */
  readonly additionalProperties?: z.core.$ZodType | false;
  /** `propertyNames`: every own key, as a string, must match. */
  readonly propertyNames?: z.core.$ZodType;
  readonly minProperties?: number;
  readonly maxProperties?: number;
  /**
   * `dependencies`/`dependentRequired`/`dependentSchemas`: when the key is present, these keys are
   * required too, or the object must match this schema.
   */
  readonly dependencies?: readonly (readonly [string, readonly string[] | z.core.$ZodType])[];
}

/**
 * What a schema and the subschemas applied in place evaluate of an object's keys or an array's items
 * (JSON Schema 2019-09 annotations), for `unevaluatedProperties`/`unevaluatedItems`. A branch counts
 * when its `key` is present or the value matches `when` (else `otherwise` counts).
 */
export interface Coverage {
  readonly names?: readonly string[];
  readonly patterns?: readonly RegExp[];
  /** Leading items evaluated by prefixItems (array-form items). */
  readonly prefix?: number;
  /** Everything is evaluated. */
  readonly all?: boolean;
  /** 2020-12: items matching `contains` are evaluated. */
  readonly contains?: z.core.$ZodType;
  readonly branches?: readonly {
    readonly when?: z.core.$ZodType;
    readonly key?: string;
    readonly cover: Coverage;
    readonly otherwise?: Coverage;
  }[];
}

/** Adds the keys (or positions) `coverage` evaluates in `value` to `out`; true when it evaluates all. */
function evaluated(value: Record<string, unknown> | unknown[], coverage: Coverage, out: Set<string | number>): boolean {
  if (coverage.all) return true;
  if (Array.isArray(value)) {
    for (let i = 0; i < Math.min(coverage.prefix ?? 0, value.length); i++) out.add(i);
    const contains = coverage.contains;
    if (contains) {
      for (let i = 0; i < value.length; i++) if (matches(contains, value[i])) out.add(i);
    }
  } else {
    for (const name of coverage.names ?? []) if (hasOwn.call(value, name)) out.add(name);
    if (coverage.patterns && coverage.patterns.length > 0) {
      for (const key of Object.keys(value)) if (coverage.patterns.some((p) => p.test(key))) out.add(key);
    }
  }
  for (const branch of coverage.branches ?? []) {
    const applies =
      branch.key !== undefined
        ? !Array.isArray(value) && hasOwn.call(value, branch.key)
        : branch.when === undefined || matches(branch.when, value);
    const cover = applies ? branch.cover : branch.otherwise;
    if (cover && evaluated(value, cover, out)) return true;
  }
  return false;
}

function objectCheck(spec: ObjectSpec, payload: Payload): void {
  const value = payload.value;
  if (!isObject(value)) {
    payload.issues.push({ code: 'invalid_type', expected: 'object', input: value });
    return;
  }
  const properties = spec.properties;
  if (spec.required) {
    for (const name of spec.required) {
      if (!hasOwn.call(value, name)) {
        payload.issues.push({ code: 'invalid_type', expected: 'nonoptional', input: undefined, path: [name] });
      }
    }
  }
  const keys = Object.keys(value);
  for (const key of keys) {
    let known = false;
    if (properties !== undefined && hasOwn.call(properties, key)) {
      known = true;
      forward(payload, issuesOf(properties[key] as z.core.$ZodType, value[key]), key);
    }
    if (spec.patternProperties) {
      for (const [pattern, schema] of spec.patternProperties) {
        if (!pattern.test(key)) continue;
        known = true;
        forward(payload, issuesOf(schema, value[key]), key);
      }
    }
    if (!known && spec.additionalProperties !== undefined) {
      if (spec.additionalProperties === false) {
        unrecognized(payload, key);
      } else forward(payload, issuesOf(spec.additionalProperties, value[key]), key);
    }
    if (spec.propertyNames && !matches(spec.propertyNames, key)) {
      fail(payload, `Invalid property name ${JSON.stringify(key)}`, [key]);
    }
  }
  if (spec.minProperties !== undefined && keys.length < spec.minProperties) {
    fail(payload, `Too few properties: expected at least ${spec.minProperties}`);
  }
  if (spec.maxProperties !== undefined && keys.length > spec.maxProperties) {
    fail(payload, `Too many properties: expected at most ${spec.maxProperties}`);
  }
  if (spec.dependencies) {
    for (const [name, dependency] of spec.dependencies) {
      if (!hasOwn.call(value, name)) continue;
      if (Array.isArray(dependency)) {
        for (const other of dependency as readonly string[]) {
          if (!hasOwn.call(value, other))
            fail(payload, `Property ${JSON.stringify(other)} is required when ${JSON.stringify(name)} is present`, [
              other,
            ]);
        }
      } else forward(payload, issuesOf(dependency as z.core.$ZodType, value));
    }
  }
}

/**
 * The JSON Schema keywords of generated validators that zod has no check for. Generated code uses
 * them only where a schema has such a keyword; a plain schema is plain zod.
 */
export const jsonSchema = Object.freeze({
  /** `type: integer`: any number without a fractional part (zod's `int()` stops at 2^53). */
  integer: integerCheck as JsonSchemaCheck,

  /** `minLength`, counted in code points as JSON Schema does (zod counts UTF-16 units). */
  minLength(min: number): JsonSchemaCheck {
    return check((payload) => {
      const text = payload.value as string;
      // A code point is one or two UTF-16 units: count them only when the unit count cannot decide.
      if (text.length < 2 * min && (text.length < min || codePointLength(text) < min)) {
        payload.issues.push({ code: 'too_small', origin: 'string', minimum: min, inclusive: true, input: text });
      }
    });
  },

  /** `maxLength`, counted in code points as JSON Schema does (zod counts UTF-16 units). */
  maxLength(max: number): JsonSchemaCheck {
    return check((payload) => {
      const text = payload.value as string;
      if (text.length > max && (text.length > 2 * max || codePointLength(text) > max)) {
        payload.issues.push({ code: 'too_big', origin: 'string', maximum: max, inclusive: true, input: text });
      }
    });
  },

  /**
   * `format`: ajv-formats' full format `name`, for values of the JSON type it applies to (int32,
   * int64, float and double check numbers; the others strings).
   */
  format(name: string): JsonSchemaCheck {
    const format = formatOf(name);
    if (format === undefined) throw new ContractError(`asyncapi-nats: unknown format '${name}'`);
    const { type, test } = format;
    return check((payload) => {
      const value = payload.value;
      if (typeof value === type && !test(value as never)) {
        payload.issues.push({ code: 'invalid_format', format: name, input: value as string });
      }
    });
  },

  /** `multipleOf`, exact for decimal numbers (see {@link isMultipleOf}). */
  multipleOf(divisor: number): JsonSchemaCheck {
    return check((payload) => {
      const value = payload.value;
      if (typeof value === 'number' && !isMultipleOf(value, divisor)) {
        payload.issues.push({ code: 'not_multiple_of', divisor, origin: 'number', input: value });
      }
    });
  },

  /** `uniqueItems: true`: no two items of an array are equal (deep equality, key order ignored). */
  uniqueItems: uniqueItemsCheck as JsonSchemaCheck,

  /** `contains` (with 2019-09's `minContains`/`maxContains`): how many items of an array match `schema`. */
  contains(schema: z.core.$ZodType, min = 1, max?: number): JsonSchemaCheck {
    return check((payload) => {
      const items = payload.value;
      if (!Array.isArray(items)) return;
      let count = 0;
      for (const item of items) if (matches(schema, item)) count++;
      if (count < min) fail(payload, `Too few items match 'contains': expected at least ${min}, found ${count}`);
      else if (max !== undefined && count > max) {
        fail(payload, `Too many items match 'contains': expected at most ${max}, found ${count}`);
      }
    });
  },

  /** `not`: the value must not match `schema`. */
  not(schema: z.core.$ZodType): JsonSchemaCheck {
    return check((payload) => {
      if (matches(schema, payload.value)) fail(payload, 'Invalid input: must not match the schema under "not"');
    });
  },

  /**
   * `unevaluatedProperties` (`of` `properties`) or `unevaluatedItems` (`items`): every key or item that
   * `coverage` does not evaluate must match `schema` (`false`: there must be none).
   */
  unevaluated(of: 'properties' | 'items', coverage: Coverage, schema: z.core.$ZodType | false): JsonSchemaCheck {
    return check((payload) => {
      const value = payload.value;
      if (of === 'items' ? !Array.isArray(value) : !isObject(value)) return;
      const seen = new Set<string | number>();
      if (evaluated(value as Record<string, unknown> | unknown[], coverage, seen)) return;
      const rest: (string | number)[] = Array.isArray(value)
        ? value.map((_, i) => i).filter((i) => !seen.has(i))
        : Object.keys(value as object).filter((k) => !seen.has(k));
      for (const at of rest) {
        if (schema === false) {
          if (of === 'properties') unrecognized(payload, at as string);
          else fail(payload, `Item ${at} is not evaluated and unevaluatedItems forbids it`, [at]);
        } else forward(payload, issuesOf(schema, (value as Record<string | number, unknown>)[at]), at);
      }
    });
  },

  /** The value also matches `schema` (a header set's own keywords, checked on the parsed headers). */
  matches(schema: z.core.$ZodType): JsonSchemaCheck {
    return check((payload) => forward(payload, issuesOf(schema, payload.value)));
  },

  /** `if`/`then`/`else`: a value matching `condition` must match `then`, any other must match `otherwise`. */
  when(
    condition: z.core.$ZodType,
    then: z.core.$ZodType | undefined,
    otherwise?: z.core.$ZodType | undefined,
  ): JsonSchemaCheck {
    return check((payload) => {
      const branch = matches(condition, payload.value) ? then : otherwise;
      if (branch !== undefined) forward(payload, issuesOf(branch, payload.value));
    });
  },

  /** Object keywords zod's objects cannot say (see {@link ObjectSpec}), as a check on any value. */
  keys(spec: ObjectSpec): JsonSchemaCheck {
    return check((payload) => {
      if (isObject(payload.value)) objectCheck(spec, payload);
    });
  },

  /**
   * An object schema read by own keys (`__proto__` and `constructor` are keys like any other), for
   * what `z.object` cannot say: patterns, property names, counts, dependencies, typed extra keys.
   * The value passes through unchanged.
   */
  object<T>(spec: ObjectSpec): z.ZodType<T> {
    return z.custom<T>().check(check((payload) => objectCheck(spec, payload)) as z.core.$ZodCheck<T>);
  },

  /** `allOf`: the value matches every member; it passes through unchanged. */
  allOf<T>(members: readonly z.core.$ZodType[]): z.ZodType<T> {
    return z.custom<T>().check(
      check((payload) => {
        for (const member of members) forward(payload, issuesOf(member, payload.value));
      }) as z.core.$ZodCheck<T>,
    );
  },

  /** `enum`/`const` with object or array values: the value equals one of `values` (deep equality). */
  enum<T>(values: readonly unknown[]): z.ZodType<T> {
    return z.custom<T>().check(
      check((payload) => {
        if (!values.some((value) => jsonEqual(value, payload.value))) {
          payload.issues.push({
            code: 'invalid_value',
            values: values as z.core.util.Primitive[],
            input: payload.value,
          });
        }
      }) as z.core.$ZodCheck<T>,
    );
  },

  /**
   * `base` with `checks` that read the value as received: they run first, so a check never sees what
   * zod's objects output (without their undeclared keys).
   */
  all<S extends z.core.$ZodType>(base: S, ...checks: JsonSchemaCheck[]): z.ZodPipe<z.ZodUnknown, S> {
    return z
      .unknown()
      .check(...(checks as z.core.$ZodCheck<unknown>[]))
      .pipe(base);
  },

  /**
   * A header value: NATS headers are text, so the text is read as each kind in turn (a plain decimal
   * integer or number without exponent, `true`/`false`, or the text itself) and the first reading
   * `schema` accepts is the value.
   */
  header<S extends z.core.$ZodType>(
    kinds: readonly HeaderValueKind[],
    schema: S,
  ): z.ZodPipe<z.ZodString, z.ZodTransform<z.core.output<S>, string>> {
    return z.string().transform((text, ctx) => {
      for (const kind of kinds) {
        const candidate = headerCandidate(kind, text);
        if (candidate === undefined) continue;
        const result = schema._zod.run({ value: candidate.value, issues: [] }, CONTEXT);
        if (result instanceof Promise) throw new ContractError('asyncapi-nats: header schemas run synchronously');
        if (result.issues.length === 0) return result.value as z.core.output<S>;
        if (kinds.length === 1) {
          for (const issue of result.issues) ctx.issues.push(issue as never);
          return z.NEVER;
        }
      }
      ctx.issues.push({
        code: 'custom',
        message: `Invalid header value ${JSON.stringify(text)}: expected ${kinds.join(' or ')}`,
        input: text,
      });
      return z.NEVER;
    });
  },
});
