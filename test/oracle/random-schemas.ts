/**
 * Random JSON Schemas (draft-07 vocabulary) for the oracle: every keyword, nested and combined, with
 * the awkward values the corpus rarely has (closed objects inside `allOf`, `required` names without a
 * property, patterns with Unicode classes, contradicting `enum` and `type`, big bounds).
 */
import fc from 'fast-check';
import type { ApiModel, JsonSchema, NamedSchema } from '../../generator/model/types.js';

const NAMES = ['id', 'name', 'kind', 'value', 'tags', 'a', 'b', '__proto__', 'constructor', 'x-y', 'ünï', ''];
const PATTERNS = ['^[a-z]+$', '^\\d{2,4}$', '^\\p{L}+$', 'b', '^(?:x|y)+$', '^[^.*>\\s]+$', '^.{2}$'];
const FORMATS = [
  'date-time',
  'date',
  'time',
  'email',
  'uuid',
  'uri',
  'uri-reference',
  'hostname',
  'ipv4',
  'ipv6',
  'duration',
  'regex',
  'json-pointer',
  'byte',
  'unknown-format',
];
const LITERALS = fc.oneof(
  fc.constantFrom('a', 'b', '', 'low', 'high', 0, 1, -1, 1.5, 2 ** 53, true, false, null),
  fc.constantFrom({ a: 1 }, { b: [1, 2] }, [1, 'a'], [], {}),
);

type Schema = Record<string, unknown> | boolean;

function optional<T>(arb: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> {
  return fc.option(arb, { nil: undefined, freq: 2 });
}

/** Drops undefined values, so a schema only has the keywords that were drawn. */
function compact(schema: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(schema).filter(([, v]) => v !== undefined));
}

const bound = fc.oneof(fc.integer({ min: -100, max: 100 }), fc.constantFrom(0, 2 ** 53, -(2 ** 53), 0.5, 1e21));

const leaf: fc.Arbitrary<Schema> = fc.oneof(
  fc
    .record({
      type: fc.constant('string'),
      minLength: optional(fc.nat(5)),
      maxLength: optional(fc.nat(8)),
      pattern: optional(fc.constantFrom(...PATTERNS)),
      format: optional(fc.constantFrom(...FORMATS)),
    })
    .map(compact),
  fc
    .record({
      type: fc.constantFrom('integer', 'number'),
      minimum: optional(bound),
      maximum: optional(bound),
      exclusiveMinimum: optional(bound),
      exclusiveMaximum: optional(bound),
      multipleOf: optional(fc.constantFrom(1, 2, 0.5, 0.1, 3)),
      format: optional(fc.constantFrom('int32', 'int64', 'float', 'double')),
    })
    .map(compact),
  fc.constant({ type: 'boolean' }),
  fc.constant({ type: 'null' }),
  fc
    .record({
      enum: fc.uniqueArray(LITERALS, { minLength: 1, maxLength: 4, selector: (v) => JSON.stringify(v) }),
      type: optional(fc.constantFrom('string', 'integer', 'number', 'object')),
    })
    .map(compact),
  fc.record({ const: LITERALS }),
  fc.constant({}),
  fc.boolean(),
  fc.record({ type: fc.constant(['string', 'null']), maxLength: optional(fc.nat(4)) }).map(compact),
  fc.record({ type: fc.constant(['integer', 'string']), minimum: optional(bound) }).map(compact),
);

/** Random schemas up to `depth` levels of nesting. */
export function randomSchema(maxDepth = 3): fc.Arbitrary<Schema> {
  const { node } = fc.letrec<{ node: Schema }>((tie) => {
    const sub = () => tie('node') as fc.Arbitrary<Schema>;
    const object = fc
      .record({
        type: optional(fc.constant('object')),
        properties: optional(fc.dictionary(fc.constantFrom(...NAMES), sub(), { minKeys: 1, maxKeys: 4 })),
        required: optional(fc.uniqueArray(fc.constantFrom(...NAMES), { maxLength: 3 })),
        additionalProperties: optional(fc.oneof(fc.boolean(), sub())),
        patternProperties: optional(
          fc.dictionary(fc.constantFrom('^x-', '^[0-9]+$', 'id'), sub(), { minKeys: 1, maxKeys: 2 }),
        ),
        propertyNames: optional(
          fc.constantFrom({ pattern: '^[a-z_]+$' }, { maxLength: 3 }, { enum: ['id', 'name', 'a'] }),
        ),
        minProperties: optional(fc.nat(3)),
        maxProperties: optional(fc.nat(4)),
        dependencies: optional(
          fc.dictionary(
            fc.constantFrom(...NAMES),
            fc.oneof(fc.uniqueArray(fc.constantFrom(...NAMES), { maxLength: 2 }), sub()),
            {
              maxKeys: 2,
            },
          ),
        ),
      })
      .map(compact);
    const array = fc
      .record({
        type: optional(fc.constant('array')),
        items: optional(fc.oneof(sub(), fc.array(sub(), { minLength: 1, maxLength: 3 }))),
        additionalItems: optional(fc.oneof(fc.boolean(), sub())),
        minItems: optional(fc.nat(3)),
        maxItems: optional(fc.nat(4)),
        uniqueItems: optional(fc.boolean()),
        contains: optional(sub()),
      })
      .map(compact);
    const combined = fc.oneof(
      fc.record({ allOf: fc.array(sub(), { minLength: 1, maxLength: 3 }) }),
      fc.record({ anyOf: fc.array(sub(), { minLength: 1, maxLength: 3 }) }),
      fc.record({ oneOf: fc.array(sub(), { minLength: 1, maxLength: 3 }) }),
      fc.record({ not: sub() }),
      // biome-ignore lint/suspicious/noThenProperty: `then` is the JSON Schema keyword
      fc.record({ if: sub(), then: optional(sub()), else: optional(sub()) }).map(compact),
      // A keyword of the parent beside a combinator (both apply).
      fc.record({
        type: fc.constant('object'),
        properties: fc.dictionary(fc.constantFrom(...NAMES), sub(), { maxKeys: 2 }),
        oneOf: fc.array(sub(), { minLength: 2, maxLength: 2 }),
      }),
    );
    return {
      node: fc.oneof({ maxDepth, depthIdentifier: 'schema' }, leaf, object, array, combined),
    };
  });
  return node;
}

/** A model whose only content is one payload declaration per schema (`R0`, `R1`, ...). */
export function modelOf(schemas: readonly JsonSchema[]): ApiModel {
  const location = { file: 'random', line: 1, column: 1, pointer: '' };
  const declarations: NamedSchema[] = schemas.map((schema, i) => ({
    name: `R${i}`,
    zodName: `R${i}Schema`,
    schema: typeof schema === 'object' ? schema : schema,
    role: 'payload',
    location,
  }));
  return {
    source: 'random',
    asyncapiVersion: '3.0.0',
    title: 'Random',
    version: '1',
    clientClass: 'RandomClient',
    serverClass: 'RandomServer',
    protocols: [],
    servers: [],
    channels: [],
    operations: [],
    messages: [],
    schemas: declarations,
  };
}
