/**
 * `diffSpecs`: the programmatic entry. The engine (and with it the AsyncAPI parser, which takes about
 * a second to import) is loaded on the first call, so importing this module stays cheap.
 */
import type { DiffOptions, DiffReport } from './types.js';

/**
 * Compares two specs and classifies every change as breaking, non-breaking or unclassified.
 * Never throws for a user's mistake: an unreadable file, a spec with errors, a bad git revision or
 * a missing git are {@link DiffReport.problems} (and then there are no changes).
 */
export async function diffSpecs(options: DiffOptions): Promise<DiffReport> {
  const { runDiff } = await import('./engine.js');
  return runDiff(options);
}
