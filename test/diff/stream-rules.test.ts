import { describe, expect, it } from 'vitest';
import { diffTable, type Row } from './table.js';

const BASE = 'test/fixtures/specs/diff/stream.yaml';

// The settings of streamCompletion (send) and serveCompletion (receive), each written once in the base.
const settings = (op: 'serveCompletion' | 'streamTokens') =>
  `      firstChunkTimeoutMs: 20000\n      totalTimeoutMs: 600000\n      window: 16\n  ${op}`;
const CALLER = settings('serveCompletion');
const WORKER = settings('streamTokens');
const END = '    x-nats-stream:\n      end: CompletionEnd\n';
const TOKENS_STREAM = "        - $ref: '#/channels/tokensReply/messages/Token'\n    x-nats-stream: true\n";
const TOKENS_PLAIN = "        - $ref: '#/channels/tokensReply/messages/Token'\n";
const CHUNK_ENTRY = "      CompletionChunk:\n        $ref: '#/components/messages/CompletionChunk'\n";
const END_ENTRY = "      CompletionEnd:\n        $ref: '#/components/messages/CompletionEnd'\n";
const END_REF = "        - $ref: '#/channels/completionsReply/messages/CompletionEnd'\n";
const USAGE_REF = "        - $ref: '#/channels/completionsReply/messages/CompletionUsage'\n";
const USAGE =
  '    CompletionUsage:\n      name: CompletionUsage\n      payload:\n        type: object\n        properties:\n          tokens:\n            type: integer\n';
const ABORT =
  '    CompletionAbort:\n      name: CompletionAbort\n      payload:\n        type: object\n        required: [reason]\n        properties:\n          reason:\n            type: string\n';

/** The tokens pair (streamTokens, serveTokens) without x-nats-stream: a plain request/reply. */
const tokensPlain = (timeout = ''): Row['given'] => [
  [
    `${TOKENS_STREAM}  serveTokens`,
    `${TOKENS_PLAIN}${timeout ? `    x-nats-timeout-ms: ${timeout}\n` : ''}  serveTokens`,
  ],
  [`${TOKENS_STREAM}components`, `${TOKENS_PLAIN}${timeout ? `    x-nats-timeout-ms: ${timeout}\n` : ''}components`],
];

