/**
 * What a JSON Schema means, row by row: every row's schema is printed as zod (as schemas.ts would
 * have it), the printed code is compiled and run, the same tree is built live (as the generator's own
 * example checks build it), and both verdicts on every sample must equal the reference validator's
 * (ajv 8 with ajv-formats' full formats, for the row's dialect). Where we differ from ajv on purpose,
 * the sample says so with the reason (the same ones docs/schemas.md lists).
 */
import { Ajv, type Options } from 'ajv';
import { Ajv2019 } from 'ajv/dist/2019.js';
import { Ajv2020 } from 'ajv/dist/2020.js';
import Ajv04Module from 'ajv-draft-04';
import addFormatsModule from 'ajv-formats';
import { ts } from 'ts-morph';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { type Dialect, liveSchema, printNode, zodExpression } from '../../generator/emit/schema/index.js';
import type { JsonSchema, JsonSchemaObject } from '../../generator/model/types.js';
import { jsonSchema } from '../../runtime/json-schema.js';

type Role = 'payload' | 'headers' | 'component' | 'recursive';

/** A sample on which we differ from ajv on purpose: ours is the row's verdict, ajv's the other. */
interface Known {
  readonly value: unknown;
  readonly reason: string;
}

interface Row {
  schema: JsonSchema;
  accept: readonly unknown[];
  reject: readonly unknown[];
  /** Exact printed zod expression. */
  code?: string;
  role?: Role;
  dialect?: Dialect;
  /** `severity path: message` of every finding. */
  findings?: readonly string[];
  /** Samples of `accept`/`reject` where ajv says the opposite, and why. */
  differs?: readonly Known[];
  /** Not compared with ajv (headers are text; ajv judges JSON values). */
  reference?: false;
}

const noRefs = {
  nameOf: () => undefined,
  zodNameOf: (name: string): string => {
    throw new Error(`unexpected reference to ${name}`);
  },
};

// Both are CommonJS with `exports.default`: under ESM interop the export may sit one level down.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (
  ajv: Ajv,
) => Ajv;
const Ajv04 = ((Ajv04Module as unknown as { default?: unknown }).default ?? Ajv04Module) as new (
  options: Options,
) => Ajv;
const ajvOptions: Options = { strict: false, logger: false, allErrors: false, unicodeRegExp: true };
const references = new Map<string, Ajv>();

function ajvFor(dialect: Dialect = 'draft-07'): Ajv {
  let ajv = references.get(dialect);
  if (!ajv) {
    ajv =
      dialect === '2020-12'
        ? new Ajv2020(ajvOptions)
        : dialect === '2019-09'
          ? new Ajv2019(ajvOptions)
          : dialect === 'draft-04' || dialect === 'openapi-3.0'
            ? new Ajv04(ajvOptions)
            : new Ajv(ajvOptions);
    addFormats(ajv);
    references.set(dialect, ajv);
  }
  return ajv;
}

/** Printed TypeScript → JavaScript, run with `z` and `jsonSchema` in scope (and `scope`'s constants). */
function evaluate(code: string, scope: Record<string, unknown> = {}): z.ZodType {
  const js = ts.transpile(`const schema = ${code};`, { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext });
  const names = ['z', 'jsonSchema', ...Object.keys(scope)];
  return new Function(...names, `${js}\nreturn schema;`)(z, jsonSchema, ...Object.values(scope)) as z.ZodType;
}

function emit(schema: JsonSchema, role: Role = 'payload', dialect?: Dialect) {
  const findings: string[] = [];
  const root = typeof schema === 'object' ? schema : undefined;
  const node = zodExpression(schema, {
    refs: noRefs,
    root,
    declared: new Set(),
    role,
    dialect,
    warn: (f) => findings.push(`${f.severity} ${f.path}: ${f.message}`),
  });
  return { code: printNode(node), findings };
}

const person = {
  type: 'object',
  required: ['name'],
  properties: { name: { type: 'string' }, age: { type: 'integer', minimum: 0 } },
};

const MULTIPLE_OF =
  'multipleOf is exact for decimal numbers; ajv divides binary floats (0.3 / 0.1 = 2.9999999999999996)';
const OWN_KEYS = "objects are read by their own keys; ajv also sees inherited ones ('constructor' in {})";
const UNTYPED =
  "'properties' without 'type: object': JSON Schema applies it to objects only, so this schema accepts strings, numbers, arrays and null as well (and its TypeScript type says so)";
const PROTO = 'ajv does not check a property named __proto__; we check it like any other key';
const CONTAINS_EVALUATES =
  '2020-12: only the items contains matches are evaluated; ajv counts every item as evaluated once contains is there';
const BIG = 'a number of 1e21 or more: ajv checks multipleOf with parseInt, which reads 1e+21 as 1';

