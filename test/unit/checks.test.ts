/**
 * The NATS checks the AsyncAPI parser cannot make, one small spec per rule: each gives a located
 * problem with a stable code, and errors stop generation.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildModel } from '../../generator/model/build.js';
import { parseSpec } from '../../generator/parse/parse.js';
import type { Problem } from '../../generator/problems.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'asyncapi-nats-checks-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/**
 * A NATS spec (its server speaks nats, so every address must be a NATS subject) with one channel `c`
 * (address `ai.{tenant}`), a message with header `h`, and `operations`.
 */
function spec(operations: string, channel = "address: 'ai.{tenant}'"): string {
  return `asyncapi: 3.0.0
info: { title: Checks, version: 1.0.0 }
servers: { local: { host: 'localhost:4222', protocol: nats } }
channels:
  c:
    ${channel}
    parameters: { tenant: {} }
    messages:
      m:
        headers: { type: object, properties: { h: { type: string } } }
        payload: { type: object }
  r:
    address: null
    messages:
      ok: { payload: { type: boolean } }
operations:
${operations}`;
}

async function problems(name: string, text: string): Promise<Problem[]> {
  const file = path.join(dir, `${name}.yaml`);
  await writeFile(file, text);
  const parsed = await parseSpec(file);
  if (!parsed.spec) return parsed.problems;
  return [...parsed.problems, ...buildModel(parsed.spec).problems].filter((p) => p.severity !== 'info');
}

