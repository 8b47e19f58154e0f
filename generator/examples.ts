/**
 * Example payloads and headers for the docs site and the example factories: one generated from each
 * message's JSON Schema, and every example shown (the spec's and the generated one) checked at build
 * time with the very zod schema the generated code runs (built live from the same Shape, see
 * `generator/emit/schema/live.ts`). An invalid spec example is a warning (an error under `--strict`)
 * and is shown marked as not matching, with the reason; a generated example that does not validate
 * is left out with a warning (our generator is not smart enough for that schema, the spec itself is
 * fine).
 */
import { liveSchema } from './emit/schema/live.js';
import type {
  JsonSchema,
  JsonSchemaObject,
  MessageModel,
  NamedSchema,
  SchemaDialect,
  SpecLocation,
} from './model/types.js';
import type { Problem } from './problems.js';

/** Fixed sample values for string formats, each valid for ajv-formats' full format of that name. */
const FORMAT_SAMPLES: Record<string, string> = {
  uuid: '3fa85f64-5717-4562-b3fc-2c963f66afa6',
  'date-time': '2025-01-15T09:30:00Z',
  'iso-date-time': '2025-01-15T09:30:00Z',
  date: '2025-01-15',
  time: '09:30:00Z',
  'iso-time': '09:30:00Z',
  uri: 'https://example.com/resource',
  'uri-reference': 'https://example.com/resource',
  'uri-template': 'https://example.com/{id}',
  url: 'https://example.com/resource',
  email: 'user@example.com',
  hostname: 'example.com',
  ipv4: '192.0.2.1',
  ipv6: '2001:db8::1',
  duration: 'PT1M',
  regex: '^[a-z]+$',
  'json-pointer': '/a/b',
  'json-pointer-uri-fragment': '#/a/b',
  'relative-json-pointer': '0/a',
  byte: 'ZXhhbXBsZQ==',
};

/** How deep generated examples nest optional properties and recursive schemas. */
const MAX_OPTIONAL_DEPTH = 2;
const MAX_DEPTH = 8;
/** How many candidate values a schema offers before the sampler gives up on it. */
const MAX_CANDIDATES = 24;

function isObject(s: unknown): s is JsonSchemaObject {
  return typeof s === 'object' && s !== null && !Array.isArray(s);
}

function setKey(out: Record<string, unknown>, key: string, value: unknown): void {
  // defineProperty: a key named `__proto__` stays an own property.
  Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
}

/**
 * A sample value for a JSON Schema, valid against it when the sampler can find one: the schema's own
 * `examples`/`default`/`const`/`enum` first, else built from its types and keywords. Candidates are
 * built, then judged by the schema itself (so `oneOf`, `not`, `if`/`then`, `uniqueItems`, `contains`,
 * `dependencies`, patterns and property names all hold); when none passes, the first candidate is
 * returned and the caller's check reports why. Required properties are always present; optional ones
 * only near the top, so recursive schemas end.
 */
export function sampleOf(schema: JsonSchema, dialect?: SchemaDialect): unknown {
  return new Sampler(dialect).pick(schema, 0);
}

class Sampler {
  constructor(private readonly dialect: SchemaDialect | undefined) {}

  private valid(schema: JsonSchema, value: unknown): boolean {
    const check = validator(schema, 'payload', this.dialect);
    return check.ok && check.check(value) === undefined;
  }

  /** The first candidate `schema` accepts, else its first candidate. */
  pick(schema: JsonSchema, depth: number): unknown {
    let first: unknown;
    let any = false;
    let n = 0;
    for (const candidate of this.candidates(schema, depth)) {
      if (!any) {
        first = candidate;
        any = true;
      }
      if (candidate !== undefined && this.valid(schema, candidate)) return candidate;
      if (++n >= MAX_CANDIDATES) break;
    }
    return first;
  }

  /** Values that may be valid for `schema`, most likely first; plain values of each type last. */
  *candidates(schema: JsonSchema, depth: number): Generator<unknown> {
    yield* this.fromSchema(schema, depth);
    yield* ['example', 1, true, {}, [], null];
  }

