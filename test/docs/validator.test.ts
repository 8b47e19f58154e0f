/**
 * The example checker shared by the code's example factories and the docs site
 * (generator/examples.ts `validator`): the very schema the generated code runs, one per schema
 * object; and the sampler that builds an example when the spec has none.
 */
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { headerValuesForCheck, sampleOf, validator } from '../../generator/examples.js';
import type { JsonSchema } from '../../generator/model/types.js';

const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (
  ajv: Ajv,
) => Ajv;
const ajv = addFormats(new Ajv({ strict: false, logger: false }));

function check(schema: JsonSchema, value: unknown): string | undefined {
  const v = validator(schema);
  if (!v.ok) throw new Error(v.reason);
  return v.check(value);
}

describe('example validator', () => {
  it('example validator - a schema object is compiled once: both callers get the same checker', () => {
    const schema = { type: 'object', properties: { n: { type: 'integer' } }, required: ['n'] };
    const first = validator(schema);
    expect(validator(schema)).toBe(first);
    // An equal but distinct object is its own schema.
    expect(validator(structuredClone(schema))).not.toBe(first);
    // The same object read as a header set is another validator.
    expect(validator(schema, 'headers')).not.toBe(first);
  });

  it('example validator - the shared checker still tells valid from invalid, each time', () => {
    const schema = { type: 'object', properties: { n: { type: 'integer' } }, required: ['n'] };
    expect(check(schema, { n: 1 })).toBeUndefined();
    expect(check(schema, { n: 'x' })).toBe('Invalid input: expected number, received string at n');
    expect(check(schema, { n: 2 })).toBeUndefined();
    expect(validator(true).ok).toBe(true);
  });

  it('example validator - spec examples z.fromJSONSchema rejected are valid, as ajv and the generated code say', () => {
    const cases: [JsonSchema, unknown][] = [
      [{ oneOf: [{ properties: { kind: { const: 'a' } } }, { properties: { kind: { const: 'b' } } }] }, { kind: 'a' }],
      [
        { type: 'object', properties: { kind: { type: 'string' } }, oneOf: [{ required: ['a'] }, { required: ['b'] }] },
        { kind: 'x', a: 1 },
      ],
      [{ type: 'string', format: 'date-time' }, '2024-01-02t03:04:05z'],
      [{ type: 'integer' }, 2 ** 60],
    ];
    for (const [schema, value] of cases) {
      expect(ajv.validate(schema as object, value), JSON.stringify(schema)).toBe(true);
      expect(check(schema, value), JSON.stringify(schema)).toBeUndefined();
    }
  });

  it('example validator - header examples are judged as the text sent on the wire', () => {
    const schema = { type: 'object', properties: { count: { type: 'integer' }, flag: { type: 'boolean' } } };
    const headers = validator(schema, 'headers');
    if (!headers.ok) throw new Error(headers.reason);
    const wire = headerValuesForCheck(schema, { count: 3, flag: false });
    expect(wire).toEqual({ count: '3', flag: 'false' });
    expect(headers.parse(wire)).toEqual({ value: { count: 3, flag: false } });
    expect(headers.check({ count: '1.5' })).toBe('Invalid header value "1.5": expected integer at count');
  });
});

describe('example sampler', () => {
  const table: [string, JsonSchema][] = [
    ['oneOf of overlapping ranges', { type: 'number', oneOf: [{ minimum: 0 }, { maximum: 10 }] }],
    ['not', { type: 'string', not: { const: 'example' } }],
    [
      'if/then',
      {
        type: 'object',
        required: ['kind'],
        properties: { kind: { enum: ['a', 'b'] }, x: { type: 'integer' } },
        if: { properties: { kind: { const: 'a' } } },
        // biome-ignore lint/suspicious/noThenProperty: the JSON Schema keyword
        then: { required: ['x'] },
      },
    ],
    ['uniqueItems', { type: 'array', items: { enum: [1, 2, 3] }, minItems: 2, uniqueItems: true }],
    ['contains', { type: 'array', items: { type: 'integer' }, contains: { minimum: 5 }, minItems: 1 }],
    [
      'dependencies',
      { type: 'object', properties: { a: { type: 'string' }, b: { type: 'string' } }, dependencies: { a: ['b'] } },
    ],
    [
      'patternProperties with minProperties',
      {
        type: 'object',
        patternProperties: { '^x-': { type: 'string' } },
        additionalProperties: false,
        minProperties: 1,
      },
    ],
    [
      'propertyNames with minProperties',
      {
        type: 'object',
        propertyNames: { pattern: '^[a-z0-9]+$' },
        additionalProperties: { type: 'integer' },
        minProperties: 2,
      },
    ],
    [
      'oneOf of objects told apart by required keys',
      {
        type: 'object',
        properties: { a: { type: 'string' }, b: { type: 'string' } },
        oneOf: [{ required: ['a'] }, { required: ['b'] }],
      },
    ],
    [
      'allOf with a closed member',
      {
        allOf: [
          { type: 'object', properties: { a: { const: 1 } }, required: ['a'] },
          { additionalProperties: { const: 1 } },
        ],
      },
    ],
    ['enum of objects', { enum: [{ a: [1] }] }],
    ['format and length', { type: 'string', format: 'email', maxLength: 20 }],
    ['multipleOf', { type: 'number', minimum: 0.05, multipleOf: 0.1 }],
  ];

  it.each(table)('example sampler - builds a valid value: %s', (_name, schema) => {
    const sample = sampleOf(schema);
    expect(check(schema, sample), JSON.stringify(sample)).toBeUndefined();
    expect(ajv.validate(schema as object, sample), JSON.stringify(sample)).toBe(true);
  });

  it('example sampler - gives up cleanly: its value then fails the check, which says why', () => {
    const schema = { type: 'string', pattern: '^(ab)+$', not: { pattern: 'b' } };
    expect(check(schema, sampleOf(schema))).toBeDefined();
  });
});
