/**
 * Generated code for the shapes the AI SDK spec does not have, run against a real nats-server:
 * keyword and digit-leading method names, an operation with several messages (one without payload),
 * header values coerced from text, request/reply on a subject without parameters, recursive payloads.
 * The module is generated fresh from test/fixtures/specs/edge-cases.asyncapi.yaml for this file.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { generateFiles, resolveOptions } from '../../generator/generate.js';
import { writeOutput } from '../../generator/write.js';
import { type NatsConnection, type ReceivedMessage, ValidationError } from '../../runtime/index.js';
import { waitFor } from '../harness/util.js';
import { Connections, errorLog, thrown } from './helpers.js';

const OUT = 'test/fixtures/out/edge-cases-e2e';

/** The slice of the generated module this file uses (the module is generated at run time). */
interface EdgeModule {
  EdgeCasesApiXClient: new (
    nc: NatsConnection,
  ) => {
    delete(args: { params: { kind: string }; payload?: unknown; headers: Record<string, unknown> }): void;
    _2faVerify(args: { payload: { '2fa': string } }): Promise<{ ok: boolean }>;
    sendTree(args: { payload: unknown }): void;
  };
  EdgeCasesApiXServer: new (
    nc: NatsConnection,
    options?: object,
  ) => {
    class(args: {
      params: { kind: string };
      handler: (m: ReceivedMessage<unknown, unknown, unknown>) => void;
    }): unknown;
    answer2fa(args: { handler: (m: ReceivedMessage<{ '2fa': string }, unknown, unknown>) => { ok: boolean } }): unknown;
    drain(): Promise<void>;
  };
}

let edge: EdgeModule;
const conns = new Connections();

beforeAll(async () => {
  const result = await generateFiles(
    resolveOptions({ spec: 'test/fixtures/specs/edge-cases.asyncapi.yaml', out: OUT }),
  );
  if (!result.files) throw new Error(`edge-cases has errors: ${JSON.stringify(result.problems)}`);
  await writeOutput(OUT, result.files);
  edge = (await import(path.resolve(OUT, 'index.ts'))) as EdgeModule;
}, 30_000);
afterAll(() => conns.close());

describe('edge cases - generated code on a real server', () => {
  test('edge cases - a payload-less message of a multi-message operation arrives with typed, coerced headers', async () => {
    const nc = await conns.runtime();
    const errors = errorLog();
    const server = new edge.EdgeCasesApiXServer(nc, { onError: errors.onError });
    const got: ReceivedMessage<unknown, unknown, unknown>[] = [];
    const kind = `k${Date.now()}`;
    server.class({ params: { kind }, handler: (m) => void got.push(m) });
    await nc.flush();

    const client = new edge.EdgeCasesApiXClient(nc);
    client.delete({ params: { kind }, headers: { attempt: 3, replay: true } });
    client.delete({
      params: { kind },
      payload: { id: '6f1c2a7e-0d9b-4c1e-9a7b-3f1d2c4b5a69' },
      headers: { attempt: 1 },
    });
    await waitFor('both events', () => got.length === 2);

    expect(got[0]?.payload).toBeUndefined();
    expect(got[0]?.headers).toEqual({ attempt: 3, replay: true });
    expect(got[0]?.params).toEqual({ kind });
    expect(got[1]?.payload).toEqual({ id: '6f1c2a7e-0d9b-4c1e-9a7b-3f1d2c4b5a69' });
    expect(got[1]?.headers).toEqual({ attempt: 1 });
    expect(errors.events).toEqual([]);
    await server.drain();
  });

  test('edge cases - a header that cannot be parsed as its declared number is a ValidationError on send', async () => {
    const nc = await conns.runtime();
    const client = new edge.EdgeCasesApiXClient(nc);
    const error = thrown(() => client.delete({ params: { kind: 'x' }, headers: { attempt: 'many' } }));
    expect(error).toBeInstanceOf(ValidationError);
    // Of the operation's two messages, Deleted fits the call (no payload) and only its header fails:
    // that error is reported, not Created's "payload required".
    expect((error as ValidationError).part).toBe('headers');
    expect((error as ValidationError).issues.map((i) => i.path)).toEqual(['attempt']);
  });

  test('edge cases - request/reply on a subject without parameters, with a digit-leading operation id', async () => {
    const nc = await conns.runtime();
    const server = new edge.EdgeCasesApiXServer(nc);
    server.answer2fa({ handler: (m) => ({ ok: m.payload['2fa'] === '123456' }) });
    await nc.flush();
    const client = new edge.EdgeCasesApiXClient(nc);
    await expect(client._2faVerify({ payload: { '2fa': '123456' } })).resolves.toEqual({ ok: true });
    await expect(client._2faVerify({ payload: { '2fa': '000000' } })).resolves.toEqual({ ok: false });
    await server.drain();
  });

  test('edge cases - a recursive payload is validated to its full depth before sending', async () => {
    const nc = await conns.runtime();
    const client = new edge.EdgeCasesApiXClient(nc);
    const deep = { value: 'root', children: [{ value: 'a', children: [{ value: 42 }] }] };
    const error = thrown(() => client.sendTree({ payload: deep }));
    expect(error).toBeInstanceOf(ValidationError);
    expect(() =>
      client.sendTree({ payload: { value: 'root', children: [{ value: 'a', children: [{ value: 'b' }] }] } }),
    ).not.toThrow();
  });
});