  private *fromSchema(schema: JsonSchema, depth: number): Generator<unknown> {
    if (!isObject(schema)) return;
    if (Array.isArray(schema.examples)) yield* schema.examples;
    if (schema.example !== undefined) yield schema.example;
    if (schema.default !== undefined) yield schema.default;
    if (schema.const !== undefined) {
      yield schema.const;
      return;
    }
    if (Array.isArray(schema.enum) && schema.enum.length > 0) {
      yield* schema.enum;
      return;
    }
    const own = [...this.typed(schema, depth)];
    // What combinators add to the schema's own value: each member's sample, merged into it.
    const parts: JsonSchema[][] = [];
    for (const key of ['oneOf', 'anyOf'] as const) {
      const members = schema[key];
      if (Array.isArray(members) && members.length > 0) parts.push(members as JsonSchema[]);
    }
    if (isObject(schema.if) || schema.if === true) {
      if (schema.then !== undefined) parts.push([schema.then as JsonSchema]);
      if (schema.else !== undefined) parts.push([schema.else as JsonSchema]);
    }
    const allOf = Array.isArray(schema.allOf) ? (schema.allOf as JsonSchema[]) : [];
    const members = allOf.map((m) => this.pick(m, depth));
    const bases = (own.length > 0 ? own : [undefined]).map((base) =>
      members.reduce<unknown>((value, m) => merge(value, m), base),
    );
    for (const base of bases) {
      for (const alternatives of parts) {
        for (const member of alternatives) yield merge(base, this.pick(member, depth));
      }
    }
    // Unmerged too: the schema's own value (it may satisfy the combinators as it is), then each member's
    // candidates (the first valid one of a member may be valid for another member too, which oneOf
    // forbids).
    for (const base of bases) if (base !== undefined) yield base;
    for (const member of [...allOf, ...parts.flat()]) {
      let n = 0;
      for (const candidate of this.fromSchema(member, depth)) {
        yield merge(candidate, bases[0]);
        if (++n >= 8) break;
      }
    }
  }

  /** Candidates from the schema's types and their keywords. */
  private *typed(schema: JsonSchemaObject, depth: number): Generator<unknown> {
    const declared = schema.type === undefined ? [] : Array.isArray(schema.type) ? schema.type : [schema.type];
    const types: unknown[] = declared.filter((t) => t !== 'null');
    if (types.length === 0 && declared.length === 0) {
      if (isObject(schema.properties) || Array.isArray(schema.required) || isObject(schema.patternProperties))
        types.push('object');
      else if (schema.items !== undefined || schema.prefixItems !== undefined || schema.contains !== undefined)
        types.push('array');
      else if (
        schema.minLength !== undefined ||
        schema.maxLength !== undefined ||
        schema.pattern !== undefined ||
        typeof schema.format === 'string'
      )
        types.push('string');
      else if (schema.minimum !== undefined || schema.maximum !== undefined || schema.multipleOf !== undefined)
        types.push('number');
    }
    if (declared.includes('null') || schema.nullable === true) types.push('null');
    for (const type of types) {
      switch (type) {
        case 'null':
          yield null;
          break;
        case 'boolean':
          yield true;
          yield false;
          break;
        case 'integer':
        case 'number':
          yield* numberSamples(schema, type === 'integer');
          break;
        case 'string':
          yield* stringSamples(schema);
          break;
        case 'array':
          yield* this.arrays(schema, depth);
          break;
        case 'object':
          yield* this.objects(schema, depth);
          break;
      }
    }
  }

  private *arrays(schema: JsonSchemaObject, depth: number): Generator<unknown> {
    if (depth >= MAX_DEPTH) {
      yield [];
      return;
    }
    const min = typeof schema.minItems === 'number' ? schema.minItems : 0;
    const max = typeof schema.maxItems === 'number' ? schema.maxItems : Number.POSITIVE_INFINITY;
    const prefix = Array.isArray(schema.prefixItems)
      ? (schema.prefixItems as JsonSchema[])
      : Array.isArray(schema.items)
        ? (schema.items as JsonSchema[])
        : [];
    const rest: JsonSchema =
      Array.isArray(schema.items) || Array.isArray(schema.prefixItems)
        ? (((Array.isArray(schema.prefixItems) ? schema.items : schema.additionalItems) as JsonSchema | undefined) ??
          true)
        : ((schema.items as JsonSchema | undefined) ?? true);
    const count = Math.min(max, Math.max(min, prefix.length, depth < MAX_OPTIONAL_DEPTH + 1 ? 1 : 0));
    const items: unknown[] = [];
    if (schema.contains !== undefined) {
      // An item for contains must be a valid item too.
      const contained = rest === true ? (schema.contains as JsonSchema) : { allOf: [rest, schema.contains] };
      items.push(this.pick(contained, depth + 1));
    }
    for (let i = items.length; i < count; i++) {
      const item = i < prefix.length ? (prefix[i] as JsonSchema) : rest;
      if (schema.uniqueItems === true) items.push(this.distinct(item, depth + 1, items));
      else items.push(this.pick(item, depth + 1));
    }
    yield items;
    if (min === 0 && prefix.length === 0) yield [];
  }

