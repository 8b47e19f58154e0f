import { describe, expect, it } from 'vitest';
import { diffTable, type Row } from './table.js';

const BASE = 'test/fixtures/specs/diff/shop.yaml';

const QUOTE = "      quote:\n        $ref: '#/components/messages/Quote'\n";
const WORKERS = '      consumer: shop-workers\n';

// Messages, replies, queues, timeouts and JetStream settings: each gets a class, none stays unclassified.
const MORE: readonly (readonly [string, Row])[] = [
  [
    'regression: a swapped reply message is reported as the swap, naming both messages, not as edits of the unchanged QuoteRequest schema',
    {
      given: [[QUOTE, "      quote:\n        $ref: '#/components/messages/QuoteRequest'\n"]],
      want: [
        [
          'breaking',
          'nats-message-swapped',
          "message 'quote' of channel 'quoteReply' (the reply of operation 'requestQuote', the reply of operation 'replyQuote') is now QuoteRequest (#/components/messages/QuoteRequest) instead of Quote (#/components/messages/Quote); they accept different values (payload/properties/price, payload/properties/sku, payload/additionalProperties): receivers of each version reject some of the other version's messages",
        ],
      ],
    },
  ],
  [
    'a reply swapped for a message with the same schemas: still breaking, the generated type changes',
    {
      given: [
        [QUOTE, "      quote:\n        $ref: '#/components/messages/Quote2'\n"],
        [
          '  messages:\n    OrderCreated:',
          '  messages:\n    Quote2:\n      name: Quote2\n      payload:\n        type: object\n        required: [price]\n        properties:\n          price:\n            type: number\n    OrderCreated:',
        ],
      ],
      want: [
        [
          'breaking',
          'nats-message-swapped',
          "message 'quote' of channel 'quoteReply' (the reply of operation 'requestQuote', the reply of operation 'replyQuote') is now Quote2 (#/components/messages/Quote2) instead of Quote (#/components/messages/Quote); both accept the same payloads and headers, but the generated type is now Quote2 instead of Quote",
        ],
      ],
    },
  ],
  [
    'the message of an operation swapped',
    {
      given: [
        [
          "      orderTask:\n        $ref: '#/components/messages/OrderTask'\n",
          "      orderTask:\n        $ref: '#/components/messages/OrderCreated'\n",
        ],
      ],
      want: [['breaking', 'nats-message-swapped']],
    },
  ],
  [
    'a reply message added',
    {
      given: [[QUOTE, `${QUOTE}      quoteRejected:\n        payload:\n          type: string\n`]],
      want: [['breaking', 'nats-message-added']],
    },
  ],
  [
    'a reply message removed',
    {
      given: [[QUOTE, `${QUOTE}      quoteRejected:\n        payload:\n          type: string\n`]],
      reverse: true,
      want: [['breaking', 'nats-message-removed']],
    },
  ],
  [
    'a queue group from x-nats-queue instead of the binding',
    {
      given: [
        ['    bindings:\n      nats:\n        queue: shop.orders\n', "    x-nats-queue: 'shop.orders.{shard}'\n"],
      ],
      want: [['breaking', 'nats-queue-changed']],
    },
  ],
  [
    'stream replicas lowered: fewer copies, breaking',
    { given: [['replicas: 1', 'replicas: 3']], reverse: true, want: [['breaking', 'nats-stream-limits-changed']] },
  ],
  [
    'max deliver removed (back to the default 5 from 10): breaking',
    {
      given: [[WORKERS, `${WORKERS}      max-deliver: 10\n`]],
      reverse: true,
      want: [['breaking', 'nats-delivery-changed']],
    },
  ],
  [
    'the schema of a reply message tightened',
    {
      given: [
        [
          '          price:\n            type: number\n',
          '          price:\n            type: number\n            minimum: 0\n',
        ],
      ],
      want: [['breaking', 'nats-schema-narrowed']],
    },
  ],
  [
    'the NATS binding version stated: non-breaking',
    {
      given: [['        queue: shop.orders\n', '        queue: shop.orders\n        bindingVersion: 0.1.0\n']],
      want: [['non-breaking', 'nats-binding-version-changed']],
    },
  ],
  [
    "the replier's timeout lengthened: repliers may take longer than old requesters wait, breaking",
    {
      given: [
        [
          '        queue: quote.workers\n    x-nats-timeout-ms: 5000\n',
          '        queue: quote.workers\n    x-nats-timeout-ms: 9000\n',
        ],
      ],
      want: [['breaking', 'nats-timeout-lengthened']],
    },
  ],
  [
    "the replier's timeout shortened: non-breaking",
    {
      given: [
        [
          '        queue: quote.workers\n    x-nats-timeout-ms: 5000\n',
          '        queue: quote.workers\n    x-nats-timeout-ms: 3000\n',
        ],
      ],
      want: [['non-breaking', 'nats-timeout-shortened']],
    },
  ],
  [
    'request timeout set to the runtime default: non-breaking',
    {
      given: [
        [
          "      $ref: '#/components/replies/QuoteReply'\n    x-nats-timeout-ms: 5000\n  replyQuote",
          "      $ref: '#/components/replies/QuoteReply'\n  replyQuote",
        ],
        [
          '        queue: quote.workers\n    x-nats-timeout-ms: 5000\n',
          '        queue: quote.workers\n    x-nats-timeout-ms: 10000\n',
        ],
      ],
      want: [
        ['breaking', 'nats-timeout-lengthened'],
        ['non-breaking', 'nats-timeout-lengthened'],
      ],
    },
  ],
  [
    'duplicate window shorter than the server default: breaking',
    {
      given: [['      replicas: 1\n', '      replicas: 1\n      duplicate-window-ms: 60000\n']],
      want: [
        [
          'breaking',
          'nats-stream-limits-changed',
          "the duplicate window of stream 'SHOP_TASKS' of channel 'orderTasks' changed from none (the server's default 120000) to 60000: weaker; a publisher retry that comes later than the new window is stored twice, so its message is handled twice",
        ],
      ],
    },
  ],
  [
    'duplicate window longer: non-breaking',
    {
      given: [['      replicas: 1\n', '      replicas: 1\n      duplicate-window-ms: 600000\n']],
      want: [['non-breaking', 'nats-stream-limits-changed']],
    },
  ],
  [
    'max age set (was unlimited): breaking',
    {
      given: [['      replicas: 1\n', '      replicas: 1\n      max-age-ms: 86400000\n']],
      want: [['breaking', 'nats-stream-limits-changed']],
    },
  ],
  [
    'dead-letter subject changed: breaking',
    {
      given: [['dead-letter: shop.dead.tasks', 'dead-letter: shop.dead.jobs']],
      want: [['breaking', 'nats-dead-letter-changed']],
    },
  ],
  [
    'dead-letter stream changed: breaking',
    {
      given: [['dead-letter-stream: SHOP_TASKS_DLQ', 'dead-letter-stream: SHOP_DLQ']],
      want: [['breaking', 'nats-dead-letter-changed']],
    },
  ],
  [
    'ack wait set: non-breaking (a running handler keeps its message in progress)',
    {
      given: [[WORKERS, `${WORKERS}      ack-wait-ms: 10000\n`]],
      want: [['non-breaking', 'nats-delivery-changed']],
    },
  ],
  [
    'max deliver lowered below the default: breaking',
    {
      given: [[WORKERS, `${WORKERS}      max-deliver: 3\n`]],
      want: [['breaking', 'nats-delivery-changed']],
    },
  ],
  [
    'max deliver raised: non-breaking',
    {
      given: [[WORKERS, `${WORKERS}      max-deliver: 10\n`]],
      want: [['non-breaking', 'nats-delivery-changed']],
    },
  ],
  [
    'backoff with a quicker first retry: breaking',
    {
      given: [[WORKERS, `${WORKERS}      backoff-ms: [500, 5000, 15000]\n`]],
      want: [['breaking', 'nats-delivery-changed']],
    },
  ],
  [
    'backoff slower at every step: non-breaking',
    {
      given: [[WORKERS, `${WORKERS}      backoff-ms: [2000, 10000, 30000]\n`]],
      want: [['non-breaking', 'nats-delivery-changed']],
    },
  ],
  [
    'an extension asyncapi-nats does not read: non-breaking',
    {
      given: [
        ['    x-nats-timeout-ms: 5000\n  replyQuote', '    x-nats-timeout-ms: 5000\n    x-owner: team-a\n  replyQuote'],
      ],
      want: [['non-breaking', 'extension-changed']],
    },
  ],
  [
    "another protocol's binding: @asyncapi/diff's unclassified",
    {
      given: [
        ['    address: shop.audit\n', '    address: shop.audit\n    bindings:\n      ws:\n        method: POST\n'],
      ],
      want: [['unclassified', 'asyncapi-diff']],
    },
  ],
];

