/**
 * The one set of node builders of the emitter: every declaration, statement, type and literal of
 * generated code is built here over `ts.factory`, so emitters read like the code they produce and
 * every spec string reaches the output as a printed literal. `print.ts` prints what these build.
 */
import { ts } from 'ts-morph';
import { docText, isIdentifierName } from '../naming.js';
import { isMultiLine, markMultiLine, printNode } from './print.js';

const f = ts.factory;

/** An identifier, or `a.b.c` for a dotted name. */
export function ref(name: string): ts.Expression {
  const [head, ...rest] = name.split('.');
  return rest.reduce<ts.Expression>(
    (e, part) => f.createPropertyAccessExpression(e, part),
    f.createIdentifier(head as string),
  );
}

export function str(value: string): ts.StringLiteral {
  return f.createStringLiteral(value, true);
}

export function num(value: number): ts.Expression {
  return numberExpression(value);
}

/** A finite number as an expression (negative numbers are a prefix minus). */
export function numberExpression(value: number): ts.PrefixUnaryExpression | ts.NumericLiteral {
  const literal = f.createNumericLiteral(String(Math.abs(value)));
  return value < 0 ? f.createPrefixUnaryExpression(ts.SyntaxKind.MinusToken, literal) : literal;
}

/** A JSON primitive as an expression. */
export function literalExpression(value: string | number | boolean | null): ts.Expression {
  if (value === null) return f.createNull();
  if (typeof value === 'boolean') return bool(value);
  if (typeof value === 'string') return str(value);
  return numberExpression(value);
}

export function bool(value: boolean): ts.Expression {
  return value ? f.createTrue() : f.createFalse();
}

/**
 * Literals printed on one line longer than this are broken one entry per line, so that generated
 * lines stay within the project's 120 columns once indented and keyed.
 */
const ONE_LINE_MAX = 72;

/** An object literal: one entry per line, or (`multiLine` false) on one line when it fits. */
export function obj(
  entries: readonly (readonly [string, ts.Expression | undefined])[],
  multiLine = true,
): ts.ObjectLiteralExpression {
  const properties = entries
    .filter((e): e is readonly [string, ts.Expression] => e[1] !== undefined)
    .map(([k, v]) => f.createPropertyAssignment(objectLiteralKey(k), v));
  if (multiLine || printNode(f.createObjectLiteralExpression(properties, false)).length > ONE_LINE_MAX)
    return markMultiLine(f.createObjectLiteralExpression(properties, true));
  return f.createObjectLiteralExpression(properties, false);
}

/**
 * An array literal: on one line when it fits (or `multiLine` false), else one item per line; an item
 * on several lines (an object literal) breaks the array too, as Biome writes it.
 */
export function arr(items: readonly ts.Expression[], multiLine = false): ts.ArrayLiteralExpression {
  const broken =
    multiLine ||
    items.some(isMultiLine) ||
    (items.length >= 2 && printNode(f.createArrayLiteralExpression([...items], false)).length > ONE_LINE_MAX);
  const literal = f.createArrayLiteralExpression([...items], broken);
  return broken ? markMultiLine(literal) : literal;
}

export function call(
  callee: string,
  args: readonly ts.Expression[],
  typeArgs?: readonly ts.TypeNode[],
): ts.CallExpression {
  return f.createCallExpression(ref(callee), typeArgs ? [...typeArgs] : undefined, [...args]);
}

/**
 * `expr` marked `/* @__PURE__ *\/`: a bundler may drop the call when its result is unused (a schema
 * or subject template the application never imports), as it cannot know the call has no side effects.
 */
export function pure<T extends ts.Expression>(expr: T): T {
  return ts.addSyntheticLeadingComment(expr, ts.SyntaxKind.MultiLineCommentTrivia, ' @__PURE__ ', false);
}

