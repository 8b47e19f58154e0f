/**
 * What a spec's servers mean for generation: only a declared nats server makes it a NATS spec, where an
 * address that is not a NATS subject is an error. With servers of another protocol, or none, the same
 * address gets the same verdict (the channel is skipped with a warning), and one diagnostic per
 * document says which protocol was declared and what was generated from it.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './io.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'asyncapi-nats-protocols-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Two channels, one of them not a NATS subject (`devices/{id}/events`), with `servers` as given. */
function spec(servers: string): string {
  return `asyncapi: 3.0.0
info: { title: Devices, version: 1.0.0 }
${servers}channels:
  events:
    address: devices/{id}/events
    parameters: { id: {} }
    messages: { event: { payload: { type: object } } }
  status:
    address: devices.status
    messages: { status: { payload: { type: string } } }
operations:
  sendEvent: { action: send, channel: { $ref: '#/channels/events' } }
  sendStatus: { action: send, channel: { $ref: '#/channels/status' } }
`;
}

async function generate(name: string, servers: string, ...flags: string[]) {
  await writeFile(path.join(dir, `${name}.yaml`), spec(servers));
  const res = await runCli(['generate', `${name}.yaml`, '--out', `out-${name}`, '--no-docs', ...flags], dir);
  const lines = res.stderr.split('\n').filter((l) => / (error|warning|info) /.test(l));
  return { ...res, lines, verdicts: lines.map((l) => l.replace(/^\S+ /, '')) };
}

describe('protocols', () => {
  it('protocols - servers of another protocol: one warning naming it and what is generated; the bad address skipped', async () => {
    const mqtt = await generate('mqtt', 'servers: { broker: { host: localhost, protocol: mqtt } }\n');
    expect(mqtt.code).toBe(0);
    expect(mqtt.lines).toEqual([
      'mqtt.yaml:3:1 warning not-nats servers declare mqtt, not nats: the generated code speaks NATS; channels whose addresses are legal NATS subjects are generated, 1 of 2 skipped (and 1 of 2 operations)',
      "mqtt.yaml:6:5 warning nats-partial-parameter address 'devices/{id}/events' has a parameter that is not a whole token: 'devices/{id}/events'; channel 'events' is skipped",
      "mqtt.yaml:13:3 warning operation-skipped operation 'sendEvent' is skipped: its channel 'events' is not a NATS subject",
    ]);
    expect(mqtt.stdout).toMatch(/^generated \d+ files in out-mqtt /);
  });

  it('protocols - several non-NATS servers are named once each, in one diagnostic', async () => {
    const both = await generate(
      'both',
      'servers:\n  a: { host: localhost, protocol: kafka }\n  b: { host: localhost, protocol: Kafka }\n  c: { host: localhost, protocol: wss }\n',
    );
    expect(both.lines.filter((l) => l.includes('not-nats'))).toEqual([
      'both.yaml:3:1 warning not-nats servers declare kafka, wss, not nats: the generated code speaks NATS; channels whose addresses are legal NATS subjects are generated, 1 of 2 skipped (and 1 of 2 operations)',
    ]);
  });

  it('protocols - without servers an address gets the verdict it gets under MQTT, and one info says the protocol is unknown', async () => {
    const mqtt = await generate('mqtt2', 'servers: { broker: { host: localhost, protocol: mqtt } }\n');
    const none = await generate('none', '', '--verbose');
    expect(none.code).toBe(0);
    const addressVerdicts = (v: string[]) => v.filter((l) => /nats-partial-parameter|operation-skipped/.test(l));
    expect(addressVerdicts(none.verdicts).map((l) => l.replace(/^\d+:\d+ /, ''))).toEqual(
      addressVerdicts(mqtt.verdicts).map((l) => l.replace(/^\d+:\d+ /, '')),
    );
    expect(none.lines.filter((l) => l.includes('no-servers'))).toEqual([
      'none.yaml:1:1 info no-servers the document declares no servers, so its protocol is not known: the generated code speaks NATS; channels whose addresses are legal NATS subjects are generated, 1 of 2 skipped (and 1 of 2 operations)',
    ]);
  });

  it('protocols - a declared nats server makes the same address an error: exit 2, nothing written', async () => {
    const nats = await generate('nats', 'servers: { local: { host: localhost, protocol: nats } }\n');
    expect(nats.code).toBe(2);
    expect(nats.lines).toEqual([
      "nats.yaml:6:5 error nats-partial-parameter address 'devices/{id}/events' has a parameter that is not a whole token: 'devices/{id}/events'",
    ]);
    expect(nats.stderr).toContain('nats.yaml: 1 error; nothing was written');
  });

  it('protocols - nats beside other protocols is a NATS spec; the others are named in an info', async () => {
    const mixed = await generate(
      'mixed',
      'servers:\n  a: { host: localhost, protocol: nats }\n  b: { host: localhost, protocol: kafka }\n',
      '--verbose',
    );
    expect(mixed.code).toBe(2);
    expect(mixed.lines.filter((l) => l.includes('not-nats'))).toEqual([
      'mixed.yaml:3:1 info not-nats servers also declare kafka: the generated code connects to NATS only',
    ]);
  });
});
