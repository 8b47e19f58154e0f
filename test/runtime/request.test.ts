import { connect as natsConnect, errors as natsErrors, headers as natsHeaders } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import {
  DecodeError,
  type ErrorEvent,
  type Handle,
  type NatsConnection,
  NoRespondersError,
  type OperationSpec,
  type ReceivedMessage,
  RemoteError,
  reply,
  request,
  ServiceError,
  subjectTemplate,
  TimeoutError,
  ValidationError,
  wildcard,
  z,
} from '../../runtime/index.js';
import { uniquePrefix, waitFor } from '../harness/util.js';

const Ask = z.object({ model: z.string(), prompt: z.string() });
type Ask = z.infer<typeof Ask>;
const Answer = z.object({ text: z.string(), tokens: z.number().int() });
type Answer = z.infer<typeof Answer>;
type AskMsg = ReceivedMessage<Ask, Record<string, never>, { tenant_id: string }>;

function askOp(extra: Partial<OperationSpec> = {}): OperationSpec {
  return {
    id: 'askModel',
    subject: subjectTemplate(`${uniquePrefix()}.ask.{tenant_id}`),
    messages: [{ name: 'Ask', payload: Ask }],
    reply: { messages: [{ name: 'Answer', payload: Answer }], withHeaders: false },
    timeoutMs: 2_000,
    ...extra,
  };
}

const ask = { params: { tenant_id: 'acme' }, payload: { model: 'm1', prompt: 'hi' } } as const;

let nc: NatsConnection;
let server: NatsConnection;
const handles: Handle[] = [];
beforeAll(async () => {
  nc = await natsConnect({ servers: inject('natsUrl') });
  server = await natsConnect({ servers: inject('natsUrl') });
});
afterAll(async () => {
  await Promise.all(handles.map((h) => h.drain()));
  await nc?.close();
  await server?.close();
});

/** Starts a responder on the server connection and waits until the server knows it. */
async function serve<TReply>(
  op: OperationSpec,
  handler: (m: AskMsg) => TReply | Promise<TReply>,
  errors: ErrorEvent[] = [],
): Promise<Handle> {
  const handle = reply(server, op, { params: { tenant_id: wildcard } }, handler, {
    onError: (e) => errors.push(e),
  });
  handles.push(handle);
  await server.flush();
  return handle;
}

/** The rejection of `promise`, failing the test if it resolves. */
async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

describe('request - happy path', () => {
  test('request - resolves the validated reply payload', async () => {
    const op = askOp();
    await serve(op, (m) => ({ text: `${m.params.tenant_id}:${m.payload.model}:${m.payload.prompt}`, tokens: 3 }));
    await expect(request<Answer>(nc, op, ask, { timeoutMs: 1_000 })).resolves.toEqual({
      text: 'acme:m1:hi',
      tokens: 3,
    });
  });

  test('request - an async handler answers too', async () => {
    const op = askOp();
    await serve(op, async (m) => {
      await new Promise((resolve) => setTimeout(resolve, 10));
      return { text: m.payload.prompt, tokens: 1 };
    });
    await expect(request<Answer>(nc, op, ask)).resolves.toEqual({ text: 'hi', tokens: 1 });
  });

  test('request - withHeaders round trips payload and headers', async () => {
    const op = askOp({
      reply: {
        messages: [
          {
            name: 'Answer',
            payload: Answer,
            headers: z.object({ 'x-model': z.string(), 'x-cached': z.stringbool(), 'x-cost': z.coerce.number() }),
            headerNames: ['x-model', 'x-cached', 'x-cost'],
          },
        ],
        withHeaders: true,
      },
    });
    await serve(op, (m) => ({
      payload: { text: 'ok', tokens: 2 },
      headers: { 'x-model': m.payload.model, 'x-cached': true, 'x-cost': 0.25 },
    }));
    await expect(request(nc, op, ask)).resolves.toEqual({
      payload: { text: 'ok', tokens: 2 },
      headers: { 'x-model': 'm1', 'x-cached': true, 'x-cost': 0.25 },
    });
  });

  test('request - a plain client gets a plain JSON reply', async () => {
    const op = askOp();
    await serve(op, () => ({ text: 'plain', tokens: 0 }));
    const msg = await nc.request(op.subject.build({ tenant_id: 'x' }), JSON.stringify({ model: 'm', prompt: 'p' }));
    expect(msg.json()).toEqual({ text: 'plain', tokens: 0 });
    expect(msg.headers).toBeUndefined();
  });
});