  /** A valid value of `schema` not equal to any of `taken`, else its sample. */
  private distinct(schema: JsonSchema, depth: number, taken: readonly unknown[]): unknown {
    let n = 0;
    for (const candidate of this.candidates(schema, depth)) {
      if (!taken.some((t) => JSON.stringify(t) === JSON.stringify(candidate)) && this.valid(schema, candidate)) {
        return candidate;
      }
      if (++n >= MAX_CANDIDATES) break;
    }
    return this.pick(schema, depth);
  }

  private *objects(schema: JsonSchemaObject, depth: number): Generator<unknown> {
    const out: Record<string, unknown> = {};
    if (depth >= MAX_DEPTH) {
      yield out;
      return;
    }
    const props = isObject(schema.properties) ? schema.properties : {};
    const required = new Set(
      Array.isArray(schema.required) ? schema.required.filter((r) => typeof r === 'string') : [],
    );
    const dependencies = isObject(schema.dependencies) ? schema.dependencies : {};
    const dependentRequired = isObject(schema.dependentRequired) ? schema.dependentRequired : {};
    const add = (key: string): void => {
      if (Object.hasOwn(out, key)) return;
      const sub = Object.hasOwn(props, key) ? (props[key] as JsonSchema) : true;
      const value = this.pick(sub, depth + 1);
      if (value === undefined) return;
      setKey(out, key, value);
      for (const deps of [dependencies[key], dependentRequired[key]]) {
        if (Array.isArray(deps)) for (const d of deps) if (typeof d === 'string') add(d);
      }
    };
    for (const key of Object.keys(props)) {
      if (required.has(key) || depth < MAX_OPTIONAL_DEPTH) add(key);
    }
    for (const key of required) add(key);
    const min = typeof schema.minProperties === 'number' ? schema.minProperties : 0;
    for (const key of Object.keys(props)) if (Object.keys(out).length < min) add(key);
    // More keys: from patternProperties (a key its pattern matches), else additional ones.
    const patterns = isObject(schema.patternProperties) ? Object.entries(schema.patternProperties) : [];
    for (const [pattern, sub] of patterns) {
      if (Object.keys(out).length >= min) break;
      const key = samplePattern(pattern);
      if (key !== undefined && !Object.hasOwn(out, key)) setKey(out, key, this.pick(sub as JsonSchema, depth + 1));
    }
    if (Object.keys(out).length < min && schema.additionalProperties !== false) {
      const extra = (isObject(schema.additionalProperties) ? schema.additionalProperties : true) as JsonSchema;
      for (let i = 0; Object.keys(out).length < min; i++) setKey(out, `key${i}`, this.pick(extra, depth + 1));
    }
    yield out;
    // Without optional properties, for schemas that need fewer keys (maxProperties, oneOf of required sets).
    const minimal: Record<string, unknown> = {};
    for (const key of Object.keys(out)) if (required.has(key)) setKey(minimal, key, out[key]);
    if (Object.keys(minimal).length < Object.keys(out).length) yield minimal;
  }
}

/**
 * `part`'s keys added to `base` (objects, recursively). Where both have a value, `base`'s stays: it was
 * built from the schema that declares the property, `part`'s maybe from a member that only requires it.
 */
function merge(base: unknown, part: unknown): unknown {
  if (base === undefined) return part;
  if (part === undefined) return base;
  if (isObject(base) && isObject(part)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(base)) setKey(out, k, v);
    for (const [k, v] of Object.entries(part)) setKey(out, k, Object.hasOwn(out, k) ? merge(out[k], v) : v);
    return out;
  }
  return base;
}

function* numberSamples(schema: JsonSchemaObject, integer: boolean): Generator<number> {
  const num = (k: string) =>
    typeof schema[k] === 'number' && Number.isFinite(schema[k]) ? (schema[k] as number) : undefined;
  const exMin = num('exclusiveMinimum') ?? (schema.exclusiveMinimum === true ? num('minimum') : undefined);
  const exMax = num('exclusiveMaximum') ?? (schema.exclusiveMaximum === true ? num('maximum') : undefined);
  const min = schema.exclusiveMinimum === true ? undefined : num('minimum');
  const max = schema.exclusiveMaximum === true ? undefined : num('maximum');
  const multiple = num('multipleOf');
  const step = multiple ?? (integer ? 1 : 0.5);
  // Each bound, just inside and just outside it (an overlapping oneOf wants a value only one member
  // allows), then small numbers.
  const starts = [
    min,
    exMin !== undefined ? exMin + step : undefined,
    max,
    exMax !== undefined ? exMax - step : undefined,
    1,
    0,
    min !== undefined ? min - step : undefined,
    max !== undefined ? max + step : undefined,
    -1,
    100,
  ];
  for (const start of starts) {
    if (start === undefined) continue;
    let value = start;
    if (multiple) value = Math.ceil(value / multiple) * multiple;
    if (integer) value = Math.ceil(value);
    yield Number(value.toPrecision(15));
  }
}