describe('NATS checks', () => {
  it.each([
    [
      'timeout on an operation without reply',
      spec(`  o:\n    action: send\n    channel: { $ref: '#/channels/c' }\n    x-nats-timeout-ms: 1000`),
      'error',
      'nats-extension-misplaced',
      "x-nats-timeout-ms on 'o' has no meaning: the operation has no reply",
    ],
    [
      'a handler timeout on a send operation',
      spec(`  o:\n    action: send\n    channel: { $ref: '#/channels/c' }\n    x-nats-handler-timeout-ms: 1000`),
      'error',
      'nats-extension-misplaced',
      "x-nats-handler-timeout-ms on send operation 'o' has no meaning: it limits a receiving handler",
    ],
    [
      'a handler timeout that is not a whole number of milliseconds',
      spec(`  o:\n    action: receive\n    channel: { $ref: '#/channels/c' }\n    x-nats-handler-timeout-ms: '30s'`),
      'error',
      'nats-bad-extension',
      'x-nats-handler-timeout-ms must be a positive whole number of milliseconds, got "30s"',
    ],
    [
      'a queue on a send operation',
      spec(`  o:\n    action: send\n    channel: { $ref: '#/channels/c' }\n    x-nats-queue: 'w.{id}'`),
      'error',
      'nats-extension-misplaced',
      "x-nats-queue on send operation 'o' has no meaning",
    ],
    [
      'x-nats-queue without a placeholder',
      spec(`  o:\n    action: receive\n    channel: { $ref: '#/channels/c' }\n    x-nats-queue: workers`),
      'error',
      'nats-bad-extension',
      "x-nats-queue 'workers' has no {placeholder}",
    ],
    [
      'a repeated queue placeholder',
      spec(`  o:\n    action: receive\n    channel: { $ref: '#/channels/c' }\n    x-nats-queue: 'w.{id}.{id}'`),
      'error',
      'nats-bad-extension',
      "queue 'w.{id}.{id}' repeats a placeholder",
    ],
    [
      'a queue placeholder that is also a channel parameter',
      spec(`  o:\n    action: receive\n    channel: { $ref: '#/channels/c' }\n    x-nats-queue: 'w.{tenant}'`),
      'error',
      'nats-bad-extension',
      "queue placeholder {tenant} is also a parameter of channel 'c'",
    ],
    [
      'placeholders in a binding queue',
      spec(
        `  o:\n    action: receive\n    channel: { $ref: '#/channels/c' }\n    bindings: { nats: { queue: 'w.{id}' } }`,
      ),
      'error',
      'nats-bad-extension',
      "queue 'w.{id}' in bindings.nats.queue has placeholders",
    ],
    [
      'a wildcard in a queue name',
      spec(
        `  o:\n    action: receive\n    channel: { $ref: '#/channels/c' }\n    bindings: { nats: { queue: 'w.*' } }`,
      ),
      'error',
      'nats-illegal-token',
      "queue 'w.*' contains a wildcard",
    ],
    [
      'a match on an undeclared header',
      spec(
        `  o:\n    action: receive\n    channel: { $ref: '#/channels/c' }\n    x-nats-match-headers: { other: '{tenant}' }`,
      ),
      'warning',
      'nats-undeclared-header',
      "x-nats-match-headers filters on header 'other', which no message of 'o' declares",
    ],
    [
      'a channel without address used by an operation',
      spec(`  o:\n    action: send\n    channel: { $ref: '#/channels/r' }`),
      'error',
      'nats-missing-address',
      "operation 'o' uses channel 'r', which has no address",
    ],
  ])('checks - %s', async (name, text, severity, code, message) => {
    const found = await problems(name.replace(/\W+/g, '-'), text);
    const match = found.find((p) => p.code === code);
    expect(match, JSON.stringify(found, null, 2)).toBeDefined();
    expect(match?.severity).toBe(severity);
    expect(match?.message).toBe(message);
    expect(match?.line).toBeGreaterThan(1);
    expect(match?.help).toBeTruthy();
  });

  it('checks - the parser already rejects an address parameter the channel does not declare', async () => {
    const found = await problems(
      'undeclared',
      spec(`  o:\n    action: send\n    channel: { $ref: '#/channels/c' }`, "address: 'ai.{tenant}.{region}'"),
    );
    expect(found.map((p) => p.code)).toEqual(['asyncapi3-channel-parameters']);
  });

  it('checks - a message whose content type is not JSON gets a warning that payloads travel as JSON', async () => {
    const text = spec(`  o:\n    action: send\n    channel: { $ref: '#/channels/c' }`).replace(
      '        payload: { type: object }',
      '        contentType: text/plain\n        payload: { type: string }',
    );
    const found = await problems('content-type', text);
    expect(found.find((p) => p.code === 'non-json-content-type')).toMatchObject({
      severity: 'warning',
      message: "message 'm' declares content type 'text/plain', but generated code sends and reads payloads as JSON",
    });
  });

  // Regression: parser rules that report an empty range were printed at 1:1.
  it('checks - a parser error without a range is located by its JSON path', async () => {
    const text = spec(`  o:\n    action: send\n    channel: { $ref: '#/channels/c' }`).replace(
      '        payload: { type: object }',
      '        payload:\n          type: object\n          properties:\n            __proto__: { type: boolean }',
    );
    const found = await problems('proto-key', text);
    const unlocated = found.filter((p) => p.severity === 'error' && p.line <= 1);
    expect(found.some((p) => p.severity === 'error')).toBe(true);
    expect(unlocated).toEqual([]);
  });

  it('checks - a header name NATS forbids is an error', async () => {
    const text = spec(`  o:\n    action: send\n    channel: { $ref: '#/channels/c' }`).replace(
      'properties: { h: { type: string } }',
      "properties: { 'bad name': { type: string } }",
    );
    const found = await problems('header-name', text);
    expect(found.find((p) => p.code === 'nats-illegal-header-name')?.message).toBe(
      "header name 'bad name' is not allowed by NATS",
    );
  });

  it('checks - a valid spec with every extension in place has no problems', async () => {
    const text = spec(`  send:
    action: send
    channel: { $ref: '#/channels/c' }
    x-nats-timeout-ms: 5000
    reply: { channel: { $ref: '#/channels/r' } }
  serve:
    action: receive
    channel: { $ref: '#/channels/c' }
    x-nats-queue: 'workers.{pool}'
    x-nats-match-headers: { h: '{pool}' }
    x-nats-timeout-ms: 5000
    x-nats-handler-timeout-ms: 4000
    reply: { channel: { $ref: '#/channels/r' } }`);
    expect(await problems('valid', text)).toEqual([]);
  });
});
