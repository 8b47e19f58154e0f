/** The programmatic API: generate, check and diff from 'asyncapi-nats', with the config's options. */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { check, diff, generate, SpecError } from '../../generator/index.js';
import { ROOT } from './io.js';

let work: string;
beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'asyncapi-nats-api-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('api', () => {
  it('api - generate writes what the options ask for, and check agrees it is current', async () => {
    const out = path.join(work, 'gen');
    const options = { spec: 'spec/ai-sdk.asyncapi.yaml', out, outputs: ['server'] as const, docs: false, cwd: ROOT };
    const result = await generate(options);
    expect(result.outDir).toBe(out);
    expect(result.written).toEqual(
      expect.arrayContaining(['index.ts', 'schemas.ts', 'server.ts', 'subjects.ts', 'types.ts']),
    );
    const files = await readdir(out);
    expect(files.sort()).toEqual([...result.written].sort());
    expect(files).not.toContain('client.ts');
    expect(files).not.toContain('docs');
    expect(Object.keys(result.timings).sort()).toEqual(['docs', 'emit', 'model', 'parse', 'write']);
    expect((await check(options)).ok).toBe(true);
  });

  it('api - a spec with errors throws SpecError carrying every located problem', async () => {
    const error = await generate({
      spec: 'test/fixtures/specs/bad-ref.yaml',
      out: path.join(work, 'bad'),
      cwd: ROOT,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SpecError);
    expect((error as SpecError).problems[0]).toMatchObject({ code: 'invalid-ref', line: 19, column: 15 });
    await expect(check({ spec: 'test/fixtures/specs/bad-ref.yaml', cwd: ROOT })).rejects.toBeInstanceOf(SpecError);
  });

  it('api - diff classifies the changes between two specs', async () => {
    const report = await diff({
      old: 'test/fixtures/specs/diff/shop.yaml',
      new: 'test/fixtures/specs/diff/shop.v2.yaml',
      cwd: ROOT,
    });
    expect(report.counts).toEqual({ breaking: 3, 'non-breaking': 4, unclassified: 1 });
    expect(report.changes.map((c) => c.rule)).toContain('nats-queue-changed');
    await expect(
      diff({ old: 'nope.yaml', new: 'test/fixtures/specs/diff/shop.yaml', cwd: ROOT }),
    ).rejects.toBeInstanceOf(SpecError);
  });
});
