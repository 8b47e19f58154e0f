/**
 * `deliveryCountOf` reads the delivery count from a JetStream ack subject on the hot path instead of the
 * client's full `info` parse; it must agree with that parse on both subject forms and leave anything
 * else to it. (Real deliveries, first and redelivered, are covered against the server in jetstream.test.ts.)
 */
import { AckPolicy, jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { describe, expect, inject, it } from 'vitest';
import { deliveryCountOf } from '../../runtime/jetstream-consume.js';
import { uniquePrefix } from '../harness/util.js';

/** A message whose `info` records that it was asked (the client's parse, here a fixed answer). */
function message(reply: string, parsed = -1): { reply: string; info: { deliveryCount: number }; asked: number } {
  return {
    reply,
    asked: 0,
    get info() {
      this.asked++;
      return { deliveryCount: parsed };
    },
  };
}

describe('deliveryCountOf', () => {
  it('reads token 5 of the 9-token ack subject without the client parse', () => {
    const m = message('$JS.ACK.AI_RAG_INGEST.rag-ingest_t1.3.1042.17.1764331200000000000.12');
    expect(deliveryCountOf(m)).toBe(3);
    expect(m.asked).toBe(0);
  });

  it('reads token 7 of the ack subject with domain and account hash (12 tokens)', () => {
    const m = message('$JS.ACK.hub.ACCHASH.ORDERS.workers.27.5.4.1764331200000000000.0.Xk9');
    expect(deliveryCountOf(m)).toBe(27);
    expect(m.asked).toBe(0);
  });

  it('reads a first delivery as 1', () => {
    expect(deliveryCountOf(message('$JS.ACK.S.C.1.1.1.1.0'))).toBe(1);
  });

  it('leaves a message without a reply subject to the client parse', () => {
    const m = {
      asked: 0,
      get info() {
        this.asked++;
        return { deliveryCount: 4 };
      },
    };
    expect(deliveryCountOf(m)).toBe(4);
    expect(m.asked).toBe(1);
  });

  it.each([
    ['not an ack subject', '_INBOX.abc.def'],
    ['too few tokens', '$JS.ACK.S.C.2.1.1'],
    ['ten tokens', '$JS.ACK.a.b.S.C.2.1.1.1'],
    ['a count that is not a number', '$JS.ACK.S.C.x2.1.1.1.0'],
    ['an empty count', '$JS.ACK.S.C..1.1.1.0'],
    ['a count too long to be exact', '$JS.ACK.S.C.1234567890123456.1.1.1.0'],
  ])('leaves %s to the client parse', (_, reply) => {
    const m = message(reply, 7);
    expect(deliveryCountOf(m)).toBe(7);
    expect(m.asked).toBe(1);
  });

  it('agrees with the client on real first deliveries and redeliveries, read from the reply subject', async () => {
    const nc = await connect({ servers: inject('natsUrl') });
    const stream = `S_${uniquePrefix()}`;
    const jsm = await jetstreamManager(nc);
    try {
      await jsm.streams.add({ name: stream, subjects: [`${stream}.x`] });
      await jsm.consumers.add(stream, { durable_name: 'c', ack_policy: AckPolicy.Explicit });
      await jetstream(nc).publish(`${stream}.x`, 'one');
      const consumer = await jetstream(nc).consumers.get(stream, 'c');
      const seen: [number, number, unknown][] = [];
      for (let delivery = 1; delivery <= 3; delivery++) {
        const m = await consumer.next({ expires: 5_000 });
        if (m === null) throw new Error(`delivery ${delivery} did not come`);
        const reply = (m as unknown as { readonly reply?: unknown }).reply;
        seen.push([deliveryCountOf(m), m.info.deliveryCount, typeof reply]);
        m.nak();
      }
      expect(seen).toEqual([
        [1, 1, 'string'],
        [2, 2, 'string'],
        [3, 3, 'string'],
      ]);
    } finally {
      await jsm.streams.delete(stream).catch(() => false);
      await nc.close();
    }
  });
});
