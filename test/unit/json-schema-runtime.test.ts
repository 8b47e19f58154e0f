/**
 * The runtime's JSON Schema helpers (runtime/json-schema.ts) on their own: equality, lengths,
 * multipleOf, the format fast paths (which must say exactly what ajv-formats says) and header text.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  codePointLength,
  formatMatches,
  fullFormatTest,
  isMultipleOf,
  jsonEqual,
  jsonSchema,
} from '../../runtime/json-schema.js';

describe('json-schema runtime', () => {
  it('json-schema runtime - jsonEqual compares JSON values as ajv does', () => {
    const equal: [unknown, unknown][] = [
      [
        { a: 1, b: [1, { c: null }] },
        { b: [1, { c: null }], a: 1 },
      ],
      [0, -0],
      [[], []],
      [{}, {}],
      ['a', 'a'],
    ];
    const different: [unknown, unknown][] = [
      [{ a: 1 }, { a: 1, b: undefined }],
      [
        [1, 2],
        [2, 1],
      ],
      [{}, []],
      [1, '1'],
      [null, {}],
      [{ a: [1] }, { a: [1, 1] }],
    ];
    for (const [a, b] of equal) expect(jsonEqual(a, b), JSON.stringify([a, b])).toBe(true);
    for (const [a, b] of different) expect(jsonEqual(a, b), JSON.stringify([a, b])).toBe(false);
  });

  it('json-schema runtime - codePointLength counts a surrogate pair once and a lone surrogate once', () => {
    expect(codePointLength('abc')).toBe(3);
    expect(codePointLength('😀')).toBe(1);
    expect(codePointLength('a😀b')).toBe(3);
    expect(codePointLength('\ud800')).toBe(1);
    expect(codePointLength('\udc00\ud800')).toBe(2);
    expect(codePointLength('')).toBe(0);
  });

  it('json-schema runtime - isMultipleOf reads numbers as the decimals their JSON text writes', () => {
    const yes: [number, number][] = [
      [0.3, 0.1],
      [0.07, 0.01],
      [19.99, 0.01],
      [10, 5],
      [-10, 5],
      [0, 0.5],
      [1e21, 1],
      [2 ** 60, 4],
      [1.5e-7, 5e-8],
      [7.5, 2.5],
    ];
    const no: [number, number][] = [
      [0.35, 0.1],
      [0.001, 0.01],
      [3, 5],
      [1.5, 1],
      [1e-7, 3e-8],
    ];
    for (const [v, d] of yes) expect(isMultipleOf(v, d), `${v} / ${d}`).toBe(true);
    for (const [v, d] of no) expect(isMultipleOf(v, d), `${v} / ${d}`).toBe(false);
  });

  it('json-schema runtime - the date-time fast path says what ajv-formats says', () => {
    const full = fullFormatTest('date-time');
    if (!full) throw new Error('ajv-formats has no date-time test');
    const two = (max: number) => fc.integer({ min: 0, max }).map((n) => String(n).padStart(2, '0'));
    const dateTime = fc
      .tuple(
        fc.integer({ min: 0, max: 9999 }).map((n) => String(n).padStart(4, '0')),
        two(13),
        two(32),
        fc.constantFrom('T', 't', ' ', '\t', 'x'),
        two(24),
        two(60),
        two(61),
        fc.constantFrom('', '.5', '.123456'),
        fc.constantFrom('Z', 'z', '', '+01:00', '-23:59', '+24:00', '+0130', '+01', '-00:60'),
      )
      .map(([y, mo, d, sep, h, mi, s, frac, tz]) => `${y}-${mo}-${d}${sep}${h}:${mi}:${s}${frac}${tz}`);
    fc.assert(
      fc.property(fc.oneof(dateTime, fc.string()), (text) => {
        expect(formatMatches('date-time', text)).toBe(full(text));
      }),
      { numRuns: 5000, seed: 19 },
    );
  });

  it('json-schema runtime - formats apply to their own JSON type only', () => {
    expect(formatMatches('email', 1)).toBe(true);
    expect(formatMatches('email', 'x')).toBe(false);
    expect(formatMatches('int32', 'x')).toBe(true);
    expect(formatMatches('int32', 2 ** 31)).toBe(false);
    expect(formatMatches('password', 'anything')).toBe(true);
    expect(formatMatches('no-such-format', 'x')).toBe(true);
    expect(() => jsonSchema.format('no-such-format')).toThrow("asyncapi-nats: unknown format 'no-such-format'");
  });

  it('json-schema runtime - header text is read strictly: plain decimal numbers, true/false, then the text', () => {
    const integer = jsonSchema.header(['integer'], z.number());
    const number = jsonSchema.header(['number'], z.number());
    const flag = jsonSchema.header(['boolean'], z.boolean());
    expect(integer.parse('42')).toBe(42);
    expect(integer.parse('-0')).toBe(-0);
    for (const text of ['', ' 1', '1 ', '0x10', '1e1', '01', '+1', '1.0', 'NaN', 'Infinity']) {
      expect(integer.safeParse(text).success, JSON.stringify(text)).toBe(false);
    }
    expect(number.parse('1.25')).toBe(1.25);
    for (const text of ['1.', '.5', '1e1', '1E+2', '-', '- 1']) {
      expect(number.safeParse(text).success, JSON.stringify(text)).toBe(false);
    }
    expect(flag.parse('true')).toBe(true);
    expect(flag.parse('false')).toBe(false);
    for (const text of ['True', '1', 'yes', '']) expect(flag.safeParse(text).success, JSON.stringify(text)).toBe(false);
    expect(integer.safeParse('x').error?.issues[0]?.message).toBe('Invalid header value "x": expected integer');
  });

  it('json-schema runtime - a header read as several kinds takes the first reading its schema accepts', () => {
    const either = jsonSchema.header(['integer', 'string'], z.union([z.number().gte(5), z.string()]));
    expect(either.parse('7')).toBe(7);
    // 3 fails minimum as a number, but is a valid string: the sender may have sent the text '3'
    expect(either.parse('3')).toBe('3');
    expect(either.parse('abc')).toBe('abc');
  });

  it('json-schema runtime - an object read by own keys passes the value through unchanged', () => {
    const schema = jsonSchema.object<Record<string, unknown>>({
      properties: { a: z.object({ b: z.string() }) },
      patternProperties: [[/^x-/u, z.number()]],
      minProperties: 1,
    });
    const value = { a: { b: 'x', extra: true }, 'x-n': 1, other: [1] };
    const parsed = schema.parse(value);
    expect(parsed).toBe(value);
    expect(parsed).toEqual({ a: { b: 'x', extra: true }, 'x-n': 1, other: [1] });
  });

  it('json-schema runtime - issues from nested checks keep their path', () => {
    const schema = jsonSchema.object<Record<string, unknown>>({
      properties: { list: jsonSchema.all(z.array(z.number()), jsonSchema.uniqueItems) },
      dependencies: [['a', ['b']]],
    });
    expect(schema.safeParse({ list: [1, 'x'] }).error?.issues.map((i) => [i.path.join('.'), i.message])).toEqual([
      ['list.1', 'Invalid input: expected number, received string'],
    ]);
    expect(schema.safeParse({ a: 1 }).error?.issues.map((i) => [i.path.join('.'), i.message])).toEqual([
      ['b', 'Property "b" is required when "a" is present'],
    ]);
    expect(schema.safeParse({ list: [1, 1] }).error?.issues.map((i) => [i.path.join('.'), i.message])).toEqual([
      ['list', 'Items 0 and 1 are equal; items must be unique'],
    ]);
  });
});