/** A type reference, `T.Name` allowed. */
export function typeRef(name: string, args?: readonly ts.TypeNode[]): ts.TypeReferenceNode {
  const [head, ...rest] = name.split('.');
  const entity = rest.reduce<ts.EntityName>(
    (e, part) => f.createQualifiedName(e, part),
    f.createIdentifier(head as string),
  );
  return f.createTypeReferenceNode(entity, args ? [...args] : undefined);
}

/** A JSON primitive as a literal type. */
export function literalType(value: string | number | boolean | null): ts.LiteralTypeNode {
  if (value === null) return f.createLiteralTypeNode(f.createNull());
  if (typeof value === 'boolean') return f.createLiteralTypeNode(value ? f.createTrue() : f.createFalse());
  if (typeof value === 'string') return f.createLiteralTypeNode(str(value));
  return f.createLiteralTypeNode(numberExpression(value));
}

/** A property name: an identifier when it is one, else a quoted string. */
export function propertyName(name: string): ts.PropertyName {
  return isIdentifierName(name) ? f.createIdentifier(name) : str(name);
}

/**
 * A property name for an object literal. `__proto__: x` (quoted or not) would set the prototype
 * instead of defining a property, so that one name is computed.
 */
export function objectLiteralKey(name: string): ts.PropertyName {
  return name === '__proto__' ? f.createComputedPropertyName(str(name)) : propertyName(name);
}

/** `A | B`, without repeats; `unknown` absorbs everything. */
export function union(types: readonly ts.TypeNode[]): ts.TypeNode {
  const seen = new Map<string, ts.TypeNode>();
  for (const t of types) {
    if (t.kind === ts.SyntaxKind.UnknownKeyword) return t;
    const text = printNode(t);
    if (!seen.has(text)) seen.set(text, t);
  }
  const unique = [...seen.values()];
  return unique.length === 1 ? (unique[0] as ts.TypeNode) : f.createUnionTypeNode(unique);
}

export function keyword(kind: 'string' | 'unknown' | 'void' | 'never' | 'undefined'): ts.TypeNode {
  const kinds = {
    string: ts.SyntaxKind.StringKeyword,
    unknown: ts.SyntaxKind.UnknownKeyword,
    void: ts.SyntaxKind.VoidKeyword,
    never: ts.SyntaxKind.NeverKeyword,
    undefined: ts.SyntaxKind.UndefinedKeyword,
  } as const;
  return f.createKeywordTypeNode(kinds[kind]);
}

/** One member of a type literal. */
export interface Member {
  readonly name: string;
  readonly type: ts.TypeNode;
  readonly optional?: boolean;
  readonly doc?: string;
}

/** `{ readonly a: X; readonly b?: Y }` with JSDoc on members. */
export function typeLiteral(members: readonly Member[]): ts.TypeLiteralNode {
  return f.createTypeLiteralNode(
    members.map((m) => {
      const sig = f.createPropertySignature(
        [f.createModifier(ts.SyntaxKind.ReadonlyKeyword)],
        propertyName(m.name),
        m.optional ? f.createToken(ts.SyntaxKind.QuestionToken) : undefined,
        m.type,
      );
      return addDoc(sig, m.doc);
    }),
  );
}

/** `(params) => returns`. */
export function functionType(params: readonly ts.ParameterDeclaration[], returns: ts.TypeNode): ts.FunctionTypeNode {
  return f.createFunctionTypeNode(undefined, params, returns);
}

/** `Promise<T>`. */
export function promiseOf(type: ts.TypeNode): ts.TypeNode {
  return typeRef('Promise', [type]);
}

// ---- comments ----------------------------------------------------------------------------------------

/** Attach `text` as a JSDoc block to `node` (no-op without text). Returns the node. */
export function addDoc<T extends ts.Node>(node: T, text: string | undefined): T {
  if (text === undefined || text.trim() === '') return node;
  return ts.addSyntheticLeadingComment(node, ts.SyntaxKind.MultiLineCommentTrivia, docComment(text), true);
}

