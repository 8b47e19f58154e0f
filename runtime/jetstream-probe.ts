/**
 * Counters the JetStream tests read to check the runtime's bounds. Internal: `index.ts` does not export
 * this module, so it is not part of the runtime contract. Plain field updates, no allocation.
 */

/** Live and peak counts, process-wide. */
export const probe = {
  /** `js.publish` calls awaiting their ack right now (durable publishes and dead-letter publishes). */
  publishing: 0,
  /** Highest value {@link probe.publishing} reached since the last {@link resetProbe}. */
  maxPublishing: 0,
};

/** Zeroes the peaks (live counts stay: they describe work still running). */
export function resetProbe(): void {
  probe.maxPublishing = probe.publishing;
}
