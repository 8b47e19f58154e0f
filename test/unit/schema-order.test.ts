import { describe, expect, it } from 'vitest';
import { orderDeclarations, referencedNames, schemaRefs } from '../../generator/emit/schema/index.js';
import type { JsonSchemaObject, NamedSchema } from '../../generator/model/types.js';

const location = { file: 'spec.yaml', line: 1, column: 1, pointer: '/' };

function declare(entries: [string, JsonSchemaObject][]) {
  const schemas: NamedSchema[] = entries.map(([name, schema]) => ({
    name,
    zodName: `${name}Schema`,
    schema,
    role: 'component',
    location,
  }));
  return { schemas, refs: schemaRefs(schemas) };
}

const order = (entries: [string, JsonSchemaObject][]) => {
  const { schemas, refs } = declare(entries);
  return orderDeclarations(schemas, refs).map((s) => s.name);
};

describe('schema order', () => {
  it('schema order - independent declarations keep input order', () => {
    expect(
      order([
        ['B', { type: 'string' }],
        ['A', { type: 'integer' }],
        ['C', {}],
      ]),
    ).toEqual(['B', 'A', 'C']);
  });

  it('schema order - dependencies come first, in order of appearance', () => {
    const x = { type: 'string' };
    const y = { type: 'number' };
    const top = { type: 'object', properties: { b: { type: 'array', items: y }, a: x } };
    expect(
      order([
        ['Top', top],
        ['X', x],
        ['Y', y],
      ]),
    ).toEqual(['Y', 'X', 'Top']);
  });

  it('schema order - a cycle is broken where the walk in input order closes it', () => {
    const a: Record<string, unknown> = { type: 'object', properties: {} };
    const b: Record<string, unknown> = { type: 'object', properties: { a } };
    (a.properties as Record<string, unknown>).b = b;
    expect(
      order([
        ['A', a],
        ['B', b],
      ]),
    ).toEqual(['B', 'A']);
    expect(
      order([
        ['B', b],
        ['A', a],
      ]),
    ).toEqual(['A', 'B']);
  });

  it('schema order - every combinator keyword is followed', () => {
    const [p, q, r, s, t, u] = ['P', 'Q', 'R', 'S', 'T', 'U'].map((title) => ({ title }));
    const top = {
      allOf: [p],
      anyOf: [q],
      oneOf: [r],
      additionalProperties: s,
      items: [t],
      additionalItems: u,
    };
    const { refs } = declare(
      [p, q, r, s, t, u].map((schema): [string, JsonSchemaObject] => [schema?.title ?? '', schema ?? {}]),
    );
    expect(referencedNames(top, refs)).toEqual(['S', 'T', 'U', 'P', 'Q', 'R']);
  });

  it('schema order - anonymous cycles do not loop', () => {
    const loop: Record<string, unknown> = { type: 'object', properties: {} };
    (loop.properties as Record<string, unknown>).self = loop;
    expect(order([['Loop', { type: 'array', items: loop }]])).toEqual(['Loop']);
  });
});
