/**
 * One list of changes from the NATS rules and @asyncapi/diff. Every pointer is first made canonical
 * (where the node is written, through `$ref`s), which folds @asyncapi/diff's copies of one change
 * (a component seen from each channel and operation that uses it) into one. A rule's finding replaces
 * the entries at or under the pointers it explains; the entries left keep @asyncapi/diff's
 * classification, except documentation, which is non-breaking wherever it is.
 */
import type { SourceMap } from '../parse/locate.js';
import type { AsyncApiDiffEntry } from './asyncapi-diff.js';
import type { At, Finding, Side } from './findings.js';
import { classifyLeftover } from './leftovers.js';
import { child, type RefResolver, tokenRoles } from './pointer.js';
import { CHANGE_KINDS, type ChangeKind, type SpecChange } from './types.js';

/** What the merge needs to know about the two documents. */
export interface MergeContext {
  readonly refs: Readonly<Record<Side, RefResolver>>;
  /** Positions in the new spec's text. */
  readonly sourceMap: SourceMap;
  /** The new spec as the user named it. */
  readonly file: string;
}

/** Keywords that only document: changing them changes JSDoc and the docs site, nothing on the wire. */
const DOCS = new Set(['description', 'summary', 'title', 'examples', 'example', 'externalDocs', 'tags', '$comment']);

/** Values, not schema: a `description` inside them is data. */
const DATA = new Set(['enum', 'const', 'default']);

/** True when the pointer is (inside) a documentation keyword. */
export function isDocumentation(pointer: string): boolean {
  for (const { token, name } of tokenRoles(pointer)) {
    if (name) continue;
    if (DOCS.has(token)) return true;
    if (DATA.has(token) || token.startsWith('x-')) return false;
  }
  return false;
}

const RANK: Record<ChangeKind, number> = { breaking: 0, unclassified: 1, 'non-breaking': 2 };
const VERB: Record<AsyncApiDiffEntry['action'], string> = { add: 'added', remove: 'removed', edit: 'changed' };

