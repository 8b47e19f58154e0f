import { describe, it } from 'vitest';
import { diffTable, type Row } from './table.js';

const BASE = 'test/fixtures/specs/diff/keywords.yaml';

const NAME = "          maxLength: 20\n          pattern: '^[a-z]+$'\n";
const TUPLE = '            - type: string\n            - type: integer\n          additionalItems: false\n';
const OPEN = '        open:\n          type: object\n';
const OPEN_A = '            a:\n              type: string\n        closed:';
const CLOSED_A =
  '          additionalProperties: false\n          properties:\n            a:\n              type: string\n';
const TAG_ITEMS = '          items:\n            type: string\n          minItems: 1\n';
const META_AP = '          additionalProperties:\n            type: string\n          minProperties: 1\n';
const NOTED = '          default: x\n';
const REGION = '        enum: [eu, us]\n';

/**
 * The regressions: each of these was "unclassified" (so `--fail-on breaking` let it
 * through); the explanation names the schema node and its pointer.
 */
const REGRESSIONS: readonly (readonly [string, Row])[] = [
  [
    'regression: maxLength lowered was unclassified',
    {
      given: [['          maxLength: 20\n', '          maxLength: 10\n']],
      want: [
        [
          'breaking',
          'nats-schema-narrowed',
          "field 'Thing.name' (#/components/schemas/Thing/properties/name): maxLength lowered from 20 to 10; new receivers reject values that old senders may send",
        ],
      ],
    },
  ],
  [
    'regression: minimum raised was unclassified',
    {
      given: [['          minimum: 0\n', '          minimum: 1\n']],
      want: [
        [
          'breaking',
          'nats-schema-narrowed',
          "field 'Thing.count' (#/components/schemas/Thing/properties/count): minimum raised from 0 to 1; new receivers reject values that old senders may send",
        ],
      ],
    },
  ],
  [
    'regression: a narrowed (changed) pattern was unclassified; two patterns cannot be compared, so breaking',
    {
      given: [[NAME, "          maxLength: 20\n          pattern: '^[a-z]{2,}$'\n"]],
      want: [
        [
          'breaking',
          'nats-schema-changed',
          'field \'Thing.name\' (#/components/schemas/Thing/properties/name): pattern changed from "^[a-z]+$" to "^[a-z]{2,}$"; cannot prove that the new pattern accepts the same strings as the old one',
        ],
      ],
    },
  ],
  [
    'regression: additionalProperties: false added was unclassified',
    {
      given: [
        ['    Thing:\n      type: object\n', '    Thing:\n      type: object\n      additionalProperties: false\n'],
      ],
      want: [
        [
          'breaking',
          'nats-schema-narrowed',
          'other properties of payload Thing (#/components/schemas/Thing/additionalProperties): additionalProperties false added; new receivers reject values that old senders may send',
        ],
      ],
    },
  ],
  [
    'regression: a parameter enum narrowed was unclassified',
    {
      given: [[REGION, '        enum: [eu]\n']],
      want: [
        [
          'breaking',
          'nats-enum-value-removed',
          'parameter {region} of channel \'things\' (#/channels/things/parameters/region): no longer allows "us"; new receivers reject values that old senders may send',
        ],
      ],
    },
  ],
  [
    'regression: a maxLength added was unclassified',
    {
      given: [['          format: email\n', '          format: email\n          maxLength: 50\n']],
      want: [
        [
          'breaking',
          'nats-schema-narrowed',
          "field 'Thing.email' (#/components/schemas/Thing/properties/email): maxLength 50 added; new receivers reject values that old senders may send",
        ],
      ],
    },
  ],
];