const table: [string, Row][] = [
  // strings
  ['string', { schema: { type: 'string' }, accept: ['', 'x'], reject: [1, null, {}, []], code: 'z.string()' }],
  [
    'string lengths count code points, as ajv does',
    {
      schema: { type: 'string', minLength: 2, maxLength: 3 },
      accept: ['ab', 'abc', '😀😀', '😀😀😀', 'a😀'],
      reject: ['a', '😀', 'abcd', '😀😀😀😀', 7],
      code: 'z.string().check(jsonSchema.minLength(2), jsonSchema.maxLength(3))',
    },
  ],
  [
    'a lone surrogate counts as one code point',
    { schema: { type: 'string', maxLength: 1 }, accept: ['\ud800', '😀'], reject: ['\ud800\ud800', 'ab'] },
  ],
  [
    'string with pattern and maxLength',
    {
      schema: { type: 'string', pattern: '^[a-z]+\\d$', maxLength: 4 },
      accept: ['ab1', 'abc1'],
      reject: ['abcd1', 'AB1', 'ab', 7],
      code: "z.string().check(jsonSchema.maxLength(4)).regex(new RegExp('^[a-z]+\\\\d$', 'u'))",
    },
  ],
  [
    'a pattern is a search, not a full match',
    { schema: { type: 'string', pattern: 'b' }, accept: ['abc', 'b'], reject: ['ac', ''] },
  ],
  [
    'pattern with quotes, backslashes and ${ is one string literal',
    { schema: { type: 'string', pattern: '^\'"\\\\`\\$\\{x\\}$' }, accept: ['\'"\\`${x}'], reject: ['x'] },
  ],
  [
    'patterns have Unicode semantics (u flag): property escapes, and . matches an astral character',
    {
      schema: { type: 'string', pattern: '^\\p{L}.$' },
      accept: ['é😀', 'ab'],
      reject: ['p{L}', '1a', 'a😀😀'],
    },
  ],
  [
    'pattern invalid in JavaScript is not checked, with a finding',
    {
      schema: { type: 'string', pattern: '(?<a' },
      accept: ['anything'],
      reject: [1],
      code: '/** pattern "(?<a" is not a valid JavaScript regular expression and is not checked */ z.string()',
      findings: ['warning /pattern: pattern "(?<a" is not a valid JavaScript regular expression and is not checked'],
      reference: false, // ajv cannot compile it
    },
  ],
  [
    'keywords of another type do not apply (minLength on a number)',
    { schema: { minLength: 2 }, accept: ['ab', 1, null, true, [], {}], reject: ['a'] },
  ],
  // formats: ajv-formats' full formats
  [
    'format date-time is RFC 3339: lowercase t and z, offsets, leap second',
    {
      schema: { type: 'string', format: 'date-time' },
      accept: [
        '2024-01-02T03:04:05Z',
        '2024-01-02t03:04:05z',
        '2024-01-02T03:04:05.123+02:00',
        '2016-12-31T23:59:60Z',
        '2016-12-31T22:59:60-01:00',
        '2024-01-02 03:04:05Z',
      ],
      reject: ['2024-01-02', '2024-01-02T03:04:05', '2024-02-30T00:00:00Z', '2024-01-02T22:59:60Z', 'x'],
      code: "z.string().check(jsonSchema.format('date-time'))",
    },
  ],
  ['format date', { schema: { type: 'string', format: 'date' }, accept: ['2024-02-29'], reject: ['2023-02-29', 'x'] }],
  [
    'format time is RFC 3339 full-time (offset required)',
    {
      schema: { type: 'string', format: 'time' },
      accept: ['10:00:00Z', '23:59:59.5+01:00', '10:00:00z'],
      reject: ['10:00:00', '10:00', '25:00:00Z'],
    },
  ],
  [
    'format email is ajv-formats: a!b@example.com is an address',
    {
      schema: { type: 'string', format: 'email' },
      accept: ['a@b.co', 'a!b@example.com', "o'hara@example.org"],
      reject: ['a@', 'x', 'a b@c.d'],
    },
  ],
  [
    'format uuid',
    {
      schema: { type: 'string', format: 'uuid' },
      accept: ['123e4567-e89b-12d3-a456-426614174000', 'urn:uuid:123e4567-e89b-12d3-a456-426614174000'],
      reject: ['123e4567', 'x'],
    },
  ],
  [
    'format uri rejects spaces and relative references',
    {
      schema: { type: 'string', format: 'uri' },
      accept: ['https://x.io/a?b', 'urn:isbn:0451450523', 'mailto:a@b.c'],
      reject: ['no scheme', 'https://x.io/a b', '/relative'],
    },
  ],
  [
    'format uri-reference',
    { schema: { type: 'string', format: 'uri-reference' }, accept: ['/relative', '#f'], reject: ['\\x'] },
  ],
  [
    'format hostname is checked',
    {
      schema: { type: 'string', format: 'hostname' },
      accept: ['example.com', 'a-b.c'],
      reject: ['-x', 'a_b.com', 'a'.repeat(64)],
    },
  ],
  ['format ipv4', { schema: { type: 'string', format: 'ipv4' }, accept: ['10.0.0.1'], reject: ['10.0.0.256', '::1'] }],
  ['format ipv6', { schema: { type: 'string', format: 'ipv6' }, accept: ['::1', 'fe80::1'], reject: ['10.0.0.1'] }],
  ['format duration', { schema: { type: 'string', format: 'duration' }, accept: ['PT1M', 'P1D'], reject: ['P', '1M'] }],
  ['format regex', { schema: { type: 'string', format: 'regex' }, accept: ['^a+$'], reject: ['(', 'a\\Z'] }],
  ['format byte', { schema: { type: 'string', format: 'byte' }, accept: ['aGk=', ''], reject: ['a', 'aGk'] }],
  [
    'format with length bounds',
    { schema: { type: 'string', format: 'email', maxLength: 8 }, accept: ['a@b.co'], reject: ['abcdef@b.co'] },
  ],
  [
    'a format applies to its own JSON type only',
    { schema: { format: 'email' }, accept: ['a@b.co', 1, null, {}], reject: ['x'] },
  ],
  [
    'number formats check numbers (int32)',
    {
      schema: { type: 'integer', format: 'int32' },
      accept: [0, 2147483647, -2147483648],
      reject: [2147483648, 1.5],
      code: "z.number().check(jsonSchema.integer, jsonSchema.format('int32'))",
    },
  ],
  [
    'a number format on a string checks nothing',
    { schema: { type: 'string', format: 'int64' }, accept: ['x'], reject: [1], code: 'z.string()' },
  ],
  [
    'unknown format is an annotation, with a finding',
    {
      schema: { type: 'string', format: 'color' },
      accept: ['x'],
      reject: [1],
      code: 'z.string()',
      findings: [
        "info /format: format 'color' is not one ajv-formats knows: JSON Schema makes it an annotation, so it is not checked",
      ],
    },
  ],
  // numbers
  [
    'number with minimum and maximum',
    {
      schema: { type: 'number', minimum: -1.5, maximum: 10 },
      accept: [-1.5, 0.25, 10, -0],
      reject: [-2, 10.5, '1'],
      code: 'z.number().gte(-1.5).lte(10)',
    },
  ],
  [
    'number with exclusive bounds (draft 7)',
    {
      schema: { type: 'number', exclusiveMinimum: 0, exclusiveMaximum: 1 },
      accept: [0.5],
      reject: [0, 1, -0],
      code: 'z.number().gt(0).lt(1)',
    },
  ],
  [
    'minimum and exclusiveMinimum both apply',
    { schema: { type: 'number', minimum: 5, exclusiveMinimum: 3 }, accept: [5, 6], reject: [4, 3] },
  ],
  [
    'draft-04 exclusive bounds are booleans',
    {
      schema: { type: 'number', minimum: 0, exclusiveMinimum: true, maximum: 1, exclusiveMaximum: true },
      dialect: 'draft-04',
      accept: [0.5],
      reject: [0, 1],
      code: 'z.number().gt(0).lt(1)',
    },
  ],
  [
    'a boolean exclusiveMinimum in draft-07 has no effect, with a finding',
    {
      schema: { type: 'number', minimum: 0, exclusiveMinimum: true },
      accept: [0, 1],
      reject: [-1],
      findings: [
        "warning /exclusiveMinimum: boolean 'exclusiveMinimum' is draft-04 syntax; in JSON Schema draft-07 it must be a number, so it has no effect (ajv rejects the schema)",
      ],
      reference: false, // ajv rejects the schema
    },
  ],
  [
    'integer: any number without a fractional part, beyond 2^53 too',
    {
      schema: { type: 'integer' },
      accept: [1, -3, 1.0, 2 ** 60, 1e21, -0],
      reject: [1.5, '1', 2 ** -30],
      code: 'z.number().check(jsonSchema.integer)',
    },
  ],
  [
    'integer with multipleOf',
    {
      schema: { type: 'integer', multipleOf: 5 },
      accept: [0, 10, -5, 2 ** 60],
      reject: [3, 2.5],
      code: 'z.number().check(jsonSchema.integer, jsonSchema.multipleOf(5))',
    },
  ],
  [
    'multipleOf with a decimal divisor is exact',
    {
      schema: { type: 'number', multipleOf: 0.01 },
      accept: [0.07, 1.1, 0, 19.99],
      reject: [0.001, 0.015],
      differs: [
        { value: 0.07, reason: MULTIPLE_OF },
        { value: 19.99, reason: MULTIPLE_OF },
      ],
    },
  ],
  [
    'multipleOf 0.1 accepts 0.3',
    {
      schema: { multipleOf: 0.1 },
      accept: [0.3, 0.5, 'x'],
      reject: [0.35],
      differs: [{ value: 0.3, reason: MULTIPLE_OF }],
    },
  ],
  [
    'multipleOf of a number beyond 1e21',
    { schema: { multipleOf: 1 }, accept: [1e21, 5], reject: [0.5], differs: [{ value: 1e21, reason: BIG }] },
  ],
  ['boolean', { schema: { type: 'boolean' }, accept: [true, false], reject: [0, 'true'] }],
  ['null', { schema: { type: 'null' }, accept: [null], reject: [0, ''], code: 'z.null()' }],
  [
    'type array with null is nullable',
    {
      schema: { type: ['string', 'null'], minLength: 1 },
      accept: ['a', null],
      reject: ['', 1],
      code: 'z.string().check(jsonSchema.minLength(1)).nullable()',
    },
  ],
  [
    'type array without null is a union',
    {
      schema: { type: ['string', 'integer'] },
      accept: ['a', 1],
      reject: [1.5, null],
      code: 'z.union([z.string(), z.number().check(jsonSchema.integer)])',
    },
  ],
  [
    'nullable: true next to type allows null, as ajv does, with a finding outside OpenAPI',
    {
      schema: { type: 'integer', nullable: true },
      accept: [1, null],
      reject: ['1'],
      findings: [
        "warning /nullable: 'nullable' is an OpenAPI 3.0 keyword, not JSON Schema: the generated code allows null here, as ajv does, but other JSON Schema tools ignore it",
      ],
    },
  ],
  [
    'nullable in an OpenAPI 3.0 schema',
    {
      schema: { type: 'string', nullable: true },
      dialect: 'openapi-3.0',
      accept: ['a', null],
      reject: [1],
      findings: [],
    },
  ],
  // enum and const
  [
    'enum of strings',
    {
      schema: { type: 'string', enum: ['a', 'b-c'] },
      accept: ['a', 'b-c'],
      reject: ['c', 1],
      code: "z.enum(['a', 'b-c'])",
    },
  ],
  [
    'enum of mixed values',
    {
      schema: { enum: [1, 'one', true, null] },
      accept: [1, 1.0, 'one', true, null],
      reject: [2, 'two', false],
      code: "z.union([z.literal(1), z.literal('one'), z.literal(true), z.literal(null)])",
    },
  ],
  [
    'enum values the type rejects are dropped, with a finding',
    {
      schema: { type: 'string', enum: ['a', 1] },
      accept: ['a'],
      reject: [1],
      code: "z.literal('a')",
      findings: ["warning /enum: 1 of 'enum' can never be valid: the rest of the schema rejects it"],
    },
  ],
  [
    'enum values the other keywords reject are dropped too',
    {
      schema: { type: 'string', enum: ['a', 'bb'], minLength: 2 },
      accept: ['bb'],
      reject: ['a'],
      code: "z.literal('bb')",
      findings: [`warning /enum: "a" of 'enum' can never be valid: the rest of the schema rejects it`],
    },
  ],
  [
    'an enum that contradicts its type accepts nothing, with a finding',
    {
      schema: { type: 'integer', enum: ['a', 1.5] },
      accept: [],
      reject: ['a', 1.5, 1],
      code: 'z.never()',
      findings: [`warning /enum: no value of 'enum' satisfies the rest of the schema ("a", 1.5): no value is valid`],
    },
  ],
  ['const', { schema: { const: -2 }, accept: [-2], reject: [2, '-2'], code: 'z.literal(-2)' }],
  ['const 0 accepts -0', { schema: { const: 0 }, accept: [0, -0], reject: [1] }],
  [
    'object and array values of enum compare deeply, in any key order',
    {
      schema: { enum: [{ a: 1, b: [1, { c: 2 }] }, [1, 2]] },
      accept: [{ b: [1, { c: 2 }], a: 1 }, [1, 2]],
      reject: [{ a: 1 }, { a: 1, b: [1, { c: 2 }], d: 1 }, [2, 1], [1, 2, 3], 'x'],
      code: 'jsonSchema.enum<{\n    a: 1;\n    b: [\n        1,\n        {\n            c: 2;\n        }\n    ];\n} | [\n    1,\n    2\n]>([{ a: 1, b: [1, { c: 2 }] }, [1, 2]])',
    },
  ],
  ['const object', { schema: { const: { a: null } }, accept: [{ a: null }], reject: [{}, { a: 0 }, null] }],
  // arrays
  [
    'array with item bounds',
    {
      schema: { type: 'array', items: { type: 'string' }, minItems: 1, maxItems: 2 },
      accept: [['a'], ['a', 'b']],
      reject: [[], ['a', 'b', 'c'], [1], 'a', { 0: 'a' }],
      code: 'z.array(z.string()).min(1).max(2)',
    },
  ],
  [
    'array without items',
    { schema: { type: 'array' }, accept: [[], [1, 'x']], reject: [{}], code: 'z.array(z.unknown())' },
  ],
  [
    'uniqueItems compares deeply, in any key order',
    {
      schema: { type: 'array', uniqueItems: true },
      accept: [[], [1, '1'], [{ a: 1 }, { a: 2 }], [[1], [2]], [0, false]],
      reject: [
        [1, 1],
        [
          { a: 1, b: 2 },
          { b: 2, a: 1 },
        ],
        [
          [1, [2]],
          [1, [2]],
        ],
        [0, -0],
      ],
      code: 'jsonSchema.all(z.array(z.unknown()), jsonSchema.uniqueItems)',
    },
  ],
  [
    'uniqueItems sees the items as sent, not zod output',
    {
      schema: { type: 'array', items: { type: 'object', properties: { a: {} } }, uniqueItems: true },
      accept: [
        [
          { a: 1, x: 1 },
          { a: 1, x: 2 },
        ],
      ],
      reject: [[{ a: 1 }, { a: 1 }]],
    },
  ],
  [
    'contains',
    {
      schema: { type: 'array', contains: { type: 'integer', minimum: 5 } },
      accept: [[5], [1, 'x', 7]],
      reject: [[], [1, 2], ['5']],
      code: 'jsonSchema.all(z.array(z.unknown()), jsonSchema.contains(z.number().gte(5).check(jsonSchema.integer)))',
    },
  ],
  [
    'minContains and maxContains (2019-09)',
    {
      schema: { type: 'array', contains: { const: 1 }, minContains: 2, maxContains: 3 },
      dialect: '2019-09',
      accept: [
        [1, 1],
        [1, 2, 1, 1],
      ],
      reject: [[1], [1, 1, 1, 1]],
    },
  ],
  [
    'minContains in draft-07 has no effect, with a finding',
    {
      schema: { type: 'array', contains: { const: 1 }, minContains: 2 },
      accept: [[1]],
      reject: [[2]],
      findings: ["warning /minContains: 'minContains' is not a keyword of JSON Schema draft-07: it has no effect here"],
    },
  ],
  [
    'tuple',
    {
      schema: { type: 'array', items: [{ type: 'string' }, { type: 'integer' }], minItems: 1 },
      accept: [['a'], ['a', 1], ['a', 1, 'more']],
      reject: [[], [1], ['a', 'b']],
      code: 'z.tuple([z.string(), z.number().check(jsonSchema.integer).exactOptional()], z.unknown())',
    },
  ],
  [
    'tuple with additionalItems false',
    {
      schema: { type: 'array', items: [{ type: 'string' }], minItems: 1, additionalItems: false },
      accept: [['a']],
      reject: [['a', 1]],
      code: 'z.tuple([z.string()])',
    },
  ],
  [
    'tuple with additionalItems schema',
    {
      schema: { type: 'array', items: [{ type: 'string' }], additionalItems: { type: 'integer' } },
      accept: [[], ['a'], ['a', 1, 2]],
      reject: [['a', 'b'], [1]],
    },
  ],
  [
    'tuple maxItems and a minItems beyond its items',
    {
      schema: { type: 'array', items: [{ type: 'string' }], minItems: 2, maxItems: 3 },
      accept: [
        ['a', 1],
        ['a', 1, 2],
      ],
      reject: [['a'], ['a', 1, 2, 3]],
      code: 'z.tuple([z.string()], z.unknown()).check(z.minLength(2), z.maxLength(3))',
    },
  ],
  [
    'prefixItems and items (2020-12)',
    {
      schema: { type: 'array', prefixItems: [{ type: 'string' }], items: false },
      dialect: '2020-12',
      accept: [[], ['a']],
      reject: [['a', 1], [1]],
    },
  ],
  [
    'tuple with uniqueItems',
    {
      schema: { type: 'array', items: [{}, {}], uniqueItems: true },
      accept: [[1, 2]],
      reject: [
        [1, 1],
        [{ a: 1 }, { a: 1 }],
      ],
    },
  ],
  // objects
  [
    'object with required and optional properties',
    {
      schema: person,
      accept: [{ name: 'a' }, { name: 'a', age: 3 }, { name: 'a', other: 1 }],
      reject: [{}, { name: 'a', age: -1 }, [], null, 'a'],
    },
  ],
  [
    'object without type but with properties accepts other types too',
    {
      schema: { properties: { a: { type: 'string' } } },
      accept: [{}, { a: 'x' }, 'x', 1, [], null],
      reject: [{ a: 1 }],
      findings: [`info /properties: ${UNTYPED}`],
    },
  ],
  [
    'required name without a property is required (any value)',
    {
      schema: { type: 'object', required: ['a', 'b'], properties: { a: { type: 'string' } } },
      accept: [
        { a: 'x', b: null },
        { a: 'x', b: [1] },
      ],
      reject: [{ a: 'x' }, { b: 1 }],
      code: 'z.object({\n    a: z.string(),\n    b: z.unknown()\n})',
    },
  ],
  [
    'a required name without a property is still an additional key: additionalProperties false forbids it',
    {
      schema: { type: 'object', required: ['a', 'b'], properties: { a: {} }, additionalProperties: false },
      accept: [],
      reject: [{ a: 1, b: 1 }, { a: 1 }, {}],
      code: 'z.never()',
      findings: [
        "warning /required: 'b' is required but is not a property, and additionalProperties forbids other keys: no object is valid",
      ],
    },
  ],
  [
    'a required name without a property takes its value schema from patternProperties or additionalProperties',
    {
      schema: {
        type: 'object',
        required: ['x-a', 'b'],
        patternProperties: { '^x-': { type: 'integer' } },
        additionalProperties: { type: 'string' },
      },
      accept: [{ 'x-a': 1, b: 'y' }],
      reject: [{ 'x-a': 'y', b: 'y' }, { 'x-a': 1, b: 1 }, { 'x-a': 1 }],
    },
  ],
  [
    'object with additionalProperties false is strict',
    {
      schema: { type: 'object', properties: { a: { type: 'string' } }, additionalProperties: false },
      accept: [{}, { a: 'x' }],
      reject: [{ b: 1 }, JSON.parse('{"__proto__": 1}')],
      code: 'z.strictObject({\n    a: z.string().exactOptional()\n})',
    },
  ],
  [
    'object with additionalProperties schema',
    {
      schema: {
        type: 'object',
        properties: { a: { type: 'string' } },
        additionalProperties: { type: 'number' },
      },
      accept: [{ a: 'x', b: 1 }, {}],
      reject: [{ b: 'x' }, { a: 1 }, JSON.parse('{"__proto__": "x"}')],
      code: 'jsonSchema.object<{\n    a?: string;\n    [key: string]: number | string;\n}>({\n    properties: {\n        a: z.string()\n    },\n    additionalProperties: z.number()\n})',
    },
  ],
  [
    'object with additionalProperties true is loose',
    {
      schema: { type: 'object', properties: { a: { type: 'string' } }, additionalProperties: true },
      accept: [{ a: 'x', b: 1 }],
      reject: [{ a: 1 }],
      code: 'z.looseObject({\n    a: z.string().exactOptional()\n})',
    },
  ],
  [
    'object without properties is a record',
    {
      schema: { type: 'object' },
      accept: [{}, { a: [1] }],
      reject: [[], null, 'x'],
      code: 'z.record(z.string(), z.unknown())',
    },
  ],
  [
    'a map of typed values checks every own key, __proto__ too',
    {
      schema: { type: 'object', additionalProperties: { type: 'integer' } },
      accept: [{ a: 1 }, {}],
      reject: [{ a: 'x' }, JSON.parse('{"__proto__": "x"}')],
    },
  ],
  [
    'patternProperties with additionalProperties false',
    {
      schema: {
        type: 'object',
        properties: { id: { type: 'string' } },
        patternProperties: { '^x-': { type: 'integer' }, '-y$': { minimum: 2 } },
        additionalProperties: false,
      },
      accept: [{ id: 'a', 'x-a': 1 }, { 'x-y': 3 }, { 'b-y': 2 }],
      reject: [{ other: 1 }, { 'x-a': 'x' }, { 'x-y': 1 }],
    },
  ],
  [
    'propertyNames',
    {
      schema: { type: 'object', propertyNames: { pattern: '^[a-z]+$', maxLength: 3 } },
      accept: [{}, { ab: 1 }],
      reject: [{ AB: 1 }, { abcd: 1 }],
    },
  ],
  [
    'minProperties and maxProperties count own keys',
    {
      schema: { type: 'object', minProperties: 1, maxProperties: 2 },
      accept: [{ a: 1 }, { a: 1, b: 2 }],
      reject: [{}, { a: 1, b: 2, c: 3 }],
      code: 'jsonSchema.object<Record<string, unknown>>({\n    minProperties: 1,\n    maxProperties: 2\n})',
    },
  ],
  [
    'dependencies: required keys and schemas',
    {
      schema: {
        type: 'object',
        dependencies: { card: ['billing'], vip: { required: ['level'], properties: { level: { type: 'integer' } } } },
      },
      accept: [{}, { card: 1, billing: 2 }, { vip: true, level: 1 }, { billing: 2 }],
      reject: [{ card: 1 }, { vip: true }, { vip: true, level: 'x' }],
    },
  ],
  [
    'dependentRequired and dependentSchemas (2019-09)',
    {
      schema: { type: 'object', dependentRequired: { a: ['b'] }, dependentSchemas: { c: { required: ['d'] } } },
      dialect: '2019-09',
      accept: [{}, { a: 1, b: 1 }, { c: 1, d: 1 }],
      reject: [{ a: 1 }, { c: 1 }],
    },
  ],
  [
    'unevaluatedProperties counts what allOf members evaluate (2019-09)',
    {
      schema: {
        type: 'object',
        properties: { a: {} },
        allOf: [{ properties: { b: {} } }],
        unevaluatedProperties: false,
      },
      dialect: '2019-09',
      accept: [{}, { a: 1, b: 2 }],
      reject: [{ c: 1 }, { a: 1, c: 1 }],
    },
  ],
  [
    'unevaluatedProperties counts only the anyOf members that pass (2019-09)',
    {
      schema: {
        anyOf: [
          { properties: { a: { const: 1 } }, required: ['a'] },
          { properties: { b: {} }, required: ['b'] },
        ],
        unevaluatedProperties: false,
      },
      dialect: '2019-09',
      accept: [{ a: 1 }, { b: 1 }, { a: 1, b: 1 }, 'x'],
      reject: [
        { a: 2, b: 1 },
        { c: 1, b: 1 },
      ],
      findings: [`info /anyOf/0/properties: ${UNTYPED}`, `info /anyOf/1/properties: ${UNTYPED}`],
    },
  ],
  [
    'unevaluatedProperties after if/then/else: a failed if evaluates nothing (2020-12)',
    {
      schema: {
        type: 'object',
        if: { properties: { kind: { const: 'x' } }, required: ['kind'] },
        // biome-ignore lint/suspicious/noThenProperty: the JSON Schema keyword
        then: { properties: { x: {} } },
        else: { properties: { y: {}, kind: {} } },
        unevaluatedProperties: false,
      },
      dialect: '2020-12',
      accept: [{ kind: 'x', x: 1 }, { kind: 'z', y: 1 }, {}],
      reject: [
        { kind: 'x', y: 1 },
        { kind: 'z', x: 1 },
      ],
    },
  ],
  [
    'unevaluatedProperties with a schema, and dependentSchemas (2019-09)',
    {
      schema: {
        type: 'object',
        properties: { a: {} },
        dependentSchemas: { a: { properties: { b: { type: 'integer' } } } },
        unevaluatedProperties: { type: 'string' },
      },
      dialect: '2019-09',
      accept: [{ a: 1, b: 2, c: 'x' }, { c: 'x' }, { b: 'x' }],
      reject: [{ b: 1 }, { a: 1, c: 1 }, { a: 1, b: 'x' }],
    },
  ],
  [
    'unevaluatedItems after array-form items and allOf (2019-09)',
    {
      schema: { type: 'array', items: [{}], allOf: [{ items: [{}, {}] }], unevaluatedItems: false },
      dialect: '2019-09',
      accept: [[], [1], [1, 2]],
      reject: [[1, 2, 3]],
    },
  ],
  [
    'unevaluatedItems counts the items contains matches (2020-12)',
    {
      schema: { type: 'array', prefixItems: [{}], contains: { const: 'x' }, unevaluatedItems: false },
      dialect: '2020-12',
      accept: [
        [1, 'x'],
        ['x', 'x'],
      ],
      reject: [[1, 2, 'x'], [1]],
      differs: [{ value: [1, 2, 'x'], reason: CONTAINS_EVALUATES }],
    },
  ],
  [
    'unevaluatedProperties in draft-07 has no effect, with a finding',
    {
      schema: { type: 'object', unevaluatedProperties: false },
      accept: [{ a: 1 }],
      reject: [1],
      findings: [
        "warning /unevaluatedProperties: 'unevaluatedProperties' is not a keyword of JSON Schema draft-07: it has no effect here",
      ],
    },
  ],
  [
    'dependentRequired in draft-07 has no effect, with a finding',
    {
      schema: { type: 'object', dependentRequired: { a: ['b'] } },
      accept: [{ a: 1 }],
      reject: [1],
      findings: [
        "warning /dependentRequired: 'dependentRequired' is not a keyword of JSON Schema draft-07: it has no effect here",
      ],
    },
  ],
  [
    'object with property names that are not identifiers',
    {
      schema: {
        type: 'object',
        required: ['content-type', '2fa', 'delete'],
        properties: { 'content-type': { type: 'string' }, '2fa': { type: 'boolean' }, delete: { type: 'null' } },
      },
      accept: [{ 'content-type': 'x', '2fa': true, delete: null }],
      reject: [{ 'content-type': 'x', '2fa': true }],
      code: "z.object({\n    'content-type': z.string(),\n    '2fa': z.boolean(),\n    delete: z.null()\n})",
    },
  ],
  [
    'a property named __proto__ is checked as an own key',
    {
      schema: { type: 'object', required: ['__proto__'], properties: { ['__proto__']: { type: 'string' } } },
      accept: [JSON.parse('{"__proto__": "x"}')],
      reject: [JSON.parse('{"__proto__": 1}'), {}, 'x', []],
      code: "jsonSchema.object<{\n    __proto__: string;\n}>({\n    properties: {\n        ['__proto__']: z.string()\n    },\n    required: ['__proto__']\n})",
      differs: [
        { value: {}, reason: OWN_KEYS },
        { value: JSON.parse('{"__proto__": 1}'), reason: PROTO },
      ],
    },
  ],
  [
    'a property named constructor is checked as an own key',
    {
      schema: { type: 'object', properties: { constructor: { type: 'string' }, toString: { type: 'integer' } } },
      accept: [{}, { constructor: 'x' }, { toString: 1 }],
      reject: [{ constructor: 1 }],
      differs: [
        { value: {}, reason: OWN_KEYS },
        { value: { constructor: 'x' }, reason: OWN_KEYS },
        { value: { toString: 1 }, reason: OWN_KEYS },
      ],
    },
  ],
  // combinators
  [
    'oneOf of members of different types is a plain union (no value can match two)',
    {
      schema: { oneOf: [{ type: 'string' }, { type: 'integer' }] },
      accept: ['a', 1],
      reject: [1.5, null],
      code: 'z.union([z.string(), z.number().check(jsonSchema.integer)])',
    },
  ],
  [
    'oneOf of integers and numbers overlaps',
    { schema: { oneOf: [{ type: 'integer' }, { type: 'number' }] }, accept: [1.5], reject: [1, 'x'] },
  ],
  [
    'oneOf of objects with a discriminating const is a plain union',
    {
      schema: {
        oneOf: [
          { type: 'object', required: ['kind'], properties: { kind: { const: 'a' } } },
          { type: 'object', required: ['kind'], properties: { kind: { enum: ['b', 'c'] } } },
        ],
      },
      accept: [{ kind: 'a' }, { kind: 'c', x: 1 }],
      reject: [{ kind: 'd' }, {}, 'a'],
      code: "z.union([\n    z.object({\n        kind: z.literal('a')\n    }),\n    z.object({\n        kind: z.enum(['b', 'c'])\n    })\n])",
    },
  ],
  [
    'oneOf of objects whose discriminator values overlap means exactly one',
    {
      schema: {
        oneOf: [
          { type: 'object', required: ['kind'], properties: { kind: { enum: ['a', 'b'] } } },
          { type: 'object', required: ['kind'], properties: { kind: { const: 'b' } } },
        ],
      },
      accept: [{ kind: 'a' }],
      reject: [{ kind: 'b' }],
    },
  ],
  [
    'oneOf with overlapping members rejects a value both accept',
    {
      schema: {
        oneOf: [
          { type: 'number', minimum: 0 },
          { type: 'number', maximum: 10 },
        ],
      },
      code: 'z.xor([z.number().gte(0), z.number().lte(10)])',
      accept: [-1, 11],
      reject: [5, 'x'],
    },
  ],
  [
    'oneOf of objects told apart by required keys',
    {
      schema: {
        type: 'object',
        required: ['kind'],
        properties: { kind: { type: 'string' } },
        oneOf: [{ required: ['a'] }, { required: ['b'] }],
      },
      accept: [
        { kind: 'x', a: 1 },
        { kind: 'x', b: 1 },
      ],
      reject: [{ kind: 'x' }, { kind: 'x', a: 1, b: 1 }, { a: 1 }],
    },
  ],
  [
    'anyOf with null is nullable',
    {
      schema: { anyOf: [{ type: 'string' }, { type: 'null' }] },
      accept: ['a', null],
      reject: [1],
      code: 'z.string().nullable()',
    },
  ],
  [
    'anyOf accepts a value several members accept',
    {
      schema: {
        anyOf: [
          { type: 'number', minimum: 0 },
          { type: 'number', maximum: 10 },
        ],
      },
      accept: [5, -1],
      reject: ['x'],
    },
  ],
  [
    'allOf of plain objects is merged',
    {
      schema: {
        allOf: [
          { type: 'object', required: ['a'], properties: { a: { type: 'string' } } },
          { properties: { b: { type: 'integer' } }, required: ['b'] },
        ],
      },
      accept: [{ a: 'x', b: 1 }],
      reject: [{ a: 'x' }, { b: 1 }, { a: 'x', b: 'y' }, 'x'],
      code: 'z.object({\n    a: z.string(),\n    b: z.number().check(jsonSchema.integer)\n})',
    },
  ],
  [
    'allOf members without type admit other types',
    {
      schema: { allOf: [{ properties: { a: { type: 'string' } } }, { required: ['a'] }] },
      accept: [{ a: 'x' }, 'x', 1],
      reject: [{}, { a: 1 }],
    },
  ],
  [
    'allOf with a closed member rejects keys it forbids',
    {
      schema: {
        allOf: [
          { type: 'object', required: ['a'], properties: { a: { type: 'string' } } },
          { type: 'object', properties: { a: { type: 'string', minLength: 2 } }, additionalProperties: false },
        ],
      },
      accept: [{ a: 'xy' }],
      reject: [{ a: 'x' }, { a: 1 }, { a: 'xy', b: 1 }],
    },
  ],
  [
    'allOf of non-objects',
    {
      schema: {
        allOf: [
          { type: 'string', minLength: 2 },
          { type: 'string', maxLength: 3 },
        ],
      },
      accept: ['ab', 'abc'],
      reject: ['a', 'abcd', 1],
    },
  ],
  [
    'not',
    {
      schema: { type: 'string', not: { const: 'x' } },
      accept: ['y'],
      reject: ['x', 1],
      code: "jsonSchema.all(z.string(), jsonSchema.not(z.literal('x')))",
    },
  ],
  ['not without type', { schema: { not: { type: 'string' } }, accept: [1, null, {}], reject: ['x'] }],
  ['not {} rejects everything', { schema: { not: {} }, accept: [], reject: [1, 'x', null], code: 'z.never()' }],
  [
    'if/then/else',
    {
      schema: {
        type: 'object',
        properties: { country: { type: 'string' } },
        if: { properties: { country: { const: 'NL' } }, required: ['country'] },
        // biome-ignore lint/suspicious/noThenProperty: the JSON Schema keyword
        then: { required: ['postcode'] },
        else: { required: ['zip'] },
      },
      accept: [{ country: 'NL', postcode: 1 }, { country: 'US', zip: 1 }, { zip: 1 }],
      reject: [{ country: 'NL', zip: 1 }, { country: 'US', postcode: 1 }, {}],
    },
  ],
  [
    'if without then or else has no effect',
    { schema: { if: { type: 'string' } }, accept: [1, 'x'], reject: [], code: 'z.unknown()' },
  ],
  [
    'if/then in draft-06 has no effect, with a finding',
    {
      // biome-ignore lint/suspicious/noThenProperty: the JSON Schema keyword
      schema: { type: 'string', if: { const: 'a' }, then: false },
      dialect: 'draft-06',
      accept: ['a'],
      reject: [1],
      reference: false, // ajv-draft-04 is the nearest reference we have
      findings: [
        "warning /if: 'if' is not a keyword of JSON Schema draft-06: it has no effect here",
        "warning /then: 'then' is not a keyword of JSON Schema draft-06: it has no effect here",
      ],
    },
  ],
  ['true is unknown', { schema: true, accept: [1, null, {}], reject: [], code: 'z.unknown()' }],
  ['empty schema is unknown', { schema: {}, accept: [1, 'x', null], reject: [], code: 'z.unknown()' }],
  ['false is never', { schema: false, accept: [], reject: [1, null], code: 'z.never()' }],
  [
    'description, default and examples do not validate',
    {
      schema: { type: 'integer', description: 'd', default: 1, examples: [2], readOnly: true },
      accept: [5],
      reject: ['x'],
      code: 'z.number().check(jsonSchema.integer)',
    },
  ],
  [
    'an unknown keyword has no effect, with a finding that names the keyword it resembles',
    {
      schema: { type: 'integer', minimun: 3 },
      accept: [1],
      reject: ['x'],
      findings: ["info /minimun: 'minimun' is not a JSON Schema keyword: it has no effect (did you mean 'minimum'?)"],
    },
  ],
  [
    'keywords nested in combinators, arrays and objects',
    {
      schema: {
        type: 'object',
        required: ['items'],
        properties: {
          items: {
            type: 'array',
            minItems: 1,
            items: {
              oneOf: [
                {
                  type: 'object',
                  required: ['id'],
                  properties: { id: { type: 'string', format: 'uuid' } },
                  additionalProperties: false,
                },
                {
                  type: 'object',
                  required: ['name'],
                  properties: { name: { not: { enum: ['root'] } } },
                  minProperties: 1,
                },
              ],
            },
            uniqueItems: true,
          },
        },
      },
      accept: [
        { items: [{ id: '123e4567-e89b-12d3-a456-426614174000' }, { name: 'x' }] },
        // the first member is closed, so only the second matches: exactly one
        { items: [{ id: '123e4567-e89b-12d3-a456-426614174000', name: 'x' }] },
      ],
      reject: [
        { items: [] },
        { items: [{ name: 'root' }] },
        { items: [{ id: 'x' }] },
        { items: [{ name: 'x' }, { name: 'x' }] },
        { items: [{ id: '123e4567-e89b-12d3-a456-426614174000' }, { id: '123e4567-e89b-12d3-a456-426614174000' }] },
      ],
    },
  ],
  // headers: text on the wire, read strictly
  [
    'headers role parses numbers and booleans strictly from text',
    {
      schema: {
        type: 'object',
        required: ['count'],
        additionalProperties: false,
        properties: {
          count: { type: 'integer', minimum: 1 },
          ratio: { type: 'number' },
          flag: { type: 'boolean' },
          level: { enum: [1, 2] },
          id: { type: 'string' },
          either: { type: ['integer', 'string'], maxLength: 2 },
        },
      },
      role: 'headers',
      reference: false,
      accept: [
        { count: '1' },
        { count: '2', ratio: '0.5', flag: 'true', level: '2', id: 'x' },
        { count: '1', ratio: '-0', either: '123' },
        { count: '1', either: 'ab' },
        { count: '12345678901234567890' },
      ],
      reject: [
        { count: '0' },
        { count: 'x' },
        { count: '1.5' },
        { count: '' },
        { count: '0x10' },
        { count: '1e1' },
        { count: ' 1' },
        { count: '01' },
        { count: '+1' },
        { count: '1', ratio: '1e1' },
        { count: '1', ratio: '.5' },
        { count: '1', flag: 'maybe' },
        { count: '1', flag: 'True' },
        { count: '1', level: '3' },
        { count: '1', either: 'abc' },
      ],
      code:
        "z.object({\n    count: jsonSchema.header(['integer'], z.number().gte(1).check(jsonSchema.integer)),\n" +
        "    ratio: jsonSchema.header(['number'], z.number()).exactOptional(),\n" +
        "    flag: jsonSchema.header(['boolean'], z.boolean()).exactOptional(),\n" +
        "    level: jsonSchema.header(['integer'], z.union([z.literal(1), z.literal(2)])).exactOptional(),\n" +
        '    id: z.string().exactOptional(),\n' +
        "    either: jsonSchema.header(['integer', 'string'], z.union([z.string().check(jsonSchema.maxLength(2)), z.number().check(jsonSchema.integer)])).exactOptional()\n})",
    },
  ],
];

