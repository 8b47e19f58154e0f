/**
 * `generate --watch`, run as a user runs it (the built command in a child process): an edit to the
 * spec regenerates the output; a broken edit prints diagnostics and keeps the last good output; the
 * next good save recovers; a template edit regenerates the docs; Ctrl-C (SIGINT) stops it with exit 0.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from './io.js';

const BIN = path.join(ROOT, 'bin/asyncapi-nats.js');
let work: string;
let child: ChildProcess | undefined;
let stdout = '';
let stderr = '';
/** Both streams in the order they arrived. */
let both = '';

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'asyncapi-nats-watch-'));
});
afterAll(async () => {
  if (child && child.exitCode === null) child.kill('SIGKILL');
  await rm(work, { recursive: true, force: true });
});

/** Waits until the child's stdout+stderr (from `from` on) matches `pattern`. */
async function waitFor(pattern: RegExp, from: number, timeoutMs = 20_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const seen = both.slice(from);
    if (pattern.test(seen)) return seen;
    if (Date.now() > deadline || child?.exitCode !== null) {
      throw new Error(`timed out waiting for ${pattern}; output so far:\n${stdout}\n--- stderr\n${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

const mark = () => both.length;

describe('watch', () => {
  it('watch - edits regenerate, a broken edit keeps the last good output, the next good save recovers', async () => {
    const spec = path.join(work, 'api.asyncapi.yaml');
    const starter = await readFile(path.join(ROOT, 'templates/init/starter.asyncapi.yaml'), 'utf8');
    await writeFile(spec, starter);
    const out = path.join(work, 'out');
    const templates = path.join(work, 'templates');
    await mkdir(templates);
    child = spawn(process.execPath, [BIN, 'generate', spec, '--out', out, '--templates', templates, '--watch'], {
      cwd: work,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.on('data', (d) => {
      stdout += String(d);
      both += String(d);
    });
    child.stderr?.on('data', (d) => {
      stderr += String(d);
      both += String(d);
    });

    // The first generation, then the watcher is ready.
    await waitFor(/watching api\.asyncapi\.yaml for changes; press Ctrl-C to stop\n/, 0);
    expect(stdout).toMatch(/^\[\d\d:\d\d:\d\d\] generated 11 files in out \(11 written, 0 unchanged\) in \d+ ms\n/);
    const types = path.join(out, 'types.ts');
    expect(await readFile(types, 'utf8')).toContain('name: string;');

    // A good edit: a new payload field shows up in the types.
    let at = mark();
    await writeFile(
      spec,
      starter.replace(
        'name: { type: string, minLength: 1',
        'nickname: { type: string }\n          name: { type: string, minLength: 1',
      ),
    );
    let seen = await waitFor(/api\.asyncapi\.yaml changed: updated [^\n]*\(\d+ ms\)\n/, at);
    expect(seen).toContain('out/types.ts');
    const good = await readFile(types, 'utf8');
    expect(good).toContain('nickname?: string;');

    // A broken edit: located diagnostics, the old output stays.
    at = mark();
    await writeFile(
      spec,
      starter.replace("$ref: '#/components/messages/Greeting'", "$ref: '#/components/messages/Nope'"),
    );
    seen = await waitFor(/api\.asyncapi\.yaml: 1 error; kept the last good output \(\d+ ms\)\n/, at);
    expect(seen).toMatch(
      /api\.asyncapi\.yaml:\d+:\d+ error invalid-ref '#\/components\/messages\/Nope' does not exist/,
    );
    expect(seen).toContain('help: ');
    expect(await readFile(types, 'utf8')).toBe(good);

    // The next good save recovers (back to the starter: the new field goes again).
    at = mark();
    await writeFile(spec, starter);
    await waitFor(/api\.asyncapi\.yaml changed: updated [^\n]*\(\d+ ms\)\n/, at);
    expect(await readFile(types, 'utf8')).not.toContain('nickname');

    // A docs template edit regenerates the site with it.
    at = mark();
    await mkdir(path.join(templates, 'assets'));
    await writeFile(path.join(templates, 'assets/site.css'), '/* our own css */ body { color: red; }\n');
    seen = await waitFor(/changed: updated [^\n]*out\/docs\/assets\/site\.css[^\n]*\n/, at);
    expect(await readFile(path.join(out, 'docs/assets/site.css'), 'utf8')).toContain('/* our own css */');

    // Ctrl-C stops it cleanly.
    const exited = new Promise<number | null>((resolve) => child?.once('exit', (code) => resolve(code)));
    child.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(stdout).toMatch(/stopped watching\n$/);
    expect(stderr).not.toMatch(/\n\s+at /);
  }, 60_000);
});
