/**
 * `x-nats-stream`: what a valid declaration becomes in the model (chunks, end, defaults), and a located
 * error with a stable code for each way to get it wrong (STREAMING.md §1, docs/extensions.md).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildModel } from '../../generator/model/build.js';
import type { ApiModel } from '../../generator/model/types.js';
import { parseSpec } from '../../generator/parse/parse.js';
import type { Problem } from '../../generator/problems.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'asyncapi-nats-stream-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const REPLY = `    reply:
      channel: { $ref: '#/channels/r' }
      messages:
        - $ref: '#/channels/r/messages/Chunk'
        - $ref: '#/channels/r/messages/Done'`;

/**
 * A NATS spec: channel `c` (`gen.{tenant}`), reply channel `r` with messages `Chunk`, `Done` and
 * `Tagged` (which declares a header), a send `ask` and a receive `serve`, each with `reply` (default:
 * Chunk and Done) and the given extension lines.
 */
function spec(
  askExt: string,
  serveExt = askExt,
  opts: { reply?: string; channelExt?: string; moreOps?: string } = {},
): string {
  const reply = opts.reply ?? REPLY;
  return `asyncapi: 3.0.0
info: { title: Stream, version: 1.0.0 }
servers: { local: { host: 'localhost:4222', protocol: nats } }
channels:
  c:
    address: 'gen.{tenant}'
    parameters: { tenant: {} }
    messages:
      Prompt: { payload: { type: object, properties: { text: { type: string } } } }
${opts.channelExt ?? ''}
  r:
    address: null
    messages:
      Chunk: { payload: { type: object, required: [delta], properties: { delta: { type: string } } } }
      Done: { payload: { type: object, required: [tokens], properties: { tokens: { type: integer } } } }
      Tagged:
        headers: { type: object, properties: { trace: { type: string } } }
        payload: { type: object }
operations:
  ask:
    action: send
    channel: { $ref: '#/channels/c' }
${reply}
${askExt}
  serve:
    action: receive
    channel: { $ref: '#/channels/c' }
${reply}
${serveExt}
${opts.moreOps ?? ''}`;
}

async function run(name: string, text: string): Promise<{ model?: ApiModel; problems: Problem[] }> {
  const file = path.join(dir, `${name.replace(/\W+/g, '-')}.yaml`);
  await writeFile(file, text);
  const parsed = await parseSpec(file);
  if (!parsed.spec) return { problems: parsed.problems };
  const built = buildModel(parsed.spec);
  return { model: built.model, problems: built.problems.filter((p) => p.severity !== 'info') };
}

describe('x-nats-stream - model', () => {
  it('x-nats-stream - true: every reply message is a chunk, the defaults apply', async () => {
    const { model, problems } = await run('true', spec('    x-nats-stream: true'));
    expect(problems).toEqual([]);
    const ask = model?.operations.find((o) => o.id === 'ask');
    expect(ask?.kind).toBe('request');
    expect(ask?.stream).toMatchObject({
      chunks: ask?.reply?.messages,
      firstChunkTimeoutMs: 30000,
      idleTimeoutMs: 30000,
      totalTimeoutMs: 300000,
      window: 32,
    });
    expect(ask?.stream?.end).toBeUndefined();
    expect(ask?.stream?.location.line).toBeGreaterThan(0);
    expect(ask?.reply?.messages.map((k) => model?.messages.find((m) => m.key === k)?.name)).toEqual(['Chunk', 'Done']);
    expect(model?.operations.find((o) => o.id === 'serve')?.stream?.chunks).toHaveLength(2);
  });

  it('x-nats-stream - every key is read; the end message is taken out of the chunks', async () => {
    const { model, problems } = await run(
      'full',
      spec(
        '    x-nats-stream: { end: Done, firstChunkTimeoutMs: 1000, idleTimeoutMs: 2000, totalTimeoutMs: 3000, window: 4 }',
      ),
    );
    expect(problems).toEqual([]);
    const serve = model?.operations.find((o) => o.id === 'serve');
    const [chunk, done] = serve?.reply?.messages ?? [];
    const { location: _, ...stream } = serve?.stream ?? {};
    expect(stream).toEqual({
      chunks: [chunk],
      end: done,
      firstChunkTimeoutMs: 1000,
      idleTimeoutMs: 2000,
      totalTimeoutMs: 3000,
      window: 4,
    });
  });

  it('x-nats-stream - false is the same as no key: a plain request/reply', async () => {
    const { model, problems } = await run('false', spec('    x-nats-stream: false'));
    expect(problems).toEqual([]);
    expect(model?.operations.every((o) => o.stream === undefined)).toBe(true);
  });
});

const TAGGED_REPLY = `    reply:
      channel: { $ref: '#/channels/r' }
      messages:
        - $ref: '#/channels/r/messages/Tagged'
        - $ref: '#/channels/r/messages/Done'`;

