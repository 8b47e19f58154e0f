import { describe, expect, it } from 'vitest';
import { addDoc, docOf, printNode, typeNode } from '../../generator/emit/schema/index.js';
import type { JsonSchema, JsonSchemaObject } from '../../generator/model/types.js';

const noRefs = { nameOf: () => undefined, zodNameOf: (name: string) => `${name}Schema` };
const print = (schema: JsonSchema) => printNode(typeNode(schema, { refs: noRefs }));

const table: [string, { schema: JsonSchema; want: string }][] = [
  ['string', { schema: { type: 'string', format: 'email', pattern: 'x' }, want: 'string' }],
  ['integer and number', { schema: { type: ['integer', 'number'] }, want: 'number' }],
  ['boolean', { schema: { type: 'boolean' }, want: 'boolean' }],
  ['null', { schema: { type: 'null' }, want: 'null' }],
  ['type array with null', { schema: { type: ['string', 'null'] }, want: 'string | null' }],
  ['type array', { schema: { type: ['string', 'boolean'] }, want: 'string | boolean' }],
  ['nullable: true', { schema: { type: 'string', nullable: true }, want: 'string | null' }],
  ['enum', { schema: { enum: ['a', "it's", -1, 2.5, true, null] }, want: "'a' | 'it\\'s' | -1 | 2.5 | true | null" }],
  ['const', { schema: { const: 'x' }, want: "'x'" }],
  ['array', { schema: { type: 'array', items: { type: ['string', 'null'] } }, want: '(string | null)[]' }],
  ['array without items', { schema: { type: 'array' }, want: 'unknown[]' }],
  [
    'tuple',
    {
      schema: { type: 'array', items: [{ type: 'string' }, { type: 'boolean' }], minItems: 1, additionalItems: false },
      want: '[\n    string,\n    boolean?\n]',
    },
  ],
  [
    'object with quoted names and optional properties',
    {
      schema: {
        type: 'object',
        required: ['content-type'],
        properties: { 'content-type': { type: 'string' }, '2fa': { type: 'boolean' }, delete: {} },
      },
      want: "{\n    'content-type': string;\n    '2fa'?: boolean;\n    delete?: unknown;\n}",
    },
  ],
  [
    'additionalProperties schema admits the declared property types',
    {
      schema: {
        type: 'object',
        required: ['a'],
        properties: { a: { type: 'string' }, b: { type: 'integer' } },
        additionalProperties: { type: 'boolean' },
      },
      want: '{\n    a: string;\n    b?: number;\n    [key: string]: boolean | string | number;\n}',
    },
  ],
  [
    'additionalProperties true',
    {
      schema: { type: 'object', properties: { a: { type: 'string' } }, additionalProperties: true },
      want: '{\n    a?: string;\n    [key: string]: unknown;\n}',
    },
  ],
  ['object without properties', { schema: { type: 'object' }, want: 'Record<string, unknown>' }],
  ['closed empty object', { schema: { type: 'object', additionalProperties: false }, want: 'Record<string, never>' }],
  ['map', { schema: { type: 'object', additionalProperties: { type: 'number' } }, want: 'Record<string, number>' }],
  [
    'object keywords without type admit every other type too',
    {
      schema: { additionalProperties: { type: 'number' } },
      want: 'Record<string, number> | unknown[] | string | number | boolean | null',
    },
  ],
  ['oneOf', { schema: { oneOf: [{ type: 'string' }, { type: 'number' }] }, want: 'string | number' }],
  [
    'allOf of non-mergeable members',
    {
      schema: {
        allOf: [
          { type: 'object', properties: { a: { type: 'string' } }, additionalProperties: true },
          { oneOf: [{ type: 'object', required: ['b'] }, { type: 'number' }] },
        ],
      },
      want: '{\n    a?: string;\n    [key: string]: unknown;\n} & {\n    b: unknown;\n}',
    },
  ],
  [
    'allOf of members whose types exclude each other is never',
    {
      schema: { allOf: [{ type: 'object' }, { oneOf: [{ type: 'string' }, { type: 'number' }] }] },
      want: 'never',
    },
  ],
  ['true', { schema: true, want: 'unknown' }],
  ['false', { schema: false, want: 'never' }],
  ['empty', { schema: {}, want: 'unknown' }],
];

describe('schema→type', () => {
  it.each(table)('schema→type - %s', (_name, { schema, want }) => {
    expect(print(schema)).toBe(want);
  });

  it('schema→type - references are bare names, or qualified when asked', () => {
    const item = { type: 'string' };
    const list = { type: 'array', items: item };
    const refs = {
      nameOf: (s: JsonSchemaObject) => (s === item ? 'Item' : s === list ? 'List' : undefined),
      zodNameOf: (name: string) => `${name}Schema`,
    };
    expect(printNode(typeNode(list, { refs, root: list }))).toBe('Item[]');
    expect(printNode(typeNode(list, { refs, root: list, qualifier: 'T' }))).toBe('T.Item[]');
    expect(printNode(typeNode(list, { refs }))).toBe('List');
  });

  it('schema→type - headers role keeps number and boolean types and adds no index signature', () => {
    const headers = {
      type: 'object',
      properties: { n: { type: 'integer' }, b: { type: 'boolean' } },
      additionalProperties: { type: 'string' },
    };
    expect(printNode(typeNode(headers, { refs: noRefs, root: headers, role: 'headers' }))).toBe(
      '{\n    n?: number;\n    b?: boolean;\n}',
    );
  });

  it('schema→type - property descriptions become JSDoc and cannot end the comment', () => {
    const schema = {
      type: 'object',
      properties: {
        a: { type: 'string', description: 'Ends */ here, `tick`, ${x}\r\nsecond line\n\nafter a blank' },
      },
    };
    expect(print(schema)).toBe(
      '{\n    /**\n     * Ends *\\/ here, `tick`, ${x}\n     * second line\n     *\n     * after a blank\n     */\n    a?: string;\n}',
    );
  });

  it('schema→type - docOf and addDoc', () => {
    expect(docOf({ description: '  text ' })).toBe('text');
    expect(docOf({ description: '' })).toBeUndefined();
    expect(docOf(true)).toBeUndefined();
    const node = addDoc(typeNode({ type: 'string' }, { refs: noRefs }), 'a */ b');
    expect(printNode(node)).toBe('/** a *\\/ b */\nstring');
  });
});