// [name, {given, want}]: whether a reply streams, its chunks and end, its timeouts and window.
const TABLE: readonly (readonly [string, Row])[] = [
  ['identical specs', { given: [], want: [] }],
  [
    'x-nats-stream removed: breaking, the wire protocol and the generated method change',
    {
      given: tokensPlain(),
      want: [
        [
          'breaking',
          'nats-streaming-changed',
          "operation 'streamTokens' no longer streams its reply (x-nats-stream removed): it answers with one reply",
        ],
        [
          'breaking',
          'nats-streaming-changed',
          "operation 'serveTokens' no longer streams its reply (x-nats-stream removed): it answers with one reply",
        ],
      ],
    },
  ],
  [
    'x-nats-stream added to a request/reply: breaking, and its x-nats-timeout-ms giving way is part of it',
    {
      given: tokensPlain('5000'),
      reverse: true,
      want: [
        [
          'breaking',
          'nats-streaming-changed',
          "operation 'streamTokens' now streams its reply (x-nats-stream): chunk Token; ends with an end marker (the generated method returns an async iterator)",
        ],
        [
          'breaking',
          'nats-streaming-changed',
          "operation 'serveTokens' now streams its reply (x-nats-stream): chunk Token; ends with an end marker (the handler is an async generator)",
        ],
      ],
    },
  ],
  [
    "a chunk message's schema narrowed: breaking, as for any message",
    {
      given: [
        [
          '          delta:\n            type: string\n',
          '          delta:\n            type: string\n            maxLength: 100\n',
        ],
      ],
      want: [['breaking', 'nats-schema-narrowed']],
    },
  ],
  [
    "the end message's schema widened: breaking",
    {
      given: [['            enum: [stop, length]\n', '            enum: [stop, length, cancelled]\n']],
      want: [['breaking', 'nats-enum-value-added']],
    },
  ],
  [
    'a chunk message added to the reply: breaking, for each operation of the stream',
    {
      given: [
        [CHUNK_ENTRY, `${CHUNK_ENTRY}      CompletionUsage:\n        $ref: '#/components/messages/CompletionUsage'\n`],
        ['    Token:\n      name: Token\n', `${USAGE}    Token:\n      name: Token\n`],
        [`${END_REF}    x-nats-stream:`, `${END_REF}${USAGE_REF}    x-nats-stream:`],
        [`${END_REF}    bindings:`, `${END_REF}${USAGE_REF}    bindings:`],
      ],
      want: [
        [
          'breaking',
          'nats-message-added',
          "message CompletionUsage was added to the chunks of the stream of operation 'streamCompletion'",
        ],
        [
          'breaking',
          'nats-message-added',
          "message CompletionUsage was added to the chunks of the stream of operation 'serveCompletion'",
        ],
      ],
    },
  ],
  [
    "regression: a chunk written inline in the reply channel and listed by the operations: the channel's entry is not reported again as @asyncapi/diff's non-breaking addition",
    {
      given: [
        [
          CHUNK_ENTRY,
          `${CHUNK_ENTRY}      CompletionUsage:\n        payload:\n          type: object\n          properties:\n            tokens:\n              type: integer\n`,
        ],
        [`${END_REF}    x-nats-stream:`, `${END_REF}${USAGE_REF}    x-nats-stream:`],
        [`${END_REF}    bindings:`, `${END_REF}${USAGE_REF}    bindings:`],
      ],
      want: [
        ['breaking', 'nats-message-added'],
        ['breaking', 'nats-message-added'],
      ],
    },
  ],
  [
    'the end message removed (the stream ends with an end marker; the message becomes a chunk): breaking',
    {
      given: [
        [`${END}${CALLER}`, `    x-nats-stream:\n${CALLER}`],
        [`${END}${WORKER}`, `    x-nats-stream:\n${WORKER}`],
      ],
      want: [
        [
          'breaking',
          'nats-streaming-end-changed',
          "the stream of operation 'streamCompletion' now ends with an end marker instead of message CompletionEnd (CompletionEnd is now one of its chunks)",
        ],
        [
          'breaking',
          'nats-streaming-end-changed',
          "the stream of operation 'serveCompletion' now ends with an end marker instead of message CompletionEnd (CompletionEnd is now one of its chunks)",
        ],
      ],
    },
  ],
  [
    'an end message declared (it was a chunk): breaking',
    {
      given: [
        [`${END}${CALLER}`, `    x-nats-stream:\n${CALLER}`],
        [`${END}${WORKER}`, `    x-nats-stream:\n${WORKER}`],
      ],
      reverse: true,
      want: [
        [
          'breaking',
          'nats-streaming-end-changed',
          "the stream of operation 'streamCompletion' now ends with message CompletionEnd instead of an end marker (CompletionEnd was one of its chunks)",
        ],
        ['breaking', 'nats-streaming-end-changed'],
      ],
    },
  ],
  [
    'the end message swapped for another: breaking, reported as the swap naming both',
    {
      given: [
        [END_ENTRY, "      CompletionEnd:\n        $ref: '#/components/messages/CompletionAbort'\n"],
        ['    Token:\n      name: Token\n', `${ABORT}    Token:\n      name: Token\n`],
      ],
      want: [
        [
          'breaking',
          'nats-message-swapped',
          "message 'CompletionEnd' of channel 'completionsReply' (the reply of operation 'streamCompletion', the reply of operation 'serveCompletion') is now CompletionAbort (#/components/messages/CompletionAbort) instead of CompletionEnd (#/components/messages/CompletionEnd); they accept different values (payload/properties/finish_reason, payload/properties/reason, payload/properties/tokens): receivers of each version reject some of the other version's messages",
        ],
      ],
    },
  ],
  [
    "the caller's first-chunk timeout shortened: non-breaking, callers give up sooner",
    {
      given: [[CALLER, CALLER.replace('firstChunkTimeoutMs: 20000', 'firstChunkTimeoutMs: 10000')]],
      want: [
        [
          'non-breaking',
          'nats-streaming-timeout-changed',
          "the first-chunk timeout of the stream of operation 'streamCompletion' changed from 20000 ms to 10000 ms: callers give up sooner on a worker that is slow to start (StreamTimeoutError, phase first-chunk)",
        ],
      ],
    },
  ],
  [
    "the worker's total timeout shortened: non-breaking, the worker's own limit (as x-nats-handler-timeout-ms)",
    {
      given: [[WORKER, WORKER.replace('totalTimeoutMs: 600000', 'totalTimeoutMs: 120000')]],
      want: [
        [
          'non-breaking',
          'nats-streaming-timeout-changed',
          "the total timeout of the stream of operation 'serveCompletion' changed from 600000 ms to 120000 ms: workers end long streams sooner, with a 504 that callers of both versions get as RemoteError; it is the workers’ own limit on how long they work, as x-nats-handler-timeout-ms is for a reply",
        ],
      ],
    },
  ],
  [
    "the worker's first-chunk timeout shortened: non-breaking, workers do not apply it",
    {
      given: [[WORKER, WORKER.replace('firstChunkTimeoutMs: 20000', 'firstChunkTimeoutMs: 5000')]],
      want: [
        [
          'non-breaking',
          'nats-streaming-timeout-changed',
          "the first-chunk timeout of the stream of operation 'serveCompletion' changed from 20000 ms to 5000 ms: workers do not apply it (only callers wait for a first chunk); it now documents a shorter wait",
        ],
      ],
    },
  ],
  [
    'idle timeouts lengthened on both sides (stated, were the default): non-breaking',
    {
      given: [
        [CALLER, `      idleTimeoutMs: 60000\n${CALLER}`],
        [WORKER, `      idleTimeoutMs: 60000\n${WORKER}`],
      ],
      want: [
        [
          'non-breaking',
          'nats-streaming-timeout-changed',
          "the idle timeout of the stream of operation 'streamCompletion' changed from 30000 ms to 60000 ms: callers wait longer between chunks",
        ],
        [
          'non-breaking',
          'nats-streaming-timeout-changed',
          "the idle timeout of the stream of operation 'serveCompletion' changed from 30000 ms to 60000 ms: workers wait longer for a caller that takes no chunk before they stop its stream",
        ],
      ],
    },
  ],
  [
    'a total timeout removed (back to the default): located where it was',
    {
      given: [[CALLER, CALLER.replace('      totalTimeoutMs: 600000\n', '')]],
      want: [['non-breaking', 'nats-streaming-timeout-changed']],
    },
  ],
  [
    'the window lowered: non-breaking, each caller sends its window with its request',
    {
      given: [[CALLER, CALLER.replace('window: 16', 'window: 4')]],
      want: [
        [
          'non-breaking',
          'nats-streaming-window-changed',
          "the window of the stream of operation 'streamCompletion' changed from 16 to 4 chunks: a slow caller holds its worker back sooner; each caller sends its window with its request, so callers and workers of both versions agree on every stream",
        ],
      ],
    },
  ],
  [
    'x-nats-stream: true written out with its defaults: no change',
    {
      given: [
        [
          `${TOKENS_STREAM}  serveTokens`,
          `${TOKENS_PLAIN}    x-nats-stream:\n      window: 32\n      totalTimeoutMs: 300000\n  serveTokens`,
        ],
      ],
      want: [],
    },
  ],
];

