import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ChangeKind, diffSpecs } from '../../generator/diff/index.js';

const BASE = 'test/fixtures/specs/diff/shop.yaml';

/** Replacements `[from, to]` in the base spec; each `from` must occur exactly once. */
type Edit = readonly [from: string, to: string];

interface Row {
  /** What is changed in the base spec. */
  readonly edits: readonly Edit[];
  /** Every change the diff must report, in its order (most serious first, then by line). */
  readonly want: readonly (readonly [ChangeKind, string])[];
}

const ORDER_JS = `    x-nats-jetstream:
      stream: SHOP_TASKS
      subjects: [shop.tasks.*]
      retention: workqueue
      replicas: 1
      dead-letter: shop.dead.tasks
      dead-letter-stream: SHOP_TASKS_DLQ
`;

// [name, {edits, want}]: every NATS rule, identical specs, documentation, and @asyncapi/diff's own.
const TABLE: readonly (readonly [string, Row])[] = [
  ['identical specs', { edits: [], want: [] }],
  [
    'a description edited is documentation: non-breaking',
    {
      edits: [['description: The order id.', 'description: The id of the order.']],
      want: [['non-breaking', 'docs-changed']],
    },
  ],
  [
    'a channel description edited (classified by @asyncapi/diff too) is one change',
    {
      edits: [['description: An order was placed.', 'description: Someone placed an order.']],
      want: [['non-breaking', 'docs-changed']],
    },
  ],
  [
    'channel removed',
    {
      edits: [
        [
          '  auditLog:\n    address: shop.audit\n    messages:\n      auditEntry:\n        payload:\n          type: string\n',
          '',
        ],
      ],
      want: [['breaking', 'nats-channel-removed']],
    },
  ],
  [
    'channel added',
    {
      edits: [['  auditLog:\n', '  metrics:\n    address: shop.metrics\n  auditLog:\n']],
      want: [['non-breaking', 'nats-channel-added']],
    },
  ],
  [
    'subject changed (a literal token)',
    {
      edits: [['shop.orders.{tenant}.created', 'shop.orders.{tenant}.placed']],
      want: [['breaking', 'nats-subject-changed']],
    },
  ],
  [
    'parameter renamed',
    {
      edits: [
        ['shop.orders.{tenant}.created', 'shop.orders.{tenant_id}.created'],
        [
          '    description: An order was placed.\n    parameters:\n      tenant:',
          '    description: An order was placed.\n    parameters:\n      tenant_id:',
        ],
      ],
      want: [['breaking', 'nats-parameter-renamed']],
    },
  ],
  [
    'parameter added',
    {
      edits: [
        ['shop.orders.{tenant}.created', 'shop.orders.{tenant}.{region}.created'],
        [
          '        description: The tenant.\n    messages:\n      orderCreated:',
          '        description: The tenant.\n      region:\n        description: The region.\n    messages:\n      orderCreated:',
        ],
      ],
      want: [
        ['breaking', 'nats-subject-changed'],
        ['breaking', 'nats-parameter-added'],
      ],
    },
  ],
  [
    'parameter removed',
    {
      edits: [
        [
          'address: shop.quote.{tenant}\n    parameters:\n      tenant:\n        description: The tenant.\n',
          'address: shop.quote\n',
        ],
      ],
      want: [
        ['breaking', 'nats-parameter-removed'],
        ['breaking', 'nats-subject-changed'],
      ],
    },
  ],
  [
    'operation removed',
    {
      edits: [
        [
          "  publishOrderCreated:\n    action: send\n    channel:\n      $ref: '#/channels/orderCreated'\n    messages:\n      - $ref: '#/channels/orderCreated/messages/orderCreated'\n",
          '',
        ],
      ],
      want: [['breaking', 'nats-operation-removed']],
    },
  ],
  [
    'operation added',
    {
      edits: [
        [
          'operations:\n',
          "operations:\n  publishAudit:\n    action: send\n    channel:\n      $ref: '#/channels/auditLog'\n",
        ],
      ],
      want: [['non-breaking', 'nats-operation-added']],
    },
  ],
  [
    // Not send → receive: two receive operations with the same message on one channel cannot be routed (an error).
    'operation kind changed (receive became send)',
    {
      edits: [['  receiveOrderCreated:\n    action: receive', '  receiveOrderCreated:\n    action: send']],
      // A send operation has no queue group: the receiver's `shop.orders` is gone too.
      want: [
        ['breaking', 'nats-operation-kind-changed'],
        ['breaking', 'nats-queue-changed'],
      ],
    },
  ],
  [
    'header removed',
    {
      edits: [['        trace_id:\n          type: string\n', '']],
      want: [['breaking', 'nats-header-removed']],
    },
  ],
  [
    'header newly required',
    {
      edits: [['required: [request_id]', 'required: [request_id, trace_id]']],
      want: [['breaking', 'nats-header-required']],
    },
  ],
  [
    'required header added',
    {
      edits: [
        ['required: [request_id]', 'required: [request_id, region]'],
        ['        trace_id:\n', '        region:\n          type: string\n        trace_id:\n'],
      ],
      want: [['breaking', 'nats-header-required']],
    },
  ],
  [
    'optional header added',
    {
      edits: [['        trace_id:\n', '        region:\n          type: string\n        trace_id:\n']],
      want: [['non-breaking', 'nats-header-added']],
    },
  ],
  [
    'header type changed',
    {
      edits: [['        request_id:\n          type: string\n', '        request_id:\n          type: integer\n']],
      want: [['breaking', 'nats-header-type-changed']],
    },
  ],
  [
    'queue group changed',
    {
      edits: [['queue: shop.workers', 'queue: shop.pool']],
      want: [['breaking', 'nats-queue-changed']],
    },
  ],
  [
    'queue group removed',
    {
      edits: [
        [
          "      - $ref: '#/channels/orderCreated/messages/orderCreated'\n    bindings:\n      nats:\n        queue: shop.orders\n",
          "      - $ref: '#/channels/orderCreated/messages/orderCreated'\n",
        ],
      ],
      want: [['breaking', 'nats-queue-changed']],
    },
  ],
  [
    'header filter (x-nats-match-headers) added',
    {
      edits: [
        [
          '        queue: shop.orders\n',
          '        queue: shop.orders\n    x-nats-match-headers:\n      request_id: fixed\n',
        ],
      ],
      want: [['breaking', 'nats-match-headers-changed']],
    },
  ],
  [
    'stream renamed',
    {
      edits: [['stream: SHOP_TASKS\n', 'stream: SHOP_JOBS\n']],
      want: [['breaking', 'nats-stream-changed']],
    },
  ],
  [
    'stream subjects changed',
    {
      edits: [['subjects: [shop.tasks.*]', 'subjects: [shop.tasks.>]']],
      want: [['breaking', 'nats-stream-changed']],
    },
  ],
  [
    'stream retention changed',
    {
      edits: [['retention: workqueue', 'retention: limits']],
      want: [['breaking', 'nats-stream-changed']],
    },
  ],
  [
    'stream storage changed (from the default)',
    {
      edits: [['      retention: workqueue\n', '      retention: workqueue\n      storage: memory\n']],
      want: [['breaking', 'nats-stream-changed']],
    },
  ],
  [
    'durable consumer renamed',
    {
      edits: [['consumer: shop-workers', 'consumer: shop-pool']],
      want: [['breaking', 'nats-consumer-changed']],
    },
  ],
  [
    'message id source changed',
    {
      edits: [['      message-id:\n        payload: id\n', '      message-id:\n        payload: kind\n']],
      want: [['breaking', 'nats-message-id-changed']],
    },
  ],
  [
    'durability removed (x-nats-jetstream gone from channel and operations)',
    {
      edits: [
        [ORDER_JS, ''],
        ['    x-nats-jetstream:\n      message-id:\n        payload: id\n', ''],
        ['    x-nats-jetstream:\n      consumer: shop-workers\n', ''],
      ],
      want: [['breaking', 'nats-durability-changed']],
    },
  ],
  [
    'durability added',
    {
      edits: [
        [
          '    description: An order was placed.\n',
          '    description: An order was placed.\n    x-nats-jetstream:\n      stream: SHOP_ORDERS\n',
        ],
      ],
      want: [['breaking', 'nats-durability-changed']],
    },
  ],
  [
    'stream replicas changed: the runtime does not edit existing streams',
    {
      edits: [['replicas: 1', 'replicas: 3']],
      want: [['unclassified', 'nats-jetstream-settings-changed']],
    },
  ],
  [
    'payload field removed',
    {
      edits: [['        note:\n          type: string\n', '']],
      want: [['breaking', 'nats-field-removed']],
    },
  ],
  [
    'payload field newly required',
    {
      edits: [['required: [id, total]', 'required: [id, total, note]']],
      want: [['breaking', 'nats-field-required']],
    },
  ],
  [
    'required payload field added',
    {
      edits: [
        ['required: [id, total]', 'required: [id, total, currency]'],
        ['        note:\n', '        currency:\n          type: string\n        note:\n'],
      ],
      want: [['breaking', 'nats-field-required']],
    },
  ],
  [
    'payload field no longer required',
    {
      edits: [['required: [id, total]', 'required: [id]']],
      want: [['breaking', 'nats-field-optional']],
    },
  ],
  [
    'optional payload field added',
    {
      edits: [['        note:\n', '        coupon:\n          type: string\n        note:\n']],
      want: [['non-breaking', 'nats-field-added']],
    },
  ],
  [
    'optional field added where additionalProperties is false: old receivers reject it',
    {
      edits: [
        [
          '        sku:\n          type: string\n',
          '        sku:\n          type: string\n        qty:\n          type: integer\n',
        ],
      ],
      want: [['breaking', 'nats-field-added']],
    },
  ],
  [
    'payload field type changed',
    {
      edits: [['        total:\n          type: number\n', '        total:\n          type: string\n']],
      want: [['breaking', 'nats-field-type-changed']],
    },
  ],
  [
    'enum value removed',
    {
      edits: [['enum: [new, paid]', 'enum: [new]']],
      want: [['breaking', 'nats-enum-value-removed']],
    },
  ],
  [
    'enum value added: old receivers reject it, so breaking',
    {
      edits: [['enum: [new, paid]', 'enum: [new, paid, shipped]']],
      want: [['breaking', 'nats-enum-value-added']],
    },
  ],
  [
    'enum reordered: nothing',
    {
      edits: [['enum: [new, paid]', 'enum: [paid, new]']],
      want: [],
    },
  ],
  [
    'request timeout shortened',
    {
      edits: [
        [
          "      $ref: '#/components/replies/QuoteReply'\n    x-nats-timeout-ms: 5000\n  replyQuote",
          "      $ref: '#/components/replies/QuoteReply'\n    x-nats-timeout-ms: 2000\n  replyQuote",
        ],
      ],
      want: [['breaking', 'nats-timeout-shortened']],
    },
  ],
  [
    'request timeout lengthened',
    {
      edits: [
        [
          "      $ref: '#/components/replies/QuoteReply'\n    x-nats-timeout-ms: 5000\n  replyQuote",
          "      $ref: '#/components/replies/QuoteReply'\n    x-nats-timeout-ms: 9000\n  replyQuote",
        ],
      ],
      want: [['non-breaking', 'nats-timeout-lengthened']],
    },
  ],
  [
    'info.version changed: non-breaking (@asyncapi/diff says breaking)',
    {
      edits: [['version: 1.0.0', 'version: 1.1.0']],
      want: [['non-breaking', 'info-version-changed']],
    },
  ],
  [
    'info.title changed renames the generated classes',
    {
      edits: [['title: Shop', 'title: Store']],
      want: [['breaking', 'api-class-renamed']],
    },
  ],
  [
    'message added to an operation',
    {
      edits: [
        [
          "      orderCreated:\n        $ref: '#/components/messages/OrderCreated'\n",
          "      orderCreated:\n        $ref: '#/components/messages/OrderCreated'\n      orderCancelled:\n        payload:\n          type: object\n",
        ],
        [
          "      - $ref: '#/channels/orderCreated/messages/orderCreated'\n    bindings:",
          "      - $ref: '#/channels/orderCreated/messages/orderCreated'\n      - $ref: '#/channels/orderCreated/messages/orderCancelled'\n    bindings:",
        ],
      ],
      want: [['breaking', 'nats-message-added']],
    },
  ],
  [
    "message name changed (generated type names): @asyncapi/diff's breaking",
    {
      edits: [['      name: OrderTask\n', '      name: Task\n']],
      want: [['breaking', 'asyncapi-diff']],
    },
  ],
  [
    "a server's host changed: @asyncapi/diff's breaking",
    {
      edits: [['host: 127.0.0.1:4222', 'host: nats.internal:4222']],
      want: [['breaking', 'asyncapi-diff']],
    },
  ],
  [
    "a format added to a payload field: @asyncapi/diff's unclassified",
    {
      edits: [
        [
          '        id:\n          type: string\n          description: The order id.\n',
          '        id:\n          type: string\n          format: uuid\n          description: The order id.\n',
        ],
      ],
      want: [['unclassified', 'asyncapi-diff']],
    },
  ],
];

let work: string;
let base: string;
beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'asyncapi-nats-diff-'));
  base = await readFile(BASE, 'utf8');
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

function apply(text: string, edits: readonly Edit[]): string {
  return edits.reduce((t, [from, to]) => {
    const at = t.indexOf(from);
    if (at < 0 || t.indexOf(from, at + 1) >= 0)
      throw new Error(`edit must match exactly once: ${JSON.stringify(from)}`);
    return t.slice(0, at) + to + t.slice(at + from.length);
  }, text);
}

describe('diff', () => {
  it.each(TABLE)('diff - %s', async (name, { edits, want }) => {
    const file = path.join(work, `${name.replace(/\W+/g, '-')}.yaml`);
    await writeFile(file, apply(base, edits));
    const report = await diffSpecs({ old: BASE, new: file });
    expect(report.problems.filter((p) => p.severity !== 'info')).toEqual([]);
    expect(report.changes.map((c) => [c.kind, c.rule])).toEqual(want);
    for (const c of report.changes) {
      expect(c.file).toBe(file);
      expect(c.line).toBeGreaterThan(0);
    }
  });
});
