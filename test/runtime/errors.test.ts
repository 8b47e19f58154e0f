/**
 * The runtime's errors are recognised across copies of the package (two versions in one
 * node_modules, or the package bundled twice): `instanceof` a class of one copy holds for an error
 * made by the other, for its base classes too, and never for an unrelated class. A second copy is
 * the same module loaded again under another URL.
 */
import { describe, expect, test } from 'vitest';
import * as one from '../../runtime/errors.js';

const secondCopy: string = '../../runtime/errors.ts?second-copy';
const other = (await import(/* @vite-ignore */ secondCopy)) as typeof one;

describe('errors', () => {
  test('errors - the second copy really is another module (its classes differ)', () => {
    expect(other.ServiceError).not.toBe(one.ServiceError);
  });

  test('errors - an error of one copy is an instance of the other copy’s class and its bases', () => {
    const busy = new other.BusyError('op', 'all slots taken');
    expect(busy instanceof one.BusyError).toBe(true);
    expect(busy instanceof one.RemoteError).toBe(true);
    expect(busy instanceof one.AsyncApiNatsError).toBe(true);
    expect(busy instanceof Error).toBe(true);
    expect(new one.ServiceError(422, 'no such model') instanceof other.ServiceError).toBe(true);
  });

  test('errors - a stream timeout of one copy is a TimeoutError of the other, with its phase', () => {
    const timeout = new other.StreamTimeoutError('op', 'a.b', 30, 'first-chunk');
    expect(timeout instanceof one.StreamTimeoutError).toBe(true);
    expect(timeout instanceof one.TimeoutError).toBe(true);
    expect(timeout.phase).toBe('first-chunk');
    expect(timeout.message).toBe("stream 'op' on 'a.b' timed out: no first chunk within 30 ms");
    expect(new other.StreamCancelledError('op', 'server-closing') instanceof one.StreamTimeoutError).toBe(false);
  });

  test('errors - unrelated classes and plain errors are not instances', () => {
    expect(new other.TimeoutError('op', 'a.b', 10) instanceof one.RemoteError).toBe(false);
    expect(new Error('x') instanceof one.AsyncApiNatsError).toBe(false);
    expect(Object.assign(new Error('x'), { name: 'ServiceError' }) instanceof one.ServiceError).toBe(false);
    expect((null as unknown) instanceof one.AsyncApiNatsError).toBe(false);
  });

  test.each([
    ['OverflowError', () => new one.OverflowError('op', 'dropped'), 'OVERFLOW'],
    ['SlowConsumerError', () => new one.SlowConsumerError('op', 'behind'), 'SLOW_CONSUMER'],
    ['UnhandledMessageError', () => new one.UnhandledMessageError('op', 'a.b'), 'UNHANDLED'],
    ['ConfigError', () => new one.ConfigError('bad'), 'CONFIG'],
    ['ContractError', () => new one.ContractError('bad'), 'CONTRACT'],
    ['SubscriptionClosedError', () => new one.SubscriptionClosedError('closed'), 'SUBSCRIPTION_CLOSED'],
    ['StreamTimeoutError', () => new one.StreamTimeoutError('op', 'a.b', 10, 'idle'), 'STREAM_TIMEOUT'],
    ['StreamInterruptedError', () => new one.StreamInterruptedError('op', 'gap', 3, 5), 'STREAM_INTERRUPTED'],
    ['StreamCancelledError', () => new one.StreamCancelledError('op', 'caller-gone'), 'STREAM_CANCELLED'],
  ] as const)('errors - %s has its own class, name and code', (name, make, code) => {
    const error = make();
    expect(error.name).toBe(name);
    expect(error.code).toBe(code);
    expect(error).toBeInstanceOf(one.AsyncApiNatsError);
  });
});
