/**
 * @asyncapi/diff on two parsed documents. It compares the documents as JSON (fast-json-patch) and
 * classifies each path with its standard for AsyncAPI 3 (`lib/standards/v3.js`): a path the standard
 * does not list, such as anything inside a payload schema or an `x-` extension, is unclassified.
 */
import { diff } from '@asyncapi/diff';
import type { ChangeKind } from './types.js';

/** One entry of @asyncapi/diff's output. `path` is a pointer in the dereferenced documents. */
export interface AsyncApiDiffEntry {
  readonly action: 'add' | 'remove' | 'edit';
  readonly path: string;
  readonly type: ChangeKind;
  readonly before?: unknown;
  readonly after?: unknown;
}

/**
 * A copy of a parsed document's JSON without the parser's `x-parser-*` keys (unique ids that differ
 * between two parses of the same text). A reference back into a cycle becomes `{ $ref: '#circular' }`,
 * since the differ walks plain trees.
 */
export function plainDocument(value: unknown, path: Set<object> = new Set()): unknown {
  if (typeof value !== 'object' || value === null) return value;
  if (path.has(value)) return { $ref: '#circular' };
  path.add(value);
  let out: unknown;
  if (Array.isArray(value)) {
    out = value.map((item) => plainDocument(item, path));
  } else {
    const copy: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      if (!key.startsWith('x-parser-')) copy[key] = plainDocument(item, path);
    }
    out = copy;
  }
  path.delete(value);
  return out;
}

/** @asyncapi/diff's changes between two documents' JSON (`document.json()` of the parser). */
export function asyncApiDiff(before: unknown, after: unknown): AsyncApiDiffEntry[] {
  // No `override`: the library merges it into its shared standard object, for every later call too.
  const result = diff(plainDocument(before), plainDocument(after), { outputType: 'json' });
  const output = result.getOutput() as { changes?: AsyncApiDiffEntry[] };
  return output.changes ?? [];
}
