/**
 * Tenant isolation against hostile subject parameters: a property test (fast-check) over generated
 * strings plus the classic attacks. For every value, every generated client method and every server
 * registration of the ai-sdk module must refuse it with InvalidSubjectParameterError before anything
 * reaches the server: the server's own `/connz` shows no new subscription and a `>` spy sees no message.
 */
import { connect as natsConnect } from '@nats-io/transport-node';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { AiSdkClient, AiSdkServer } from '../../generated/ai-sdk/index.js';
import { connect, InvalidSubjectParameterError, type NatsConnection } from '../../runtime/index.js';
import { agentMessage, agentTask, chatRequest, ragDocument, ragQuery } from '../e2e/helpers.js';
import { type NatsProcess, startServer } from '../harness/servers.js';
import { waitFor } from '../harness/util.js';

/** The independent oracle: what a tenant id must not be (see docs/runtime.md, "Subjects"). */
function hostile(value: string): boolean {
  return (
    value === '' ||
    value.length > 64 ||
    value.startsWith('$') ||
    /[.*>]/.test(value) ||
    /\s/.test(value) ||
    // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what the oracle looks for
    /[\u0000-\u001f\u007f]/.test(value) ||
    // A lone surrogate: the NATS client would send U+FFFD in its place, so two tenants would share a subject.
    /\p{Cs}/u.test(value)
  );
}

const CLASSICS = [
  '*',
  '>',
  'a.b',
  '',
  '$SYS',
  '$JS.API',
  'a..b',
  ' ',
  'acme ',
  '\tacme',
  'ac\nme',
  'ac\r\nme',
  'a\u0000b',
  'x'.repeat(65),
  'é'.repeat(65),
  'acme.>',
  'acme.*',
  '_INBOX.>',
  'a\u00a0b',
  'a\u2028b',
  '\ud800',
  'acme\udc00',
  '\udbff\u0041',
];

/** Strings built to be hostile: a legal-looking id with one forbidden ingredient spliced in, or junk. */
const hostileStrings = fc
  .oneof(
    fc.constantFrom(...CLASSICS),
    fc
      .tuple(
        fc.string({ maxLength: 20 }),
        fc.constantFrom('.', '*', '>', ' ', '\t', '\n', '\r', '\u0000', '\u007f', '\u3000', '\ud800', '\udfff'),
        fc.string({ maxLength: 20 }),
      )
      .map(([a, bad, b]) => a + bad + b),
    fc.string({ minLength: 65, maxLength: 200 }),
    fc.string({ maxLength: 30 }).map((s) => `$${s}`),
    fc.string({ unit: 'binary', maxLength: 30 }),
  )
  .filter(hostile);

let server: NatsProcess;
let worker: NatsConnection;
let spyConn: NatsConnection;
const seen: string[] = [];

beforeAll(async () => {
  server = await startServer();
  worker = await connect({ servers: server.url, retry: { attempts: 3 } });
  spyConn = await natsConnect({ servers: server.url });
  spyConn.subscribe('>', { callback: (_err, msg) => void seen.push(msg.subject) });
  await spyConn.flush();
});

afterAll(async () => {
  await worker?.close();
  await spyConn?.close();
  await server?.dispose();
});

/** Subscriptions the server holds for the worker connection. */
async function serverSideSubscriptions(): Promise<number> {
  await worker.flush();
  const connz = await server.connz('subs=true');
  const name = worker.info?.client_id;
  const mine = connz.connections.find((c) => c.cid === name);
  if (mine === undefined) throw new Error(`the worker connection (cid ${name}) is not in /connz`);
  return mine.subscriptions;
}

/** Runs `f`; answers the error it threw or rejected with (undefined when it did neither). */
async function failure(f: () => unknown): Promise<unknown> {
  try {
    await f();
    return undefined;
  } catch (error) {
    return error;
  }
}

