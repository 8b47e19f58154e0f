/**
 * Every `x-` key of a document against the extensions we read (generator/model/extension-scan.ts): an
 * unknown `x-nats-*` key, a near miss of ours and one of ours where it has no effect each get a located
 * warning; names (header properties, channel ids, schema names) and data (examples) are never read as
 * extensions.
 */
import { describe, expect, it } from 'vitest';
import { scanExtensions } from '../../generator/model/extension-scan.js';
import { SourceMap } from '../../generator/parse/locate.js';
import { suggest } from '../../generator/suggest.js';

const OURS = [
  'x-nats-timeout-ms',
  'x-nats-handler-timeout-ms',
  'x-nats-queue',
  'x-nats-match-headers',
  'x-nats-jetstream',
  'x-nats-stream',
];

function scan(yaml: string, version = '3.0.0'): string[] {
  return scanExtensions(SourceMap.fromText(yaml), 'spec.yaml', version).map(
    (p) => `${p.line}:${p.column} ${p.severity} ${p.code} ${p.message}`,
  );
}

describe('extension names', () => {
  it.each([
    ['x-timeout-ms', 'x-nats-timeout-ms'],
    ['x-nats-timeout', 'x-nats-timeout-ms'],
    ['x-nats-timeoutMs', 'x-nats-timeout-ms'],
    ['x-nats-timout-ms', 'x-nats-timeout-ms'],
    ['x-nats-handler-timeout', 'x-nats-handler-timeout-ms'],
    ['x-handler-timeout-ms', 'x-nats-handler-timeout-ms'],
    ['x-nats-handlerTimeoutMs', 'x-nats-handler-timeout-ms'],
    ['x-nats-handler-timout-ms', 'x-nats-handler-timeout-ms'],
    ['x-nats-queue-group', 'x-nats-queue'],
    ['x-queue', 'x-nats-queue'],
    ['x-Nats-Queue', 'x-nats-queue'],
    ['x-nats_queue', 'x-nats-queue'],
    ['x-jetstream', 'x-nats-jetstream'],
    ['x-nats-match-header', 'x-nats-match-headers'],
    ['x-nats-streaming', 'x-nats-stream'],
    ['x-stream', 'x-nats-stream'],
    ['x-nats-foo', undefined],
    ['x-fern-type', undefined],
    ['x-parser-schema-id', undefined],
    ['x-time', undefined],
  ])('suggest - %s: did you mean %s', (name, meant) => {
    expect(suggest(name, OURS, ['x-', 'nats-'])).toBe(meant);
  });
});

describe('extension scan', () => {
  it('scan - near misses and unknown x-nats keys on an operation, with a suggestion where one is close', () => {
    expect(
      scan(`asyncapi: 3.0.0
operations:
  work:
    action: receive
    x-nats-queue-group: workers
    x-timeout-ms: 5000
    x-nats-retries: 3
    x-vendor-thing: 1
`),
    ).toEqual([
      '5:5 warning nats-unknown-extension x-nats-queue-group is not an extension asyncapi-nats reads, so it has no effect; did you mean `x-nats-queue`?',
      '6:5 warning nats-unknown-extension x-timeout-ms is not an extension asyncapi-nats reads, so it has no effect; did you mean `x-nats-timeout-ms`?',
      '7:5 warning nats-unknown-extension x-nats-retries is not an extension asyncapi-nats reads, so it has no effect',
    ]);
  });

  it('scan - an extension of ours where it has no effect: root, info, server, channel, message, reply, binding, schema', () => {
    expect(
      scan(`asyncapi: 3.0.0
x-nats-timeout-ms: 1000
info:
  x-nats-queue: a.{b}
servers:
  s: { protocol: nats, x-nats-jetstream: {} }
channels:
  c:
    x-nats-queue: a.{b}
    x-nats-jetstream: { stream: S }
    messages:
      m:
        x-nats-match-headers: {}
        bindings: { nats: { x-nats-queue: q } }
        payload: { type: object, x-nats-timeout-ms: 1 }
operations:
  o:
    x-nats-queue: a.{b}
    reply: { x-nats-timeout-ms: 1 }
`).map((line) => line.split(' has no effect')[0]),
    ).toEqual([
      '2:1 warning nats-extension-misplaced x-nats-timeout-ms',
      '4:3 warning nats-extension-misplaced x-nats-queue',
      '6:24 warning nats-extension-misplaced x-nats-jetstream',
      '9:5 warning nats-extension-misplaced x-nats-queue',
      '13:9 warning nats-extension-misplaced x-nats-match-headers',
      '14:29 warning nats-extension-misplaced x-nats-queue',
      '15:34 warning nats-extension-misplaced x-nats-timeout-ms',
      '19:14 warning nats-extension-misplaced x-nats-timeout-ms',
    ]);
  });

  it('scan - the message names where an extension was found and where it is read', () => {
    expect(scan('asyncapi: 3.0.0\nchannels:\n  c:\n    x-nats-queue: a.{b}\n')).toEqual([
      '4:5 warning nats-extension-misplaced x-nats-queue has no effect at #/channels/c: it is read only on operations',
    ]);
  });

  it('scan - ours where they are read: operations, operation traits, components, channels; 2.x publish/subscribe', () => {
    expect(
      scan(`asyncapi: 3.0.0
channels:
  c: { x-nats-jetstream: { stream: S } }
operations:
  o:
    x-nats-queue: a.{b}
    x-nats-timeout-ms: 1000
    x-nats-match-headers: { h: x }
    x-nats-jetstream: {}
    traits: [{ x-nats-queue: a.{b} }]
components:
  channels: { c2: { x-nats-jetstream: { stream: S } } }
  operations: { o2: { x-nats-timeout-ms: 5 } }
  operationTraits: { t: { x-nats-queue: a.{b} } }
`),
    ).toEqual([]);
    expect(
      scan(
        `asyncapi: 2.6.0
channels:
  a.b:
    x-nats-jetstream: { stream: S }
    publish:
      x-nats-queue: a.{b}
      traits: [{ x-nats-timeout-ms: 5 }]
      message: { x-nats-queue: q }
`,
        '2.6.0',
      ),
    ).toEqual([
      '8:18 warning nats-extension-misplaced x-nats-queue has no effect at #/channels/a.b/publish/message: it is read only on operations',
    ]);
  });

  it('scan - header properties, channel ids, schema names, parameters and example data are names and data, not extensions', () => {
    expect(
      scan(`asyncapi: 3.0.0
channels:
  x-queue:
    address: a
    parameters: { x-nats-queue: {} }
    messages:
      m:
        headers:
          type: object
          properties:
            x-timeout-ms: { type: string }
            x-nats-queue: { type: string }
        examples:
          - headers: { x-nats-queue: a, x-timeout-ms: '1' }
components:
  schemas:
    x-nats-queue: { type: string, default: { x-queue: 1 }, enum: [{ x-nats-foo: 1 }] }
  messages:
    x-jetstream: { payload: { type: object } }
`),
    ).toEqual([]);
  });
});
