import { describe, expect, it } from 'vitest';
import { Findings } from '../../generator/diff/findings.js';
import { classifyLeftover } from '../../generator/diff/leftovers.js';
import { isDocumentation } from '../../generator/diff/merge.js';
import { RefResolver } from '../../generator/diff/pointer.js';
import { preview } from '../../generator/diff/render.js';
import {
  type Effect,
  numericBound,
  type Polarity,
  through,
  typeAtoms,
  typeName,
} from '../../generator/diff/schema-keywords.js';
import { compareSchemas } from '../../generator/diff/schema-rules.js';
import type { JsonSchemaObject } from '../../generator/model/types.js';

describe('diff parts', () => {
  it.each([
    ['/info/description', true],
    ['/channels/c/messages/m/summary', true],
    ['/components/messages/M/examples/0/payload/total', true],
    ['/components/schemas/Order/properties/id/description', true],
    ['/operations/o/tags/0/name', true],
    // Names, not keywords: a property or channel called `description`.
    ['/components/schemas/Order/properties/description', false],
    ['/components/schemas/Order/properties/description/type', false],
    ['/channels/title/address', false],
    // Values and extensions are data.
    ['/components/schemas/Order/properties/status/enum/0', false],
    ['/operations/o/x-nats-match-headers/description', false],
    ['/info/version', false],
    // Regression: a schema named like a container keyword (`replies`) made its description a name.
    ['/components/schemas/replies/description', true],
    ['/components/schemas/replies/properties/description', false],
  ])('diff - %s is documentation: %s', (pointer, want) => {
    expect(isDocumentation(pointer)).toBe(want);
  });

  it('diff - pointers are followed through $refs to where the node is written', () => {
    const refs = new RefResolver(`
channels:
  c:
    messages:
      m: { $ref: '#/components/messages/M' }
operations:
  o:
    messages:
      - $ref: '#/channels/c/messages/m'
components:
  messages:
    M:
      payload: { $ref: '#/components/schemas/S' }
  schemas:
    S:
      properties:
        a~b/c: { type: string }
`);
    expect(refs.canonical('/operations/o/messages/0/payload/properties/a~0b~1c/type')).toBe(
      '/components/schemas/S/properties/a~0b~1c/type',
    );
    expect(refs.canonical('/channels/c/messages/m/payload/properties/gone')).toBe(
      '/components/schemas/S/properties/gone',
    );
    // A $ref at the end is where that node is; `definition` follows it.
    expect(refs.canonical('/operations/o/messages/0')).toBe('/operations/o/messages/0');
    expect(refs.definition('/operations/o/messages/0')).toBe('/components/messages/M');
    expect(refs.keys('/channels/c/messages')).toEqual(['m']);
  });

  it('diff - long values are previewed from where they first differ', () => {
    const a = `${'x'.repeat(100)}old ending`;
    const b = `${'x'.repeat(100)}new ending`;
    expect(preview(a)).toBe(`"${'x'.repeat(58)}…`);
    expect(preview(b, 81)).toBe(`…${'x'.repeat(48)}new ending"`);
    expect(preview(b, 30)).toBe(`…${'x'.repeat(59)}…`);
    expect(preview(undefined)).toBe('(none)');
    expect(preview({ a: 1 })).toBe('{"a":1}');
  });

  it('diff - a path is known by every name it has on the way through $refs', () => {
    const refs = new RefResolver(`
channels:
  c:
    messages:
      m: { $ref: '#/components/messages/M' }
operations:
  o:
    channel: { $ref: '#/channels/c' }
components:
  messages:
    M:
      payload: { $ref: '#/components/schemas/S' }
  schemas:
    S: { type: object }
`);
    expect(refs.aliases('/operations/o/channel/messages/m/payload/type')).toEqual([
      '/operations/o/channel/messages/m/payload/type',
      '/channels/c/messages/m/payload/type',
      '/components/messages/M/payload/type',
      '/components/schemas/S/type',
    ]);
  });

  it('diff - a component is used when something outside components reaches it, not an extension', () => {
    const refs = new RefResolver(`
channels:
  c:
    messages:
      m: { $ref: '#/components/messages/M' }
    x-response: { $ref: '#/components/schemas/OnlyInExtension' }
components:
  messages:
    M:
      payload: { $ref: '#/components/schemas/Used' }
  schemas:
    Used:
      properties:
        inner: { $ref: '#/components/schemas/Transitive' }
    Transitive: { type: string }
    OnlyInExtension: { type: string }
    Unused:
      properties:
        inner: { $ref: '#/components/schemas/OnlyFromUnused' }
    OnlyFromUnused: { type: string }
`);
    expect(
      ['Used', 'Transitive', 'OnlyInExtension', 'Unused', 'OnlyFromUnused'].map((name) => [
        name,
        refs.isUsed(`/components/schemas/${name}`),
      ]),
    ).toEqual([
      ['Used', true],
      ['Transitive', true],
      ['OnlyInExtension', false],
      ['Unused', false],
      ['OnlyFromUnused', false],
    ]);
  });

  it.each([
    [
      'an edit in an unused component',
      '/components/schemas/U/maxLength',
      'edit',
      'unclassified',
      false,
      'nats-component-unused',
    ],
    ['a used component added with what uses it', '/components/schemas/S', 'add', 'unclassified', true, 'explained'],
    ['an extension on an operation', '/operations/o/x-owner', 'edit', 'unclassified', true, 'extension-changed'],
    [
      'an edit inside a used schema no rule explained',
      '/components/schemas/S/maxLength',
      'edit',
      'unclassified',
      true,
      'nats-schema-unchecked',
    ],
    [
      'inside a payload',
      '/channels/c/messages/m/payload/maxLength',
      'edit',
      'unclassified',
      true,
      'nats-schema-unchecked',
    ],
    [
      'a property called x-id is no extension',
      '/components/schemas/S/properties/x-id',
      'add',
      'unclassified',
      true,
      'nats-schema-unchecked',
    ],
    [
      "another protocol's binding: @asyncapi/diff's verdict",
      '/channels/c/bindings/ws/method',
      'edit',
      'unclassified',
      true,
      undefined,
    ],
  ] as const)('diff - leftover %s', (_name, pointer, action, type, used, want) => {
    const got = classifyLeftover(pointer, action, type, { isUsed: () => used });
    expect(typeof got === 'object' ? got.rule : got).toBe(want);
  });

  it.each([
    ['minimum', { minimum: 1 }, 'lower', { value: 1, exclusive: false }],
    ['exclusiveMinimum (draft-06 and later)', { exclusiveMinimum: 1 }, 'lower', { value: 1, exclusive: true }],
    ['the tighter of both', { minimum: 1, exclusiveMinimum: 1 }, 'lower', { value: 1, exclusive: true }],
    [
      'draft-04 / OpenAPI 3.0 boolean form',
      { maximum: 5, exclusiveMaximum: true },
      'upper',
      { value: 5, exclusive: true },
    ],
    ['none', {}, 'upper', { value: Infinity, exclusive: false }],
  ] as const)('diff - numeric bound: %s', (_name, schema, side, want) => {
    expect(numericBound(schema, side)).toEqual(want);
  });

  it.each([
    ['narrowed, monotone', 'narrowed', 1, 'narrowed'],
    ['narrowed inside not', 'narrowed', -1, 'widened'],
    ['widened inside oneOf', 'widened', 0, 'changed'],
    ['equivalent anywhere', 'equivalent', 0, 'equivalent'],
  ] as const)('diff - polarity: %s', (_name, effect: Effect, polarity: Polarity, want) => {
    expect(through(effect, polarity)).toBe(want);
  });

  it.each([
    [
      'nullable next to type (as ajv and the Shape read it, in every dialect)',
      { type: 'string', nullable: true },
      'null|string',
    ],
    ['nullable without type (every type already)', { nullable: true }, 'any'],
    ['number includes integer', { type: ['integer', 'number'] }, 'number'],
    ['no type', {}, 'any'],
  ] as const)('diff - admitted types: %s', (_name, schema: JsonSchemaObject, want) => {
    expect(typeName(typeAtoms(schema))).toBe(want);
  });

  // AsyncAPI 3 parameter objects cannot state pattern, lengths or format (the parser rejects them,
  // and the 2.x converter drops them); should a parameter carry a schema, it is compared like any.
  it.each([
    ['pattern changed', { pattern: '^[a-z]+$' }, { pattern: '^[a-z]{2}$' }, ['breaking', 'nats-schema-changed']],
    ['maxLength lowered', { maxLength: 8 }, { maxLength: 4 }, ['breaking', 'nats-schema-narrowed']],
    ['minLength lowered', { minLength: 2 }, { minLength: 1 }, ['breaking', 'nats-schema-widened']],
    ['format added', {}, { format: 'uuid' }, ['breaking', 'nats-schema-narrowed']],
    ['nothing', { format: 'uuid' }, { format: 'uuid' }, undefined],
  ] as const)('diff - parameter schema: %s', (_name, before, after, want) => {
    const out = new Findings();
    const refs = new RefResolver('{}');
    compareSchemas(
      out,
      { role: 'parameter', name: "{id} of channel 'c'" },
      { schema: { schema: { type: 'string', ...before } }, pointer: '/channels/c/parameters/id' },
      { schema: { schema: { type: 'string', ...after } }, pointer: '/channels/c/parameters/id' },
      { old: refs, new: refs },
    );
    expect(out.list.map((f) => [f.kind, f.rule])).toEqual(want === undefined ? [] : [want]);
  });

  // The dialect decides which keywords have an effect, as the Shape reads them
  // (generator/model/schema-vocabulary.ts); the parser rejects most of these mixes in a document, a
  // draft-07 payload keeps unknown keywords, and a schema format can change between versions.
  it.each([
    [
      'const (draft-06) in draft-04: no effect',
      'draft-04',
      {},
      { const: 'a' },
      ['non-breaking', 'nats-schema-equivalent'],
    ],
    ['const in draft-07: values removed', 'draft-07', {}, { const: 'a' }, ['breaking', 'nats-enum-value-removed']],
    [
      'prefixItems in draft-07: no effect',
      'draft-07',
      {},
      { prefixItems: [{ const: 1 }] },
      ['non-breaking', 'nats-schema-equivalent'],
    ],
    [
      'boolean exclusiveMaximum in draft-07: no effect',
      'draft-07',
      { maximum: 3 },
      { maximum: 3, exclusiveMaximum: true },
      ['non-breaking', 'nats-schema-equivalent'],
    ],
    [
      'boolean exclusiveMaximum in OpenAPI 3.0: narrowed',
      'openapi-3.0',
      { maximum: 3 },
      { maximum: 3, exclusiveMaximum: true },
      ['breaking', 'nats-schema-narrowed'],
    ],
    [
      'nullable next to type in draft-07: null accepted now',
      'draft-07',
      { type: 'string' },
      { type: 'string', nullable: true },
      ['breaking', 'nats-field-type-changed'],
    ],
    [
      'a word that is no keyword: no effect',
      'draft-07',
      {},
      { maxLenght: 3 },
      ['non-breaking', 'nats-schema-equivalent'],
    ],
  ] as const)('diff - dialect: %s', (_name, dialect, before, after, want) => {
    const out = new Findings();
    const refs = new RefResolver('{}');
    compareSchemas(
      out,
      { role: 'payload', name: 'M' },
      { schema: { type: 'object', properties: { v: before } }, pointer: '/components/schemas/M', dialect },
      { schema: { type: 'object', properties: { v: after } }, pointer: '/components/schemas/M', dialect },
      { old: refs, new: refs },
    );
    expect(out.list.map((f) => [f.kind, f.rule])).toEqual([want]);
  });

  it('diff - dialect: prefixItems has an effect once the schema format is 2020-12 (breaking)', () => {
    const out = new Findings();
    const refs = new RefResolver('{}');
    const schema = { type: 'array', prefixItems: [{ const: 1 }] };
    compareSchemas(
      out,
      { role: 'payload', name: 'M' },
      { schema, pointer: '/components/schemas/M', dialect: 'draft-07' },
      { schema, pointer: '/components/schemas/M', dialect: '2020-12' },
      { old: refs, new: refs },
    );
    expect(out.list.map((f) => [f.kind, f.rule])).toEqual([['breaking', 'nats-schema-changed']]);
  });
});
