import { ts } from 'ts-morph';
import { describe, expect, test } from 'vitest';
import {
  call,
  classDecl,
  constDecl,
  ctor,
  exportFrom,
  importNamed,
  method,
  param,
  privateField,
  ref,
  ret,
  str,
  thisField,
  typeAlias,
  typeRef,
} from '../../generator/emit/ast.js';
import { LINE_WIDTH, layout } from '../../generator/emit/print.js';

const names = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}${i}`);
const widest = (text: string) => Math.max(...text.split('\n').map((line) => line.length));

describe('print', () => {
  test('print - an export list longer than the width is written one name per line', () => {
    const text = layout(exportFrom('./types.js', names('LongTypeName', 12), true));
    expect(text.split('\n')).toEqual([
      'export type {',
      ...names('LongTypeName', 12).map((n) => `  ${n},`),
      "} from './types.js';",
    ]);
  });

  test('print - an import list keeps its inline type modifiers when wrapped', () => {
    const a = 'A'.repeat(60);
    const b = 'b'.repeat(60);
    const text = layout(
      importNamed(
        'asyncapi-nats/runtime/gen',
        [
          [a, true],
          [b, false],
        ],
        false,
      ),
    );
    expect(text.split('\n')).toEqual(['import {', `  type ${a},`, `  ${b},`, "} from 'asyncapi-nats/runtime/gen';"]);
  });

  test('print - what fits stays on one line', () => {
    expect(layout(importNamed('./x.js', [['a', false]], false))).toBe("import { a } from './x.js';");
    expect(layout(constDecl('x', call('f', [ref('a'), ref('b')])))).toBe('const x = f(a, b);');
  });

  test('print - a call too long gets one argument per line with a trailing comma, the outer call first', () => {
    const inner = call('subscribe', names('argumentNumber', 4).map(ref), [typeRef('SomeReceivedMessage')]);
    const text = layout(ret(call('this.track', [inner, ref('theOperationDescriptor')])));
    expect(text.split('\n')).toEqual([
      'return this.track(',
      '  subscribe<SomeReceivedMessage>(argumentNumber0, argumentNumber1, argumentNumber2, argumentNumber3),',
      '  theOperationDescriptor,',
      ');',
    ]);
    expect(widest(text)).toBeLessThanOrEqual(LINE_WIDTH);
  });

  test('print - type arguments and parameters too long are broken as Biome breaks them', () => {
    const alias = typeAlias(
      'Received',
      typeRef(
        'DurableReceivedMessage',
        names('T.SomeLongTypeNameNumber', 4).map((n) => typeRef(n)),
      ),
      {
        isExported: true,
      },
    );
    expect(layout(alias).split('\n')).toEqual([
      'export type Received = DurableReceivedMessage<',
      ...names('T.SomeLongTypeNameNumber', 4).map((n, i) => `  ${n}${i < 3 ? ',' : ''}`),
      '>;',
    ]);
    const longType = typeRef(`Partial<T.${'X'.repeat(60)}>`);
    const fn = method(`example${'Y'.repeat(40)}`, [param('overrides', longType, { optional: true })], typeRef('T.Z'), [
      ret(ref('overrides')),
    ]);
    expect(layout(fn).split('\n').slice(0, 3)).toEqual([
      `example${'Y'.repeat(40)}(`,
      `  overrides?: Partial<T.${'X'.repeat(60)}>,`,
      '): T.Z {',
    ]);
  });

  test('print - spec strings that spell a placeholder or a replacement pattern are printed as they are', () => {
    const spelled = Array.from({ length: 40 }, (_, i) => str(`__layout_${i}__`));
    const text = layout(constDecl('x', call('f', [...spelled, str("^a$'b$&")])));
    const parsed = ts.createSourceFile('x.ts', text, ts.ScriptTarget.Latest, true);
    const init = (parsed.statements[0] as ts.VariableStatement).declarationList.declarations[0]?.initializer;
    const args =
      init !== undefined && ts.isCallExpression(init) ? init.arguments.map((a) => (a as ts.StringLiteral).text) : [];
    expect(args).toEqual([...Array.from({ length: 40 }, (_, i) => `__layout_${i}__`), "^a$'b$&"]);
  });

  test('print - a string literal longer than the width is left whole', () => {
    const long = 'word '.repeat(40).trim();
    const text = layout(constDecl('s', str(long)));
    expect(text).toBe(`const s = '${long}';`);
  });

  test('print - a class: two-space indentation, a blank line between members but not between fields', () => {
    const cls = classDecl(
      'C',
      [
        privateField('nc', typeRef('Nc')),
        privateField('options', typeRef('Options')),
        ctor([param('nc', typeRef('Nc'))], [ret(thisField('nc'))], 'Sets it up.'),
        method('m', [], typeRef('X'), [ret(ref('x'))]),
      ],
      { isExported: true, doc: 'A class.\n\nTwo paragraphs.' },
    );
    expect(layout(cls)).toBe(
      [
        '/**',
        ' * A class.',
        ' *',
        ' * Two paragraphs.',
        ' */',
        'export class C {',
        '  readonly #nc: Nc;',
        '  readonly #options: Options;',
        '',
        '  /** Sets it up. */',
        '  constructor(nc: Nc) {',
        '    return this.#nc;',
        '  }',
        '',
        '  m(): X {',
        '    return x;',
        '  }',
        '}',
      ].join('\n'),
    );
  });

  test('print - a string ending in a backslash next to one holding a comment opener prints as it is and parses back', () => {
    const text = layout(constDecl('a', ts.factory.createArrayLiteralExpression([str('a \\'), str('/* b */')])));
    expect(text).toBe("const a = ['a \\\\', '/* b */'];");
    const parsed = ts.createSourceFile('x.ts', text, ts.ScriptTarget.Latest, true);
    const values = (parsed.statements[0] as ts.VariableStatement).declarationList.declarations[0]?.initializer;
    expect(
      values !== undefined && ts.isArrayLiteralExpression(values) && values.elements.map((e) => e.getText()),
    ).toEqual(["'a \\\\'", "'/* b */'"]);
  });
});
