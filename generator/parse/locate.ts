/**
 * Maps JSON pointers to line and column in the YAML (or JSON) text, so that problems and
 * `@generated from` comments can point at the spec a person edits.
 */
import { isMap, isScalar, isSeq, LineCounter, type Node, parseDocument } from 'yaml';

/** 1-based position in a text file. */
export interface Position {
  readonly line: number;
  readonly column: number;
}

function decodeSegment(segment: string): string {
  return segment.replace(/~1/g, '/').replace(/~0/g, '~');
}

/** Splits `/a/b~1c` into `['a', 'b/c']`. */
export function splitPointer(pointer: string): string[] {
  if (pointer === '' || pointer === '/') return [];
  return pointer.replace(/^#?\//, '').split('/').map(decodeSegment);
}

/**
 * One YAML tree, as the walk below sees it: the yaml package's document (`fromText`), or the
 * @stoplight/yaml tree the AsyncAPI parser already built of the same text (`fromParserTree`).
 */
interface Tree<N> {
  readonly root: N | null;
  /** The entries of a mapping (scalar keys as strings), or undefined when `node` is not one. */
  entries(node: N | null): { key: string | undefined; keyNode: N; value: N | null }[] | undefined;
  /** The items of a sequence, or undefined when `node` is not one. */
  items(node: N | null): readonly (N | null)[] | undefined;
  /** The value of a scalar node, or undefined. */
  scalar(node: N | null): unknown;
  /** Where `node` starts in the text. */
  offset(node: N): number | undefined;
}

/** The yaml package's tree. */
function yamlTree(root: Node | null): Tree<Node> {
  return {
    root,
    entries: (node) =>
      isMap(node)
        ? node.items.map((p) => ({
            key: isScalar(p.key) ? String(p.key.value) : undefined,
            keyNode: p.key as Node,
            value: (p.value as Node | null) ?? null,
          }))
        : undefined,
    items: (node) => (isSeq(node) ? (node.items as (Node | null)[]) : undefined),
    scalar: (node) => (isScalar(node) ? node.value : undefined),
    offset: (node) => node.range?.[0],
  };
}

/** A node of @stoplight/yaml's tree (yaml-ast-parser), as much of it as is read here. */
interface ParserNode {
  readonly kind: number;
  readonly startPosition: number;
  readonly value?: unknown;
  readonly mappings?: readonly { readonly key: ParserNode; readonly value: ParserNode | null }[];
  readonly items?: readonly (ParserNode | null)[];
}

// yaml-ast-parser's node kinds.
const SCALAR = 0;
const MAP = 2;
const SEQ = 3;

/** @stoplight/yaml's tree. */
function parserTree(root: ParserNode | null): Tree<ParserNode> {
  return {
    root,
    entries: (node) =>
      node?.kind === MAP
        ? (node.mappings ?? []).map((m) => ({
            key: m.key.kind === SCALAR ? String(m.key.value) : undefined,
            keyNode: m.key,
            value: m.value ?? null,
          }))
        : undefined,
    items: (node) => (node?.kind === SEQ ? (node.items ?? []) : undefined),
    scalar: (node) => (node?.kind === SCALAR ? node.value : undefined),
    offset: (node) => node.startPosition,
  };
}

/** A mapping key met by {@link SourceMap.forEachKey}; valid during the call only (it is reused). */
export interface KeyVisit<C> {
  /** Segments from the root to the key, the key last (array indices as strings). */
  readonly path: readonly string[];
  readonly key: string;
  /** What the visit of the enclosing key returned (the root's `context` at the top). */
  readonly context: C;
  /** Where the key is written (computed when asked). */
  position(): Position;
}

/** Positions of nodes in one YAML document, found by JSON pointer. Follows local `$ref`s. */
export class SourceMap {
  readonly #tree: Tree<unknown>;
  readonly #lines: LineCounter;
  /** Turns a pointer of the document the caller holds into one of this text (see {@link translated}). */
  readonly #translate: ((pointer: string) => string) | undefined;

  private constructor(tree: Tree<unknown>, lines: LineCounter, translate?: (pointer: string) => string) {
    this.#tree = tree;
    this.#lines = lines;
    this.#translate = translate;
  }

  /** Parses `text` with the yaml package. */
  static fromText(text: string): SourceMap {
    const lines = new LineCounter();
    const doc = parseDocument(text, { lineCounter: lines, keepSourceTokens: false, uniqueKeys: false });
    return new SourceMap(yamlTree((doc.contents as Node | null) ?? null) as Tree<unknown>, lines);
  }

  /**
   * Reuses the tree the AsyncAPI parser built of `text` (its Spectral document's, see parse.ts), so
   * the text is not parsed a second time (0.3-0.6 s for a 590 KB spec); same positions as
   * {@link fromText} (test/unit/locate.test.ts compares them). Undefined when `tree` is not one.
   */
  static fromParserTree(text: string, tree: unknown): SourceMap | undefined {
    const root = tree as ParserNode | null | undefined;
    if (root === undefined || (root !== null && typeof root.kind !== 'number')) return undefined;
    const lines = new LineCounter();
    lines.addNewLine(0);
    for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) lines.addNewLine(i + 1);
    return new SourceMap(parserTree(root) as Tree<unknown>, lines);
  }

  /**
   * Position of the node at `pointer` (of its key, when it is a mapping entry). When the path does
   * not exist, the deepest node that does; line 1 column 1 when nothing matches.
   */
  locate(pointer: string): Position {
    const own = this.#translate ? this.#translate(pointer) : pointer;
    return this.#walk(splitPointer(own), 0) ?? { line: 1, column: 1 };
  }

  /**
   * The same text, located through `translate`: for a document converted from this one (AsyncAPI
   * 2.x to 3.0), `translate` turns a pointer of the converted document into the pointer of the node
   * it came from here, so positions stay those of the file a person edits.
   */
  translated(translate: (pointer: string) => string): SourceMap {
    return new SourceMap(this.#tree, this.#lines, translate);
  }

  /**
   * Visits every mapping key of the text as written (no `$ref` is followed), depth first, in order.
   * `visit` returns the context of the key's value (its keys' `context`), or undefined not to look
   * inside it; items of sequences are always entered, with their sequence's context.
   */
  forEachKey<C>(context: C, visit: (key: KeyVisit<C>) => C | undefined): void {
    const tree = this.#tree;
    const path: string[] = [];
    let keyNode: unknown;
    // One object for every call (a spec of 590 KB has some 23,000 keys).
    const current = {
      path,
      key: '',
      context,
      position: (): Position => this.#pos(keyNode) ?? { line: 1, column: 1 },
    };
    const walk = (node: unknown, inside: C): void => {
      const entries = tree.entries(node);
      if (entries !== undefined) {
        for (const entry of entries) {
          if (entry.key === undefined) continue;
          path.push(entry.key);
          current.key = entry.key;
          current.context = inside;
          keyNode = entry.keyNode;
          const inner = visit(current);
          if (inner !== undefined && entry.value !== null) walk(entry.value, inner);
          path.pop();
        }
        return;
      }
      const items = tree.items(node);
      if (items === undefined) return;
      for (let i = 0; i < items.length; i++) {
        path.push(String(i));
        walk(items[i], inside);
        path.pop();
      }
    };
    walk(tree.root, context);
  }

  #walk(segments: readonly string[], depth: number): Position | undefined {
    if (depth > 32) return undefined; // a $ref loop in a broken spec
    const tree = this.#tree;
    let node: unknown = tree.root;
    let found: Position | undefined = node !== null ? this.#pos(node) : undefined;
    for (let i = 0; i < segments.length; i++) {
      const seg = segments[i] as string;
      const entries = tree.entries(node);
      const items = entries === undefined ? tree.items(node) : undefined;
      if (entries !== undefined) {
        const entry = entries.find((e) => e.key === seg);
        if (!entry) {
          const ref = entries.find((e) => e.key === '$ref');
          const value = ref ? tree.scalar(ref.value) : undefined;
          const target = value !== undefined ? String(value) : undefined;
          if (target?.startsWith('#/')) {
            return this.#walk([...splitPointer(target), ...segments.slice(i)], depth + 1) ?? found;
          }
          return found;
        }
        found = this.#pos(entry.keyNode) ?? found;
        node = entry.value;
      } else if (items !== undefined) {
        const item = items[Number(seg)];
        if (item === undefined || item === null) return found;
        node = item;
        found = this.#pos(item) ?? found;
      } else {
        return found;
      }
    }
    return found;
  }

  #pos(node: unknown): Position | undefined {
    const offset = this.#tree.offset(node);
    if (offset === undefined) return undefined;
    const p = this.#lines.linePos(offset);
    return { line: p.line, column: p.col };
  }
}
