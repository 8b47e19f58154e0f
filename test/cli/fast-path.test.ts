/**
 * The fast path (generator/commands/fresh.ts): `generate`, `check` and `docs` answer without parsing
 * when nothing that decides the output changed since the last run and the output on disk is what
 * that run wrote. Any change to the spec, a file it `$ref`s, a docs template, an option or a
 * generated file means a full run; `check` still names a hand-edited file; `--force` always runs
 * in full. Each test works in a project of its own (a temp folder with a package.json, so its cache
 * is its own `node_modules/.cache/asyncapi-nats`).
 */
import { execFile } from 'node:child_process';
import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CACHE_ENV } from '../../generator/commands/fresh.js';
import { ROOT, runCli } from './io.js';

const run = promisify(execFile);
const BIN = path.join(ROOT, 'bin/asyncapi-nats.js');

const SPEC = `asyncapi: 3.0.0
info:
  title: Fast
  version: 1.0.0
channels:
  greet:
    address: greet.{name}
    parameters:
      name: {}
    messages:
      Greeting:
        $ref: './messages.yaml#/Greeting'
operations:
  sendGreeting:
    action: send
    channel:
      $ref: '#/channels/greet'
    messages:
      - $ref: '#/channels/greet/messages/Greeting'
`;
const MESSAGES = `Greeting:
  name: Greeting
  payload:
    $ref: './schemas/greeting.json'
`;
const SCHEMA = '{"type":"object","properties":{"text":{"type":"string"}},"required":["text"]}\n';

let work: string;
let saved: string | undefined;
beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'asyncapi-nats-fast-'));
  // Each project finds its own cache; a cache folder set for the whole test run would hide that.
  saved = process.env[CACHE_ENV];
  delete process.env[CACHE_ENV];
});
afterAll(async () => {
  if (saved !== undefined) process.env[CACHE_ENV] = saved;
  await rm(work, { recursive: true, force: true });
});

let projects = 0;
/** A project: a spec that `$ref`s a file that `$ref`s another, docs templates, a JSON config. */
async function project(): Promise<string> {
  const dir = path.join(work, `p${++projects}`);
  await mkdir(path.join(dir, 'schemas'), { recursive: true });
  await mkdir(path.join(dir, 'tpl', 'assets'), { recursive: true });
  await writeFile(path.join(dir, 'package.json'), '{"name":"fast","private":true}\n');
  await writeFile(path.join(dir, 'api.yaml'), SPEC);
  await writeFile(path.join(dir, 'messages.yaml'), MESSAGES);
  await writeFile(path.join(dir, 'schemas', 'greeting.json'), SCHEMA);
  await writeFile(path.join(dir, 'tpl', 'assets', 'site.css'), '/* ours */\n');
  await writeFile(
    path.join(dir, 'asyncapi-nats.config.json'),
    '{"specs":[{"spec":"api.yaml","out":"out","docs":{"templates":"tpl"}}]}\n',
  );
  return dir;
}

/** `generate --format json` in `dir`: whether it took the fast path, and what it wrote. */
async function generate(dir: string, ...args: string[]): Promise<{ fresh: boolean; written: string[] }> {
  const res = await runCli(['generate', '--format', 'json', ...args], dir);
  expect(res.code, res.stderr).toBe(0);
  const spec = JSON.parse(res.stdout).specs[0];
  return { fresh: spec.fresh, written: spec.folders[0].written };
}

const FULL_FILES = 11;

