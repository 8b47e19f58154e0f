import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ts } from 'ts-morph';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  addDoc,
  docOf,
  orderDeclarations,
  printNode,
  schemaRefs,
  typeNode,
  zodExpression,
} from '../../generator/emit/schema/index.js';
import type { NamedSchema } from '../../generator/model/types.js';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const out = join(repo, 'test/fixtures/out/schema-compile');
const f = ts.factory;
const location = { file: 'spec.yaml', line: 1, column: 1, pointer: '/' };

// --- the schemas: recursion, mutual recursion, optional/nullable, headers, additionalProperties ---
const tree: Record<string, unknown> = {
  type: 'object',
  description: 'A tree.\nEnds comments with */, uses `backticks` and ${template} syntax.',
  required: ['value'],
  properties: {
    value: { type: 'integer', description: 'Value */ with `code` and ${x}' },
    label: { type: ['string', 'null'] },
  },
};
(tree.properties as Record<string, unknown>).children = { type: 'array', items: tree };
const person: Record<string, unknown> = { type: 'object', properties: { name: { type: 'string' } } };
const team: Record<string, unknown> = {
  type: 'object',
  required: ['members'],
  properties: { members: { type: 'array', items: person }, lead: person },
};
(person.properties as Record<string, unknown>).team = team;
const level = { type: 'integer', enum: [1, 2, 3] };
const headers = {
  type: 'object',
  required: ['count'],
  additionalProperties: false,
  properties: {
    count: { type: 'integer', minimum: 0 },
    flag: { type: 'boolean' },
    level,
    'content-type': { type: 'string' },
    either: { type: ['integer', 'string'] },
  },
  allOf: [{ properties: { trace: { type: 'string', minLength: 1 } }, required: ['trace'] }],
};
const payload = {
  type: 'object',
  required: ['id', '2fa', 'kind'],
  properties: {
    id: { type: 'string', format: 'uuid' },
    '2fa': { type: 'boolean' },
    delete: { type: 'number', nullable: true },
    kind: { enum: ['a', 'b'] },
    mixed: { enum: [1, 'one', null] },
    version: { const: 2 },
    tree,
    level,
    labels: {
      type: 'object',
      properties: { main: { type: 'string' }, count: { type: 'integer' } },
      required: ['main'],
      additionalProperties: { type: 'boolean' },
    },
    strict: { type: 'object', properties: { a: { type: 'string' } }, additionalProperties: false },
    empty: { type: 'object', additionalProperties: false },
    loose: { type: 'object', properties: { a: { type: 'string' } }, additionalProperties: true },
    map: { type: 'object', additionalProperties: tree },
    pair: { type: 'array', items: [{ type: 'string' }, { type: 'integer' }], minItems: 1 },
    choice: { oneOf: [{ type: 'string' }, tree, { type: 'null' }] },
    merged: {
      allOf: [{ type: 'object', properties: { a: { type: 'string' } } }, { properties: { b: { type: 'integer' } } }],
    },
    both: { allOf: [tree, { type: 'object', properties: { extra: { type: 'string' } }, additionalProperties: true }] },
    anything: {},
    nothing: false,
    // every keyword zod has no check for, nested and combined
    patterned: {
      type: 'object',
      properties: { id: { type: 'string' } },
      patternProperties: { '^x-': { type: 'integer' } },
      additionalProperties: false,
      propertyNames: { maxLength: 8 },
      minProperties: 1,
      maxProperties: 4,
      dependencies: { id: ['x-a'], 'x-b': { required: ['id'] } },
    },
    counted: { type: 'array', items: { type: 'object' }, uniqueItems: true, contains: { required: ['ok'] } },
    deep: { enum: [{ a: [1, { b: null }] }, [1, 2], 'x'] },
    notX: { type: 'string', not: { const: 'x' } },
    conditional: {
      type: 'object',
      properties: { kind: { type: 'string' } },
      if: { properties: { kind: { const: 'a' } } },
      // biome-ignore lint/suspicious/noThenProperty: the JSON Schema keyword
      then: { required: ['a'] },
      else: { required: ['b'] },
    },
    exactlyOne: { oneOf: [{ type: 'number', minimum: 0 }, { type: 'number', maximum: 10 }, tree] },
    closedBranch: {
      allOf: [
        { type: 'object', properties: { a: {} } },
        { properties: { a: {} }, additionalProperties: false },
      ],
    },
    proto: {
      type: 'object',
      required: ['__proto__', 'constructor'],
      properties: { ['__proto__']: { type: 'string' } },
    },
    big: { type: 'integer', format: 'int64', multipleOf: 0.5 },
    when: { type: 'string', format: 'date-time' },
    tail: { type: 'array', items: [{ type: 'string' }], additionalItems: { type: 'integer' }, maxItems: 3 },
    untyped: { properties: { a: { type: 'string' } } },
    mapOfTrees: { type: 'object', additionalProperties: { anyOf: [tree, { type: 'null' }] } },
  },
};