/** Merges, locates and sorts: the report's changes. */
export function mergeChanges(
  findings: readonly Finding[],
  explained: readonly At[],
  entries: readonly AsyncApiDiffEntry[],
  ctx: MergeContext,
): SpecChange[] {
  const canonical = (at: At) => ctx.refs[at.side].canonical(at.pointer);
  const covered = new Set<string>();
  const cover = (at: At) => {
    covered.add(at.pointer);
    covered.add(canonical(at));
  };
  for (const f of findings) {
    cover(f.at);
    for (const at of f.covers) cover(at);
  }
  for (const at of explained) cover(at);
  const coveredAt = (pointer: string) => {
    for (let p = pointer; p !== ''; p = p.slice(0, p.lastIndexOf('/'))) if (covered.has(p)) return true;
    return false;
  };
  // A change @asyncapi/diff reports at one path may be covered under any name of that path.
  const isCovered = (pointer: string, side?: Side) =>
    coveredAt(pointer) ||
    (side === undefined ? (['old', 'new'] as const) : [side]).some((s) => ctx.refs[s].aliases(pointer).some(coveredAt));

  const changes = new Map<string, SpecChange>();
  for (const f of findings) {
    const pointer = canonical(f.at);
    const key = `${f.rule}\n${pointer}`;
    if (changes.has(key)) continue; // the same fact, seen from another operation of the channel
    changes.set(key, locate(ctx, pointer, f));
  }

  /**
   * True when the rules explain the node at `raw` (of `side`) with everything in `value`: an entry
   * that adds or removes a whole container (`bindings`, `parameters`) whose contents a rule reports.
   */
  const explainedValue = (side: Side, raw: string, value: unknown): boolean => {
    if (isCovered(raw, side)) return true;
    if (typeof value !== 'object' || value === null) return false;
    const items = Object.entries(value);
    return items.length > 0 && items.every(([k, v]) => explainedValue(side, child(raw, k), v));
  };
  const explainedEntry = (e: AsyncApiDiffEntry): boolean =>
    (e.action === 'add' || explainedValue('old', e.path, e.before)) &&
    (e.action === 'remove' || explainedValue('new', e.path, e.after));

  const groups = new Map<string, AsyncApiDiffEntry[]>();
  for (const entry of entries) {
    const pointer = ctx.refs[entry.action === 'remove' ? 'old' : 'new'].canonical(entry.path);
    const sides: readonly Side[] =
      entry.action === 'add' ? ['new'] : entry.action === 'remove' ? ['old'] : ['old', 'new'];
    // Where it is written first: most entries are copies of one change, explained there.
    if (coveredAt(pointer) || sides.some((s) => isCovered(entry.path, s)) || explainedEntry(entry)) continue;
    const key = `${entry.action} ${pointer}`;
    groups.set(key, [...(groups.get(key) ?? []), entry]);
  }
  for (const [key, group] of groups) {
    const first = group[0] as AsyncApiDiffEntry;
    const pointer = key.slice(key.indexOf(' ') + 1);
    const side: Side = first.action === 'remove' ? 'old' : 'new';
    const docs = isDocumentation(pointer);
    const leftover = docs ? undefined : classifyLeftover(pointer, first.action, kindOf(group), ctx.refs[side]);
    if (leftover === 'explained') continue;
    const verdict = docs
      ? {
          kind: 'non-breaking' as const,
          rule: 'docs-changed',
          message: `documentation ${pointer} ${VERB[first.action]}`,
        }
      : (leftover ?? { kind: kindOf(group), rule: 'asyncapi-diff', message: `${pointer} ${VERB[first.action]}` });
    changes.set(
      `asyncapi\n${key}`,
      locate(ctx, pointer, {
        ...verdict,
        ...(first.before !== undefined ? { before: first.before } : {}),
        ...(first.after !== undefined ? { after: first.after } : {}),
      }),
    );
  }
  return [...changes.values()].sort(compareChanges);
}

/**
 * The classification of one change seen at several paths: @asyncapi/diff's standard knows some of
 * them (`/channels/*\/address`) and not their copies (`/operations/*\/channel/address`), so the most
 * serious classified one wins; unclassified only when no path is classified.
 */
function kindOf(group: readonly AsyncApiDiffEntry[]): ChangeKind {
  const classified = group.map((e) => e.type).filter((t) => t !== 'unclassified');
  if (classified.length === 0) return 'unclassified';
  return classified.includes('breaking') ? 'breaking' : 'non-breaking';
}

function locate(
  ctx: MergeContext,
  pointer: string,
  f: Pick<SpecChange, 'kind' | 'rule' | 'message' | 'before' | 'after' | 'help'>,
): SpecChange {
  const { line, column } = ctx.sourceMap.locate(pointer);
  return {
    kind: f.kind,
    rule: f.rule,
    message: f.message,
    file: ctx.file,
    line,
    column,
    pointer,
    ...(f.before !== undefined ? { before: f.before } : {}),
    ...(f.after !== undefined ? { after: f.after } : {}),
    ...(f.help !== undefined ? { help: f.help } : {}),
  };
}

/** Most serious first, then top to bottom in the new spec. */
export function compareChanges(a: SpecChange, b: SpecChange): number {
  return (
    RANK[a.kind] - RANK[b.kind] ||
    a.line - b.line ||
    a.column - b.column ||
    byCodePoint(a.rule, b.rule) ||
    byCodePoint(a.pointer, b.pointer) ||
    byCodePoint(a.message, b.message)
  );
}

/** Locale-independent string order, so output is the same on every machine. */
function byCodePoint(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** How many changes of each kind. */
export function countChanges(changes: readonly SpecChange[]): Record<ChangeKind, number> {
  const counts = Object.fromEntries(CHANGE_KINDS.map((k) => [k, 0])) as Record<ChangeKind, number>;
  for (const c of changes) counts[c.kind]++;
  return counts;
}