/**
 * Attach `text` as a one-line `/** … *\/` in front of an expression. No line break after it: in a
 * `return` or after `=>` a line break would end the statement.
 */
export function addInlineNote<T extends ts.Node>(node: T, text: string | undefined): T {
  if (text === undefined || text.trim() === '') return node;
  const line = docText(text).replace(/\s*\n\s*/g, ' ');
  return ts.addSyntheticLeadingComment(node, ts.SyntaxKind.MultiLineCommentTrivia, `* ${line} `, false);
}

/** Comment body for `/*…*\/`: a JSDoc block, with `*\/` escaped so the text can never end the comment. */
function docComment(text: string): string {
  const lines = wrapDoc(
    docText(text)
      .split('\n')
      .map((line) => line.trimEnd()),
  );
  if (lines.length === 1) return `* ${lines[0]} `;
  return `*\n${lines.map((line) => (line === '' ? ' *' : ` * ${line}`)).join('\n')}\n `;
}

/**
 * Comment text wider than this is wrapped at word boundaries, so that a comment stays within the
 * project's 120 columns at the nesting depths generated code has. Left as written: fenced and
 * indented code, table rows, tag lines (`@generated from …`), and the inside of inline tags (`{@link X}`); a list item's continuation
 * lines are indented under its text.
 */
const DOC_WIDTH = 100;

function wrapDoc(lines: readonly string[]): string[] {
  const out: string[] = [];
  let fenced = false;
  for (const line of lines) {
    if (/^\s*(```|~~~)/.test(line)) fenced = !fenced;
    if (
      fenced ||
      line.length <= DOC_WIDTH ||
      line.startsWith('@') ||
      /^\s*\|/.test(line) ||
      /^ {4}/.test(line) ||
      /^\s*(```|~~~)/.test(line)
    ) {
      out.push(line);
      continue;
    }
    const lead = /^\s*(?:(?:[-*+]|\d+[.)])\s+)?/.exec(line)?.[0] ?? '';
    const words = line.slice(lead.length).match(/\S*\{@[^}]*\}\S*|\S+/g) ?? [];
    let current = lead;
    let empty = true;
    for (const word of words) {
      if (!empty && current.length + 1 + word.length > DOC_WIDTH) {
        out.push(current);
        current = ' '.repeat(lead.length);
        empty = true;
      }
      current = empty ? `${current}${word}` : `${current} ${word}`;
      empty = false;
    }
    out.push(current);
  }
  return out;
}

/** JSDoc text from spec paragraphs (blank ones left out) and tags, for `addDoc` and the declaration builders. */
export function jsDoc(
  paragraphs: readonly (string | undefined)[],
  tags: readonly { tagName: string; text?: string }[] = [],
): string | undefined {
  const description = paragraphs
    .filter((p): p is string => p !== undefined && p.trim() !== '')
    .map((p) => p.replace(/\r\n?/g, '\n').trim())
    .join('\n\n');
  const tagLines = tags.map((t) => `@${t.tagName}${t.text !== undefined ? ` ${t.text}` : ''}`);
  const text = [description, tagLines.join('\n')].filter((p) => p !== '').join('\n\n');
  return text === '' ? undefined : text;
}

// ---- declarations ------------------------------------------------------------------------------------

function exported(isExported: boolean | undefined): ts.ModifierLike[] | undefined {
  return isExported ? [f.createModifier(ts.SyntaxKind.ExportKeyword)] : undefined;
}

/** `[export] type Name = type`. */
export function typeAlias(name: string, type: ts.TypeNode, opts: Decl = {}): ts.TypeAliasDeclaration {
  return addDoc(f.createTypeAliasDeclaration(exported(opts.isExported), name, undefined, type), opts.doc);
}

/** What every declaration builder takes besides its parts. */
export interface Decl {
  readonly isExported?: boolean;
  readonly doc?: string | undefined;
}

