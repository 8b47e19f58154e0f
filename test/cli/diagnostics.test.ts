/**
 * What a person sees for each malformed spec (a snapshot of the whole message: located, with a
 * help line, never a stack trace), the same problems as JSON and as GitHub annotations, and the
 * documented exit codes: 0 ok, 1 check/diff found something, 2 usage, config or spec error.
 */
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, runCli } from './io.js';

const MALFORMED = [
  'bad-yaml.yaml',
  'bad-ref.yaml',
  'bad-version.yaml',
  'not-asyncapi.yaml',
  'illegal-subject.yaml',
  'wildcard-publish.yaml',
  'partial-parameter.yaml',
  'request-without-reply-message.yaml',
  'bad-extensions.yaml',
  'does-not-exist.yaml',
] as const;

describe('diagnostics', () => {
  it.each(MALFORMED)('diagnostics - %s: the message a person reads, exit 2, nothing on stdout', async (fixture) => {
    const res = await runCli(
      ['generate', `test/fixtures/specs/${fixture}`, '--out', '/nonexistent/never-written'],
      ROOT,
    );
    expect(res.code).toBe(2);
    expect(res.stdout).toBe('');
    expect(res.stderr).toMatch(/^test\/fixtures\/specs\/\S+ error [a-z0-9-]+ /);
    expect(res.stderr).toMatch(/\n {2}help: /);
    expect(res.stderr).not.toMatch(/\n\s+at /);
    await expect(res.stderr).toMatchFileSnapshot(`__snapshots__/diagnostics/${fixture}.txt`);
  });

  it('diagnostics - docs-invalid-example.asyncapi.yaml under --strict: the message a person reads, exit 2, nothing on stdout', async () => {
    const fixture = 'docs-invalid-example.asyncapi.yaml';
    const res = await runCli(
      ['generate', `test/fixtures/specs/${fixture}`, '--out', '/nonexistent/never-written', '--strict'],
      ROOT,
    );
    expect(res.code).toBe(2);
    expect(res.stdout).toBe('');
    expect(res.stderr).not.toMatch(/\n\s+at /);
    await expect(res.stderr).toMatchFileSnapshot(`__snapshots__/diagnostics/${fixture}.txt`);
  });

  it('diagnostics - docs-invalid-example.asyncapi.yaml without --strict: a warning, and the code and docs are written (exit 0)', async () => {
    const out = await mkdtemp(path.join(tmpdir(), 'asyncapi-nats-lenient-'));
    const res = await runCli(
      ['generate', 'test/fixtures/specs/docs-invalid-example.asyncapi.yaml', '--out', out],
      ROOT,
    );
    const written = await readdir(out, { recursive: true });
    await rm(out, { recursive: true });
    expect(res.code).toBe(0);
    expect(res.stderr).toMatch(
      /^test\/fixtures\/specs\/docs-invalid-example\.asyncapi\.yaml:40:11 warning docs-invalid-example the payload of example 'negative' of message 'Order' does not match its schema: /,
    );
    expect(res.stdout).toMatch(/^generated 11 files in /);
    expect(written).toEqual(expect.arrayContaining(['client.ts', 'server.ts', 'docs/index.html']));
  });

  // Regression: a channel's x-nats-jetstream is read once per operation, and its typo was printed once each.
  it('diagnostics - every problem is printed once, as text and as JSON', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'asyncapi-nats-once-'));
    const spec = path.join(dir, 'once.yaml');
    await writeFile(
      spec,
      [
        'asyncapi: 3.0.0',
        'info: { title: Once, version: 1.0.0 }',
        "servers: { local: { host: 'localhost:4222', protocol: nats } }",
        'channels:',
        '  jobs:',
        '    address: jobs.created',
        '    x-nats-jetstream: { stream: JOBS, replica: 1 }',
        '    messages: { job: { payload: { type: object } } }',
        'operations:',
        "  sendJob: { action: send, channel: { $ref: '#/channels/jobs' } }",
        "  takeJob: { action: receive, channel: { $ref: '#/channels/jobs' } }",
        '',
      ].join('\n'),
    );
    const text = await runCli(['generate', spec, '--out', path.join(dir, 'out')], dir);
    const json = await runCli(['generate', spec, '--out', path.join(dir, 'out'), '--format', 'json'], dir);
    await rm(dir, { recursive: true });
    const line =
      "once.yaml:7:39 error nats-bad-extension x-nats-jetstream key 'replica' is not allowed on a channel; did you mean 'replicas'?";
    expect(text.code).toBe(2);
    expect(text.stderr.split('\n').filter((l) => l === line)).toHaveLength(1);
    expect(text.stderr).toContain('once.yaml: 1 error; nothing was written');
    const problems = JSON.parse(json.stdout).problems as { code: string }[];
    expect(problems.filter((p) => p.code === 'nats-bad-extension')).toHaveLength(1);
  });

  it('diagnostics - --format json puts every problem, located, into one JSON document on stdout', async () => {
    const res = await runCli(['generate', 'test/fixtures/specs/bad-extensions.yaml', '--format', 'json'], ROOT);
    expect(res.code).toBe(2);
    expect(res.stderr).toBe('');
    const doc = JSON.parse(res.stdout);
    expect(doc.ok).toBe(false);
    expect(doc.specs).toEqual([
      expect.objectContaining({ spec: 'test/fixtures/specs/bad-extensions.yaml', ok: false, folders: [] }),
    ]);
    expect(doc.problems[0]).toEqual({
      code: 'nats-bad-extension',
      severity: 'error',
      message: expect.any(String),
      file: 'test/fixtures/specs/bad-extensions.yaml',
      line: expect.any(Number),
      column: expect.any(Number),
      help: expect.any(String),
    });
  });

  it('diagnostics - --format github prints workflow commands GitHub turns into annotations', async () => {
    const res = await runCli(['generate', 'test/fixtures/specs/bad-ref.yaml', '--format', 'github'], ROOT);
    expect(res.code).toBe(2);
    expect(res.stdout).toBe(
      "::error file=test/fixtures/specs/bad-ref.yaml,line=19,col=15,title=invalid-ref::'#/components/messages/Missing' does not exist%0Ahelp: point the $ref at an existing component, or define the component\n",
    );
  });

  it('diagnostics - a good spec with --format json reports what was written and the time of each phase', async () => {
    const out = await mkdtemp(path.join(tmpdir(), 'asyncapi-nats-json-'));
    const res = await runCli(['generate', 'spec/ai-sdk.asyncapi.yaml', '--out', out, '--format', 'json'], ROOT);
    await rm(out, { recursive: true });
    expect(res.code).toBe(0);
    const doc = JSON.parse(res.stdout);
    expect(doc.ok).toBe(true);
    expect(doc.problems).toEqual([]);
    const [spec] = doc.specs;
    expect(spec.folders).toEqual([
      {
        dir: out,
        written: expect.arrayContaining(['types.ts', 'client.ts', 'docs/index.html']),
        unchanged: [],
        removed: [],
      },
    ]);
    expect(Object.keys(spec.timings).sort()).toEqual(['docs', 'emit', 'model', 'parse', 'write']);
    for (const ms of Object.values(spec.timings)) expect(ms).toBeGreaterThan(0);
  });

  it.each([
    [
      ['generate', '--format', 'xml', 'spec/ai-sdk.asyncapi.yaml'],
      "error: --format must be one of text, json, github, got 'xml'",
    ],
    [['generate', 'a.yaml', 'b.yaml'], 'error: expected at most one spec file, got 2: a.yaml b.yaml'],
    [['generate', '--watch', '--format', 'json', 'a.yaml'], 'error: --watch reports as text or github, not json'],
    [
      ['generate', '--outputs', 'client,tests', 'a.yaml'],
      "error: --outputs: unknown output 'tests' (expected client, server, schemas, docs)",
    ],
    [['docs', '--watch', 'a.yaml'], "error: docs has no option '--watch'; it is an option of `asyncapi-nats generate`"],
    [['check', '--frobnicate'], "error: unknown option '--frobnicate'\n"],
    [['check', '--stirct'], "error: unknown option '--stirct'; did you mean '--strict'?"],
    [['generate', '--wath', 'a.yaml'], "error: unknown option '--wath'; did you mean '--watch'?"],
    [['generate', 'a.yaml', '--out'], "error: option '--out' needs a value: --out <value>"],
    [['generate', '--watch=yes', 'a.yaml'], "error: option '--watch' takes no value"],
    [
      ['diff', '--fail-onn', 'breaking', 'a.yaml', 'b.yaml'],
      "error: unknown option '--fail-onn'; did you mean '--fail-on'?",
    ],
    [['init', 'extra'], "error: init takes no arguments, got 'extra'"],
    [['genrate'], "error: unknown command 'genrate'; did you mean 'generate'?"],
    [['gen'], "error: unknown command 'gen'; did you mean 'generate'?"],
    [['--out', 'x'], "error: '--out' is not an option of asyncapi-nats itself; options come after the command"],
    [['diff', 'only-one.yaml'], 'error: '],
    [['frobnicate'], "error: unknown command 'frobnicate'"],
    [[], 'Usage:'],
  ])('diagnostics - usage error %j exits 2 with the command help', async (args, message) => {
    const res = await runCli(args, ROOT);
    expect(res.code).toBe(2);
    expect(res.stderr).toContain(message);
    expect(res.stderr).toMatch(/Usage:\s+asyncapi-nats/);
  });

  it('diagnostics - --help on every command exits 0 with its usage on stdout', async () => {
    for (const command of ['init', 'generate', 'check', 'diff', 'docs']) {
      const res = await runCli([command, '--help'], ROOT);
      expect(res.code, command).toBe(0);
      expect(res.stdout, command).toContain(`Usage: asyncapi-nats ${command}`);
    }
  });
});
