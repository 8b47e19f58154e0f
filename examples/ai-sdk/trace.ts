/**
 * Printing the flow: one line per step, `<time since start>  <who>  <what>`. `→` is something sent,
 * `←` something received, `✗` a failure. The components take a {@link Log} so they can be copied into a
 * service that logs differently.
 */

/** Prints one step of component `who`. */
export type Log = (who: string, text: string) => void;

const started = performance.now();

/** The example's log: milliseconds since the start, the component, the step. */
export const log: Log = (who, text) => {
  console.log(`${sinceStart().padStart(10)}  ${who.padEnd(10)} ${text}`);
};

/** Time since the example started, e.g. `12.3 ms`. */
export function sinceStart(): string {
  return elapsed(started);
}

/** A heading between the parts of the flow. */
export function section(title: string): void {
  console.log(`\n${title}`);
}

/** Milliseconds since `since` (a `performance.now()` value), for "took" figures. */
export function elapsed(since: number): string {
  return `${(performance.now() - since).toFixed(1)} ms`;
}

/** The first 8 characters of an id: enough to tell ids apart in the output. */
export function short(id: string): string {
  return id.length > 8 ? `${id.slice(0, 8)}…` : id;
}

/** The message of any thrown value. */
export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
