/**
 * Disagreements between the emitted zod and the reference (ajv) that are known and explained. Each
 * entry says why we differ on purpose or cannot agree; docs/schemas.md lists the same reasons for users.
 * An entry matches a disagreement by its feature and, where given, a predicate on the value; the
 * oracle fails on every disagreement no entry explains.
 */

/** One judged payload on which the two validators disagreed. */
export interface Disagreement {
  /** Corpus document id (`wild/frolf-bot.yaml`, `random/17`). */
  readonly doc: string;
  /** Declaration name in the generated module. */
  readonly declaration: string;
  readonly role: string;
  readonly value: unknown;
  /** ajv's verdict. */
  readonly reference: boolean;
  readonly referenceError?: string | undefined;
  /** The emitted zod schema's verdict. */
  readonly ours: boolean;
  readonly oursError?: string | undefined;
}

export interface Exception {
  /** Short id, quoted in the oracle's summary. */
  readonly id: string;
  /** Why we differ; the same text is in docs/schemas.md. */
  readonly reason: string;
  readonly matches: (d: Disagreement) => boolean;
}

export const EXCEPTIONS: readonly Exception[] = [];
