/**
 * Payloads for the differential oracle, drawn from a JSON Schema with fast-check: values that follow
 * the schema most of the time, boundary values of every constraint mixed in where the constraint is,
 * and mutations (a key dropped or added, a leaf of another type) so that both verdicts get exercised.
 * The generator only has to be good at producing interesting values; whether a value is valid is what
 * ajv and the emitted zod are asked.
 */
import fc from 'fast-check';
import type { JsonSchema, JsonSchemaObject } from '../../generator/model/types.js';

/** Strings chosen to sit on the edges of each format (valid and invalid ones). */
export const FORMAT_EDGES: Record<string, readonly string[]> = {
  'date-time': [
    '2025-01-15T09:30:00Z',
    '2025-01-15t09:30:00z',
    '2016-12-31T23:59:60Z',
    '2016-12-31T23:59:60+00:00',
    '2025-01-15T09:30:00.123456+05:30',
    '2025-01-15 09:30:00Z',
    '2025-01-15T09:30:00',
    '2025-02-30T09:30:00Z',
    '2024-02-29T00:00:00Z',
    '2025-01-15T24:00:00Z',
    '2025-01-15T09:30:00+0530',
    '2025-1-15T09:30:00Z',
    '',
  ],
  date: ['2025-01-15', '2024-02-29', '2025-02-29', '2025-13-01', '2025-1-5', '20250115', ''],
  time: ['09:30:00Z', '09:30:00', '23:59:60Z', '09:30:00.5+01:00', '09:30:00z', '24:00:00Z', '9:30:00Z'],
  email: [
    'user@example.com',
    'a!b@example.com',
    'first.last@sub.example.org',
    'no-at.example.com',
    'a@b',
    'a b@c.de',
    '"q"@example.com',
  ],
  uri: [
    'https://example.com/resource',
    'urn:isbn:0451450523',
    'mailto:a@example.com',
    'https://example.com/a b',
    '/relative/path',
    'example.com',
    'http://[::1]:80/',
    'foo:bar',
  ],
  'uri-reference': ['https://example.com/x', '/relative', 'a b', '#frag', ''],
  url: ['https://example.com', 'ftp://example.com/x', 'example.com', 'http://localhost'],
  hostname: [
    'example.com',
    'a',
    'ex_ample.com',
    '-bad.example.com',
    'xn--bcher-kva.example',
    `${'a'.repeat(64)}.com`,
    'a..b',
  ],
  ipv4: ['192.0.2.1', '256.0.0.1', '1.2.3', '01.2.3.4', '0.0.0.0'],
  ipv6: ['2001:db8::1', '::1', '::', '2001:db8::g', '1:2:3:4:5:6:7:8:9', '::ffff:192.0.2.1'],
  uuid: [
    '3fa85f64-5717-4562-b3fc-2c963f66afa6',
    '3FA85F64-5717-4562-B3FC-2C963F66AFA6',
    '00000000-0000-0000-0000-000000000000',
    'urn:uuid:3fa85f64-5717-4562-b3fc-2c963f66afa6',
    '3fa85f64-5717-0562-b3fc-2c963f66afa6',
    '3fa85f6457174562b3fc2c963f66afa6',
    'not-a-uuid',
  ],
  duration: ['PT1M', 'P1Y2M3DT4H5M6S', 'P1W', 'P', 'PT', '1M'],
  regex: ['^a+$', '(', '[a-z]'],
  byte: ['aGVsbG8=', 'not base64!', ''],
  'json-pointer': ['/a/b', '', 'a/b', '/a~2'],
  'relative-json-pointer': ['0', '1/a', '/a'],
  'uri-template': ['/users/{id}', '/users/{id', 'http://example.com/{+path}'],
  int32: [],
  int64: [],
};

/** Numbers on the edges JavaScript and JSON Schema disagree about. */
const NUMBER_EDGES = [
  0,
  -0,
  1,
  -1,
  0.5,
  1.5,
  2 ** 31,
  -(2 ** 31) - 1,
  2 ** 53,
  2 ** 53 + 2,
  1e21,
  -1e21,
  1e300,
  0.1,
  0.3,
];

