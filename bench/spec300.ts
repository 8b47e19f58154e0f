/**
 * A large synthetic AsyncAPI 3.0 document for the generator benchmark: `channels` addressed channels
 * shaped like the ai-sdk ones (a `{tenant_id}` parameter, a message with a payload schema of eight
 * fields referring to shared components), a `send` and a `receive` operation each (queue group
 * binding), every 5th channel request/reply (with its reply channel), every 7th durable
 * (`x-nats-jetstream`), every 3rd message with headers and every 10th with an example.
 */
import { stringify } from 'yaml';

export interface LargeSpec {
  /** The YAML text. */
  readonly text: string;
  /** Addressed channels, reply channels and operations it has. */
  readonly channels: number;
  readonly replyChannels: number;
  readonly operations: number;
}

export function largeSpec(channels: number): LargeSpec {
  const channelObjects: Record<string, unknown> = {};
  const operations: Record<string, unknown> = {};
  const messages: Record<string, unknown> = {};
  const schemas: Record<string, unknown> = {
    Meta: {
      type: 'object',
      description: 'Free-form metadata, string values only.',
      additionalProperties: { type: 'string', maxLength: 256 },
    },
    Kind: { type: 'string', enum: ['alpha', 'beta', 'gamma', 'delta'], description: 'What the item is.' },
  };
  const replies: Record<string, unknown> = {};
  let replyChannels = 0;
  for (let i = 1; i <= channels; i++) {
    const id = `ch${i}`;
    const name = `Item${i}`;
    const withHeaders = i % 3 === 0;
    const requestReply = i % 5 === 0;
    const durable = !requestReply && i % 7 === 0;
    schemas[`${name}Payload`] = {
      type: 'object',
      description: `Payload of item ${i}.`,
      additionalProperties: false,
      required: ['id', 'name', 'kind', 'created_at'],
      properties: {
        id: { type: 'string', format: 'uuid', description: 'Unique id.' },
        name: { type: 'string', minLength: 1, maxLength: 200 },
        kind: { $ref: '#/components/schemas/Kind' },
        count: { type: 'integer', minimum: 0, maximum: 1_000_000 },
        score: { type: 'number', minimum: 0, maximum: 1 },
        tags: { type: 'array', items: { type: 'string', maxLength: 32 }, maxItems: 10 },
        meta: { $ref: '#/components/schemas/Meta' },
        created_at: { type: 'string', format: 'date-time' },
      },
    };
    const example = {
      id: '5b0c7a52-3c1e-4f6f-9d2a-8e4b1c7d9f30',
      name: `item ${i}`,
      kind: 'alpha',
      created_at: '2026-01-01T12:00:00Z',
    };
    messages[name] = {
      name,
      title: `Item ${i}`,
      summary: `The message of channel ${id}.`,
      contentType: 'application/json',
      payload: { $ref: `#/components/schemas/${name}Payload` },
      ...(withHeaders
        ? {
            headers: {
              type: 'object',
              required: ['request_id'],
              properties: {
                request_id: { type: 'string', minLength: 1 },
                priority: { type: 'string', enum: ['low', 'normal', 'high'] },
              },
            },
          }
        : {}),
      ...(i % 10 === 0 ? { examples: [{ name: 'basic', payload: example }] } : {}),
    };
    channelObjects[id] = {
      address: `bench.area${i % 10}.${id}.{tenant_id}`,
      title: `Channel ${i}`,
      description: `Items of kind ${i % 4} for area ${i % 10}.`,
      parameters: { tenant_id: { $ref: '#/components/parameters/tenant_id' } },
      messages: { item: { $ref: `#/components/messages/${name}` } },
      ...(durable
        ? { 'x-nats-jetstream': { stream: `BENCH_CH${i}`, retention: 'workqueue', 'dead-letter': `bench.dead.${id}` } }
        : {}),
    };
    const channelRef = { $ref: `#/channels/${id}` };
    const messageRefs = [{ $ref: `#/channels/${id}/messages/item` }];
    if (requestReply) {
      replyChannels++;
      messages[`${name}Reply`] = {
        name: `${name}Reply`,
        contentType: 'application/json',
        payload: {
          type: 'object',
          required: ['id', 'ok'],
          properties: { id: { type: 'string' }, ok: { type: 'boolean' }, meta: { $ref: '#/components/schemas/Meta' } },
        },
      };
      channelObjects[`${id}Reply`] = {
        address: null,
        description: `Reply to a request on ${id}.`,
        messages: { reply: { $ref: `#/components/messages/${name}Reply` } },
      };
      replies[`${name}Reply`] = {
        channel: { $ref: `#/channels/${id}Reply` },
        messages: [{ $ref: `#/channels/${id}Reply/messages/reply` }],
      };
      const reply = { $ref: `#/components/replies/${name}Reply` };
      operations[`request${name}`] = {
        action: 'send',
        channel: channelRef,
        messages: messageRefs,
        reply,
        summary: `Ask channel ${i}.`,
        'x-nats-timeout-ms': 5_000,
      };
      operations[`reply${name}`] = {
        action: 'receive',
        channel: channelRef,
        messages: messageRefs,
        reply,
        summary: `Answer channel ${i}.`,
        bindings: { nats: { queue: `bench.workers${i}` } },
      };
    } else {
      operations[`send${name}`] = {
        action: 'send',
        channel: channelRef,
        messages: messageRefs,
        summary: `Publish to channel ${i}.`,
      };
      operations[`receive${name}`] = {
        action: 'receive',
        channel: channelRef,
        messages: messageRefs,
        summary: `Receive from channel ${i}.`,
        bindings: { nats: { queue: `bench.workers${i}` } },
      };
    }
  }
  const document = {
    asyncapi: '3.0.0',
    info: {
      title: 'Bench Large',
      version: '1.0.0',
      description: `A synthetic document with ${channels} addressed channels, made by bench/spec300.ts.`,
    },
    defaultContentType: 'application/json',
    servers: { local: { host: '127.0.0.1:4222', protocol: 'nats' } },
    channels: channelObjects,
    operations,
    components: {
      parameters: { tenant_id: { description: 'The tenant; one subject token.', examples: ['acme'] } },
      replies,
      messages,
      schemas,
    },
  };
  return {
    text: stringify(document, { lineWidth: 0 }),
    channels,
    replyChannels,
    operations: Object.keys(operations).length,
  };
}