/** `[export] const name[: type] = initializer`. */
export function constDecl(
  name: string,
  initializer: ts.Expression,
  opts: Decl & { readonly type?: ts.TypeNode | undefined } = {},
): ts.VariableStatement {
  const declaration = f.createVariableDeclaration(name, undefined, opts.type, initializer);
  const list = f.createVariableDeclarationList([declaration], ts.NodeFlags.Const);
  return addDoc(f.createVariableStatement(exported(opts.isExported), list), opts.doc);
}

/** `[export] function name(params): returns { statements }`. */
export function functionDecl(
  name: string,
  params: readonly ts.ParameterDeclaration[],
  returns: ts.TypeNode,
  statements: readonly ts.Statement[],
  opts: Decl = {},
): ts.FunctionDeclaration {
  return addDoc(
    f.createFunctionDeclaration(
      exported(opts.isExported),
      undefined,
      name,
      undefined,
      params,
      returns,
      block(statements),
    ),
    opts.doc,
  );
}

/** `name[?]: type [= initializer]`. */
export function param(
  name: string,
  type: ts.TypeNode,
  opts: { readonly optional?: boolean; readonly initializer?: ts.Expression } = {},
): ts.ParameterDeclaration {
  const question = opts.optional ? f.createToken(ts.SyntaxKind.QuestionToken) : undefined;
  return f.createParameterDeclaration(undefined, undefined, name, question, type, opts.initializer);
}

/** `[export] class Name { members }`, built whole. */
export function classDecl(name: string, members: readonly ts.ClassElement[], opts: Decl = {}): ts.ClassDeclaration {
  return addDoc(f.createClassDeclaration(exported(opts.isExported), name, undefined, undefined, members), opts.doc);
}

/** `readonly #name: type` (a private field). */
export function privateField(name: string, type: ts.TypeNode): ts.PropertyDeclaration {
  const readonly = [f.createModifier(ts.SyntaxKind.ReadonlyKeyword)];
  return f.createPropertyDeclaration(readonly, f.createPrivateIdentifier(`#${name}`), undefined, type, undefined);
}

/** `constructor(params) { statements }`. */
export function ctor(
  params: readonly ts.ParameterDeclaration[],
  statements: readonly ts.Statement[],
  doc?: string,
): ts.ConstructorDeclaration {
  return addDoc(f.createConstructorDeclaration(undefined, params, block(statements)), doc);
}

/** `[async] name(params): returns { statements }`. */
export function method(
  name: string,
  params: readonly ts.ParameterDeclaration[],
  returns: ts.TypeNode,
  statements: readonly ts.Statement[],
  opts: { readonly doc?: string | undefined; readonly isAsync?: boolean } = {},
): ts.MethodDeclaration {
  const modifiers = opts.isAsync ? [f.createModifier(ts.SyntaxKind.AsyncKeyword)] : undefined;
  return addDoc(
    f.createMethodDeclaration(modifiers, undefined, name, undefined, undefined, params, returns, block(statements)),
    opts.doc,
  );
}

/** `get name(): returns { statements }`. */
export function getter(
  name: string,
  returns: ts.TypeNode,
  statements: readonly ts.Statement[],
  doc?: string,
): ts.GetAccessorDeclaration {
  return addDoc(f.createGetAccessorDeclaration(undefined, name, [], returns, block(statements)), doc);
}

// ---- statements and expressions ----------------------------------------------------------------------

function block(statements: readonly ts.Statement[]): ts.Block {
  return f.createBlock([...statements], true);
}

/** `return expr;`. */
export function ret(expr: ts.Expression): ts.ReturnStatement {
  return f.createReturnStatement(expr);
}

/** `expr;`. */
export function stmt(expr: ts.Expression): ts.ExpressionStatement {
  return f.createExpressionStatement(expr);
}

/** `await expr`. */
export function awaitExpr(expr: ts.Expression): ts.AwaitExpression {
  return f.createAwaitExpression(expr);
}

