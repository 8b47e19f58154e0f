/**
 * What the NATS rules find, before it is located: each finding names the pointer it is about and the
 * pointers it explains, so @asyncapi/diff's entries there are replaced rather than repeated.
 */
import type { ChangeKind } from './types.js';

/** Which document a pointer is in: `old` for what was removed, `new` for the rest. */
export type Side = 'old' | 'new';

/** A pointer into one of the two (dereferenced) documents. */
export interface At {
  readonly side: Side;
  readonly pointer: string;
}

/** One change a rule found. */
export interface Finding {
  readonly kind: ChangeKind;
  readonly rule: string;
  readonly message: string;
  /** Where it is reported. */
  readonly at: At;
  /** What else it explains: @asyncapi/diff entries at or under these (and `at`) are dropped. */
  readonly covers: readonly At[];
  readonly before?: unknown;
  readonly after?: unknown;
  readonly help?: string;
}

/** A pointer in the old document. */
export function inOld(pointer: string): At {
  return { side: 'old', pointer };
}

/** A pointer in the new document. */
export function inNew(pointer: string): At {
  return { side: 'new', pointer };
}

/** The same pointer in both documents. */
export function inBoth(...pointers: readonly string[]): At[] {
  return pointers.flatMap((p) => [inOld(p), inNew(p)]);
}

/** Collects findings, and pointers that are explained without one (a reordered list, say). */
export class Findings {
  readonly list: Finding[] = [];
  readonly explained: At[] = [];

  add(
    finding: Omit<Finding, 'covers' | 'before' | 'after' | 'help'> & {
      readonly covers?: readonly At[];
      readonly before?: unknown;
      readonly after?: unknown;
      readonly help?: string | undefined;
    },
  ): void {
    const { help, before, after, covers, ...rest } = finding;
    this.list.push({
      ...rest,
      covers: covers ?? [],
      ...(before !== undefined ? { before } : {}),
      ...(after !== undefined ? { after } : {}),
      ...(help !== undefined ? { help } : {}),
    });
  }

  /** Marks pointers as explained: nothing changed there that matters, or a finding elsewhere says it. */
  explain(...at: readonly At[]): void {
    this.explained.push(...at);
  }
}