describe('request - failures at the caller', () => {
  test('request - no responders rejects with NoRespondersError quickly', async () => {
    const op = askOp();
    const started = Date.now();
    const error = await rejection(request(nc, op, ask));
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(error).toBeInstanceOf(NoRespondersError);
    expect((error as NoRespondersError).message).toBe(
      `no responders for request 'askModel' on '${op.subject.build({ tenant_id: 'acme' })}'`,
    );
    expect((error as NoRespondersError).code).toBe('NO_RESPONDERS');
    expect((error as NoRespondersError).cause).toBeInstanceOf(Error);
  });

  test('request - a silent responder rejects with TimeoutError', async () => {
    const op = askOp();
    const subject = op.subject.build({ tenant_id: 'acme' });
    const sub = server.subscribe(subject, { callback: () => {} });
    await server.flush();
    const error = await rejection(request(nc, op, ask, { timeoutMs: 150 }));
    expect(error).toBeInstanceOf(TimeoutError);
    expect((error as TimeoutError).message).toBe(`request 'askModel' on '${subject}' timed out after 150 ms`);
    expect((error as TimeoutError).timeoutMs).toBe(150);
    expect((error as TimeoutError).cause).toBeInstanceOf(natsErrors.TimeoutError);
    sub.unsubscribe();
  });

  test('request - the operation timeout applies when the call gives none', async () => {
    const op = askOp({ timeoutMs: 120 });
    const sub = server.subscribe(op.subject.build({ tenant_id: 'acme' }), { callback: () => {} });
    await server.flush();
    const error = await rejection(request(nc, op, ask));
    expect((error as TimeoutError).timeoutMs).toBe(120);
    sub.unsubscribe();
  });

  test('request - an invalid reply from a plain responder rejects with ValidationError direction reply', async () => {
    const op = askOp();
    const sub = server.subscribe(op.subject.build({ tenant_id: 'acme' }), {
      callback: (_err, msg) => {
        msg.respond(JSON.stringify({ text: 5 }));
      },
    });
    await server.flush();
    const error = await rejection(request(nc, op, ask));
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).direction).toBe('reply');
    expect((error as ValidationError).message).toBe(
      "invalid payload for operation 'askModel': text: Invalid input: expected string, received number; tokens: Invalid input: expected number, received undefined",
    );
    await expect(request(nc, op, ask, { validate: { receive: false } })).resolves.toEqual({ text: 5 });
    sub.unsubscribe();
  });

  test('request - a malformed reply rejects with DecodeError', async () => {
    const op = askOp();
    const subject = op.subject.build({ tenant_id: 'acme' });
    const sub = server.subscribe(subject, {
      callback: (_err, msg) => {
        msg.respond('<html>');
      },
    });
    await server.flush();
    const error = await rejection(request(nc, op, ask));
    expect(error).toBeInstanceOf(DecodeError);
    expect((error as DecodeError).message).toBe(`malformed JSON for operation 'askModel' on '${subject}'`);
    sub.unsubscribe();
  });

  test('request - service error headers from a plain responder reject with RemoteError', async () => {
    const op = askOp();
    const sub = server.subscribe(op.subject.build({ tenant_id: 'acme' }), {
      callback: (_err, msg) => {
        const h = natsHeaders();
        h.set('Nats-Service-Error', 'quota exceeded');
        h.set('Nats-Service-Error-Code', '429');
        msg.respond(undefined, { headers: h });
      },
    });
    await server.flush();
    const error = await rejection(request(nc, op, ask));
    expect(error).toBeInstanceOf(RemoteError);
    expect(error).toMatchObject({ status: 429, description: 'quota exceeded', code: 'REMOTE', operation: 'askModel' });
    expect((error as RemoteError).message).toBe("request 'askModel' failed: 429 quota exceeded");
    sub.unsubscribe();
  });

  test('request - an invalid request throws before sending', async () => {
    const op = askOp();
    const error = await rejection(request(nc, op, { params: { tenant_id: 'acme' }, payload: { model: 'm' } }));
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).direction).toBe('send');
  });
});

