/** Graceful shutdown on SIGTERM/SIGINT. */

/** Something that can stop gracefully: a generated server, a Handle, a connection. */
export interface Drainable {
  drain(): Promise<void>;
}

/**
 * A signal name as Node's `process.on` takes it: the same names as `NodeJS.Signals`, spelled out so
 * the published declarations do not need `@types/node` in the user's program.
 */
export type SignalName =
  | 'SIGABRT'
  | 'SIGALRM'
  | 'SIGBUS'
  | 'SIGCHLD'
  | 'SIGCONT'
  | 'SIGFPE'
  | 'SIGHUP'
  | 'SIGILL'
  | 'SIGINT'
  | 'SIGIO'
  | 'SIGIOT'
  | 'SIGKILL'
  | 'SIGPIPE'
  | 'SIGPOLL'
  | 'SIGPROF'
  | 'SIGPWR'
  | 'SIGQUIT'
  | 'SIGSEGV'
  | 'SIGSTKFLT'
  | 'SIGSTOP'
  | 'SIGSYS'
  | 'SIGTERM'
  | 'SIGTRAP'
  | 'SIGTSTP'
  | 'SIGTTIN'
  | 'SIGTTOU'
  | 'SIGUNUSED'
  | 'SIGURG'
  | 'SIGUSR1'
  | 'SIGUSR2'
  | 'SIGVTALRM'
  | 'SIGWINCH'
  | 'SIGXCPU'
  | 'SIGXFSZ'
  | 'SIGBREAK'
  | 'SIGLOST'
  | 'SIGINFO';

const DEFAULT_SIGNALS: readonly SignalName[] = ['SIGTERM', 'SIGINT'];

/**
 * On the first of `signals` (default SIGTERM and SIGINT), drains each target in order (a server first,
 * then its connection), then calls `onDone` once. A target whose drain fails is reported on
 * `console.error` and the next one is still drained; `onDone` then gets the failure (an
 * `AggregateError` when several failed), or nothing when all drained. A second signal while draining
 * gives up: `onDone` gets an error at once (the drains are left running). The default `onDone` exits
 * with status 0, or 1 after a failure or a second signal. Returns a function that removes the listeners.
 */
export function drainOnSignal(
  targets: readonly Drainable[],
  options?: { readonly signals?: readonly SignalName[]; readonly onDone?: (error?: unknown) => void },
): () => void {
  const signals = options?.signals ?? DEFAULT_SIGNALS;
  const onDone = options?.onDone ?? exit;
  let draining = false;
  let done = false;

  const remove = (): void => {
    for (const [signal, listener] of listeners) process.off(signal, listener);
  };

  const finish = (error: unknown): void => {
    if (done) return;
    done = true;
    remove();
    onDone(error);
  };

  const onSignal = (signal: SignalName): void => {
    if (draining) {
      console.error(`asyncapi-nats: ${signal} while draining: exiting without waiting`);
      finish(new Error(`drain interrupted by a second signal (${signal})`));
      return;
    }
    draining = true;
    void drainAll(targets).then(finish);
  };

  // One listener per signal that knows its name: `process.emit(signal)` passes none.
  const listeners = signals.map((signal) => [signal, () => onSignal(signal)] as const);
  for (const [signal, listener] of listeners) process.on(signal, listener);
  return remove;
}

/** Drains targets one after the other; resolves the failure (if any) instead of rejecting. */
async function drainAll(targets: readonly Drainable[]): Promise<unknown> {
  const failures: unknown[] = [];
  for (const [index, target] of targets.entries()) {
    try {
      await target.drain();
    } catch (error) {
      console.error(`asyncapi-nats: draining shutdown target ${index} failed`, error);
      failures.push(error ?? new Error(`drain of shutdown target ${index} rejected without a reason`));
    }
  }
  if (failures.length === 0) return undefined;
  return failures.length === 1 ? failures[0] : new AggregateError(failures, `${failures.length} drains failed`);
}

function exit(error?: unknown): void {
  process.exit(error === undefined ? 0 : 1);
}