function* stringSamples(schema: JsonSchemaObject): Generator<string> {
  const format = typeof schema.format === 'string' ? FORMAT_SAMPLES[schema.format] : undefined;
  const pattern = typeof schema.pattern === 'string' ? samplePattern(schema.pattern) : undefined;
  const min = typeof schema.minLength === 'number' ? schema.minLength : 0;
  const max = typeof schema.maxLength === 'number' ? schema.maxLength : Number.POSITIVE_INFINITY;
  for (const base of [format, pattern, 'example', 'a']) {
    if (base === undefined) continue;
    let value = base;
    if ([...value].length < min) value = value.padEnd(min, 'x');
    if ([...value].length > max) value = [...value].slice(0, max).join('');
    yield value;
  }
}

/**
 * A string matching a simple regular expression (literals, classes, `\d\w\s.`, quantifiers; no groups
 * or alternation), or undefined when the pattern is beyond that or the result does not match.
 */
export function samplePattern(pattern: string): string | undefined {
  let out = '';
  let i = 0;
  let last = '';
  const classChar = (body: string): string | undefined => {
    const negated = body.startsWith('^');
    const chars = negated ? body.slice(1) : body;
    if (!negated) {
      const c = chars[0] === '\\' ? ({ d: '1', w: 'a', s: ' ' } as Record<string, string>)[chars[1] ?? ''] : chars[0];
      return c ?? chars[1];
    }
    const re = new RegExp(`[${body}]`, 'u');
    return [...'abcxyz019'].find((ch) => re.test(ch));
  };
  try {
    while (i < pattern.length) {
      const c = pattern[i] as string;
      if (c === '^' || c === '$') {
        i++;
        continue;
      }
      if (c === '(' || c === ')' || c === '|') return undefined;
      let atom: string | undefined;
      if (c === '[') {
        const end = pattern.indexOf(']', i + 2);
        if (end < 0) return undefined;
        atom = classChar(pattern.slice(i + 1, end));
        i = end + 1;
      } else if (c === '\\' && (pattern[i + 1] === 'p' || pattern[i + 1] === 'P') && pattern[i + 2] === '{') {
        // A Unicode property class: the first of a few characters it matches.
        const end = pattern.indexOf('}', i + 3);
        if (end < 0) return undefined;
        const re = new RegExp(pattern.slice(i, end + 1), 'u');
        atom = [...'aA1 -_.é'].find((ch) => re.test(ch));
        i = end + 1;
      } else if (c === '\\') {
        const e = pattern[i + 1] ?? '';
        atom = ({ d: '1', w: 'a', s: ' ', D: 'a', W: '-', S: 'a' } as Record<string, string>)[e] ?? e;
        i += 2;
      } else if (c === '.') {
        atom = 'a';
        i++;
      } else {
        atom = c;
        i++;
      }
      if (atom === undefined) return undefined;
      last = atom;
      const q = pattern[i];
      if (q === '*' || q === '+' || q === '?') {
        i++;
        out += last;
      } else if (q === '{') {
        const end = pattern.indexOf('}', i);
        const n = Number.parseInt(pattern.slice(i + 1, end), 10);
        if (end < 0 || Number.isNaN(n)) return undefined;
        out += last.repeat(Math.max(n, 1));
        i = end + 1;
      } else {
        out += last;
      }
    }
    return new RegExp(pattern, 'u').test(out) ? out : undefined;
  } catch {
    return undefined;
  }
}

/** A compiled validator for one schema, or the reason it could not be built. */
export type Validator =
  | {
      readonly ok: true;
      /** The first issue `value` has, located by its path, or undefined when it is valid. */
      readonly check: (value: unknown) => string | undefined;
      /** The value as the schema outputs it (header text read as numbers and booleans), or the first issue. */
      readonly parse: (value: unknown) => { readonly value: unknown } | { readonly issue: string };
    }
  | { readonly ok: false; readonly reason: string };

