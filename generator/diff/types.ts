/**
 * What `diff` reports: plain data, so tests and CI read the same thing the terminal prints.
 */
import type { Problem } from '../problems.js';

/** What to compare: each side is a file path, or `REV:path` for a spec as stored in a git revision. */
export interface DiffOptions {
  /** The spec before the change: a file, or a git revision such as `main:spec/ai-sdk.asyncapi.yaml`. */
  readonly old: string;
  /** The spec after the change; every change is located in it. */
  readonly new: string;
  /** Folder relative paths and git are run from; default `process.cwd()`. */
  readonly cwd?: string;
}

/**
 * How a change affects what is deployed. `breaking`: during a rollout old and new senders and
 * receivers no longer agree on the wire (either side rejects what the other sends, or what they
 * were promised is weaker), or code written against the old generated API stops compiling.
 * `non-breaking`: neither (the same values are accepted, or the change only documents). `unclassified`:
 * @asyncapi/diff's own verdict on a part no NATS rule covers (another protocol's bindings, say);
 * a person has to judge.
 */
export type ChangeKind = 'breaking' | 'non-breaking' | 'unclassified';

/** The kinds, most serious first: the order output is sorted and counted in. */
export const CHANGE_KINDS: readonly ChangeKind[] = ['breaking', 'unclassified', 'non-breaking'];

/** One change between the two specs. */
export interface SpecChange {
  readonly kind: ChangeKind;
  /** Stable code of the rule that classified it, e.g. `nats-queue-changed`; `asyncapi-diff` for @asyncapi/diff's own. */
  readonly rule: string;
  readonly message: string;
  /** The new spec, as given (`REV:path` for a git revision). */
  readonly file: string;
  /** 1-based, in the new spec; for a removal, the nearest node that is still there. */
  readonly line: number;
  readonly column: number;
  /** JSON pointer of the changed node after following `$ref`s (in the old spec for a removal). */
  readonly pointer: string;
  readonly before?: unknown;
  readonly after?: unknown;
  /** What to do about it. */
  readonly help?: string;
}

/** The result of comparing two specs. */
export interface DiffReport {
  /** The old spec, as given. */
  readonly old: string;
  /** The new spec, as given. */
  readonly new: string;
  /** Most serious first, then by position in the new spec. */
  readonly changes: readonly SpecChange[];
  /** Problems reading either spec; with any error, `changes` is empty. */
  readonly problems: readonly Problem[];
  readonly counts: Readonly<Record<ChangeKind, number>>;
}
