/**
 * The model's side of the wire rules: channel parameter rules (a 3.0 enum and default; a 2.x
 * parameter's whole schema, read from the document as written since the converter drops most of it),
 * and receive operations that share a channel (how their messages are told apart, and the located
 * errors when they cannot be).
 */
import { describe, expect, test } from 'vitest';
import { buildModel } from '../../generator/model/build.js';
import { separate } from '../../generator/model/shared.js';
import type { ApiModel, ChannelModel } from '../../generator/model/types.js';
import { parseSpec } from '../../generator/parse/parse.js';
import type { Problem } from '../../generator/problems.js';

async function model(file: string): Promise<{ model: ApiModel; problems: Problem[] }> {
  const parsed = await parseSpec(file);
  if (!parsed.spec) throw new Error(`fixture does not parse: ${JSON.stringify(parsed.problems)}`);
  return buildModel(parsed.spec);
}

function channel(m: ApiModel, id: string): ChannelModel {
  const found = m.channels.find((c) => c.id === id);
  if (!found) throw new Error(`no channel ${id}`);
  return found;
}

describe('wire model - channel parameters', () => {
  test('wire model - a 3.0 enum becomes the schema of the value, the default is kept', async () => {
    const { model: m, problems } = await model('test/fixtures/specs/wire.asyncapi.yaml');
    expect(problems.filter((p) => p.severity !== 'info')).toEqual([]);
    expect(
      channel(m, 'session').parameters.map(({ name, schema, default: d, enum: e }) => ({ name, schema, d, e })),
    ).toEqual([
      { name: 'region', schema: { enum: ['eu', 'us'] }, d: 'eu', e: ['eu', 'us'] },
      { name: 'session_id', schema: undefined, d: undefined, e: undefined },
    ]);
  });

  test('wire model - a location in the payload or a header is where the message carries the value', async () => {
    const { model: m } = await model('test/fixtures/specs/wire.asyncapi.yaml');
    expect(channel(m, 'orders').parameters.map((p) => [p.name, p.valueAt])).toEqual([
      ['customer', { in: 'payload', path: ['customer', 'id'] }],
      ['kind', { in: 'header', path: ['kind'] }],
    ]);
  });

  test('wire model - a 2.x parameter keeps the schema keywords the converter drops, $ref included, located in the file as written', async () => {
    const { model: m, problems } = await model('test/fixtures/specs/wire-v2.asyncapi.yaml');
    expect(problems.filter((p) => p.severity !== 'info')).toEqual([]);
    const [c] = m.channels;
    expect(c?.parameters.map((p) => [p.name, p.schema, `${p.location.line}:${p.location.column}`])).toEqual([
      ['region', { type: 'string', pattern: '^[a-z]{2}$' }, '18:7'],
      ['store', { type: 'string', minLength: 3, maxLength: 8 }, '23:7'],
      ['order_id', { type: 'string', format: 'uuid' }, '25:7'],
      ['line', { type: 'integer', minimum: 1, maximum: 999 }, '29:7'],
    ]);
  });

  test('wire model - values that can never be a subject token, a default outside the enum and a location are warnings, located', async () => {
    const { problems } = await model('test/fixtures/specs/wire-problems.yaml');
    expect(
      problems
        .filter((p) => p.code.startsWith('nats-parameter'))
        .map((p) => [p.code, p.severity, `${p.line}:${p.column}`, p.message]),
    ).toEqual([
      [
        'nats-parameter-value',
        'warning',
        '55:9',
        "enum value 'eu.west' of parameter 'region' can never be part of a subject: it contains '.', the token separator",
      ],
      [
        'nats-parameter-value',
        'warning',
        '55:9',
        "enum value '' of parameter 'region' can never be part of a subject: it is empty",
      ],
      [
        'nats-parameter-value',
        'warning',
        '56:9',
        "default 'us' of parameter 'region' is not one of its enum values ('eu', 'eu.west', ''); a subject built from it is rejected",
      ],
      [
        'nats-parameter-location',
        'warning',
        '57:9',
        `location "$message.header#/meta/region" of parameter 'region' is not used: only a payload field or a header can be read (\`$message.payload#/<path>\`, \`$message.header#/<name>\`)`,
      ],
    ]);
  });
});