const declarations: NamedSchema[] = [
  { name: 'Payload', zodName: 'PayloadSchema', schema: payload, role: 'payload', location },
  { name: 'Tree', zodName: 'TreeSchema', schema: tree, role: 'recursive', location },
  { name: 'Person', zodName: 'PersonSchema', schema: person, role: 'recursive', location },
  { name: 'Team', zodName: 'TeamSchema', schema: team, role: 'recursive', location },
  { name: 'Level', zodName: 'LevelValueSchema', schema: level, role: 'component', location },
  { name: 'Headers', zodName: 'HeadersSchema', schema: headers, role: 'headers', location },
];
const refs = schemaRefs(declarations);

function print(statements: readonly ts.Statement[]): string {
  return `${statements.map(printNode).join('\n\n')}\n`;
}

function exportModifier(): ts.ModifierToken<ts.SyntaxKind.ExportKeyword>[] {
  return [f.createModifier(ts.SyntaxKind.ExportKeyword)];
}

/** types.ts and schemas.ts as the lead prints them. */
function emitModule(): { types: string; schemas: string; order: string[] } {
  const ordered = orderDeclarations(declarations, refs);
  const declared = new Set<string>();
  const types: ts.Statement[] = [];
  const schemas: ts.Statement[] = [
    f.createImportDeclaration(
      undefined,
      f.createImportClause(
        undefined,
        undefined,
        f.createNamedImports([f.createImportSpecifier(false, undefined, f.createIdentifier('z'))]),
      ),
      f.createStringLiteral('zod', true),
    ),
    f.createImportDeclaration(
      undefined,
      f.createImportClause(
        undefined,
        undefined,
        f.createNamedImports([f.createImportSpecifier(false, undefined, f.createIdentifier('jsonSchema'))]),
      ),
      f.createStringLiteral('../../../../runtime/json-schema.js', true),
    ),
    f.createImportDeclaration(
      undefined,
      f.createImportClause(ts.SyntaxKind.TypeKeyword, undefined, f.createNamespaceImport(f.createIdentifier('T'))),
      f.createStringLiteral('./types.js', true),
    ),
  ];
  for (const d of ordered) {
    const root = typeof d.schema === 'object' ? d.schema : undefined;
    types.push(
      addDoc(
        f.createTypeAliasDeclaration(
          exportModifier(),
          d.name,
          undefined,
          typeNode(d.schema, { refs, root, role: d.role }),
        ),
        docOf(d.schema),
      ),
    );
    const zodType = f.createTypeReferenceNode(f.createQualifiedName(f.createIdentifier('z'), 'ZodType'), [
      f.createTypeReferenceNode(f.createQualifiedName(f.createIdentifier('T'), d.name)),
    ]);
    const value = zodExpression(d.schema, { refs, root, declared, role: d.role, qualifier: 'T' });
    schemas.push(
      f.createVariableStatement(
        exportModifier(),
        f.createVariableDeclarationList(
          [f.createVariableDeclaration(d.zodName, undefined, zodType, value)],
          ts.NodeFlags.Const,
        ),
      ),
    );
    declared.add(d.name);
  }
  return { types: print(types), schemas: print(schemas), order: ordered.map((d) => d.name) };
}