/**
 * Validators already built, by role, dialect and schema object: the code's example factories and the
 * docs site check the same schemas of one model, and building is most of what checking costs.
 */
const built = new Map<string, WeakMap<object, Validator>>();

/**
 * The validator of a JSON Schema as the generated code runs it (`role` `headers`: a header set, whose
 * values are text), built once per schema object.
 */
export function validator(
  schema: JsonSchema,
  role: 'payload' | 'headers' = 'payload',
  dialect?: SchemaDialect,
): Validator {
  if (typeof schema !== 'object' || schema === null) return compile(schema, role, dialect);
  const key = `${role} ${dialect ?? ''}`;
  let cache = built.get(key);
  if (cache === undefined) {
    cache = new WeakMap();
    built.set(key, cache);
  }
  let found = cache.get(schema);
  if (found === undefined) {
    found = compile(schema, role, dialect);
    cache.set(schema, found);
  }
  return found;
}

/** The validator of a model's declaration (its role and dialect). */
export function declarationValidator(decl: NamedSchema): Validator {
  return validator(decl.schema, decl.role === 'headers' ? 'headers' : 'payload', decl.dialect);
}

function compile(schema: JsonSchema, role: 'payload' | 'headers', dialect: SchemaDialect | undefined): Validator {
  const live = liveSchema(schema, role, dialect);
  if (!live.ok) return { ok: false, reason: live.reason };
  const parse = (value: unknown): { value: unknown } | { issue: string } => {
    // Each schema checks a few values once: zod's compiled fast path (generated with `new Function` on
    // an object schema's first parse) costs more than it saves here. Measured on 300 channels, all
    // checks of one cold `generate`: 150-180 ms with it, 75-105 ms without.
    const result = live.schema.safeParse(value, { jitless: true });
    if (result.success) return { value: result.data };
    const issue = result.error.issues[0];
    if (!issue) return { issue: 'invalid' };
    const at = issue.path.length > 0 ? ` at ${issue.path.map(String).join('.')}` : '';
    return { issue: `${issue.message}${at}` };
  };
  return {
    ok: true,
    parse,
    check: (value) => {
      const result = parse(value);
      return 'issue' in result ? result.issue : undefined;
    },
  };
}

/**
 * Header values travel as text: a spec example may write a header as a number or boolean, and the
 * generated code sends it as that text (what a header validator then reads).
 */
export function headerValuesForCheck(_schema: JsonSchema, headers: unknown): unknown {
  if (!isObject(headers)) return headers;
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(headers)) {
    setKey(out, name, typeof value === 'number' || typeof value === 'boolean' ? String(value) : value);
  }
  return out;
}

/** A generated header set: a sample for each header, every value as the string sent on the wire. */
export function headerSample(schema: JsonSchema, dialect?: SchemaDialect): Record<string, string> {
  const sample = sampleOf(schema, dialect);
  const out: Record<string, string> = {};
  if (!isObject(sample)) return out;
  for (const [k, v] of Object.entries(sample)) setKey(out, k, typeof v === 'string' ? v : JSON.stringify(v));
  return out;
}

/**
 * A spec example that does not match its schema, as a located problem: a warning (the docs page shows
 * the example marked as not matching), an error under `--strict`.
 */
export function invalidExampleProblem(location: SpecLocation, what: string, issue: string, strict = false): Problem {
  return {
    code: 'docs-invalid-example',
    severity: strict ? 'error' : 'warning',
    message: `${what} does not match its schema: ${issue}`,
    file: location.file,
    line: location.line,
    column: location.column,
    help: strict
      ? 'fix the example (or the schema): under --strict an example the generated code would reject stops generation'
      : 'fix the example (or the schema); the docs show it marked as not matching, and --strict makes this an error',
  };
}

/**
 * No example of a message's payload or headers could be built from its schema: the same problem for
 * examples.ts (no factory) and the docs site (no generated example), so it is printed once.
 */
export function exampleNotGenerated(
  message: MessageModel,
  role: 'payload' | 'headers',
  type: string | undefined,
  issue: string,
): Problem {
  return {
    code: 'example-not-generated',
    severity: 'warning',
    message: `no example of the ${role} of message '${message.name}'${type ? ` (${type})` : ''} could be built from its schema: ${issue}`,
    file: message.location.file,
    line: message.location.line,
    column: message.location.column,
    help: 'add `examples` to the message or to the schema: examples.ts and the docs site then use those',
  };
}
