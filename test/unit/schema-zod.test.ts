import { ts } from 'ts-morph';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { printNode, zodExpression } from '../../generator/emit/schema/index.js';
import type { JsonSchema, JsonSchemaObject } from '../../generator/model/types.js';

type Role = 'payload' | 'headers' | 'component' | 'recursive';

interface Row {
  schema: JsonSchema;
  accept: readonly unknown[];
  reject: readonly unknown[];
  /** Compare every sample with `z.fromJSONSchema` too (default true; off where it lacks the keyword). */
  oracle?: boolean;
  /** Exact printed zod expression. */
  code?: string;
  role?: Role;
  warnings?: readonly string[];
}

const noRefs = {
  nameOf: () => undefined,
  zodNameOf: (name: string): string => {
    throw new Error(`unexpected reference to ${name}`);
  },
};

/** Evaluates printed zod code, with `z` in scope. */
function evaluate(code: string): z.ZodType {
  return new Function('z', `return ${code}`)(z) as z.ZodType;
}

function emit(schema: JsonSchema, role: Role = 'payload') {
  const warnings: string[] = [];
  const root = typeof schema === 'object' ? schema : undefined;
  const node = zodExpression(schema, {
    refs: noRefs,
    root,
    declared: new Set(),
    role,
    warn: (message, path) => warnings.push(`${path}: ${message}`),
  });
  return { code: printNode(node), warnings };
}

const person = {
  type: 'object',
  required: ['name'],
  properties: { name: { type: 'string' }, age: { type: 'integer', minimum: 0 } },
};

