/**
 * The codegen contract (`asyncapi-nats/runtime/gen`) is exactly the emitter's table
 * (generator/emit/runtime-symbols.ts): every symbol generated code may import, nothing else, values
 * as values and types as types. Code generated for contract 4 (which imported everything from
 * `asyncapi-nats/runtime`) and code generated for contract 5 before streaming replies added symbols to
 * it still compile (test/fixtures/tsconfig.json includes both) and still run against a real nats-server.
 */
import path from 'node:path';
import { Project } from 'ts-morph';
import { describe, expect, inject, test } from 'vitest';
import { CODEGEN_CONTRACT_VERSION, RUNTIME_SYMBOLS } from '../../generator/emit/runtime-symbols.js';
import * as gen from '../../runtime/gen.js';
import { connect, wildcard } from '../../runtime/index.js';
import * as v4 from '../fixtures/contract-v4/greeter/index.js';
import * as v5 from '../fixtures/contract-v5/greeter/index.js';

const ROOT = path.resolve(import.meta.dirname, '../..');

describe('codegen contract', () => {
  test('codegen contract - runtime/gen exports exactly the names of the emitter table', () => {
    const project = new Project({
      tsConfigFilePath: path.join(ROOT, 'tsconfig.json'),
      skipAddingFilesFromTsConfig: true,
    });
    const file = project.addSourceFileAtPath(path.join(ROOT, 'runtime/gen.ts'));
    const exported = [...file.getExportedDeclarations().keys()].sort();
    expect(exported).toEqual(Object.keys(RUNTIME_SYMBOLS).sort());
  });

  test('codegen contract - the values of runtime/gen are the table entries that are not types', () => {
    const values = Object.entries(RUNTIME_SYMBOLS)
      .filter(([, s]) => !s.type)
      .map(([name]) => name)
      .sort();
    expect(Object.keys(gen).sort()).toEqual(values);
  });

  test('codegen contract - runtime/gen states the version the emitter writes', () => {
    expect(gen.CODEGEN_CONTRACT).toBe(CODEGEN_CONTRACT_VERSION);
  });

  test.each([
    ['contract 4', v4.GreeterClient, v4.GreeterServer],
    ['contract 5 (generated before streaming replies)', v5.GreeterClient, v5.GreeterServer],
  ] as const)(
    'codegen contract - code generated for %s still answers a request and delivers an event',
    async (_, GreeterClient, GreeterServer) => {
      const nc = await connect({ servers: inject('natsUrl') });
      try {
        const server = new GreeterServer(nc, { service: false });
        const replying = server.replyGreeting({
          params: { tenant_id: wildcard },
          handler: async ({ payload }) => ({ text: `Hello, ${payload.name}!` }),
        });
        const events: string[] = [];
        const listening = server.onGreeted({
          params: { tenant_id: 'v4' },
          handler: async ({ payload }) => {
            events.push(payload.name);
          },
        });
        await Promise.all([replying.ready, listening.ready]);
        const client = new GreeterClient(nc);
        const reply = await client.requestGreeting({ params: { tenant_id: 'v4' }, payload: { name: 'Ada' } });
        client.publishGreeted({ params: { tenant_id: 'v4' }, payload: { name: 'Ada', at: new Date().toISOString() } });
        await nc.flush();
        await server.drain();
        expect(reply).toEqual({ text: 'Hello, Ada!' });
        expect(events).toEqual(['Ada']);
      } finally {
        await nc.close();
      }
    },
  );
});
