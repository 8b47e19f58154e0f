/**
 * The wild corpus: thirty AsyncAPI documents from public repositories, written by people outside this
 * project (shared/corpus/wild, see its SOURCES.md). Through the command line, with default options:
 * every valid document generates (exit 0, docs included) into code that type-checks under the strict
 * flags of tsconfig.json (one tsc run over all outputs); every invalid or remote-ref document fails
 * with a located error (`file:line:col`), exit 2, no stack trace and nothing written.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, runCli } from '../cli/io.js';
import { WILD_CORPUS, wildDocuments } from './wild-corpus.js';

const run = promisify(execFile);
const OUT = path.join(ROOT, 'test/fixtures/out/wild');

/**
 * Valid documents whose generated code does not compile yet, each with its cause, outside this
 * test's area. The lead empties this list once the fix is merged; a listed document that compiles
 * fails the test, so the list cannot go stale.
 */
const KNOWN_FAILURES: Readonly<Record<string, string>> = {};

const documents = wildDocuments();
const valid = documents.filter((d) => d.expect === 'valid').map((d) => d.file);
const failing = documents.filter((d) => d.expect !== 'valid');
const outDir = (file: string) => path.join(OUT, file.replace(/[/\\]/g, '__'));
const generated: string[] = [];

beforeAll(async () => {
  await rm(OUT, { recursive: true, force: true });
  await mkdir(OUT, { recursive: true });
});

afterAll(async () => {
  await rm(OUT, { recursive: true, force: true });
});

describe('wild corpus', () => {
  it('wild - SOURCES.md lists thirty documents, each one there', () => {
    expect(documents).toHaveLength(30);
    expect(valid).toHaveLength(24);
    for (const d of documents) expect(existsSync(path.join(WILD_CORPUS, d.file)), d.file).toBe(true);
  });

  it.each(valid)('wild - %s generates with default options: exit 0, code and docs written', async (file) => {
    const out = outDir(file);
    const res = await runCli(['generate', path.join(WILD_CORPUS, file), '--out', out], ROOT);
    const errors = res.stderr.split('\n').filter((l) => / error /.test(l));
    expect(errors, file).toEqual([]);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toMatch(/^generated \d+ files in /);
    const written = await readdir(out, { recursive: true });
    expect(written).toEqual(expect.arrayContaining(['client.ts', 'server.ts', 'types.ts', 'docs/index.html']));
    generated.push(file);
  });

  it.each(failing.map((d) => [d.file, d.expect] as const))(
    'wild - %s (%s) fails with a located error: exit 2, no stack trace, nothing written',
    async (file) => {
      const out = outDir(file);
      const res = await runCli(['generate', path.join(WILD_CORPUS, file), '--out', out], ROOT);
      expect(res.code).toBe(2);
      expect(res.stdout).toBe('');
      const spec = path.join(WILD_CORPUS, file);
      const first = res.stderr.split('\n')[0] ?? '';
      expect(first.startsWith(`${spec}:`), first).toBe(true);
      expect(first.slice(spec.length)).toMatch(/^:\d+:\d+ error [a-z0-9-]+ \S/);
      expect(res.stderr).toMatch(/\n {2}help: /);
      expect(res.stderr).not.toMatch(/\n\s+at /);
      expect(res.stderr).toMatch(/: \d+ errors?(, \d+ warnings?)?; nothing was written\n$/);
      expect(existsSync(out)).toBe(false);
    },
  );

  it('wild - the generated code of every valid document type-checks under strict flags (one tsc run)', async () => {
    expect(generated.sort()).toEqual([...valid].sort());
    await writeFile(
      path.join(OUT, 'tsconfig.json'),
      JSON.stringify({ extends: '../../../../tsconfig.json', include: ['**/*.ts'], exclude: [] }),
    );
    const tsc = path.join(ROOT, 'node_modules/.bin/tsc');
    const output = await run(tsc, ['-p', path.join(OUT, 'tsconfig.json')], { cwd: ROOT }).then(
      () => '',
      (e: { stdout: string }) => e.stdout,
    );
    const failed = new Map<string, string[]>();
    for (const line of output.split('\n').filter((l) => /error TS\d+/.test(l))) {
      const folder = path.relative(OUT, path.resolve(ROOT, line.split('(')[0] ?? '')).split(path.sep)[0] ?? '';
      const file = valid.find((f) => outDir(f) === path.join(OUT, folder)) ?? folder;
      failed.set(file, [...(failed.get(file) ?? []), line]);
    }
    const unexpected = [...failed].filter(([file]) => !(file in KNOWN_FAILURES));
    expect(unexpected).toEqual([]);
    // A known failure that now compiles: take it off the list.
    expect(Object.keys(KNOWN_FAILURES).filter((file) => !failed.has(file))).toEqual([]);
  }, 120_000);
});