// [name, {given, want}]: every keyword of draft-07 tightened, loosened and rewritten without effect.
const TABLE: readonly (readonly [string, Row])[] = [
  ['identical specs', { given: [], want: [] }],
  // Strings.
  [
    'maxLength raised',
    {
      given: [['          maxLength: 20\n', '          maxLength: 30\n']],
      want: [['breaking', 'nats-schema-widened']],
    },
  ],
  ['maxLength removed', { given: [['          maxLength: 20\n', '']], want: [['breaking', 'nats-schema-widened']] }],
  [
    'minLength raised',
    { given: [['          minLength: 1\n', '          minLength: 2\n']], want: [['breaking', 'nats-schema-narrowed']] },
  ],
  [
    'minLength lowered',
    { given: [['          minLength: 1\n', '          minLength: 0\n']], want: [['breaking', 'nats-schema-widened']] },
  ],
  [
    'minLength: 0 added: no effect',
    {
      given: [['          format: email\n', '          format: email\n          minLength: 0\n']],
      want: [['non-breaking', 'nats-schema-equivalent']],
    },
  ],
  [
    'pattern added',
    {
      given: [['          format: email\n', "          format: email\n          pattern: '@'\n"]],
      want: [['breaking', 'nats-schema-narrowed']],
    },
  ],
  ['pattern removed', { given: [[NAME, '          maxLength: 20\n']], want: [['breaking', 'nats-schema-widened']] }],
  [
    'pattern loosened: still two patterns, breaking',
    {
      given: [[NAME, "          maxLength: 20\n          pattern: '^[a-z0-9]+$'\n"]],
      want: [['breaking', 'nats-schema-changed']],
    },
  ],
  [
    'format added',
    {
      given: [['          minLength: 1\n', '          minLength: 1\n          format: hostname\n']],
      want: [['breaking', 'nats-schema-narrowed']],
    },
  ],
  ['format removed', { given: [['          format: email\n', '']], want: [['breaking', 'nats-schema-widened']] }],
  [
    'format changed',
    {
      given: [['          format: email\n', '          format: idn-email\n']],
      want: [['breaking', 'nats-schema-changed']],
    },
  ],
  // Numbers.
  [
    'minimum lowered',
    { given: [['          minimum: 0\n', '          minimum: -1\n']], want: [['breaking', 'nats-schema-widened']] },
  ],
  ['minimum removed', { given: [['          minimum: 0\n', '']], want: [['breaking', 'nats-schema-widened']] }],
  [
    'maximum lowered',
    { given: [['          maximum: 100\n', '          maximum: 50\n']], want: [['breaking', 'nats-schema-narrowed']] },
  ],
  [
    'maximum raised',
    { given: [['          maximum: 100\n', '          maximum: 200\n']], want: [['breaking', 'nats-schema-widened']] },
  ],
  [
    'exclusiveMinimum 0 became minimum 0: 0 is accepted now',
    {
      given: [['          exclusiveMinimum: 0\n', '          minimum: 0\n']],
      want: [['breaking', 'nats-schema-widened']],
    },
  ],
  [
    'exclusiveMaximum lowered',
    {
      given: [['          exclusiveMaximum: 1\n', '          exclusiveMaximum: 0.5\n']],
      want: [['breaking', 'nats-schema-narrowed']],
    },
  ],
  [
    'an exclusiveMaximum looser than the maximum added: no effect',
    {
      given: [['          maximum: 100\n', '          maximum: 100\n          exclusiveMaximum: 101\n']],
      want: [['non-breaking', 'nats-schema-equivalent']],
    },
  ],
  [
    'multipleOf 5 became 10: narrowed',
    {
      given: [['          multipleOf: 5\n', '          multipleOf: 10\n']],
      want: [['breaking', 'nats-schema-narrowed']],
    },
  ],
  [
    'multipleOf 5 became 1: widened',
    {
      given: [['          multipleOf: 5\n', '          multipleOf: 1\n']],
      want: [['breaking', 'nats-schema-widened']],
    },
  ],
  [
    'multipleOf 5 became 3: both',
    {
      given: [['          multipleOf: 5\n', '          multipleOf: 3\n']],
      want: [['breaking', 'nats-schema-changed']],
    },
  ],
  ['multipleOf removed', { given: [['          multipleOf: 5\n', '']], want: [['breaking', 'nats-schema-widened']] }],
  // Types.
  [
    'type integer became number: widened',
    {
      given: [['          type: integer\n          minimum: 0\n', '          type: number\n          minimum: 0\n']],
      want: [['breaking', 'nats-field-type-changed']],
    },
  ],
  [
    'type number became integer: narrowed',
    {
      given: [
        [
          '          type: number\n          exclusiveMinimum: 0\n',
          '          type: integer\n          exclusiveMinimum: 0\n',
        ],
      ],
      want: [['breaking', 'nats-field-type-changed']],
    },
  ],
  [
    'type string became integer (its format no longer applies)',
    {
      given: [
        ['          type: string\n          format: email\n', '          type: integer\n          format: email\n'],
      ],
      want: [['breaking', 'nats-field-type-changed']],
    },
  ],
  [
    'null no longer allowed',
    {
      given: [["          type: [string, 'null']\n", '          type: string\n']],
      want: [['breaking', 'nats-field-type-changed']],
    },
  ],
  [
    'type string written as [string]: no effect',
    {
      given: [
        ['          type: string\n          format: email\n', '          type: [string]\n          format: email\n'],
      ],
      want: [['non-breaking', 'nats-schema-equivalent']],
    },
  ],
  [
    'type added where there was none',
    {
      given: [
        [
          '          description: Anything at all.\n',
          '          description: Anything at all.\n          type: string\n',
        ],
      ],
      want: [['breaking', 'nats-field-type-changed']],
    },
  ],
  // enum and const.
  [
    'enum value removed',
    { given: [['          enum: [a, b]\n', '          enum: [a]\n']], want: [['breaking', 'nats-enum-value-removed']] },
  ],
  [
    'enum value added',
    {
      given: [['          enum: [a, b]\n', '          enum: [a, b, c]\n']],
      want: [['breaking', 'nats-enum-value-added']],
    },
  ],
  ['enum reordered: nothing', { given: [['          enum: [a, b]\n', '          enum: [b, a]\n']], want: [] }],
  ['enum removed', { given: [['          enum: [a, b]\n', '']], want: [['breaking', 'nats-enum-value-added']] }],
  [
    'enum added where there was none',
    {
      given: [
        [
          '          description: Anything at all.\n',
          '          description: Anything at all.\n          enum: [1, 2]\n',
        ],
      ],
      want: [['breaking', 'nats-enum-value-removed']],
    },
  ],
  [
    'const written as a one-value enum: no effect',
    { given: [['          const: x\n', '          enum: [x]\n']], want: [['non-breaking', 'nats-schema-equivalent']] },
  ],
  [
    'const changed',
    {
      given: [['          const: x\n', '          const: y\n']],
      want: [
        ['breaking', 'nats-enum-value-added'],
        ['breaking', 'nats-enum-value-removed'],
      ],
    },
  ],
  // Arrays.
  [
    'items tightened',
    {
      given: [
        [TAG_ITEMS, '          items:\n            type: string\n            maxLength: 3\n          minItems: 1\n'],
      ],
      want: [['breaking', 'nats-schema-narrowed']],
    },
  ],
  [
    'items of another type',
    {
      given: [[TAG_ITEMS, '          items:\n            type: integer\n          minItems: 1\n']],
      want: [['breaking', 'nats-field-type-changed']],
    },
  ],
  ['items removed', { given: [[TAG_ITEMS, '          minItems: 1\n']], want: [['breaking', 'nats-schema-widened']] }],
  [
    'items became a tuple: cannot be compared',
    {
      given: [[TAG_ITEMS, '          items:\n            - type: string\n          minItems: 1\n']],
      want: [['breaking', 'nats-schema-changed']],
    },
  ],
  [
    'minItems raised',
    { given: [['          minItems: 1\n', '          minItems: 2\n']], want: [['breaking', 'nats-schema-narrowed']] },
  ],
  [
    'maxItems lowered',
    { given: [['          maxItems: 5\n', '          maxItems: 4\n']], want: [['breaking', 'nats-schema-narrowed']] },
  ],
  [
    'uniqueItems removed',
    { given: [['          uniqueItems: true\n', '']], want: [['breaking', 'nats-schema-widened']] },
  ],
  [
    'uniqueItems added',
    {
      given: [['          contains:\n', '          uniqueItems: true\n          contains:\n']],
      want: [['breaking', 'nats-schema-narrowed']],
    },
  ],
  [
    'uniqueItems: false added: no effect',
    {
      given: [['          contains:\n', '          uniqueItems: false\n          contains:\n']],
      want: [['non-breaking', 'nats-schema-equivalent']],
    },
  ],
  [
    'a tuple position widened',
    {
      given: [[TUPLE, '            - type: string\n            - type: number\n          additionalItems: false\n']],
      want: [['breaking', 'nats-field-type-changed']],
    },
  ],
  [
    'a tuple position added where additionalItems was false',
    {
      given: [
        [
          TUPLE,
          '            - type: string\n            - type: integer\n            - type: boolean\n          additionalItems: false\n',
        ],
      ],
      want: [['breaking', 'nats-schema-widened']],
    },
  ],
  [
    'additionalItems: false removed',
    { given: [['          additionalItems: false\n', '']], want: [['breaking', 'nats-schema-widened']] },
  ],
  [
    'contains tightened',
    {
      given: [
        [
          '          contains:\n            type: string\n',
          '          contains:\n            type: string\n            minLength: 2\n',
        ],
      ],
      want: [['breaking', 'nats-schema-narrowed']],
    },
  ],
  [
    'contains removed',
    { given: [['          contains:\n            type: string\n', '']], want: [['breaking', 'nats-schema-widened']] },
  ],
  [
    'contains added',
    {
      given: [
        ['          uniqueItems: true\n', '          uniqueItems: true\n          contains:\n            const: x\n'],
      ],
      want: [['breaking', 'nats-schema-narrowed']],
    },
  ],
  // Objects.
  [
    'additionalProperties schema tightened',
    {
      given: [
        [
          META_AP,
          '          additionalProperties:\n            type: string\n            maxLength: 3\n          minProperties: 1\n',
        ],
      ],
      want: [['breaking', 'nats-schema-narrowed']],
    },
  ],
  [
    'additionalProperties: false removed',
    {
      given: [[CLOSED_A, '          properties:\n            a:\n              type: string\n']],
      want: [['breaking', 'nats-schema-widened']],
    },
  ],
  [
    'additionalProperties: true added: no effect',
    {
      given: [[OPEN, `${OPEN}          additionalProperties: true\n`]],
      want: [['non-breaking', 'nats-schema-equivalent']],
    },
  ],
  [
    'minProperties raised',
    {
      given: [['          minProperties: 1\n', '          minProperties: 2\n']],
      want: [['breaking', 'nats-schema-narrowed']],
    },
  ],
  [
    'maxProperties removed',
    { given: [['          maxProperties: 3\n', '']], want: [['breaking', 'nats-schema-widened']] },
  ],
  [
    'propertyNames pattern changed',
    {
      given: [
        [
          "          propertyNames:\n            pattern: '^[a-z]+$'\n",
          "          propertyNames:\n            pattern: '^[a-z]*$'\n",
        ],
      ],
      want: [['breaking', 'nats-schema-changed']],
    },
  ],
  [
    'propertyNames removed',
    {
      given: [["          propertyNames:\n            pattern: '^[a-z]+$'\n", '']],
      want: [['breaking', 'nats-schema-widened']],
    },
  ],
  [
    'propertyNames added',
    {
      given: [[OPEN, `${OPEN}          propertyNames:\n            maxLength: 3\n`]],
      want: [['breaking', 'nats-schema-narrowed']],
    },
  ],
  [
    'patternProperties schema tightened',
    {
      given: [
        [
          "            '^l-':\n              type: string\n",
          "            '^l-':\n              type: string\n              maxLength: 5\n",
        ],
      ],
      want: [['breaking', 'nats-schema-narrowed']],
    },
  ],
  [
    'patternProperties added to an open object',
    {
      given: [[OPEN, `${OPEN}          patternProperties:\n            '^n-':\n              type: number\n`]],
      want: [['breaking', 'nats-schema-narrowed']],
    },
  ],
  [
    'patternProperties removed from a closed object: its names are rejected now',
    {
      given: [["          patternProperties:\n            '^l-':\n              type: string\n", '']],
      want: [['breaking', 'nats-schema-narrowed']],
    },
  ],
  [
    'optional property added to a closed object: widened',
    {
      given: [[CLOSED_A, `${CLOSED_A}            b:\n              type: integer\n`]],
      want: [
        [
          'breaking',
          'nats-field-added',
          "field 'Thing.closed.b' (#/components/schemas/Thing/properties/closed/properties/b) was added (optional), where the old version accepted no value (additionalProperties: false); old receivers reject values that new senders may send",
        ],
      ],
    },
  ],
  [
    'optional property that accepts anything added to an open object: no effect',
    {
      given: [
        [
          OPEN_A,
          '            a:\n              type: string\n            b:\n              description: Anything.\n        closed:',
        ],
      ],
      want: [['non-breaking', 'nats-field-added']],
    },
  ],
  [
    'property added with the schema additionalProperties already gave it: no effect',
    {
      given: [
        [
          META_AP,
          '          additionalProperties:\n            type: string\n          properties:\n            k:\n              type: string\n          minProperties: 1\n',
        ],
      ],
      want: [['non-breaking', 'nats-field-added']],
    },
  ],
  [
    'property renamed in an open object: one removed, one added',
    {
      given: [[OPEN_A, '            z:\n              type: string\n        closed:']],
      want: [
        ['breaking', 'nats-field-removed'],
        ['breaking', 'nats-field-added'],
      ],
    },
  ],
  [
    'dependency requires one name more',
    { given: [['            a: [b]\n', '            a: [b, e]\n']], want: [['breaking', 'nats-schema-narrowed']] },
  ],
  ['dependency removed', { given: [['            a: [b]\n', '']], want: [['breaking', 'nats-schema-widened']] }],
  [
    'schema dependency tightened',
    {
      given: [['              required: [d]\n', '              required: [d, e]\n']],
      want: [['breaking', 'nats-field-required']],
    },
  ],
  // Composition.
  [
    'oneOf member tightened: no rule can tell which way (exactly one)',
    {
      given: [
        [
          '          oneOf:\n            - type: string\n',
          '          oneOf:\n            - type: string\n              maxLength: 3\n',
        ],
      ],
      want: [['breaking', 'nats-schema-changed']],
    },
  ],
  [
    'oneOf member added',
    {
      given: [
        [
          '          oneOf:\n            - type: string\n',
          '          oneOf:\n            - type: boolean\n            - type: string\n',
        ],
      ],
      want: [['breaking', 'nats-schema-changed']],
    },
  ],
  [
    'oneOf reordered: nothing',
    {
      given: [
        [
          '          oneOf:\n            - type: string\n            - type: integer\n',
          '          oneOf:\n            - type: integer\n            - type: string\n',
        ],
      ],
      want: [],
    },
  ],
  [
    'anyOf member added',
    {
      given: [
        [
          '          anyOf:\n            - type: string\n',
          '          anyOf:\n            - type: boolean\n            - type: string\n',
        ],
      ],
      want: [['breaking', 'nats-schema-widened']],
    },
  ],
  [
    'anyOf member removed',
    {
      given: [
        [
          '          anyOf:\n            - type: string\n            - type: integer\n',
          '          anyOf:\n            - type: string\n',
        ],
      ],
      want: [['breaking', 'nats-schema-narrowed']],
    },
  ],
  [
    'anyOf member tightened',
    {
      given: [
        [
          '          anyOf:\n            - type: string\n',
          '          anyOf:\n            - type: string\n              maxLength: 3\n',
        ],
      ],
      want: [['breaking', 'nats-schema-narrowed']],
    },
  ],
  [
    'allOf member added',
    {
      given: [
        [
          '          allOf:\n            - type: string\n',
          '          allOf:\n            - maxLength: 9\n            - type: string\n',
        ],
      ],
      want: [['breaking', 'nats-schema-narrowed']],
    },
  ],
  [
    'allOf member removed',
    {
      given: [
        [
          '          allOf:\n            - type: string\n            - minLength: 2\n',
          '          allOf:\n            - type: string\n',
        ],
      ],
      want: [['breaking', 'nats-schema-widened']],
    },
  ],
  [
    'allOf member tightened',
    {
      given: [['            - minLength: 2\n', '            - minLength: 3\n']],
      want: [['breaking', 'nats-schema-narrowed']],
    },
  ],
  [
    'not tightened: what it excludes shrinks, so the field accepts more',
    {
      given: [
        [
          '          not:\n            type: string\n',
          '          not:\n            type: string\n            maxLength: 3\n',
        ],
      ],
      want: [['breaking', 'nats-schema-widened']],
    },
  ],
  [
    'not removed',
    {
      given: [['          not:\n            type: string\n', '          description: Anything.\n']],
      want: [
        ['breaking', 'nats-schema-widened'],
        ['non-breaking', 'docs-changed'],
      ],
    },
  ],
  [
    'not added',
    {
      given: [[NOTED, `${NOTED}          not:\n            const: y\n`]],
      want: [['breaking', 'nats-schema-narrowed']],
    },
  ],
  [
    'then tightened',
    {
      given: [['            minLength: 3\n', '            minLength: 4\n']],
      want: [['breaking', 'nats-schema-narrowed']],
    },
  ],
  [
    'if changed: which branch applies moves, no rule can tell which way',
    {
      given: [
        [
          '          if:\n            type: string\n',
          '          if:\n            type: string\n            maxLength: 2\n',
        ],
      ],
      want: [['breaking', 'nats-schema-changed']],
    },
  ],
  [
    'if/then/else removed',
    {
      given: [
        [
          '          if:\n            type: string\n          then:\n            minLength: 3\n          else:\n            type: integer\n',
          '          description: Was conditional.\n',
        ],
      ],
      want: [
        ['breaking', 'nats-schema-widened'],
        ['non-breaking', 'docs-changed'],
      ],
    },
  ],
  [
    'then without if: no effect',
    {
      given: [[NOTED, `${NOTED}          then:\n            minLength: 3\n`]],
      want: [['non-breaking', 'nats-schema-equivalent']],
    },
  ],
  // Annotations, extensions and unknown keywords.
  [
    'default changed',
    { given: [[NOTED, '          default: y\n']], want: [['non-breaking', 'nats-schema-annotation-changed']] },
  ],
  [
    'readOnly added',
    {
      given: [[NOTED, `${NOTED}          readOnly: true\n`]],
      want: [['non-breaking', 'nats-schema-annotation-changed']],
    },
  ],
  [
    '$id added',
    {
      given: [[NOTED, `${NOTED}          $id: 'urn:noted'\n`]],
      want: [['non-breaking', 'nats-schema-annotation-changed']],
    },
  ],
  [
    'an x- extension added',
    {
      given: [[NOTED, `${NOTED}          x-kind: label\n`]],
      want: [['non-breaking', 'nats-schema-annotation-changed']],
    },
  ],
  // The diff reads a schema as the Shape does (generator/model/schema-vocabulary.ts): the dialect its
  // schema format names decides which keywords have an effect.
  [
    'nullable: true next to type in a JSON Schema payload: null is accepted now, as ajv and the generated code read it',
    {
      given: [[NOTED, `${NOTED}          nullable: true\n`]],
      want: [['breaking', 'nats-field-type-changed']],
    },
  ],
  [
    'prefixItems (JSON Schema 2020-12) added in a draft-07 payload: no effect there, in the generated code as in ajv',
    {
      given: [[NOTED, `${NOTED}          prefixItems: [{ const: 1 }]\n`]],
      want: [['non-breaking', 'nats-schema-equivalent']],
    },
  ],
  [
    'a description changed',
    {
      given: [['          description: Anything at all.\n', '          description: Anything.\n']],
      want: [['non-breaking', 'docs-changed']],
    },
  ],
  [
    'an x-nats- key no rule knows: breaking',
    { given: [[NOTED, `${NOTED}          x-nats-max: 3\n`]], want: [['breaking', 'nats-schema-changed']] },
  ],
  [
    'a word that is no JSON Schema keyword (a typo): no effect, in the generated code as in ajv (generate warns with a did-you-mean)',
    { given: [[NOTED, `${NOTED}          maxLenght: 3\n`]], want: [['non-breaking', 'nats-schema-equivalent']] },
  ],
  [
    'a schema nothing uses changed',
    { given: [['      maxLength: 5\n', '      maxLength: 4\n']], want: [['non-breaking', 'nats-component-unused']] },
  ],
  // OpenAPI 3.0 payloads.
  [
    'OpenAPI nullable became true: null is accepted now',
    {
      given: [['              nullable: false\n', '              nullable: true\n']],
      want: [['breaking', 'nats-field-type-changed']],
    },
  ],
  [
    'OpenAPI exclusiveMaximum became false: the maximum itself is accepted now',
    {
      given: [['              exclusiveMaximum: true\n', '              exclusiveMaximum: false\n']],
      want: [['breaking', 'nats-schema-widened']],
    },
  ],
  [
    'OpenAPI maximum lowered',
    {
      given: [['              maximum: 10\n', '              maximum: 9\n']],
      want: [['breaking', 'nats-schema-narrowed']],
    },
  ],
  [
    'payload became an Avro schema, which asyncapi-nats does not read',
    {
      given: [
        [
          '        schemaFormat: application/vnd.oai.openapi;version=3.0.0\n        schema:\n          type: object\n',
          '        schemaFormat: application/vnd.apache.avro;version=1.9.0\n        schema:\n          type: record\n          name: Legacy\n          fields: []\n        x-was:\n          type: object\n',
        ],
      ],
      want: [
        ['breaking', 'nats-schema-changed'],
        ['non-breaking', 'extension-changed'],
      ],
    },
  ],
  // Headers.
  [
    'header maxLength lowered',
    {
      given: [['            maxLength: 64\n', '            maxLength: 32\n']],
      want: [['breaking', 'nats-schema-narrowed']],
    },
  ],
  [
    'optional header added',
    {
      given: [['          trace_id:\n', '          region:\n            type: string\n          trace_id:\n']],
      want: [['breaking', 'nats-header-added']],
    },
  ],
  [
    'headers closed with additionalProperties: false',
    {
      given: [
        [
          '      headers:\n        type: object\n',
          '      headers:\n        type: object\n        additionalProperties: false\n',
        ],
      ],
      want: [['breaking', 'nats-schema-narrowed']],
    },
  ],
  // Channel parameters.
  [
    'parameter enum widened',
    { given: [[REGION, '        enum: [eu, us, ap]\n']], want: [['breaking', 'nats-enum-value-added']] },
  ],
  ['parameter enum removed', { given: [[REGION, '']], want: [['breaking', 'nats-enum-value-added']] }],
  ['parameter enum reordered: nothing', { given: [[REGION, '        enum: [us, eu]\n']], want: [] }],
  [
    'parameter default added: senders may leave it out, no disagreement',
    { given: [[REGION, `${REGION}        default: eu\n`]], want: [['non-breaking', 'nats-schema-equivalent']] },
  ],
  [
    'parameter location added',
    {
      given: [[REGION, `${REGION}        location: $message.payload#/region\n`]],
      want: [['breaking', 'nats-schema-changed']],
    },
  ],
  [
    'parameter examples added',
    { given: [[REGION, `${REGION}        examples: [eu]\n`]], want: [['non-breaking', 'docs-changed']] },
  ],
  [
    'parameter extension added',
    { given: [[REGION, `${REGION}        x-note: hi\n`]], want: [['non-breaking', 'nats-schema-annotation-changed']] },
  ],
];

const run = diffTable(BASE);

describe('diff schema rules', () => {
  it.each([...REGRESSIONS, ...TABLE])('diff - %s', async (name, row) => {
    await run(name, row);
  });
});
