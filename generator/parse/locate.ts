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

/** Positions of nodes in one YAML document, found by JSON pointer. Follows local `$ref`s. */
export class SourceMap {
  readonly #root: Node | null;
  readonly #lines: LineCounter;

  constructor(text: string) {
    this.#lines = new LineCounter();
    const doc = parseDocument(text, { lineCounter: this.#lines, keepSourceTokens: false, uniqueKeys: false });
    this.#root = (doc.contents as Node | null) ?? null;
  }

  /**
   * Position of the node at `pointer` (of its key, when it is a mapping entry). When the path does
   * not exist, the deepest node that does; line 1 column 1 when nothing matches.
   */
  locate(pointer: string): Position {
    return this.#walk(splitPointer(pointer), 0) ?? { line: 1, column: 1 };
  }

  #walk(segments: readonly string[], depth: number): Position | undefined {
    if (depth > 32) return undefined; // a $ref loop in a broken spec
    let node: Node | null = this.#root;
    let found: Position | undefined = node ? this.#pos(node) : undefined;
    for (let i = 0; i < segments.length; i++) {
      const seg = segments[i] as string;
      if (isMap(node)) {
        const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === seg);
        if (!pair) {
          const ref = node.items.find((p) => isScalar(p.key) && p.key.value === '$ref');
          const target = ref && isScalar(ref.value) ? String(ref.value.value) : undefined;
          if (target?.startsWith('#/')) {
            return this.#walk([...splitPointer(target), ...segments.slice(i)], depth + 1) ?? found;
          }
          return found;
        }
        found = (isScalar(pair.key) && this.#pos(pair.key)) || found;
        node = (pair.value as Node | null) ?? null;
      } else if (isSeq(node)) {
        const item = node.items[Number(seg)] as Node | undefined;
        if (!item) return found;
        node = item;
        found = this.#pos(item) ?? found;
      } else {
        return found;
      }
    }
    return found;
  }

  #pos(node: Node): Position | undefined {
    const offset = node.range?.[0];
    if (offset === undefined) return undefined;
    const p = this.#lines.linePos(offset);
    return { line: p.line, column: p.col };
  }
}
