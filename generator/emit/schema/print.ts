/**
 * The shared printer and the small node builders both schema emitters use: JSDoc comments, property
 * names, literals. Everything that ends up in generated code goes through `ts.factory` here.
 */
import { ts } from 'ts-morph';
import { docText, isIdentifierName } from '../../naming.js';

const printer = ts.createPrinter({ newLine: ts.NewLineKind.LineFeed, removeComments: false });
const scratch = ts.createSourceFile('print.ts', '', ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);

/** Print any node (expression, type, statement) with the one shared printer. */
export function printNode(node: ts.Node): string {
  return guardTrailingBackslash(printer.printNode(ts.EmitHint.Unspecified, node, scratch));
}

const scanner = ts.createScanner(ts.ScriptTarget.Latest, false, ts.LanguageVariant.Standard);

/**
 * ts-morph's code writer, which our printed text passes through, reads the closing quote of a
 * literal ending in an escaped backslash (`'a \\'`) as escaped, stays "inside the string", and then
 * mistakes a later `/*` in another string for a comment, corrupting the file (measured with ts-morph
 * 28). Writing that last backslash as the equivalent `\x5c` avoids the pattern; nothing else changes.
 */
export function guardTrailingBackslash(text: string): string {
  if (!text.includes('\\\\')) return text;
  scanner.setText(text);
  let out = '';
  let last = 0;
  for (let kind = scanner.scan(); kind !== ts.SyntaxKind.EndOfFileToken; kind = scanner.scan()) {
    if (kind !== ts.SyntaxKind.StringLiteral) continue;
    const start = scanner.getTokenStart();
    const end = scanner.getTokenEnd();
    const literal = text.slice(start, end);
    if (/(^|[^\\])(\\\\)+.$/.test(literal)) {
      out += `${text.slice(last, start) + literal.slice(0, -3)}\\x5c${literal.slice(-1)}`;
      last = end;
    }
  }
  return out + text.slice(last);
}

/** Attach `text` as a JSDoc block to `node` (no-op without text). Returns the node. */
export function addDoc<T extends ts.Node>(node: T, text: string | undefined): T {
  if (text === undefined || text.trim() === '') return node;
  return ts.addSyntheticLeadingComment(node, ts.SyntaxKind.MultiLineCommentTrivia, jsDoc(text), true);
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
function jsDoc(text: string): string {
  const lines = docText(text)
    .split('\n')
    .map((line) => line.trimEnd());
  if (lines.length === 1) return `* ${lines[0]} `;
  return `*\n${lines.map((line) => (line === '' ? ' *' : ` * ${line}`)).join('\n')}\n `;
}

/** A property name: an identifier when it is one, else a quoted string. */
export function propertyName(name: string): ts.PropertyName {
  return isIdentifierName(name) ? ts.factory.createIdentifier(name) : ts.factory.createStringLiteral(name, true);
}

/**
 * A property name for an object literal. `__proto__: x` (quoted or not) would set the prototype
 * instead of defining a property, so that one name is computed.
 */
export function objectLiteralKey(name: string): ts.PropertyName {
  return name === '__proto__'
    ? ts.factory.createComputedPropertyName(ts.factory.createStringLiteral(name, true))
    : propertyName(name);
}

/** A JSON primitive as an expression. */
export function literalExpression(value: string | number | boolean | null): ts.Expression {
  if (value === null) return ts.factory.createNull();
  if (typeof value === 'boolean') return value ? ts.factory.createTrue() : ts.factory.createFalse();
  if (typeof value === 'string') return ts.factory.createStringLiteral(value, true);
  return numberExpression(value);
}

/** A finite number as an expression (negative numbers are a prefix minus). */
export function numberExpression(value: number): ts.PrefixUnaryExpression | ts.NumericLiteral {
  const literal = ts.factory.createNumericLiteral(String(Math.abs(value)));
  return value < 0 ? ts.factory.createPrefixUnaryExpression(ts.SyntaxKind.MinusToken, literal) : literal;
}

/** A JSON primitive as a literal type. */
export function literalType(value: string | number | boolean | null): ts.LiteralTypeNode {
  if (value === null) return ts.factory.createLiteralTypeNode(ts.factory.createNull());
  if (typeof value === 'boolean') {
    return ts.factory.createLiteralTypeNode(value ? ts.factory.createTrue() : ts.factory.createFalse());
  }
  if (typeof value === 'string') return ts.factory.createLiteralTypeNode(ts.factory.createStringLiteral(value, true));
  return ts.factory.createLiteralTypeNode(numberExpression(value));
}