function verdicts(row: Row) {
  const { code } = emit(row.schema, row.role, row.dialect);
  const printed = evaluate(code);
  const live = liveSchema(row.schema, row.role === 'headers' ? 'headers' : 'payload', row.dialect);
  if (!live.ok) throw new Error(live.reason);
  return { printed, live: live.schema };
}

describe('schema→zod', () => {
  it.each(table)('schema→zod - %s', (_name, row) => {
    const { code, findings } = emit(row.schema, row.role, row.dialect);
    if (row.code !== undefined) expect(code).toBe(row.code);
    expect(findings).toEqual(row.findings ?? []);
    const { printed, live } = verdicts(row);
    const reference = row.reference === false ? undefined : ajvFor(row.dialect).compile(row.schema as object);
    for (const [samples, expected] of [
      [row.accept, true],
      [row.reject, false],
    ] as const) {
      for (const value of samples) {
        const shown = JSON.stringify(value);
        expect(printed.safeParse(value).success, `printed code on ${shown}`).toBe(expected);
        expect(live.safeParse(value).success, `live schema on ${shown}`).toBe(expected);
        if (reference === undefined) continue;
        const known = row.differs?.find((d) => JSON.stringify(d.value) === shown);
        expect(reference(value), `ajv on ${shown}${known ? ` (differs: ${known.reason})` : ''}`).toBe(
          known ? !expected : expected,
        );
      }
    }
  });

  it('schema→zod - headers role outputs numbers and booleans', () => {
    const [, row] = table.find(([name]) => name.startsWith('headers role')) as [string, Row];
    const { printed, live } = verdicts(row);
    const wire = { count: '2', flag: 'false', level: '1', either: '7', other: 'x' };
    expect(printed.parse(wire)).toEqual({ count: 2, flag: false, level: 1, either: 7 });
    expect(live.parse(wire)).toEqual({ count: 2, flag: false, level: 1, either: 7 });
  });

  it('schema→zod - optional property rejects explicit undefined (exactOptional)', () => {
    expect(evaluate(emit(person).code).safeParse({ name: 'a', age: undefined }).success).toBe(false);
  });

  it('schema→zod - a header that is an object or array is an error', () => {
    const { findings } = emit(
      { type: 'object', properties: { meta: { type: 'object' }, list: { type: 'array' }, ok: { type: 'string' } } },
      'headers',
    );
    expect(findings).toEqual([
      "error /properties/meta: header 'meta' is an object or array: a NATS header value is text, and no encoding of objects and arrays is defined",
      "error /properties/list: header 'list' is an object or array: a NATS header value is text, and no encoding of objects and arrays is defined",
    ]);
  });

  it('schema→zod - no check transforms a payload: the output is the payload as sent, extra keys kept', () => {
    const schema = {
      type: 'object',
      properties: { a: { type: 'string' } },
      patternProperties: { '^x': {} },
      minProperties: 1,
    };
    const value = { a: 'x', xtra: 1, other: [1] };
    expect(evaluate(emit(schema).code).parse(value)).toEqual(value);
  });
});