/** `this.#name`. */
export function thisField(name: string): ts.PropertyAccessExpression {
  return f.createPropertyAccessExpression(f.createThis(), f.createPrivateIdentifier(`#${name}`));
}

/** `target = value;`. */
export function assign(target: ts.Expression, value: ts.Expression): ts.ExpressionStatement {
  return stmt(f.createBinaryExpression(target, ts.SyntaxKind.EqualsToken, value));
}

/** `callee(args)` on any callee expression (`this.#core.track`). */
export function callOn(
  callee: ts.Expression,
  args: readonly ts.Expression[],
  typeArgs?: readonly ts.TypeNode[],
): ts.CallExpression {
  return f.createCallExpression(callee, typeArgs ? [...typeArgs] : undefined, [...args]);
}

/** `new Name(args)`. */
export function newExpr(name: string, args: readonly ts.Expression[]): ts.NewExpression {
  return f.createNewExpression(ref(name), undefined, [...args]);
}

/** `a.b` on any expression. */
export function member(target: ts.Expression, name: string): ts.PropertyAccessExpression {
  return f.createPropertyAccessExpression(target, name);
}

/** `value === undefined ? whenUndefined : otherwise`. */
export function ifUndefined(
  value: ts.Expression,
  whenUndefined: ts.Expression,
  otherwise: ts.Expression,
): ts.Expression {
  return f.createConditionalExpression(
    f.createStrictEquality(value, f.createIdentifier('undefined')),
    f.createToken(ts.SyntaxKind.QuestionToken),
    whenUndefined,
    f.createToken(ts.SyntaxKind.ColonToken),
    otherwise,
  );
}

/** `{ ...a, ...b }` on one line. */
export function spreadAll(items: readonly ts.Expression[]): ts.ObjectLiteralExpression {
  return f.createObjectLiteralExpression(
    items.map((e) => f.createSpreadAssignment(e)),
    false,
  );
}

/** `import [type] { a, type b } from 'module'`. */
export function importNamed(
  module: string,
  names: readonly (readonly [string, boolean])[],
  typeOnly: boolean,
): ts.ImportDeclaration {
  const specifiers = names.map(([name, t]) =>
    f.createImportSpecifier(!typeOnly && t, undefined, f.createIdentifier(name)),
  );
  const clause = f.createImportClause(
    typeOnly ? ts.SyntaxKind.TypeKeyword : undefined,
    undefined,
    f.createNamedImports(specifiers),
  );
  return f.createImportDeclaration(undefined, clause, str(module));
}

/** `import [type] * as alias from 'module'`. */
export function importNamespace(module: string, alias: string, typeOnly: boolean): ts.ImportDeclaration {
  const clause = f.createImportClause(
    typeOnly ? ts.SyntaxKind.TypeKeyword : undefined,
    undefined,
    f.createNamespaceImport(f.createIdentifier(alias)),
  );
  return f.createImportDeclaration(undefined, clause, str(module));
}

/** `export [type] { a, b } from 'module'`. */
export function exportFrom(module: string, names: readonly string[], typeOnly: boolean): ts.ExportDeclaration {
  const specifiers = names.map((n) => f.createExportSpecifier(false, undefined, n));
  return f.createExportDeclaration(undefined, typeOnly, f.createNamedExports(specifiers), str(module));
}

/** `(() => body)`: an arrow function without parameters, in parentheses so it can be called. */
export function arrow(body: ts.Expression): ts.ParenthesizedExpression {
  const fn = f.createArrowFunction(
    undefined,
    undefined,
    [],
    undefined,
    f.createToken(ts.SyntaxKind.EqualsGreaterThanToken),
    body,
  );
  return f.createParenthesizedExpression(fn);
}

/** `expr satisfies type`. */
export function satisfies(expr: ts.Expression, type: ts.TypeNode): ts.SatisfiesExpression {
  return f.createSatisfiesExpression(expr, type);
}