describe('fast path', () => {
  it('fast path - nothing changed: generate and check answer from the record, generate writes nothing', async () => {
    const dir = await project();
    expect((await generate(dir)).fresh).toBe(false);
    const again = await runCli(['generate'], dir);
    expect(again).toEqual({
      code: 0,
      stdout: expect.stringMatching(
        /^11 files in out up to date \(nothing changed since the last run\) in \d+ ms\n$/,
      ) as unknown as string,
      stderr: expect.any(String) as unknown as string,
    });
    const check = await runCli(['check', '--format', 'json'], dir);
    expect(check.code).toBe(0);
    expect(JSON.parse(check.stdout).specs).toEqual([
      { spec: 'api.yaml', ok: true, files: FULL_FILES, fresh: true, findings: [] },
    ]);
    expect((await runCli(['check'], dir)).stdout).toBe(`check: ${FULL_FILES} files up to date\n`);
  });

  it('fast path - the warnings of the last full run are printed again', async () => {
    const dir = await project();
    const first = await runCli(['generate', '--verbose'], dir);
    const again = await runCli(['generate', '--verbose'], dir);
    expect(first.stderr).toContain('api.yaml:1:1 info no-servers');
    expect(again.stderr).toBe(first.stderr);
  });

  it('fast path - the built CLI loads neither the AsyncAPI parser, ts-morph nor zod when nothing changed', async () => {
    const dir = await project();
    // A module hook that names every module of the parser or ts-morph the process resolves.
    const hooks = `export async function resolve(s, c, next) { const r = await next(s, c); if (/node_modules\\/(@asyncapi\\/parser|ts-morph|zod)\\//.test(r.url)) console.error('[loaded] ' + r.url); return r; }`;
    const register = `import { register } from 'node:module'; register(${JSON.stringify(`data:text/javascript,${encodeURIComponent(hooks)}`)});`;
    const node = (args: string[]) =>
      run(process.execPath, ['--import', `data:text/javascript,${encodeURIComponent(register)}`, BIN, ...args], {
        cwd: dir,
        timeout: 60_000,
      });
    // The built generator is another generator than these sources (another fingerprint): it records its own run.
    expect((await node(['generate'])).stdout).toMatch(/^generated 11 files in out \(11 written, 0 unchanged\)/);
    const fast = await node(['generate']);
    expect(fast.stdout).toMatch(/up to date \(nothing changed since the last run\)/);
    expect(fast.stderr).not.toContain('[loaded]');
    const check = await node(['check']);
    expect(check.stdout).toBe(`check: ${FULL_FILES} files up to date\n`);
    expect(check.stderr).not.toContain('[loaded]');
    // The detector works: a forced run loads ts-morph on this thread.
    const forced = await node(['generate', '--force']);
    expect(forced.stdout).toMatch(/generated 11 files in out \(0 written, 11 unchanged\)/);
    expect(forced.stderr).toContain('[loaded]');
  });

  it.each([
    ['the spec', 'api.yaml', (t: string) => t.replace('title: Fast', 'title: Faster')],
    [
      'a file the spec $refs',
      'messages.yaml',
      (t: string) => t.replace('name: Greeting', 'name: Greeting\n  summary: Hi.'),
    ],
    ['a file that file $refs', 'schemas/greeting.json', (t: string) => t.replace('"string"', '"string","maxLength":9')],
    ['a docs template', 'tpl/assets/site.css', () => '/* changed */\n'],
  ])('fast path - a change to %s means a full run that updates the output', async (_what, file, edit) => {
    const dir = await project();
    await generate(dir);
    expect((await generate(dir)).fresh).toBe(true);
    const target = path.join(dir, file);
    await writeFile(target, edit(await readFile(target, 'utf8')));
    const changed = await generate(dir);
    expect(changed.fresh).toBe(false);
    expect(changed.written.length).toBeGreaterThan(0);
    expect((await generate(dir)).fresh).toBe(true);
  });

  it('fast path - a $ref written with its value on the next line (after a comment) is followed too', async () => {
    const dir = await project();
    const spec = path.join(dir, 'api.yaml');
    await writeFile(
      spec,
      SPEC.replace(
        "$ref: './messages.yaml#/Greeting'",
        '$ref: # the shared message\n          ./messages.yaml#/Greeting',
      ),
    );
    await generate(dir);
    expect((await generate(dir)).fresh).toBe(true);
    const messages = path.join(dir, 'messages.yaml');
    await writeFile(
      messages,
      (await readFile(messages, 'utf8')).replace('name: Greeting', 'name: Greeting\n  summary: Hi.'),
    );
    expect((await generate(dir)).fresh).toBe(false);
  });

  it('fast path - a file added to the docs templates folder means a full run', async () => {
    const dir = await project();
    await generate(dir);
    await writeFile(path.join(dir, 'tpl', 'assets', 'site.js'), '// mine\n');
    const changed = await generate(dir);
    expect(changed.fresh).toBe(false);
    expect(changed.written).toEqual(['docs/assets/site.js']);
  });

  it.each([
    ['--no-docs', ['--no-docs']],
    ['--runtime-import', ['--runtime-import', 'my-runtime']],
    ['--strict', ['--strict']],
    ['--outputs', ['--outputs', 'client,docs']],
  ])('fast path - another option (%s) means a full run', async (_name, args) => {
    const dir = await project();
    await generate(dir);
    const res = await runCli(['check', '--format', 'json', ...args], dir);
    expect(JSON.parse(res.stdout).specs[0].fresh).toBe(false);
  });

  it('fast path - a hand-edited generated file: check names it stale, generate rewrites it', async () => {
    const dir = await project();
    await generate(dir);
    const client = path.join(dir, 'out', 'client.ts');
    const text = await readFile(client, 'utf8');
    await writeFile(client, text.replace('export class', '// edited\nexport class'));
    const check = await runCli(['check'], dir);
    expect(check.code).toBe(1);
    expect(check.stdout).toMatch(/^out\/client\.ts:\d+:1 error output-stale /);
    const fixed = await generate(dir);
    expect(fixed).toEqual({ fresh: false, written: ['client.ts'] });
    expect(await readFile(client, 'utf8')).toBe(text);
  });

  it('fast path - a deleted generated file, or a file of ours added to the output, means a full run', async () => {
    const dir = await project();
    await generate(dir);
    await rm(path.join(dir, 'out', 'docs', 'search-index.js'));
    expect((await runCli(['check'], dir)).stdout).toContain('0 stale, 1 missing, 0 extra');
    await generate(dir);
    await writeFile(
      path.join(dir, 'out', 'old.ts'),
      '/**\n * Generated by asyncapi-nats from old.yaml. Do not edit.\n */\n',
    );
    await writeFile(path.join(dir, 'out', 'mine.ts'), 'export const mine = 1;\n');
    const check = await runCli(['check'], dir);
    expect(check.code).toBe(1);
    expect(check.stdout).toContain('0 stale, 0 missing, 1 extra');
  });

  it('fast path - a config edited into a broken one is checked again, not trusted from the last run', async () => {
    const dir = await project();
    await generate(dir);
    const config = path.join(dir, 'asyncapi-nats.config.json');
    await writeFile(config, '{"specs":[{"spec":"api.yaml","out":"out","docs":{"templates":"tpl"},"stict":true}]}\n');
    const res = await runCli(['generate'], dir);
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('error config-invalid');
  });

  it('fast path - --force runs in full even when nothing changed', async () => {
    const dir = await project();
    await generate(dir);
    expect((await generate(dir, '--force')).fresh).toBe(false);
    const check = await runCli(['check', '--force', '--format', 'json'], dir);
    expect(JSON.parse(check.stdout).specs[0].fresh).toBe(false);
  });

  it(`fast path - ${CACHE_ENV}=off turns it off; ${CACHE_ENV}=<dir> moves the cache`, async () => {
    const dir = await project();
    try {
      process.env[CACHE_ENV] = 'off';
      await generate(dir);
      expect((await generate(dir)).fresh).toBe(false);
      process.env[CACHE_ENV] = 'elsewhere';
      await generate(dir);
      expect((await generate(dir)).fresh).toBe(true);
      expect((await readdir(path.join(dir, 'elsewhere'))).filter((n) => n.endsWith('.json'))).toHaveLength(1);
    } finally {
      delete process.env[CACHE_ENV];
    }
  });

  it('fast path - a corrupt or unwritable cache costs a full run, never an error', async () => {
    const dir = await project();
    await generate(dir);
    const cache = path.join(dir, 'node_modules', '.cache', 'asyncapi-nats');
    for (const name of await readdir(cache)) await writeFile(path.join(cache, name), '{ not json');
    expect((await generate(dir)).fresh).toBe(false);
    await rm(path.join(dir, 'node_modules'), { recursive: true });
    // A file where the cache folder would be: nothing can be recorded.
    await writeFile(path.join(dir, 'node_modules'), 'not a folder');
    expect((await generate(dir)).fresh).toBe(false);
    expect((await generate(dir)).fresh).toBe(false);
  });

  it('fast path - the same project copied to another folder gets the same output, named relative to it', async () => {
    const dir = await project();
    await generate(dir);
    const copy = path.join(work, `moved-${projects}`);
    await cp(dir, copy, { recursive: true });
    await rm(path.join(copy, 'node_modules'), { recursive: true, force: true });
    await rm(path.join(copy, 'out'), { recursive: true });
    await generate(copy);
    for (const name of ['client.ts', 'docs/index.html']) {
      const a = await readFile(path.join(dir, 'out', name), 'utf8');
      expect(await readFile(path.join(copy, 'out', name), 'utf8')).toBe(a);
      expect(a).not.toContain(work);
    }
  });
});
