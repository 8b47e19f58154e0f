/**
 * The receive core on its own (no NATS involved: it only counts slots, keeps a backlog and reports).
 * Its behaviour behind a real subscription or durable worker is covered by test/runtime/backpressure
 * and test/runtime/jetstream.
 */
import { describe, expect, test, vi } from 'vitest';
import { OverflowError, SlowConsumerError } from '../../runtime/errors.js';
import { ReceiveCore, type ReceiveCoreSettings } from '../../runtime/receive-core.js';
import type { ErrorEvent } from '../../runtime/types.js';

function core(settings: Partial<ReceiveCoreSettings> = {}): { core: ReceiveCore<string>; events: ErrorEvent[] } {
  const events: ErrorEvent[] = [];
  const made = new ReceiveCore<string>({
    operation: 'op',
    subject: 'a.b',
    maxInFlight: 2,
    maxPending: 4,
    onError: (event) => events.push(event),
    freed: () => {},
    ...settings,
  });
  return { core: made, events };
}

/** Whether `promise` has settled once pending microtasks have run. */
async function settled(promise: Promise<unknown>): Promise<boolean> {
  let done = false;
  void promise.then(() => {
    done = true;
  });
  await new Promise((resolve) => setImmediate(resolve));
  return done;
}

describe('receive core', () => {
  test('receive core - full once every slot is taken, free again when one ends', () => {
    const { core: c } = core();
    c.begin();
    expect(c.full).toBe(false);
    c.begin();
    expect(c.full).toBe(true);
    c.end();
    expect(c.full).toBe(false);
  });

  test('receive core - idle waits for running slots, trailing work and waiting items', async () => {
    const { core: c } = core();
    expect(await settled(c.idle())).toBe(true);
    c.begin();
    c.beginTrailing();
    c.park('x');
    const idle = c.idle();
    c.end();
    expect(await settled(idle)).toBe(false);
    c.endTrailing();
    expect(await settled(idle)).toBe(false);
    // Settled without a handler, as a stopping durable worker nakks what it parked.
    expect(c.shift()).toBe('x');
    c.begin();
    c.end();
    expect(await settled(idle)).toBe(true);
  });

  test('receive core - next hands out waiting items oldest first, only while a slot is free', () => {
    const { core: c } = core({ maxInFlight: 1 });
    c.begin();
    c.wait('a');
    c.wait('b');
    expect(c.next()).toBeUndefined();
    c.end();
    expect(c.next()).toBe('a');
    c.begin();
    expect(c.next()).toBeUndefined();
    c.end();
    expect(c.next()).toBe('b');
    expect(c.pending).toBe(0);
  });

  test('receive core - end calls freed before idle waiters hear of it', async () => {
    const order: string[] = [];
    const { core: c } = core({ freed: () => order.push('freed') });
    c.begin();
    void c.idle().then(() => order.push('idle'));
    c.end();
    await settled(Promise.resolve());
    expect(order).toEqual(['freed', 'idle']);
  });

  test('receive core - beyond maxPending items are dropped and reported as overflow with their count', async () => {
    const { core: c, events } = core({ maxInFlight: 1, maxPending: 1 });
    c.begin();
    c.wait('kept');
    c.wait('dropped 1');
    c.wait('dropped 2');
    c.wait('dropped 3');
    expect(c.next()).toBeUndefined();
    c.end();
    expect(c.next()).toBe('kept');
    await c.finish();
    // The first drop is reported at once, the rest together when the registration finishes.
    const overflows = events.filter((e) => e.kind === 'overflow');
    expect(overflows.map((e) => (e.error as OverflowError).message)).toEqual([
      "'op' dropped 1 message: 1 handler in flight (maxInFlight) and 1 waiting (maxPending)",
      "'op' dropped 2 messages: 1 handler in flight (maxInFlight) and 1 waiting (maxPending)",
    ]);
    expect(overflows.every((e) => e.error instanceof OverflowError && e.subject === 'a.b')).toBe(true);
  });

  test('receive core - refused items are reported with the overflow text given', async () => {
    const { core: c, events } = core({ overflowText: (count) => `refused ${count}` });
    c.refused();
    await c.finish();
    expect(events.map((e) => [e.kind, (e.error as Error).message])).toEqual([['overflow', 'refused 1']]);
  });

  test('receive core - half a backlog of waiting items is reported as slow-consumer, once', () => {
    const { core: c, events } = core({ maxInFlight: 1, maxPending: 4 });
    c.begin();
    for (const item of ['a', 'b', 'c']) c.wait(item);
    const slow = events.filter((e) => e.kind === 'slow-consumer');
    expect(slow.map((e) => e.error)).toEqual([
      new SlowConsumerError(
        'op',
        "'op' is falling behind: 2 messages waiting for a handler (maxInFlight 1, maxPending 4)",
      ),
    ]);
    expect(slow[0]?.error).toBeInstanceOf(SlowConsumerError);
  });

  test('receive core - parked items are never reported, whatever their number', () => {
    const { core: c, events } = core({ maxInFlight: 1, maxPending: Number.POSITIVE_INFINITY });
    c.begin();
    for (let i = 0; i < 20_000; i++) c.park(String(i));
    expect(c.pending).toBe(20_000);
    expect(events).toEqual([]);
  });

  test('receive core - an onError that throws is logged, never rethrown', () => {
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      const { core: c } = core({
        onError: () => {
          throw new Error('boom');
        },
      });
      expect(() => c.report('handler', 'a.b', new Error('failed'))).not.toThrow();
      expect(logged).toHaveBeenCalledWith("asyncapi-nats: onError threw for operation 'op':", expect.any(Error));
    } finally {
      logged.mockRestore();
    }
  });
});
