/**
 * Durable messages near the server's max_payload. A publish counts the headers the client adds
 * (`Nats-Msg-Id`, `Nats-Expected-Stream`), so the byte that tips it over is refused before it is sent.
 * Dead letters: the reason headers must never push a poison message over the limit, or every
 * dead-lettering would fail and the message would come back forever.
 */
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { headers as natsHeaders } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  connect,
  consume,
  DeadLetterHeaders,
  durablePublish,
  type ErrorEvent,
  type NatsConnection,
  type OperationSpec,
  PayloadTooLargeError,
  subjectTemplate,
  z,
} from '../../runtime/index.js';
import { type NatsProcess, startServer } from '../harness/servers.js';
import { waitFor } from '../harness/util.js';

let server: NatsProcess;
let nc: NatsConnection;

beforeAll(async () => {
  server = await startServer({ config: 'max_payload: 4096' });
  nc = await connect({ servers: server.url, retry: { attempts: 5 } });
});
afterAll(async () => {
  await nc?.close();
  await server?.dispose();
});

/** An operation whose payload schema refuses everything: every message is dead-lettered for validation. */
function refusingOp(): OperationSpec {
  return {
    id: 'refuse',
    subject: subjectTemplate('limits.jobs.{tenant}'),
    messages: [{ name: 'Never', payload: z.object({ never: z.literal(true) }) }],
    durable: {
      stream: { name: 'LIMITS', subjects: ['limits.jobs.*'], storage: 'memory' },
      consumer: { durable: 'workers', maxDeliver: 2, backoffMs: [10] },
      deadLetter: { subject: 'limits.dead', stream: 'LIMITS_DEAD' },
    },
  };
}

describe('durable publish - near max_payload', () => {
  test('the headers js.publish adds are counted: one byte over is a PayloadTooLargeError, the limit itself is stored', async () => {
    const op: OperationSpec = {
      id: 'edge',
      subject: subjectTemplate('limits.edge.{tenant}'),
      messages: [{ name: 'Text', payload: z.string() }],
      durable: {
        stream: { name: 'LIMITS_EDGE', subjects: ['limits.edge.*'], storage: 'memory' },
        messageId: { header: 'id' },
        deadLetter: { subject: 'limits.edge-dead', stream: 'LIMITS_EDGE_DEAD' },
      },
    };
    const id = 'edge-0001';
    // The header block the server receives: the caller's `id` header and the client's two JetStream ones.
    const block = natsHeaders();
    block.set('id', id);
    block.set('Nats-Msg-Id', id);
    block.set('Nats-Expected-Stream', 'LIMITS_EDGE');
    const headerBytes = Buffer.byteLength(block.toString());
    const fits = 'x'.repeat(4096 - headerBytes - 2); // JSON adds the two quotes
    const over = await durablePublish(nc, op, { params: { tenant: 'a' }, headers: { id }, payload: `${fits}x` }).catch(
      (e: unknown) => e,
    );
    expect(over).toBeInstanceOf(PayloadTooLargeError);
    expect((over as PayloadTooLargeError).size).toBe(4097);
    const ack = await durablePublish(nc, op, { params: { tenant: 'a' }, headers: { id }, payload: fits });
    expect(ack).toMatchObject({ stream: 'LIMITS_EDGE', seq: 1, duplicate: false, messageId: id });
    await jetstreamManager(nc).then((jsm) => jsm.streams.delete('LIMITS_EDGE'));
  });
});

describe('durable consume - dead letters near max_payload', () => {
  test('durable consume - a poison message near max_payload is dead-lettered with its body, lean headers, or without its body when nothing else fits', async () => {
    const js = jetstream(nc);
    const events: ErrorEvent[] = [];
    const op = refusingOp();
    const handle = consume(nc, op, { params: { tenant: 'acme' } }, () => {}, { onError: (e) => events.push(e) });
    const jsm = await jetstreamManager(nc);
    let ready = false;
    while (!ready)
      ready = await jsm.streams.info('LIMITS').then(
        () => true,
        () => false,
      );

    // 1. Fits with every header: a small message.
    // 2. Fits only without the original's own headers: body close to the limit plus a big custom header.
    // 3. Does not fit even with lean headers: the body alone is at the limit.
    const bigHeader = natsHeaders();
    bigHeader.set('x-trace', 't'.repeat(600));
    const bodies = [
      JSON.stringify({ n: 1 }),
      JSON.stringify({ pad: 'p'.repeat(3_250) }),
      JSON.stringify({ pad: 'p'.repeat(3_990) }),
    ];
    for (const [i, body] of bodies.entries()) {
      await js.publish('limits.jobs.acme', body, { msgID: `m${i}`, headers: i === 1 ? bigHeader : natsHeaders() });
    }
    await waitFor('three dead letters', () => events.filter((e) => e.kind === 'dead-letter').length === 3, 15_000);
    expect(events.filter((e) => e.kind === 'dead-letter').map((e) => (e.error as { stored?: boolean }).stored)).toEqual(
      [true, true, true],
    );

    const dead = await js.consumers.get('LIMITS_DEAD');
    const letters = await dead.fetch({ max_messages: 3, expires: 2_000 });
    const got: { body: number; trace: string; omitted: string; reason: string }[] = [];
    for await (const m of letters) {
      got.push({
        body: m.data.length,
        trace: m.headers?.get('x-trace') ?? '',
        omitted: m.headers?.get(DeadLetterHeaders.Body) ?? '',
        reason: m.headers?.get(DeadLetterHeaders.Reason) ?? '',
      });
      if (got.length === 3) break;
    }
    expect(got).toEqual([
      { body: bodies[0]?.length, trace: '', omitted: '', reason: 'validation' },
      { body: bodies[1]?.length, trace: '', omitted: '', reason: 'validation' },
      {
        body: 0,
        trace: '',
        omitted: `omitted: ${bodies[2]?.length} bytes, too large to dead-letter with its headers`,
        reason: 'validation',
      },
    ]);
    // Nothing comes back: the originals were terminated once their dead letters were stored.
    const info = await jsm.consumers.info('LIMITS', handle.queue as string);
    expect(info.num_ack_pending).toBe(0);
    expect(info.num_pending).toBe(0);
    await handle.drain();
  });
});
