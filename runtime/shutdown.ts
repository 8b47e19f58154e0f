/** Graceful shutdown on SIGTERM/SIGINT. */

/** Something that can stop gracefully: a generated server, a Handle, a connection. */
export interface Drainable {
  drain(): Promise<void>;
}

/**
 * On the first of `signals` (default SIGTERM and SIGINT), drains each target in order (a server first,
 * then its connection), then calls `onDone` (default: exit 0). Returns a function that removes the
 * listeners. STUB.
 */
export function drainOnSignal(
  _targets: readonly Drainable[],
  _options?: { readonly signals?: readonly NodeJS.Signals[]; readonly onDone?: (error?: unknown) => void },
): () => void {
  throw new Error('not implemented');
}