const ORDER_JS = `    x-nats-jetstream:
      stream: SHOP_TASKS
      subjects: [shop.tasks.*]
      retention: workqueue
      replicas: 1
      dead-letter: shop.dead.tasks
      dead-letter-stream: SHOP_TASKS_DLQ
`;

// [name, {given, want}]: every NATS rule, identical specs, documentation, and @asyncapi/diff's own.
const TABLE: readonly (readonly [string, Row])[] = [
  ['identical specs', { given: [], want: [] }],
  [
    'a description edited is documentation: non-breaking',
    {
      given: [['description: The order id.', 'description: The id of the order.']],
      want: [['non-breaking', 'docs-changed']],
    },
  ],
  [
    'a channel description edited (classified by @asyncapi/diff too) is one change',
    {
      given: [['description: An order was placed.', 'description: Someone placed an order.']],
      want: [['non-breaking', 'docs-changed']],
    },
  ],
  [
    'channel removed',
    {
      given: [
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
      given: [['  auditLog:\n', '  metrics:\n    address: shop.metrics\n  auditLog:\n']],
      want: [['non-breaking', 'nats-channel-added']],
    },
  ],
  [
    'subject changed (a literal token)',
    {
      given: [['shop.orders.{tenant}.created', 'shop.orders.{tenant}.placed']],
      want: [['breaking', 'nats-subject-changed']],
    },
  ],
  [
    'parameter renamed',
    {
      given: [
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
      given: [
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
      given: [
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
      given: [
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
      given: [
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
      given: [['  receiveOrderCreated:\n    action: receive', '  receiveOrderCreated:\n    action: send']],
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
      given: [['        trace_id:\n          type: string\n', '']],
      want: [['breaking', 'nats-header-removed']],
    },
  ],
  [
    'header newly required',
    {
      given: [['required: [request_id]', 'required: [request_id, trace_id]']],
      want: [['breaking', 'nats-header-required']],
    },
  ],
  [
    'required header added',
    {
      given: [
        ['required: [request_id]', 'required: [request_id, region]'],
        ['        trace_id:\n', '        region:\n          type: string\n        trace_id:\n'],
      ],
      want: [['breaking', 'nats-header-required']],
    },
  ],
  [
    'optional header added: old senders may already send that header with any value, which new receivers reject unless it is a string',
    {
      given: [['        trace_id:\n', '        region:\n          type: string\n        trace_id:\n']],
      want: [['breaking', 'nats-header-added']],
    },
  ],
  [
    'header type changed',
    {
      given: [['        request_id:\n          type: string\n', '        request_id:\n          type: integer\n']],
      want: [['breaking', 'nats-header-type-changed']],
    },
  ],
  [
    'queue group changed',
    {
      given: [['queue: shop.workers', 'queue: shop.pool']],
      want: [['breaking', 'nats-queue-changed']],
    },
  ],
  [
    'queue group removed',
    {
      given: [
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
      given: [
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
      given: [['stream: SHOP_TASKS\n', 'stream: SHOP_JOBS\n']],
      want: [['breaking', 'nats-stream-changed']],
    },
  ],
  [
    'stream subjects changed',
    {
      given: [['subjects: [shop.tasks.*]', 'subjects: [shop.tasks.>]']],
      want: [['breaking', 'nats-stream-changed']],
    },
  ],
  [
    'stream retention changed',
    {
      given: [['retention: workqueue', 'retention: limits']],
      want: [['breaking', 'nats-stream-changed']],
    },
  ],
  [
    'stream storage changed (from the default)',
    {
      given: [['      retention: workqueue\n', '      retention: workqueue\n      storage: memory\n']],
      want: [['breaking', 'nats-stream-changed']],
    },
  ],
  [
    'durable consumer renamed',
    {
      given: [['consumer: shop-workers', 'consumer: shop-pool']],
      want: [['breaking', 'nats-consumer-changed']],
    },
  ],
  [
    'message id source changed',
    {
      given: [['      message-id:\n        payload: id\n', '      message-id:\n        payload: kind\n']],
      want: [['breaking', 'nats-message-id-changed']],
    },
  ],
  [
    'durability removed (x-nats-jetstream gone from channel and operations)',
    {
      given: [
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
      given: [
        [
          '    description: An order was placed.\n',
          '    description: An order was placed.\n    x-nats-jetstream:\n      stream: SHOP_ORDERS\n',
        ],
      ],
      want: [['breaking', 'nats-durability-changed']],
    },
  ],
  [
    'stream replicas raised: stronger, non-breaking',
    {
      given: [['replicas: 1', 'replicas: 3']],
      want: [['non-breaking', 'nats-stream-limits-changed']],
    },
  ],
  [
    'payload field removed',
    {
      given: [['        note:\n          type: string\n', '']],
      want: [['breaking', 'nats-field-removed']],
    },
  ],
  [
    'payload field newly required',
    {
      given: [['required: [id, total]', 'required: [id, total, note]']],
      want: [['breaking', 'nats-field-required']],
    },
  ],
  [
    'required payload field added',
    {
      given: [
        ['required: [id, total]', 'required: [id, total, currency]'],
        ['        note:\n', '        currency:\n          type: string\n        note:\n'],
      ],
      want: [['breaking', 'nats-field-required']],
    },
  ],
  [
    'payload field no longer required',
    {
      given: [['required: [id, total]', 'required: [id]']],
      want: [['breaking', 'nats-field-optional']],
    },
  ],
  [
    'optional payload field added to an open object: narrowed (old senders may send any coupon), breaking',
    {
      given: [['        note:\n', '        coupon:\n          type: string\n        note:\n']],
      want: [['breaking', 'nats-field-added']],
    },
  ],
  [
    'optional field added where additionalProperties is false: old receivers reject it',
    {
      given: [
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
      given: [['        total:\n          type: number\n', '        total:\n          type: string\n']],
      want: [['breaking', 'nats-field-type-changed']],
    },
  ],
  [
    'enum value removed',
    {
      given: [['enum: [new, paid]', 'enum: [new]']],
      want: [['breaking', 'nats-enum-value-removed']],
    },
  ],
  [
    'enum value added: old receivers reject it, so breaking',
    {
      given: [['enum: [new, paid]', 'enum: [new, paid, shipped]']],
      want: [['breaking', 'nats-enum-value-added']],
    },
  ],
  [
    'enum reordered: nothing',
    {
      given: [['enum: [new, paid]', 'enum: [paid, new]']],
      want: [],
    },
  ],
  [
    'request timeout shortened',
    {
      given: [
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
      given: [
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
      given: [['version: 1.0.0', 'version: 1.1.0']],
      want: [['non-breaking', 'info-version-changed']],
    },
  ],
  [
    'info.title changed renames the generated classes',
    {
      given: [['title: Shop', 'title: Store']],
      want: [['breaking', 'api-class-renamed']],
    },
  ],
  [
    'message added to an operation',
    {
      given: [
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
      given: [['      name: OrderTask\n', '      name: Task\n']],
      want: [['breaking', 'asyncapi-diff']],
    },
  ],
  [
    "a server's host changed: @asyncapi/diff's breaking",
    {
      given: [['host: 127.0.0.1:4222', 'host: nats.internal:4222']],
      want: [['breaking', 'asyncapi-diff']],
    },
  ],
  [
    'regression: a format added to a payload field was unclassified; it narrows',
    {
      given: [
        [
          '        id:\n          type: string\n          description: The order id.\n',
          '        id:\n          type: string\n          format: uuid\n          description: The order id.\n',
        ],
      ],
      want: [['breaking', 'nats-schema-narrowed']],
    },
  ],
  ...MORE,
];

const run = diffTable(BASE);

describe('diff', () => {
  it.each(TABLE)('diff - %s', async (name, row) => {
    await run(name, row);
  });

  it('diff - regression: a swapped reply names no change in the schemas of either message', async () => {
    const [, row] = MORE[0] as readonly [string, Row];
    const report = await run('swapped reply, pointers', row);
    expect(report.changes.map((c) => c.pointer)).toEqual(['/channels/quoteReply/messages/quote']);
  });
});