const run = diffTable(BASE);

describe('diff of streamed replies', () => {
  it.each(TABLE)('diff - %s', async (name, row) => {
    await run(name, row);
  });

  it('diff - a chunk schema finding says who sends and who receives the chunk, and names its schema node', async () => {
    const [, row] = TABLE.find(([name]) => name.startsWith("a chunk message's schema")) as readonly [string, Row];
    const report = await run('chunk narrowed, who sends', row);
    const [change] = report.changes;
    expect(change?.pointer).toBe('/components/messages/CompletionChunk/payload/properties/delta/maxLength');
    expect(change?.message).toBe(
      "field 'CompletionChunkPayload.delta' (#/components/messages/CompletionChunk/payload/properties/delta): maxLength 100 added; new receivers reject values that old senders may send",
    );
    expect(change?.help).toBe(
      "update every sender before any receiver: new senders send only values both versions accept (CompletionChunk is a chunk of the stream of operations 'streamCompletion', 'serveCompletion': workers send it, callers receive it)",
    );
  });

  it('diff - the end of a stream: added and removed are located at x-nats-stream.end', async () => {
    const [, row] = TABLE.find(([name]) => name.startsWith('the end message removed')) as readonly [string, Row];
    const report = await run('end removed, where', row);
    expect(report.changes.map((c) => [c.pointer, c.line])).toEqual([
      ['/operations/streamCompletion/x-nats-stream/end', 44],
      ['/operations/serveCompletion/x-nats-stream/end', 61],
    ]);
  });
});