describe('reliability - hostile tenant ids', () => {
  test('reliability - the spy and /connz see a legitimate tenant (control)', async () => {
    // The server's NATS service subscribes to $SRV.* at construction: count from after it.
    const srv = new AiSdkServer(worker, { onError: () => {} });
    const before = await serverSideSubscriptions();
    const handle = srv.receiveRagQuery({ params: { tenant_id: 'acme' }, handler: () => {} });
    expect(await serverSideSubscriptions()).toBe(before + 1);
    new AiSdkClient(worker).publishRagQuery({ params: { tenant_id: 'acme' }, payload: ragQuery() });
    await waitFor('the spy to see the control message', () => seen.includes('ai.rag.queries.acme'));
    await handle.drain();
    expect(await serverSideSubscriptions()).toBe(before);
    seen.length = 0;
  });

  test('reliability - every client method and server registration refuses hostile tenant ids (property)', async () => {
    const client = new AiSdkClient(worker);
    const srv = new AiSdkServer(worker, { onError: () => {} });
    const baseline = await serverSideSubscriptions();
    let values = 0;
    let refusals = 0;

    await fc.assert(
      fc.asyncProperty(hostileStrings, async (bad) => {
        values++;
        const params = { tenant_id: bad };
        const calls: (readonly [string, () => unknown])[] = [
          [
            'sendAgentMessage',
            () =>
              client.sendAgentMessage({
                params,
                payload: agentMessage(),
                headers: { target_agent_id: 'a', source_agent_id: 'b' },
              }),
          ],
          ['sendAgentTask', () => client.sendAgentTask({ params, payload: agentTask() })],
          [
            'queueGatewayRequest',
            () =>
              client.queueGatewayRequest({
                params,
                payload: chatRequest(),
                headers: { request_id: 'r1', model: 'gpt-4o', priority: 'normal' },
              }),
          ],
          [
            'requestChatCompletion',
            () => client.requestChatCompletion({ params, payload: chatRequest() }, { timeoutMs: 200 }),
          ],
          ['ingestDocument', () => client.ingestDocument({ params, payload: ragDocument() })],
          ['publishRagQuery', () => client.publishRagQuery({ params, payload: ragQuery() })],
          ['requestRagResults', () => client.requestRagResults({ params, payload: ragQuery() }, { timeoutMs: 200 })],
          [
            'receiveAgentMessage (subject)',
            () => srv.receiveAgentMessage({ params, queue: { agent_id: 'a1' }, handler: () => {} }),
          ],
          [
            'receiveAgentMessage (queue)',
            () =>
              srv.receiveAgentMessage({ params: { tenant_id: 'acme' }, queue: { agent_id: bad }, handler: () => {} }),
          ],
          ['receiveAgentTask', () => srv.receiveAgentTask({ params, handler: () => {} })],
          ['receiveGatewayRequest', () => srv.receiveGatewayRequest({ params, handler: () => {} })],
          [
            'replyChatCompletion',
            () =>
              srv.replyChatCompletion({
                params,
                handler: () => {
                  throw new Error('never called');
                },
              }),
          ],
          ['receiveDocument', () => srv.receiveDocument({ params, handler: () => {} })],
          ['receiveRagQuery', () => srv.receiveRagQuery({ params, handler: () => {} })],
          [
            'replyRagResults',
            () =>
              srv.replyRagResults({
                params,
                handler: () => {
                  throw new Error('never called');
                },
              }),
          ],
        ];
        for (const [name, call] of calls) {
          const error = await failure(call);
          if (!(error instanceof InvalidSubjectParameterError)) {
            throw new Error(
              `${name} with tenant ${JSON.stringify(bad)} did not throw InvalidSubjectParameterError: ${String(error)}`,
            );
          }
          refusals++;
        }
      }),
      { numRuns: 150, seed: 20261128 },
    );

    expect(await serverSideSubscriptions()).toBe(baseline);
    await spyConn.flush();
    await worker.flush();
    console.log(
      `RELIABILITY hostile tenants: ${values} values x 15 entry points = ${refusals} refusals, ${seen.length} messages seen by the > spy, 0 subscriptions created`,
    );
    expect(seen).toEqual([]);
  });

  test.each(CLASSICS.map((v) => [JSON.stringify(v), v]))(
    'reliability - tenant %s is refused by name with its reason',
    async (_label, bad) => {
      const error = await failure(() =>
        new AiSdkClient(worker).publishRagQuery({ params: { tenant_id: bad }, payload: ragQuery() }),
      );
      expect(error).toBeInstanceOf(InvalidSubjectParameterError);
      expect((error as InvalidSubjectParameterError).parameter).toBe('tenant_id');
      expect((error as InvalidSubjectParameterError).message).toMatch(
        /^invalid value for subject parameter 'tenant_id': .+ \((empty|wildcards are not allowed|contains '\.', the token separator|contains whitespace|contains a control character|starts with '\$', reserved for system subjects|longer than 64 characters|contains a lone UTF-16 surrogate, which is not valid Unicode)\)$/,
      );
    },
  );
});