/** Hand-written uses of the generated types: what must and must not type-check. */
const checks = `import type * as T from './types.js';

export const tree: T.Tree = { value: 1, label: null, children: [{ value: 2 }] };
// @ts-expect-error exactOptionalPropertyTypes: an optional property is not 'undefined'
export const badTree: T.Tree = { value: 1, children: undefined };
export const headers: T.Headers = { count: 1, flag: true, level: 2, 'content-type': 'x', trace: 't', either: 1 };
// @ts-expect-error header numbers stay numbers in the type
export const badHeaders: T.Headers = { count: '1' };
export const labels: NonNullable<T.Payload['labels']> = { main: 'x', count: 1, other: true };
export const person: T.Person = { name: 'x', team: { members: [{ team: { members: [] } }] } };
export const patterned: NonNullable<T.Payload['patterned']> = { id: 'x', 'x-a': 1 };
export const deep: NonNullable<T.Payload['deep']> = { a: [1, { b: null }] };
// @ts-expect-error an enum value's type is its literal
export const badDeep: NonNullable<T.Payload['deep']> = { a: [2] };
export const proto: NonNullable<T.Payload['proto']> = { ['__proto__']: 'x', constructor: 1 };
`;

describe('schema emit compiles', () => {
  let module: ReturnType<typeof emitModule>;

  beforeAll(() => {
    module = emitModule();
    rmSync(out, { recursive: true, force: true });
    mkdirSync(out, { recursive: true });
    writeFileSync(join(out, 'types.ts'), module.types);
    writeFileSync(join(out, 'schemas.ts'), module.schemas);
    writeFileSync(join(out, 'checks.ts'), checks);
    writeFileSync(
      join(out, 'tsconfig.json'),
      JSON.stringify({ extends: '../../../../tsconfig.json', include: ['.'], exclude: [] }, null, 2),
    );
  });

  it('schema emit - declarations come after their dependencies', () => {
    expect(module.order).toEqual(['Tree', 'Level', 'Payload', 'Team', 'Person', 'Headers']);
  });

  it('schema emit - types and schemas type-check (zod output assignable to the types)', () => {
    const tsc = spawnSync(join(repo, 'node_modules/.bin/tsc'), ['--noEmit', '-p', join(out, 'tsconfig.json')], {
      encoding: 'utf8',
    });
    expect(`${tsc.stdout}${tsc.stderr}`).toBe('');
    expect(tsc.status).toBe(0);
  });

  it('schema emit - generated schemas validate at runtime', async () => {
    const schemas = (await import(join(out, 'schemas.ts'))) as Record<
      string,
      { safeParse(v: unknown): { success: boolean; data?: unknown } }
    >;
    const Payload = schemas.PayloadSchema;
    const Headers = schemas.HeadersSchema;
    const Person = schemas.PersonSchema;
    if (!Payload || !Headers || !Person) throw new Error('missing schema exports');
    const ok = {
      id: '123e4567-e89b-12d3-a456-426614174000',
      '2fa': true,
      kind: 'a',
      tree: { value: 1, children: [{ value: 2, label: null }] },
      labels: { main: 'x', on: true },
      pair: ['a', 1],
      choice: null,
      merged: { a: 'x', b: 1 },
      both: { value: 1, extra: 'x' },
    };
    expect(Payload.safeParse(ok).success).toBe(true);
    expect(Payload.safeParse({ ...ok, tree: { value: 1, children: [{ value: 'x' }] } }).success).toBe(false);
    expect(Payload.safeParse({ ...ok, labels: { main: 'x', on: 'yes' } }).success).toBe(false);
    expect(Payload.safeParse({ ...ok, strict: { a: 'x', b: 1 } }).success).toBe(false);
    expect(Payload.safeParse({ ...ok, empty: { a: 1 } }).success).toBe(false);
    expect(Payload.safeParse({ ...ok, nothing: 1 }).success).toBe(false);
    expect(Payload.safeParse({ ...ok, patterned: { id: 'x', 'x-a': 1 } }).success).toBe(true);
    expect(Payload.safeParse({ ...ok, patterned: { id: 'x' } }).success).toBe(false);
    expect(Payload.safeParse({ ...ok, patterned: { 'x-a': 'no' } }).success).toBe(false);
    expect(Payload.safeParse({ ...ok, counted: [{ ok: 1 }, {}] }).success).toBe(true);
    expect(Payload.safeParse({ ...ok, counted: [{ ok: 1 }, { ok: 1 }] }).success).toBe(false);
    expect(Payload.safeParse({ ...ok, deep: { a: [1, { b: null }] } }).success).toBe(true);
    expect(Payload.safeParse({ ...ok, deep: { a: [1, {}] } }).success).toBe(false);
    expect(Payload.safeParse({ ...ok, notX: 'x' }).success).toBe(false);
    expect(Payload.safeParse({ ...ok, conditional: { kind: 'a', a: 1 } }).success).toBe(true);
    expect(Payload.safeParse({ ...ok, conditional: { kind: 'a', b: 1 } }).success).toBe(false);
    expect(Payload.safeParse({ ...ok, exactlyOne: 5 }).success).toBe(false);
    expect(Payload.safeParse({ ...ok, exactlyOne: { value: 1 } }).success).toBe(true);
    expect(Payload.safeParse({ ...ok, closedBranch: { a: 1, b: 2 } }).success).toBe(false);
    expect(Payload.safeParse({ ...ok, proto: JSON.parse('{"__proto__": "x", "constructor": 1}') }).success).toBe(true);
    expect(Payload.safeParse({ ...ok, proto: JSON.parse('{"__proto__": 1, "constructor": 1}') }).success).toBe(false);
    expect(Payload.safeParse({ ...ok, big: 2 ** 60 }).success).toBe(true);
    expect(Payload.safeParse({ ...ok, when: '2024-01-02t03:04:05z' }).success).toBe(true);
    expect(Payload.safeParse({ ...ok, tail: ['a', 1, 2] }).success).toBe(true);
    expect(Payload.safeParse({ ...ok, tail: ['a', 1, 2, 3] }).success).toBe(false);
    expect(Payload.safeParse({ ...ok, untyped: 'x' }).success).toBe(true);
    expect(Payload.safeParse({ ...ok, mapOfTrees: { a: null, b: { value: 1 } } }).success).toBe(true);
    expect(Payload.safeParse({ ...ok, mapOfTrees: { a: { value: 'x' } } }).success).toBe(false);
    expect(
      Headers.safeParse({ count: '3', level: '2', flag: 'false', trace: 't', either: '7', 'Nats-Msg-Id': 'x' }),
    ).toEqual({
      success: true,
      data: { count: 3, level: 2, flag: false, trace: 't', either: 7 },
    });
    expect(Headers.safeParse({ count: '3', level: '4', trace: 't' }).success).toBe(false);
    expect(Headers.safeParse({ count: '3' }).success).toBe(false);
    expect(Person.safeParse({ team: { members: [{ name: 'a' }], lead: { team: { members: [] } } } }).success).toBe(
      true,
    );
    expect(Person.safeParse({ team: { members: [{ name: 1 }] } }).success).toBe(false);
  });

  it('schema emit - descriptions with */, backticks and ${ stay inside their comments', () => {
    expect(module.types).toContain(
      '/**\n * A tree.\n * Ends comments with *\\/, uses `backticks` and ${template} syntax.\n */\nexport type Tree = {',
    );
    expect(module.types).toContain('    /** Value *\\/ with `code` and ${x} */\n    value: number;');
  });
});
