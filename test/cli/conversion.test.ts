/**
 * A valid AsyncAPI 2.x document converts and generates, and every diagnostic about it, the converter's,
 * the model's and the parser's, points at the line and column of the 2.x file.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, runCli } from './io.js';

const FIXTURE = 'test/fixtures/specs/v2-conversion.yaml';

describe('2.x conversion', () => {
  // Regression: 2.0 binding shapes (wss, http `type`) passed through the converter unchanged, and the
  // converted document was refused with errors that had no line, each printed several times.
  it('conversion - a 2.0 document with bindings 3.0 cannot read generates; every diagnostic is at its line in the 2.x file', async () => {
    const out = await mkdtemp(path.join(tmpdir(), 'asyncapi-nats-v2-'));
    const res = await runCli(['generate', FIXTURE, '--out', out, '--format', 'json'], ROOT);
    const types = await readFile(path.join(out, 'types.ts'), 'utf8');
    const subjects = await readFile(path.join(out, 'subjects.ts'), 'utf8');
    await rm(out, { recursive: true });
    expect(res.code).toBe(0);
    const problems = JSON.parse(res.stdout).problems as {
      code: string;
      severity: string;
      line: number;
      column: number;
    }[];
    const ours = problems.filter((p) => !p.code.startsWith('asyncapi'));
    expect(ours.map((p) => `${p.line}:${p.column} ${p.severity} ${p.code}`)).toEqual([
      '26:9 info extension-not-converted',
      '30:7 info binding-not-converted',
      '37:9 info binding-not-converted',
      '42:3 warning nats-partial-parameter',
      '46:5 warning operation-skipped',
      '17:1 warning not-nats',
    ]);
    // Every parser diagnostic is located too (none at 0:0).
    expect(problems.filter((p) => p.line < 1)).toEqual([]);
    // The parameter's $ref'd schema was converted with its enum.
    expect(types).toContain("readonly region: 'eu' | 'us';");
    // ...and enforced on the wire (the model reads the parameter schema from the 2.x document as written).
    expect(subjects).toContain("region: z.enum(['eu', 'us'])");
  });

  it('conversion - text output: warnings once each, located in the 2.x file, and the files written', async () => {
    const out = await mkdtemp(path.join(tmpdir(), 'asyncapi-nats-v2-'));
    const res = await runCli(['generate', FIXTURE, '--out', out], ROOT);
    await rm(out, { recursive: true });
    expect(res.code).toBe(0);
    const heads = res.stderr.split('\n').filter((l) => / (error|warning) /.test(l));
    expect(heads.map((l) => l.split(' ').slice(0, 3).join(' '))).toEqual([
      `${FIXTURE}:17:1 warning not-nats`,
      `${FIXTURE}:42:3 warning nats-partial-parameter`,
      `${FIXTURE}:46:5 warning operation-skipped`,
    ]);
    expect(res.stdout).toMatch(/^generated 11 files in /);
  });
});