describe('x-nats-stream - problems', () => {
  it.each([
    [
      'on an operation without reply',
      spec('    x-nats-stream: true', undefined, { reply: '' }),
      'nats-stream-without-reply',
      "x-nats-stream on 'ask' has no meaning: the operation has no reply",
    ],
    [
      'an end that is not a reply message',
      spec('    x-nats-stream: { end: Dome }'),
      'nats-stream-end',
      "x-nats-stream.end \"Dome\" is not one of the reply's messages ('Chunk', 'Done'); did you mean 'Done'?",
    ],
    [
      'no chunk left',
      spec('    x-nats-stream: { end: Done }', undefined, {
        reply: `    reply:
      channel: { $ref: '#/channels/r' }
      messages: [{ $ref: '#/channels/r/messages/Done' }]`,
      }),
      'nats-stream-no-chunk',
      "x-nats-stream of 'ask' leaves no chunk message: the reply's only message is the end",
    ],
    [
      'a timeout of zero',
      spec('    x-nats-stream: { idleTimeoutMs: 0 }'),
      'nats-bad-extension',
      'x-nats-stream.idleTimeoutMs must be a whole number from 1 to 2147483647 (milliseconds), got 0',
    ],
    [
      'a timeout over the timer limit',
      spec('    x-nats-stream: { totalTimeoutMs: 2147483648 }'),
      'nats-bad-extension',
      'x-nats-stream.totalTimeoutMs must be a whole number from 1 to 2147483647 (milliseconds), got 2147483648',
    ],
    [
      'a fractional timeout',
      spec('    x-nats-stream: { firstChunkTimeoutMs: 1.5 }'),
      'nats-bad-extension',
      'x-nats-stream.firstChunkTimeoutMs must be a whole number from 1 to 2147483647 (milliseconds), got 1.5',
    ],
    [
      'a window over 10000',
      spec('    x-nats-stream: { window: 10001 }'),
      'nats-bad-extension',
      'x-nats-stream.window must be a whole number from 1 to 10000 (chunks), got 10001',
    ],
    [
      'a text window',
      spec("    x-nats-stream: { window: '8' }"),
      'nats-bad-extension',
      'x-nats-stream.window must be a whole number from 1 to 10000 (chunks), got "8"',
    ],
    [
      'a value that is neither true nor an object',
      spec('    x-nats-stream: yes please'),
      'nats-bad-extension',
      'x-nats-stream must be true or an object of settings, got "yes please"',
    ],
    [
      'an unknown key',
      spec('    x-nats-stream: { idleTimeout: 5000 }'),
      'nats-bad-extension',
      "x-nats-stream key 'idleTimeout' is not one asyncapi-nats reads; did you mean 'idleTimeoutMs'?",
    ],
    [
      'x-nats-timeout-ms beside it',
      spec('    x-nats-stream: true\n    x-nats-timeout-ms: 5000'),
      'nats-stream-timeout',
      "x-nats-timeout-ms on streaming operation 'ask': a stream has a first-chunk, an idle and a total timeout",
    ],
    [
      'x-nats-handler-timeout-ms beside it',
      spec('    x-nats-stream: true', '    x-nats-stream: true\n    x-nats-handler-timeout-ms: 5000'),
      'nats-stream-timeout',
      "x-nats-handler-timeout-ms on streaming operation 'serve': a stream runs as long as it sends, up to its total timeout",
    ],
    [
      'a streaming receive operation on a channel other receive operations share',
      spec('    x-nats-stream: true', undefined, {
        moreOps: `  listen:
    action: receive
    channel: { $ref: '#/channels/c' }
`,
      }),
      'nats-stream-shared-channel',
      "operation 'serve' streams its reply on channel 'c', which 'listen' also receives: a streaming operation needs a channel of its own",
    ],
    [
      'x-nats-jetstream on the operation',
      spec('    x-nats-stream: true\n    x-nats-jetstream: { stream: GEN }'),
      'nats-stream-jetstream',
      "operation 'ask' streams its reply, which JetStream does not store: x-nats-jetstream cannot apply to it",
    ],
    [
      'x-nats-jetstream on the channel',
      spec('    x-nats-stream: true', undefined, { channelExt: '    x-nats-jetstream: { stream: GEN }' }),
      'nats-stream-jetstream',
      "operation 'ask' streams its reply, which JetStream does not store: x-nats-jetstream cannot apply to it",
    ],
    [
      'a reply message with headers',
      spec('    x-nats-stream: { end: Done }', undefined, { reply: TAGGED_REPLY }),
      'nats-stream-headers',
      "message 'Tagged' of the streamed reply of 'ask' declares headers; chunks and the end message carry a payload only",
    ],
    [
      'the send side streams, the receive side does not',
      spec('    x-nats-stream: true', ''),
      'nats-stream-mismatch',
      "operation 'serve' on channel 'c' expects to answer with one reply, but 'ask' streams the reply (x-nats-stream)",
    ],
    [
      'the receive side streams, the send side does not',
      spec('', '    x-nats-stream: true'),
      'nats-stream-mismatch',
      "operation 'ask' on channel 'c' expects one reply, but 'serve' streams the reply (x-nats-stream)",
    ],
  ])('x-nats-stream - %s', async (name, text, code, message) => {
    const { problems } = await run(name, text);
    const found = problems.find((p) => p.code === code && p.message === message);
    expect(found, JSON.stringify(problems, null, 2)).toBeDefined();
    expect(found?.severity).toBe('error');
    expect(found?.line).toBeGreaterThan(0);
  });

  it('x-nats-stream - a problem is located at the key that has it', async () => {
    const text = spec('    x-nats-stream: { window: 0 }', '    x-nats-stream: true');
    const { problems } = await run('located', text);
    const found = problems.find((p) => p.message.startsWith('x-nats-stream.window'));
    const lines = text.split('\n');
    expect(lines[(found?.line ?? 0) - 1]?.slice((found?.column ?? 1) - 1)).toMatch(/^(window: 0|0 })/);
  });

  it('x-nats-stream - a misspelt extension name gets a did-you-mean', async () => {
    const { problems } = await run('misspelt', spec('    x-nats-streams: true', ''));
    expect(problems.map((p) => p.message)).toContain(
      'x-nats-streams is not an extension asyncapi-nats reads, so it has no effect; did you mean `x-nats-stream`?',
    );
  });
});