/** Strings whose length differs in UTF-16 units and code points, and other awkward strings. */
const STRING_EDGES = ['', ' ', 'a', '😀', '😀😀', 'é', 'e\u0301', '\u0000', 'x'.repeat(70), '__proto__', 'constructor'];

const MAX_DEPTH = 4;

function isObject(v: unknown): v is JsonSchemaObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function num(schema: JsonSchemaObject, key: string): number | undefined {
  const v = schema[key];
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

/** Any JSON value, small. */
const anyJson = fc.jsonValue({ maxDepth: 2 });

/** Values the schema probably accepts (with edge values mixed in), as an arbitrary. */
export function valuesOf(schema: JsonSchema, depth = 0): fc.Arbitrary<unknown> {
  if (schema === true) return anyJson;
  if (schema === false || !isObject(schema)) return anyJson;
  if (depth > MAX_DEPTH) return fc.constantFrom(null, 0, '', [], {});
  const options: fc.Arbitrary<unknown>[] = [];
  if (schema.const !== undefined) options.push(fc.constant(schema.const));
  if (Array.isArray(schema.enum) && schema.enum.length > 0) options.push(fc.constantFrom(...schema.enum));
  if (Array.isArray(schema.examples) && schema.examples.length > 0) options.push(fc.constantFrom(...schema.examples));
  if (schema.default !== undefined) options.push(fc.constant(schema.default));
  for (const key of ['oneOf', 'anyOf'] as const) {
    const members = schema[key];
    if (Array.isArray(members) && members.length > 0) {
      // Each member's values, with the parent's own keywords applied where they are an object's.
      options.push(fc.oneof(...members.map((m) => valuesOf(withParent(schema, m), depth + 1))));
    }
  }
  if (Array.isArray(schema.allOf) && schema.allOf.length > 0) options.push(valuesOf(mergeAllOf(schema), depth + 1));
  if (isObject(schema.then) || isObject(schema.else)) {
    for (const branch of [schema.then, schema.else]) {
      if (isObject(branch))
        options.push(valuesOf(mergeInto(stripped(schema, ['if', 'then', 'else']), branch), depth + 1));
    }
  }
  if (
    options.length === 0 ||
    options.length === (schema.default !== undefined ? 1 : 0) + (Array.isArray(schema.examples) ? 1 : 0)
  ) {
    options.push(typed(schema, depth));
  }
  return fc.oneof(...options);
}

/** Values for the schema's `type` (or what its keywords suggest). */
function typed(schema: JsonSchemaObject, depth: number): fc.Arbitrary<unknown> {
  const types = typesOf(schema);
  if (types.length === 0) return anyJson;
  return fc.oneof(...types.map((t) => ofType(t, schema, depth)));
}

function typesOf(schema: JsonSchemaObject): string[] {
  const t = schema.type;
  if (typeof t === 'string') return [t];
  if (Array.isArray(t)) return t.filter((x): x is string => typeof x === 'string');
  if (schema.properties !== undefined || schema.additionalProperties !== undefined || schema.required !== undefined) {
    return ['object'];
  }
  if (schema.items !== undefined || schema.contains !== undefined) return ['array'];
  if (schema.pattern !== undefined || schema.format !== undefined || schema.minLength !== undefined) return ['string'];
  if (schema.minimum !== undefined || schema.maximum !== undefined || schema.multipleOf !== undefined)
    return ['number'];
  return [];
}

function ofType(type: string, schema: JsonSchemaObject, depth: number): fc.Arbitrary<unknown> {
  switch (type) {
    case 'null':
      return fc.constant(null);
    case 'boolean':
      return fc.boolean();
    case 'integer':
    case 'number':
      return numbers(schema, type === 'integer');
    case 'string':
      return strings(schema);
    case 'array':
      return arrays(schema, depth);
    case 'object':
      return objects(schema, depth);
    default:
      return anyJson;
  }
}

function numbers(schema: JsonSchemaObject, integer: boolean): fc.Arbitrary<unknown> {
  const edges: number[] = [...NUMBER_EDGES];
  for (const key of ['minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum']) {
    const v = num(schema, key);
    if (v !== undefined) edges.push(v, v - 1, v + 1, v - 0.5, v + 0.5);
  }
  const min = num(schema, 'minimum') ?? num(schema, 'exclusiveMinimum');
  const max = num(schema, 'maximum') ?? num(schema, 'exclusiveMaximum');
  const multipleOf = num(schema, 'multipleOf');
  const clamp = (v: number) => Math.min(Math.max(v, -1e9), 1e9);
  const lo = clamp(min ?? (max !== undefined ? max - 2000 : -1000));
  const hi = Math.max(lo, clamp(max ?? lo + 2000));
  const ranged: fc.Arbitrary<number>[] = [
    fc.integer({ min: Math.ceil(lo), max: Math.max(Math.ceil(lo), Math.floor(hi)) }),
  ];
  if (!integer) ranged.push(fc.double({ min: lo, max: hi, noNaN: true, noDefaultInfinity: true }));
  if (multipleOf !== undefined && multipleOf > 0) {
    ranged.push(fc.integer({ min: -50, max: 50 }).map((k) => k * multipleOf));
    edges.push(multipleOf, multipleOf * 3, multipleOf / 2, multipleOf * 1.5);
  }
  return fc.oneof({ arbitrary: fc.constantFrom(...edges), weight: 1 }, { arbitrary: fc.oneof(...ranged), weight: 3 });
}

function strings(schema: JsonSchemaObject): fc.Arbitrary<unknown> {
  const options: fc.Arbitrary<string>[] = [];
  const edges: string[] = [...STRING_EDGES];
  const format = typeof schema.format === 'string' ? schema.format : undefined;
  if (format !== undefined && FORMAT_EDGES[format]?.length)
    options.push(fc.constantFrom(...(FORMAT_EDGES[format] ?? [])));
  if (format === 'uuid') options.push(fc.uuid());
  if (format === 'email') options.push(fc.emailAddress());
  if (format === 'uri' || format === 'url') options.push(fc.webUrl());
  if (format === 'ipv4') options.push(fc.ipV4());
  if (format === 'ipv6') options.push(fc.ipV6());
  if (format === 'hostname') options.push(fc.domain());
  if (format === 'date-time') options.push(fc.date({ noInvalidDate: true }).map((d) => d.toISOString()));
  if (format === 'date') options.push(fc.date({ noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10)));
  if (typeof schema.pattern === 'string') {
    const re = compile(schema.pattern);
    if (re) options.push(fc.stringMatching(re).filter((s) => s.length < 200));
  }
  const minLength = num(schema, 'minLength');
  const maxLength = num(schema, 'maxLength');
  for (const n of [minLength, maxLength]) {
    if (n === undefined || n > 300) continue;
    for (const len of [n - 1, n, n + 1]) {
      if (len < 0) continue;
      edges.push('x'.repeat(len), '😀'.repeat(len));
      if (len > 0) edges.push(`${'x'.repeat(len - 1)}😀`);
    }
  }
  const shortest = Math.min(minLength ?? 0, 300);
  const lengths = { minLength: shortest, maxLength: Math.max(shortest, Math.min(maxLength ?? 30, 300)) };
  options.push(fc.string({ ...lengths, unit: 'grapheme' }), fc.string({ ...lengths }));
  return fc.oneof({ arbitrary: fc.constantFrom(...edges), weight: 1 }, { arbitrary: fc.oneof(...options), weight: 3 });
}

function compile(pattern: string): RegExp | undefined {
  for (const flags of ['u', '']) {
    try {
      return new RegExp(pattern, flags);
    } catch {
      // next
    }
  }
  return undefined;
}

function arrays(schema: JsonSchemaObject, depth: number): fc.Arbitrary<unknown> {
  const minItems = Math.min(num(schema, 'minItems') ?? 0, 8);
  const maxItems = Math.max(minItems, Math.min(num(schema, 'maxItems') ?? 4, 8));
  const items = schema.items;
  let arb: fc.Arbitrary<unknown[]>;
  if (Array.isArray(items)) {
    const tuple = items.map((s) => valuesOf(s as JsonSchema, depth + 1));
    const rest =
      schema.additionalItems === undefined || schema.additionalItems === true
        ? anyJson
        : valuesOf(schema.additionalItems as JsonSchema, depth + 1);
    arb = fc
      .tuple(fc.tuple(...tuple), fc.array(rest, { maxLength: 2 }), fc.integer({ min: 0, max: tuple.length }))
      .map(([t, r, cut]) => [...t.slice(0, Math.max(cut, minItems)), ...(cut === tuple.length ? r : [])]);
  } else {
    const item = valuesOf((items as JsonSchema | undefined) ?? true, depth + 1);
    // A unique array with a lower bound can be impossible to draw (few distinct item values): none is asked for.
    const plain = fc.array(item, { minLength: minItems, maxLength: maxItems });
    arb =
      schema.uniqueItems === true
        ? fc.oneof(fc.uniqueArray(item, { maxLength: maxItems, selector: (v) => JSON.stringify(v) }), plain)
        : plain;
  }
  if (schema.contains !== undefined) {
    const contained = valuesOf(schema.contains as JsonSchema, depth + 1);
    arb = fc.tuple(arb, contained, fc.boolean()).map(([a, c, add]) => (add ? [...a, c] : a));
  }
  return arb;
}

function objects(schema: JsonSchemaObject, depth: number): fc.Arbitrary<unknown> {
  const props = isObject(schema.properties) ? schema.properties : {};
  const required = new Set(Array.isArray(schema.required) ? (schema.required as string[]) : []);
  const model: Record<string, fc.Arbitrary<unknown>> = {};
  for (const [name, sub] of Object.entries(props)) model[name] = valuesOf(sub as JsonSchema, depth + 1);
  for (const name of required) if (!(name in model)) model[name] = anyJson;
  const requiredKeys = Object.keys(model).filter((k) => required.has(k));
  const base = fc.record(model, { requiredKeys });
  const extras: fc.Arbitrary<[string, unknown]>[] = [];
  if (isObject(schema.patternProperties)) {
    for (const [pattern, sub] of Object.entries(schema.patternProperties)) {
      const re = compile(pattern);
      if (re)
        extras.push(
          fc.tuple(
            fc.stringMatching(re).filter((s) => s.length < 40),
            valuesOf(sub as JsonSchema, depth + 1),
          ),
        );
    }
  }
  const additional = schema.additionalProperties;
  const keyArb = isObject(schema.propertyNames)
    ? (strings(schema.propertyNames) as fc.Arbitrary<string>)
    : fc.string({ maxLength: 8 });
  extras.push(
    fc.tuple(
      keyArb,
      additional === undefined || additional === true || additional === false
        ? anyJson
        : valuesOf(additional as JsonSchema, depth + 1),
    ),
  );
  const minProperties = Math.min(num(schema, 'minProperties') ?? 0, 6);
  return fc
    .tuple(base, fc.array(fc.oneof(...extras), { maxLength: Math.max(2, minProperties) }), fc.boolean())
    .map(([obj, more, add]) => {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(obj as Record<string, unknown>)) define(out, k, v);
      if (add || additional !== false) for (const [k, v] of more) if (!(k in out)) define(out, k, v);
      // Dependencies: when a key is present, add what it depends on, most of the time.
      if (isObject(schema.dependencies)) {
        for (const [k, dep] of Object.entries(schema.dependencies)) {
          if (Object.hasOwn(out, k) && Array.isArray(dep))
            for (const d of dep) if (!Object.hasOwn(out, String(d))) define(out, String(d), 1);
        }
      }
      return out;
    });
}