describe('wire model - several receive operations on one channel', () => {
  test('wire model - a const property in every message becomes the discriminator; schemas that exclude each other need none', async () => {
    const { model: m } = await model('test/fixtures/specs/wire.asyncapi.yaml');
    expect(channel(m, 'session').receivers).toEqual({
      constName: 'sessionReceivers',
      operations: ['ping', 'subscribe', 'unsubscribe'],
      discriminator: {
        property: 'type',
        values: [
          ['ping', 0],
          ['subscribe', 1],
          ['unsubscribe', 2],
        ],
      },
    });
    // Note has no `level`-free rule of its own, but Alarm allows nothing but `level`, and Note requires `text`.
    expect(channel(m, 'notes').receivers).toEqual({ constName: 'notesReceivers', operations: ['onNote', 'onAlarm'] });
    expect(channel(m, 'audit').receivers?.discriminator?.property).toBe('kind');
    expect(channel(m, 'sessionReply').receivers).toBeUndefined();
  });

  test('wire model - every shared channel that cannot route each message to one operation is an error at the later operation', async () => {
    const { model: m, problems } = await model('test/fixtures/specs/wire-problems.yaml');
    expect(
      problems.filter((p) => p.severity === 'error').map((p) => [p.code, `${p.line}:${p.column}`, p.message]),
    ).toEqual([
      [
        'nats-ambiguous-operations',
        '66:3',
        "operations 'sameOne' and 'sameTwo' both receive message 'Tagged' on channel 'same': a message there could be for either",
      ],
      [
        'nats-ambiguous-operations',
        '76:3',
        "operation 'alikeY' (message 'AlsoLoose') and operation 'alikeX' (message 'Loose') share channel 'alike', and their payloads cannot be told apart: a message that fits both could be for either",
      ],
      [
        'nats-shared-channel-queue',
        '91:3',
        "operation 'queuePong' receives on channel 'queues' in queue group 'pongers', but 'queuePing' uses queue group 'pingers': the receive operations of one channel share one subscription",
      ],
      [
        'nats-shared-channel-durable',
        '106:3',
        "operations 'jobPing', 'jobPong' consume channel 'jobs' from stream 'P_JOBS', whose work-queue retention allows one consumer per subject",
      ],
      [
        'nats-shared-channel-durable',
        '120:3',
        "operations 'eventPing' and 'eventPong' on channel 'events' would share durable consumer 'event-workers', which hands each message to one of them",
      ],
    ]);
    expect(problems.find((p) => p.code === 'nats-ambiguous-operations')?.help).toBe(
      'give each receive operation of a channel its own messages, or make them one operation',
    );
    expect(m.channels.filter((c) => c.receivers !== undefined)).toEqual([]);
  });

  const object = (props: Record<string, unknown>, required: string[], extra: Record<string, unknown> = {}) => ({
    type: 'object',
    properties: props,
    required,
    ...extra,
  });
  test.each([
    [
      'a required enum property with disjoint values',
      object({ kind: { enum: ['a', 'b'] } }, ['kind']),
      object({ kind: { enum: ['c'] } }, ['kind']),
      'discriminator',
    ],
    [
      '1 and "1" are different values',
      object({ v: { const: 1 } }, ['v']),
      object({ v: { const: '1' } }, ['v']),
      'discriminator',
    ],
    [
      'overlapping enum values',
      object({ kind: { enum: ['a', 'b'] } }, ['kind']),
      object({ kind: { enum: ['b'] } }, ['kind']),
      'ambiguous',
    ],
    [
      'an optional const property',
      object({ kind: { const: 'a' } }, []),
      object({ kind: { const: 'b' } }, []),
      'ambiguous',
    ],
    ['different types', { type: 'string' }, { type: 'array' }, 'schemas'],
    ['integer and number overlap', { type: 'integer' }, { type: 'number' }, 'ambiguous'],
    [
      'a required property the other, closed schema does not declare',
      object({ a: { type: 'string' } }, ['a']),
      object({ b: { type: 'string' } }, [], { additionalProperties: false }),
      'schemas',
    ],
    ['a payload without a schema', object({}, []), undefined, 'ambiguous'],
    [
      'a const in an allOf member',
      { allOf: [object({ t: { const: 'x' } }, ['t'])] },
      { allOf: [object({ t: { const: 'y' } }, ['t'])] },
      'discriminator',
    ],
  ])('wire model - two messages with %s: %s', (_name, a, b, kind) => {
    const result = separate([
      { id: 'a', messages: [{ name: 'A', payload: a }] },
      { id: 'b', messages: [{ name: 'B', payload: b }] },
    ]);
    expect(result.kind).toBe(kind);
  });
});