const table: [string, Row][] = [
  ['string', { schema: { type: 'string' }, accept: ['', 'x'], reject: [1, null, undefined, {}], code: 'z.string()' }],
  [
    'string with pattern and maxLength',
    {
      schema: { type: 'string', pattern: '^[a-z]+\\d$', maxLength: 4 },
      accept: ['ab1', 'abc1'],
      reject: ['abcd1', 'AB1', 'ab', 7],
      code: "z.string().max(4).regex(new RegExp('^[a-z]+\\\\d$', 'u'))",
    },
  ],
  ['string with minLength', { schema: { type: 'string', minLength: 2 }, accept: ['ab'], reject: ['a'] }],
  [
    'pattern with quotes, backslashes and ${ is one string literal',
    { schema: { type: 'string', pattern: '^\'"\\\\`\\$\\{x\\}$' }, accept: ['\'"\\`${x}'], reject: ['x'] },
  ],
  [
    'pattern with Unicode property escape uses the u flag',
    { schema: { type: 'string', pattern: '^\\p{L}+$' }, accept: ['abc', 'é'], reject: ['p{L}', '1'], oracle: false },
  ],
  [
    'pattern invalid in JavaScript is not checked and warns',
    {
      schema: { type: 'string', pattern: '(?<a' },
      accept: ['anything'],
      reject: [1],
      oracle: false,
      code: '/** pattern "(?<a" is not a valid JavaScript regular expression and is not checked */ z.string()',
      warnings: ['/pattern: pattern "(?<a" is not a valid JavaScript regular expression and is not checked'],
    },
  ],
  [
    'format date-time',
    {
      schema: { type: 'string', format: 'date-time' },
      accept: ['2024-01-02T03:04:05Z', '2024-01-02T03:04:05.123+02:00'],
      reject: ['2024-01-02', '2024-01-02T03:04:05', 'x'],
      code: 'z.iso.datetime({ offset: true })',
    },
  ],
  ['format date', { schema: { type: 'string', format: 'date' }, accept: ['2024-02-29'], reject: ['2024-13-01', 'x'] }],
  [
    'format time is RFC 3339 full-time (offset required)',
    {
      schema: { type: 'string', format: 'time' },
      accept: ['10:00:00Z', '23:59:59.5+01:00'],
      reject: ['10:00:00', '10:00', '25:00:00Z'],
    },
  ],
  [
    'format email',
    { schema: { type: 'string', format: 'email' }, accept: ['a@b.co'], reject: ['a@', 'x'], code: 'z.email()' },
  ],
  [
    'format uuid',
    {
      schema: { type: 'string', format: 'uuid' },
      accept: ['123e4567-e89b-12d3-a456-426614174000'],
      reject: ['123e4567', 'x'],
      code: 'z.uuid()',
    },
  ],
  ['format uri', { schema: { type: 'string', format: 'uri' }, accept: ['https://x.io/a?b'], reject: ['no scheme'] }],
  ['format ipv4', { schema: { type: 'string', format: 'ipv4' }, accept: ['10.0.0.1'], reject: ['10.0.0.256', '::1'] }],
  ['format ipv6', { schema: { type: 'string', format: 'ipv6' }, accept: ['::1', 'fe80::1'], reject: ['10.0.0.1'] }],
  [
    'format with length bounds',
    { schema: { type: 'string', format: 'email', maxLength: 8 }, accept: ['a@b.co'], reject: ['abcdef@b.co'] },
  ],
  [
    'format hostname is a plain string',
    {
      schema: { type: 'string', format: 'hostname' },
      accept: ['x', '-'],
      reject: [1],
      oracle: false,
      code: 'z.string()',
    },
  ],
  [
    'unknown format is a plain string',
    { schema: { type: 'string', format: 'color' }, accept: ['x'], reject: [1], code: 'z.string()' },
  ],
  [
    'number with minimum and maximum',
    {
      schema: { type: 'number', minimum: -1.5, maximum: 10 },
      accept: [-1.5, 0.25, 10],
      reject: [-2, 10.5, '1', Number.NaN],
      code: 'z.number().gte(-1.5).lte(10)',
    },
  ],
  [
    'number with exclusive bounds (draft 7)',
    {
      schema: { type: 'number', exclusiveMinimum: 0, exclusiveMaximum: 1 },
      accept: [0.5],
      reject: [0, 1],
      code: 'z.number().gt(0).lt(1)',
    },
  ],
  [
    'number with exclusive bounds (draft 4 booleans)',
    {
      schema: { type: 'number', minimum: 0, exclusiveMinimum: true, maximum: 1, exclusiveMaximum: true },
      accept: [0.5],
      reject: [0, 1],
      oracle: false,
    },
  ],
  [
    'integer with multipleOf',
    {
      schema: { type: 'integer', multipleOf: 5 },
      accept: [0, 10, -5],
      reject: [3, 2.5],
      code: 'z.int().multipleOf(5)',
    },
  ],
  ['integer', { schema: { type: 'integer' }, accept: [1, -3], reject: [1.5, '1'] }],
  ['boolean', { schema: { type: 'boolean' }, accept: [true, false], reject: [0, 'true'] }],
  ['null', { schema: { type: 'null' }, accept: [null], reject: [undefined, 0, ''], code: 'z.null()' }],
  [
    'type array with null is nullable',
    {
      schema: { type: ['string', 'null'], minLength: 1 },
      accept: ['a', null],
      reject: ['', 1],
      code: 'z.string().min(1).nullable()',
    },
  ],
  [
    'type array without null is a union',
    {
      schema: { type: ['string', 'integer'] },
      accept: ['a', 1],
      reject: [1.5, null],
      code: 'z.union([z.string(), z.int()])',
    },
  ],
  [
    'nullable: true (OpenAPI style)',
    { schema: { type: 'integer', nullable: true }, accept: [1, null], reject: ['1'], oracle: false },
  ],
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
      accept: [1, 'one', true, null],
      reject: [2, 'two', false],
      code: "z.union([z.literal(1), z.literal('one'), z.literal(true), z.literal(null)])",
    },
  ],
  [
    'enum values are filtered by type',
    { schema: { type: 'string', enum: ['a', 1] }, accept: ['a'], reject: [1], oracle: false, code: "z.literal('a')" },
  ],
  ['const', { schema: { const: -2 }, accept: [-2], reject: [2, '-2'], code: 'z.literal(-2)' }],
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
    'array with uniqueItems is not checked and warns',
    {
      schema: { type: 'array', items: { type: 'integer' }, uniqueItems: true },
      accept: [[1, 1]],
      reject: [[1.5]],
      oracle: false,
      warnings: ["/: 'uniqueItems' is not checked by the generated schema"],
    },
  ],
  [
    'tuple',
    {
      schema: { type: 'array', items: [{ type: 'string' }, { type: 'integer' }], minItems: 1 },
      accept: [['a'], ['a', 1], ['a', 1, 'more']],
      reject: [[], [1], ['a', 'b']],
      code: 'z.tuple([z.string(), z.int().exactOptional()], z.unknown())',
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
    'object with required and optional properties',
    {
      schema: person,
      accept: [{ name: 'a' }, { name: 'a', age: 3 }, { name: 'a', other: 1 }],
      reject: [{}, { name: 'a', age: -1 }, { name: 'a', age: undefined }, [], null, 'a'],
      oracle: false, // the oracle lets an explicit `undefined` through for an optional property
    },
  ],
  [
    'object without type but with properties',
    {
      schema: { properties: { a: { type: 'string' } } },
      accept: [{}, { a: 'x' }],
      reject: [{ a: 1 }, 'x', []],
      oracle: false, // the oracle applies `properties` to objects only and lets other values through
      code: 'z.object({\n    a: z.string().exactOptional()\n})',
    },
  ],
  [
    'object with additionalProperties false is strict',
    {
      schema: { type: 'object', properties: { a: { type: 'string' } }, additionalProperties: false },
      accept: [{}, { a: 'x' }],
      reject: [{ b: 1 }],
      code: 'z.strictObject({\n    a: z.string().exactOptional()\n})',
    },
  ],
  [
    'object with additionalProperties schema uses catchall',
    {
      schema: {
        type: 'object',
        properties: { a: { type: 'string' } },
        additionalProperties: { type: 'number' },
      },
      accept: [{ a: 'x', b: 1 }, {}],
      reject: [{ b: 'x' }, { a: 1 }],
      code: 'z.object({\n    a: z.string().exactOptional()\n}).catchall(z.number())',
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
    'object without properties with additionalProperties schema',
    { schema: { type: 'object', additionalProperties: { type: 'integer' } }, accept: [{ a: 1 }], reject: [{ a: 'x' }] },
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
    'property named __proto__ does not set the prototype of the shape',
    {
      // zod itself skips a `__proto__` key; the generated literal must at least not turn it into a prototype
      schema: { type: 'object', required: ['__proto__'], properties: { ['__proto__']: { type: 'string' } } },
      accept: [JSON.parse('{"__proto__": "x"}')],
      reject: ['x', []],
      oracle: false,
      code: "z.object({\n    ['__proto__']: z.string()\n})",
    },
  ],
  [
    'oneOf',
    {
      schema: { oneOf: [{ type: 'string' }, { type: 'integer' }] },
      accept: ['a', 1],
      reject: [1.5, null],
      code: 'z.union([z.string(), z.int()])',
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
    'allOf of plain objects is merged',
    {
      schema: {
        allOf: [
          { type: 'object', required: ['a'], properties: { a: { type: 'string' } } },
          { properties: { b: { type: 'integer' } }, required: ['b'] },
        ],
      },
      accept: [{ a: 'x', b: 1 }],
      reject: [{ a: 'x' }, { b: 1 }, { a: 'x', b: 'y' }],
      oracle: false, // the oracle ignores `properties`/`required` in a member without `type`
      code: 'z.object({\n    a: z.string(),\n    b: z.int()\n})',
    },
  ],
  [
    'allOf with a closed member is an intersection',
    {
      schema: {
        allOf: [
          { type: 'object', required: ['a'], properties: { a: { type: 'string' } } },
          { type: 'object', properties: { a: { type: 'string', minLength: 2 } }, additionalProperties: false },
        ],
      },
      // zod's intersection reports a key unrecognized only when every side does: { a: 'xy', b: 1 } passes
      accept: [{ a: 'xy' }],
      reject: [{ a: 'x' }, { a: 1 }],
    },
  ],
  [
    'allOf of non-objects is an intersection',
    {
      schema: {
        allOf: [
          { type: 'string', minLength: 2 },
          { type: 'string', maxLength: 3 },
        ],
      },
      accept: ['ab', 'abc'],
      reject: ['a', 'abcd'],
      code: 'z.intersection(z.string().min(2), z.string().max(3))',
    },
  ],
  [
    'not is ignored and warns',
    {
      schema: { type: 'string', not: { const: 'x' } },
      accept: ['x', 'y'],
      reject: [1],
      oracle: false, // the oracle throws on `not`
      warnings: ["/: 'not' is not checked by the generated schema"],
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
      reject: [undefined],
      oracle: false, // the oracle applies `default`
      code: 'z.int()',
    },
  ],
  [
    'headers role parses numbers and booleans from strings',
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
        },
      },
      role: 'headers',
      accept: [
        { count: '1' },
        { count: '2', ratio: '0.5', flag: 'true', level: '2', id: 'x' },
        { count: '1', 'Nats-Msg-Id': 'x' },
      ],
      reject: [
        { count: '0' },
        { count: 'x' },
        { count: '1.5' },
        { count: '1', flag: 'maybe' },
        { count: '1', level: '3' },
      ],
      oracle: false,
      code:
        'z.object({\n    count: z.coerce.number().int().gte(1),\n    ratio: z.coerce.number().exactOptional(),\n' +
        '    flag: z.stringbool().exactOptional(),\n    level: z.coerce.number().pipe(z.union([z.literal(1), z.literal(2)])).exactOptional(),\n' +
        '    id: z.string().exactOptional()\n})',
    },
  ],
];