/** Defines a property even when its name is `__proto__`, as JSON.parse does. */
function define(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

function stripped(schema: JsonSchemaObject, keys: readonly string[]): JsonSchemaObject {
  return Object.fromEntries(Object.entries(schema).filter(([k]) => !keys.includes(k)));
}

function mergeInto(base: JsonSchemaObject, extra: JsonSchemaObject): JsonSchemaObject {
  const out: Record<string, unknown> = { ...base, ...extra };
  if (isObject(base.properties) || isObject(extra.properties)) {
    out.properties = {
      ...(isObject(base.properties) ? base.properties : {}),
      ...(isObject(extra.properties) ? extra.properties : {}),
    };
  }
  const required = [
    ...(Array.isArray(base.required) ? base.required : []),
    ...(Array.isArray(extra.required) ? extra.required : []),
  ];
  if (required.length > 0) out.required = [...new Set(required)];
  return out;
}

/** A `oneOf`/`anyOf` member with the parent's object keywords (properties, type) folded in. */
function withParent(parent: JsonSchemaObject, member: unknown): JsonSchema {
  if (!isObject(member)) return member as JsonSchema;
  return mergeInto(
    stripped(parent, ['oneOf', 'anyOf', 'allOf', 'enum', 'const', 'examples', 'default', 'not']),
    member,
  );
}

function mergeAllOf(schema: JsonSchemaObject): JsonSchemaObject {
  let out = stripped(schema, ['allOf', 'examples', 'default']);
  for (const member of schema.allOf as unknown[])
    if (isObject(member)) out = mergeInto(out, stripped(member, ['examples', 'default']));
  return out;
}

/**
 * Mutations of a value: a key dropped, a key added, a leaf replaced by a value of another kind, an
 * element added to an array. Applied once, at a random place.
 */
export function mutated(value: unknown): fc.Arbitrary<unknown> {
  const leaf = fc.oneof(
    fc.constantFrom(null, true, false, 0, -1, 1.5, 2 ** 53 + 2, '', 'x', '😀', [], {}),
    fc.string({ maxLength: 6 }),
  );
  return fc.tuple(fc.nat(), fc.nat(), leaf, fc.string({ maxLength: 6 })).map(([where, how, replacement, key]) => {
    const copy = structuredClone(value) as unknown;
    const nodes: { parent: unknown; key: string | number | undefined; node: unknown }[] = [];
    const walk = (node: unknown, parent: unknown, k: string | number | undefined) => {
      nodes.push({ parent, key: k, node });
      if (Array.isArray(node)) {
        for (const [i, v] of node.entries()) walk(v, node, i);
      } else if (isObject(node)) for (const [kk, v] of Object.entries(node)) walk(v, node, kk);
    };
    walk(copy, undefined, undefined);
    const target = nodes[where % nodes.length];
    if (!target) return replacement;
    const container = target.node;
    switch (how % 4) {
      case 0:
        if (target.parent === undefined) return replacement;
        (target.parent as Record<string | number, unknown>)[target.key as string] = replacement;
        return copy;
      case 1:
        if (isObject(container)) {
          const keys = Object.keys(container);
          const drop = keys[where % Math.max(keys.length, 1)];
          if (drop !== undefined) delete (container as Record<string, unknown>)[drop];
        }
        return copy;
      case 2:
        if (isObject(container)) define(container as Record<string, unknown>, key, replacement);
        else if (Array.isArray(container))
          container.push(Array.isArray(container) && container.length > 0 ? container[0] : replacement);
        return copy;
      default:
        if (Array.isArray(container) && container.length > 0) container.pop();
        return copy;
    }
  });
}

/** `count` payloads for a schema: 3 in 4 drawn from it, 1 in 4 mutated; deterministic for a seed. */
export function payloadsFor(schema: JsonSchema, count: number, seed: number): unknown[] {
  const base = valuesOf(schema);
  const arb = fc.oneof({ arbitrary: base, weight: 3 }, { arbitrary: base.chain((v) => mutated(v)), weight: 1 });
  return fc.sample(arb, { numRuns: count, seed });
}