describe('schema→zod references', () => {
  const tree: Record<string, unknown> = {
    type: 'object',
    required: ['value'],
    properties: { value: { type: 'integer' } },
  };
  (tree.properties as Record<string, unknown>).children = { type: 'array', items: tree };
  const leaf = { type: 'string', minLength: 1 };
  const wrapper = {
    type: 'object',
    required: ['tree', 'leaf'],
    properties: { tree: tree, leaf: leaf, leaves: { type: 'array', items: leaf } },
  };
  const names = new Map<JsonSchemaObject, string>([
    [tree, 'Tree'],
    [leaf, 'Leaf'],
  ]);
  const refs = { nameOf: (s: JsonSchemaObject) => names.get(s), zodNameOf: (name: string) => `${name}Schema` };

  it('schema→zod - self reference is lazy even when declared', () => {
    const code = printNode(zodExpression(tree, { refs, root: tree, declared: new Set(['Tree']), role: 'recursive' }));
    expect(code).toBe(
      'z.object({\n    value: z.number().check(jsonSchema.integer),\n    children: z.array(z.lazy(() => TreeSchema)).exactOptional()\n})',
    );
  });

  it('schema→zod - declared references are direct, others lazy, never inlined', () => {
    const code = printNode(zodExpression(wrapper, { refs, declared: new Set(['Leaf']), role: 'payload' }));
    expect(code).toBe(
      'z.object({\n    tree: z.lazy(() => TreeSchema),\n    leaf: LeafSchema,\n    leaves: z.array(LeafSchema).exactOptional()\n})',
    );
  });

  it('schema→zod - a named schema outside its own declaration is a reference', () => {
    expect(printNode(zodExpression(leaf, { refs, declared: new Set(['Leaf']), role: 'payload' }))).toBe('LeafSchema');
  });

  it('schema→zod - recursive declarations validate at runtime', () => {
    const declare = (schema: JsonSchemaObject, declared: string[]) =>
      printNode(zodExpression(schema, { refs, root: schema, declared: new Set(declared), role: 'component' }));
    const code =
      `const LeafSchema = ${declare(leaf, [])};\nconst TreeSchema = ${declare(tree, ['Leaf'])};\n` +
      `const schema = ${declare(wrapper, ['Leaf', 'Tree'])};`;
    const js = ts.transpile(code, { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext });
    const schema = new Function('z', 'jsonSchema', `${js}\nreturn schema;`)(z, jsonSchema) as z.ZodType;
    const ok = { tree: { value: 1, children: [{ value: 2, children: [] }] }, leaf: 'x' };
    expect(schema.safeParse(ok).success).toBe(true);
    expect(schema.safeParse({ ...ok, tree: { value: 1, children: [{ value: 'x' }] } }).success).toBe(false);
    expect(schema.safeParse({ ...ok, leaf: '' }).success).toBe(false);
  });

  it('schema→zod - a cyclic schema agrees with ajv when built live', () => {
    const node: Record<string, unknown> = { type: 'object', required: ['v'], properties: { v: { type: 'integer' } } };
    (node.properties as Record<string, unknown>).next = { oneOf: [{ type: 'null' }, node] };
    const live = liveSchema(node);
    if (!live.ok) throw new Error(live.reason);
    const reference = ajvFor().compile({
      definitions: {
        n: {
          type: 'object',
          required: ['v'],
          properties: { v: { type: 'integer' }, next: { oneOf: [{ type: 'null' }, { $ref: '#/definitions/n' }] } },
        },
      },
      $ref: '#/definitions/n',
    });
    for (const value of [
      { v: 1 },
      { v: 1, next: null },
      { v: 1, next: { v: 2, next: { v: 3 } } },
      { v: 1, next: { v: 'x' } },
      {},
    ]) {
      expect(live.schema.safeParse(value).success, JSON.stringify(value)).toBe(reference(value));
    }
  });

  it('schema→zod - an anonymous cycle is an error naming the place', () => {
    const loop: Record<string, unknown> = { type: 'object', properties: {} };
    (loop.properties as Record<string, unknown>).next = { type: 'array', items: loop };
    expect(() => zodExpression(loop, { refs: noRefs, declared: new Set(), role: 'payload' })).toThrow(
      "schema at '/properties/next/items' contains itself but has no name; the model must name every member of a cycle",
    );
  });

  it('schema→zod - shared anonymous subschemas are not cycles', () => {
    const shared = { type: 'string' };
    const schema = { type: 'object', properties: { a: shared, b: { type: 'array', items: shared } } };
    expect(() => zodExpression(schema, { refs: noRefs, declared: new Set(), role: 'payload' })).not.toThrow();
  });
});

it('schema→zod - printed code is built from nodes', () => {
  expect(
    ts.isCallExpression(zodExpression({ type: 'string' }, { refs: noRefs, declared: new Set(), role: 'payload' })),
  ).toBe(true);
});