describe('schema→zod', () => {
  it.each(table)('schema→zod - %s', (_name, row) => {
    const { code, warnings } = emit(row.schema, row.role);
    if (row.code !== undefined) expect(code).toBe(row.code);
    expect(warnings).toEqual(row.warnings ?? []);
    const schema = evaluate(code);
    for (const value of row.accept)
      expect(schema.safeParse(value).success, `accepts ${JSON.stringify(value)}`).toBe(true);
    for (const value of row.reject)
      expect(schema.safeParse(value).success, `rejects ${JSON.stringify(value)}`).toBe(false);
    if (row.oracle === false) return;
    const oracle = z.fromJSONSchema(row.schema as Parameters<typeof z.fromJSONSchema>[0], { defaultTarget: 'draft-7' });
    for (const value of [...row.accept, ...row.reject]) {
      expect(schema.safeParse(value).success, `agrees with the oracle on ${JSON.stringify(value)}`).toBe(
        oracle.safeParse(value).success,
      );
    }
  });

  it('schema→zod - headers role outputs numbers and booleans', () => {
    const [, row] = table.find(([name]) => name.startsWith('headers role')) as [string, Row];
    const parsed = evaluate(emit(row.schema, 'headers').code).parse({
      count: '2',
      flag: 'false',
      level: '1',
      other: 'x',
    });
    expect(parsed).toEqual({ count: 2, flag: false, level: 1 });
  });

  it('schema→zod - optional property rejects explicit undefined (exactOptional)', () => {
    expect(evaluate(emit(person).code).safeParse({ name: 'a', age: undefined }).success).toBe(false);
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
      'z.object({\n    value: z.int(),\n    children: z.array(z.lazy(() => TreeSchema)).exactOptional()\n})',
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
    const build = new Function(
      'z',
      `const LeafSchema = ${declare(leaf, [])};\nconst TreeSchema = ${declare(tree, ['Leaf'])};\n` +
        `return ${declare(wrapper, ['Leaf', 'Tree'])};`,
    );
    const schema = build(z) as z.ZodType;
    const ok = { tree: { value: 1, children: [{ value: 2, children: [] }] }, leaf: 'x' };
    expect(schema.safeParse(ok).success).toBe(true);
    expect(schema.safeParse({ ...ok, tree: { value: 1, children: [{ value: 'x' }] } }).success).toBe(false);
    expect(schema.safeParse({ ...ok, leaf: '' }).success).toBe(false);
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