describe('request - error replies from reply()', () => {
  test('request - an invalid request answers RemoteError 400 at the caller', async () => {
    const op = askOp();
    let called = false;
    const errors: ErrorEvent[] = [];
    await serve(
      op,
      () => {
        called = true;
        return { text: '', tokens: 0 };
      },
      errors,
    );
    const error = await rejection(
      request(
        nc,
        op,
        { params: { tenant_id: 'acme' }, payload: { model: 1, prompt: 'x' } },
        { validate: { send: false } },
      ),
    );
    expect(error).toBeInstanceOf(RemoteError);
    expect(error).toMatchObject({
      status: 400,
      description: 'invalid request: model: Invalid input: expected string, received number',
    });
    expect(called).toBe(false);
    expect(errors).toEqual([]);
  });

  test('request - malformed JSON answers 400 malformed JSON request', async () => {
    const op = askOp();
    await serve(op, () => ({ text: '', tokens: 0 }));
    const msg = await nc.request(op.subject.build({ tenant_id: 'acme' }), '{oops');
    expect(msg.data.length).toBe(0);
    expect(msg.headers?.get('Nats-Service-Error-Code')).toBe('400');
    expect(msg.headers?.get('Nats-Service-Error')).toBe('malformed JSON request');
  });

  test('request - a handler throwing ServiceError chooses the code and message', async () => {
    const op = askOp();
    const errors: ErrorEvent[] = [];
    await serve(
      op,
      (m) => {
        throw new ServiceError(404, `no such model: ${m.payload.model}`);
      },
      errors,
    );
    const error = await rejection(request(nc, op, ask));
    expect(error).toBeInstanceOf(RemoteError);
    expect(error).toMatchObject({ status: 404, description: 'no such model: m1' });
    expect(errors).toEqual([]);
  });

  test('request - an async handler rejecting ServiceError chooses the code and message', async () => {
    const op = askOp();
    await serve(op, async () => {
      throw new ServiceError(404, 'no such model');
    });
    const error = await rejection(request(nc, op, ask));
    expect(error).toMatchObject({ name: 'RemoteError', status: 404, description: 'no such model' });
  });

  test('request - a handler throwing Error answers 500 internal error and reports the real error', async () => {
    const op = askOp();
    const errors: ErrorEvent[] = [];
    await serve(
      op,
      () => {
        throw new Error('database password is hunter2');
      },
      errors,
    );
    const error = await rejection(request(nc, op, ask));
    expect(error).toMatchObject({ name: 'RemoteError', status: 500, description: 'internal error' });
    expect((error as RemoteError).message).not.toContain('hunter2');
    await waitFor('the report', () => errors.length === 1);
    expect(errors[0]).toMatchObject({ kind: 'handler', operation: 'askModel' });
    expect(((errors[0] as ErrorEvent).error as Error).message).toBe('database password is hunter2');
  });

  test('request - an invalid reply answers 500 invalid reply and reports it', async () => {
    const op = askOp();
    const errors: ErrorEvent[] = [];
    await serve(op, () => ({ text: 'no tokens' }), errors);
    const error = await rejection(request(nc, op, ask));
    expect(error).toMatchObject({ name: 'RemoteError', status: 500, description: 'invalid reply' });
    await waitFor('the report', () => errors.length === 1);
    expect(errors[0]?.kind).toBe('reply');
    expect(errors[0]?.error).toBeInstanceOf(ValidationError);
    expect(((errors[0] as ErrorEvent).error as ValidationError).direction).toBe('reply');
  });

  test('request - a message without a reply subject is reported and the responder keeps answering', async () => {
    const op = askOp();
    const errors: ErrorEvent[] = [];
    await serve(op, () => ({ text: 'still here', tokens: 1 }), errors);
    const subject = op.subject.build({ tenant_id: 'acme' });
    nc.publish(subject, JSON.stringify(ask.payload));
    await waitFor('the report', () => errors.length === 1);
    expect(errors[0]).toMatchObject({ kind: 'reply', subject });
    expect(((errors[0] as ErrorEvent).error as Error).message).toBe(
      `message for operation 'askModel' on '${subject}' has no reply subject`,
    );
    await expect(request(nc, op, ask)).resolves.toEqual({ text: 'still here', tokens: 1 });
  });

  test('request - reply drain waits for an in-flight handler, which still answers', async () => {
    const op = askOp();
    let release: (() => void) | undefined;
    const handle = await serve(
      op,
      () =>
        new Promise<Answer>((resolve) => {
          release = () => resolve({ text: 'late', tokens: 1 });
        }),
    );
    const pending = request<Answer>(nc, op, ask);
    await waitFor('the handler', () => release !== undefined);
    const drained = handle.drain();
    release?.();
    await drained;
    await expect(pending).resolves.toEqual({ text: 'late', tokens: 1 });
  });
});
