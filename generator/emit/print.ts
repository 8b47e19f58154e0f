/**
 * The one printer of generated code: TypeScript's own printer for every node, and a small layout step
 * on top of it that keeps code lines within the project's 120 columns (biome.json).
 *
 * TypeScript's printer writes an argument, parameter or import list on one line however long it gets,
 * and indents by four spaces. So a node is printed as a whole first; only when a code line of it is too
 * long are its parts printed apart: a part that is too long is replaced by a placeholder identifier, the
 * node printed again, and the part's own layout put where the placeholder is. A list (arguments, type
 * arguments, parameters, named imports) whose line is still too long is written one item per line, as
 * Biome writes it. Everything is decided on nodes; text is only joined, never scanned for brackets.
 *
 * Indentation: the printer's four spaces per level are made two by `twoSpace`, the one step after
 * printing. It only touches the leading spaces of a line, which in generated code are always
 * indentation: string literals are printed with `\n` escaped, and no template literal is generated.
 */
import { ts } from 'ts-morph';

/** The line width of generated code (the project's own, biome.json). */
export const LINE_WIDTH = 120;

const printer = ts.createPrinter({ newLine: ts.NewLineKind.LineFeed, removeComments: false });
const scratch = ts.createSourceFile('print.ts', '', ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
const f = ts.factory;

const multiLine = new WeakSet<ts.Node>();

/** Records that `node` (an object or array literal built with `multiLine`) prints on several lines. */
export function markMultiLine<T extends ts.Node>(node: T): T {
  multiLine.add(node);
  return node;
}

/** True for a literal recorded by `markMultiLine`. */
export function isMultiLine(node: ts.Node): boolean {
  return multiLine.has(node);
}

/** `node` as TypeScript prints it (four-space indentation): for measuring and comparing nodes. */
export function printNode(node: ts.Node): string {
  return printer.printNode(ts.EmitHint.Unspecified, node, scratch);
}

/** Leading spaces of every line halved per level of four: the printer's indentation, made the project's. */
export function twoSpace(text: string): string {
  return text.replace(/^( {4})+/gm, (run) => ' '.repeat(run.length / 2));
}

/** Where a node's text goes: columns left on its lines, and taken before and after it on its first and last. */
interface Room {
  readonly width: number;
  readonly lead: number;
  readonly trail: number;
}

/** `node` printed with two-space indentation and its code lines wrapped within `width` where they can be. */
export function layout(node: ts.Node, width: number = LINE_WIDTH): string {
  return arrange(node, { width, lead: 0, trail: 0 });
}

function arrange(node: ts.Node, room: Room): string {
  if (ts.isClassDeclaration(node)) return classLayout(node, room);
  const text = twoSpace(printNode(node));
  if (fits(text, room)) return text;
  const parts = tooLong(node, room);
  const chained = chain(node);
  if (chained !== undefined) {
    const broken = breakChain(chained, room);
    if (broken !== undefined) return broken;
  }
  // The outermost list first, as Biome breaks them: a call's arguments before a call among them.
  const list = ownList(node);
  if (list !== undefined) {
    const broken = breakList(list, parts, room);
    if (broken !== undefined) return broken;
  }
  if (parts.size > 0) return substitute(node, parts, room);
  const last = lastBreakable(node);
  return last === undefined ? text : substitute(node, new Set([last]), room);
}

/** True when every code line fits (comment lines are prose and are left as they are). */
function fits(text: string, room: Room): boolean {
  const lines = text.split('\n');
  return lines.every((line, i) => {
    const extra = (i === 0 ? room.lead : 0) + (i === lines.length - 1 ? room.trail : 0);
    return line.length + extra <= room.width || isComment(line);
  });
}

/** A line of a comment: inside a block, a whole `/* … *\/` or `// …`, or a block's first line. */
function isComment(line: string): boolean {
  return /^\s*(\*|\/\/|\/\*.*\*\/\s*$|\/\*(?!.*\*\/))/.test(line);
}

// ---- parts: the children printed apart, through a placeholder --------------------------------------

let holeCount = 0;

/** A placeholder of the same syntactic kind as `node`, or undefined when `node` is not one we replace. */
function holeFor(node: ts.Node, name: string): ts.Node | undefined {
  if (ts.isTypeNode(node)) return f.createTypeReferenceNode(name);
  if (ts.isParameter(node)) return f.createParameterDeclaration(undefined, undefined, name);
  if (ts.isClassElement(node)) return f.createPropertyDeclaration(undefined, name, undefined, undefined, undefined);
  if (ts.isTypeElement(node)) return f.createPropertySignature(undefined, name, undefined, undefined);
  if (ts.isObjectLiteralElementLike(node)) return f.createShorthandPropertyAssignment(name);
  if (ts.isStatement(node)) return f.createExpressionStatement(f.createIdentifier(name));
  if (ts.isExpression(node) && !ts.isIdentifier(node)) return f.createIdentifier(name);
  return undefined;
}

/** Kinds whose children TypeScript already puts one per line: looked into rather than replaced. */
function isContainer(node: ts.Node): boolean {
  return (
    ts.isBlock(node) ||
    ts.isTypeLiteralNode(node) ||
    ts.isObjectLiteralExpression(node) ||
    ts.isVariableDeclarationList(node) ||
    ts.isVariableDeclaration(node) ||
    ts.isPropertyAssignment(node) ||
    ts.isPropertySignature(node)
  );
}

/** The parts of `node` (looking through containers) whose own text does not fit. */
function tooLong(node: ts.Node, room: Room): Set<ts.Node> {
  const found = new Set<ts.Node>();
  const visit = (child: ts.Node, depth: number): void => {
    if (isContainer(child)) {
      const inner = ts.isBlock(child) || ts.isTypeLiteralNode(child) || ts.isObjectLiteralExpression(child);
      ts.forEachChild(child, (c) => visit(c, inner ? depth + 1 : depth));
      return;
    }
    if (holeFor(child, '_') === undefined) {
      ts.forEachChild(child, (c) => visit(c, depth));
      return;
    }
    if (!fits(twoSpace(printNode(child)), { width: room.width - 2 * depth, lead: 0, trail: 0 })) found.add(child);
  };
  ts.forEachChild(node, (c) => visit(c, 0));
  return found;
}

/**
 * The widest part of `node` (looking through parts that are not replaced) that has a list to break,
 * the last of equals, for a line too long with no part too long alone: breaking the widest part
 * gains the most (`f(['a', 'b']) satisfies T<X>` breaks the array, not `<X>`).
 */
function lastBreakable(node: ts.Node): ts.Node | undefined {
  let best: ts.Node | undefined;
  let bestWidth = -1;
  const consider = (candidate: ts.Node | undefined): void => {
    if (candidate === undefined) return;
    const width = printNode(candidate).length;
    if (width >= bestWidth) {
      best = candidate;
      bestWidth = width;
    }
  };
  ts.forEachChild(node, (child) => {
    if (holeFor(child, '_') === undefined) consider(lastBreakable(child));
    else if (ownList(child) !== undefined || lastBreakable(child) !== undefined) consider(child);
  });
  return best;
}

/** `node` with `parts` replaced by placeholders: the node and a map from placeholder to part. */
function withHoles(node: ts.Node, parts: ReadonlySet<ts.Node>): { node: ts.Node; holes: Map<string, ts.Node> } {
  const holes = new Map<string, ts.Node>();
  if (parts.size === 0) return { node, holes };
  const result = ts.transform(node, [
    (ctx) => (root) => {
      const visit = (child: ts.Node): ts.Node => {
        if (parts.has(child)) {
          const name = `__layout_${holeCount++}__`;
          holes.set(name, child);
          return holeFor(child, name) as ts.Node;
        }
        return ts.visitEachChild(child, visit, ctx);
      };
      return ts.visitEachChild(root, visit, ctx);
    },
  ]);
  const out = result.transformed[0] as ts.Node;
  result.dispose();
  return { node: out, holes };
}

/** `node` printed with each of `parts` laid out on its own, in its place. */
function substitute(node: ts.Node, parts: ReadonlySet<ts.Node>, room: Room): string {
  const { node: holed, holes } = withHoles(node, parts);
  const text = twoSpace(printNode(holed));
  return placeable(text, holes.keys()) ? fill(text, holes, room) : twoSpace(printNode(node));
}

/**
 * True when each placeholder occurs once in `text`. A spec string that happens to spell one (in an
 * example or an enum) would otherwise be mistaken for it; such a node is then left unwrapped.
 */
function placeable(text: string, names: Iterable<string>): boolean {
  for (const name of names) if (text.indexOf(name) !== text.lastIndexOf(name) || !text.includes(name)) return false;
  return true;
}

/** Puts the layout of each part where its placeholder is, with the room left there. */
function fill(text: string, holes: ReadonlyMap<string, ts.Node | ((room: Room) => string)>, room: Room): string {
  const lines = text.split('\n');
  const out: string[] = [];
  lines.forEach((line, i) => {
    let current = line;
    for (const [name, part] of holes) {
      const at = current.indexOf(name);
      if (at < 0) continue;
      const indent = current.length - current.trimStart().length;
      const wholeLine = current.trim() === `${name};` && typeof part !== 'function' && !ts.isExpression(part);
      const before = wholeLine ? current.slice(0, indent) : current.slice(0, at);
      const after = wholeLine ? '' : current.slice(at + name.length);
      const first = i === 0;
      const last = i === lines.length - 1;
      const partRoom: Room = {
        width: room.width - (first ? 0 : indent),
        lead: wholeLine ? (first ? room.lead : 0) : before.length - (first ? -room.lead : indent),
        trail: after.length + (last ? room.trail : 0),
      };
      const printed = typeof part === 'function' ? part(partRoom) : arrange(part, partRoom);
      const pad = ' '.repeat(first ? 0 : indent);
      current = before + printed.split('\n').join(`\n${pad}`) + after;
    }
    out.push(current);
  });
  return out.join('\n');
}

// ---- lists written one item per line ---------------------------------------------------------------

interface List {
  readonly items: readonly ts.Node[];
  readonly open: string;
  readonly close: string;
  /** Biome writes a trailing comma after the last item (not in type argument lists). */
  readonly trailingComma: boolean;
  /** The node with the list replaced by one placeholder item. */
  readonly replace: (name: string) => ts.Node;
}

function ownList(node: ts.Node): List | undefined {
  const id = (name: string) => f.createIdentifier(name);
  const param = (name: string) => f.createParameterDeclaration(undefined, undefined, name);
  const [sole] = ts.isCallExpression(node) && node.arguments.length === 1 ? node.arguments : [];
  if (ts.isCallExpression(node) && sole !== undefined && ts.isArrayLiteralExpression(sole) && sole.elements.length > 0)
    // A sole array argument is hugged: `z.union([` and `])` stay together, the items go one per line.
    return list(sole.elements, '([', '])', true, (n) =>
      f.updateCallExpression(node, node.expression, node.typeArguments, [f.createArrayLiteralExpression([id(n)])]),
    );
  if (ts.isArrayLiteralExpression(node) && node.elements.length > 0)
    return list(node.elements, '[', ']', true, (n) => f.createArrayLiteralExpression([id(n)]));
  if (ts.isCallExpression(node) && node.arguments.length > 0)
    return list(node.arguments, '(', ')', true, (n) =>
      f.updateCallExpression(node, node.expression, node.typeArguments, [id(n)]),
    );
  if (ts.isNewExpression(node) && node.arguments !== undefined && node.arguments.length > 0)
    return list(node.arguments, '(', ')', true, (n) =>
      f.updateNewExpression(node, node.expression, node.typeArguments, [id(n)]),
    );
  if (ts.isTypeReferenceNode(node) && node.typeArguments !== undefined && node.typeArguments.length > 0)
    return list(node.typeArguments, '<', '>', false, (n) =>
      f.updateTypeReferenceNode(node, node.typeName, f.createNodeArray([f.createTypeReferenceNode(n)])),
    );
  if (ts.isFunctionDeclaration(node) && node.parameters.length > 0)
    return list(node.parameters, '(', ')', true, (n) =>
      f.updateFunctionDeclaration(
        node,
        node.modifiers,
        node.asteriskToken,
        node.name,
        node.typeParameters,
        [param(n)],
        node.type,
        node.body,
      ),
    );
  if (ts.isMethodDeclaration(node) && node.parameters.length > 0)
    return list(node.parameters, '(', ')', true, (n) =>
      f.updateMethodDeclaration(
        node,
        node.modifiers,
        node.asteriskToken,
        node.name,
        node.questionToken,
        node.typeParameters,
        [param(n)],
        node.type,
        node.body,
      ),
    );
  if (ts.isFunctionTypeNode(node) && node.parameters.length > 0)
    return list(node.parameters, '(', ')', true, (n) =>
      f.updateFunctionTypeNode(node, node.typeParameters, f.createNodeArray([param(n)]), node.type),
    );
  const named = ts.isImportDeclaration(node) ? node.importClause?.namedBindings : undefined;
  if (ts.isImportDeclaration(node) && named !== undefined && ts.isNamedImports(named)) {
    const clause = node.importClause as ts.ImportClause;
    return list(named.elements, '{ ', ' }', true, (n) =>
      f.updateImportDeclaration(
        node,
        node.modifiers,
        f.updateImportClause(
          clause,
          clause.phaseModifier,
          clause.name,
          f.updateNamedImports(named, [f.createImportSpecifier(false, undefined, id(n))]),
        ),
        node.moduleSpecifier,
        node.attributes,
      ),
    );
  }
  const exported = ts.isExportDeclaration(node) ? node.exportClause : undefined;
  if (ts.isExportDeclaration(node) && exported !== undefined && ts.isNamedExports(exported))
    return list(exported.elements, '{ ', ' }', true, (n) =>
      f.updateExportDeclaration(
        node,
        node.modifiers,
        node.isTypeOnly,
        f.updateNamedExports(exported, [f.createExportSpecifier(false, undefined, id(n))]),
        node.moduleSpecifier,
        node.attributes,
      ),
    );
  return undefined;
}

function list(
  items: readonly ts.Node[],
  open: string,
  close: string,
  trailingComma: boolean,
  replace: (name: string) => ts.Node,
): List {
  return { items, open, close, trailingComma, replace };
}

/**
 * `node` with its list one item per line, each item laid out on its own; other `parts` too long
 * alone are laid out as in `substitute`. Undefined when the list's line fits as it is.
 */
function breakList(own: List, parts: ReadonlySet<ts.Node>, room: Room): string | undefined {
  const name = `__layout_${holeCount++}__`;
  const others = new Set([...parts].filter((p) => !own.items.includes(p)));
  const { node: holed, holes } = withHoles(own.replace(name), others);
  const marker = `${own.open}${name}${own.close}`;
  const text = twoSpace(printNode(holed));
  if (!placeable(text, [name, marker, ...holes.keys()])) return undefined;
  const filled = new Map<string, ts.Node | ((room: Room) => string)>(holes);
  const lines = text.split('\n');
  const lineIndex = lines.findIndex((line) => line.includes(marker));
  const oneLine = own.items.map((item) => twoSpace(printNode(item))).join(', ');
  const inline = (lines[lineIndex] ?? '').replace(name, () => oneLine).split('\n');
  const lead = lineIndex === 0 ? room.lead : 0;
  const trail = lineIndex === lines.length - 1 ? room.trail : 0;
  const head = inline[0] as string;
  const tail = inline.at(-1) as string;
  const fitsInline =
    inline.length === 1
      ? head.length + lead + trail <= room.width
      : head.length + lead <= room.width && tail.length + trail <= room.width;
  if (fitsInline) return undefined;
  filled.set(marker, (at) => {
    const rows = own.items.map((item, i) => {
      const comma = own.trailingComma || i < own.items.length - 1 ? ',' : '';
      const printed = arrange(item, { width: at.width - 2, lead: 0, trail: comma.length });
      return `  ${printed.split('\n').join('\n  ')}${comma}`;
    });
    return `${own.open.trim()}\n${rows.join('\n')}\n${own.close.trim()}`;
  });
  return fill(text, filled, room);
}

// ---- call chains: one call per line --------------------------------------------------------------

/** A chain of three calls or more (`z.string().min(1).optional()`): what it starts from, then each call. */
interface Chain {
  readonly head: ts.Expression;
  readonly links: readonly ts.CallExpression[];
}

function chain(node: ts.Node): Chain | undefined {
  const links: ts.CallExpression[] = [];
  let current: ts.Node = node;
  while (ts.isCallExpression(current) && ts.isPropertyAccessExpression(current.expression)) {
    links.unshift(current);
    current = current.expression.expression;
  }
  return links.length >= 3 ? { head: current as ts.Expression, links } : undefined;
}

/**
 * A chain whose first or last line is too long, one `.call()` per line below what it starts from, as
 * Biome writes it; undefined when those lines fit (a part too long alone is then laid out on its own).
 */
function breakChain({ head, links }: Chain, room: Room): string | undefined {
  const link = (call: ts.CallExpression, at: Room): string => {
    const access = call.expression as ts.PropertyAccessExpression;
    const alone = f.createCallExpression(access.name, call.typeArguments, call.arguments);
    return `.${arrange(alone, { ...at, lead: at.lead + 1 })}`;
  };
  const whole = twoSpace(printNode(links.at(-1) as ts.Node)).split('\n');
  const first = whole[0] as string;
  const last = whole.at(-1) as string;
  const fitsWhole =
    whole.length === 1
      ? first.length + room.lead + room.trail <= room.width
      : first.length + room.lead <= room.width && last.length + room.trail <= room.width;
  if (fitsWhole) return undefined;
  const rows = links.map((call, i) => {
    const printed = link(call, { width: room.width - 2, lead: 0, trail: i === links.length - 1 ? room.trail : 0 });
    return `  ${printed.split('\n').join('\n  ')}`;
  });
  return [arrange(head, { width: room.width, lead: room.lead, trail: 0 }), ...rows].join('\n');
}

// ---- classes: members apart, a blank line between them ---------------------------------------------

/**
 * A class with a blank line between its members, as the project's own code has them (none between
 * consecutive fields), each member laid out on its own.
 */
function classLayout(node: ts.ClassDeclaration, room: Room): string {
  const empty = f.updateClassDeclaration(
    node,
    node.modifiers,
    node.name,
    node.typeParameters,
    node.heritageClauses,
    [],
  );
  const shell = twoSpace(printNode(empty));
  const open = shell.lastIndexOf('{');
  const members = node.members.map((member, i) => {
    const printed = arrange(member, { width: room.width - 2, lead: 0, trail: 0 });
    const gap =
      i > 0 && !(ts.isPropertyDeclaration(member) && ts.isPropertyDeclaration(node.members[i - 1] as ts.Node));
    return `${gap ? '\n' : ''}  ${printed.split('\n').join('\n  ')}`.replace(/^ +$/gm, '');
  });
  return `${shell.slice(0, open + 1)}\n${members.join('\n')}\n}`;
}
