/**
 * `init`: a starter config and spec that generate cleanly at once, typed code that compiles, and
 * nothing overwritten without --force.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, runCli } from './io.js';

const run = promisify(execFile);
let work: string;
beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'asyncapi-nats-init-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

/** An empty project where `asyncapi-nats` resolves to this package (as after `npm install asyncapi-nats`). */
async function project(name: string): Promise<string> {
  const dir = path.join(work, name);
  await mkdir(path.join(dir, 'node_modules'), { recursive: true });
  await symlink(ROOT, path.join(dir, 'node_modules', 'asyncapi-nats'), 'dir');
  return dir;
}

describe('init', () => {
  it('init - writes a config and a starter spec; generate and check then work from the config', async () => {
    const dir = await project('fresh');
    const init = await runCli(['init'], dir);
    expect(init).toEqual({
      code: 0,
      stdout: 'wrote asyncapi-nats.config.ts\nwrote spec/greeter.asyncapi.yaml\nnext: npx asyncapi-nats generate\n',
      stderr: '',
    });
    expect(await readFile(path.join(dir, 'asyncapi-nats.config.ts'), 'utf8')).toContain(
      "spec: 'spec/greeter.asyncapi.yaml',\n      out: 'generated/greeter',",
    );
    const gen = await runCli(['generate', '--verbose'], dir);
    expect(gen.stderr).toBe('');
    expect(gen.stdout).toMatch(/^generated \d+ files in generated\/greeter \(\d+ written, 0 unchanged\) in \d+ ms\n$/);
    expect((await runCli(['check'], dir)).code).toBe(0);
  });

  it('init - the starter spec generates code that compiles under strict TypeScript', async () => {
    const dir = await project('compiles');
    await runCli(['init'], dir);
    expect((await runCli(['generate', '--no-docs'], dir)).code).toBe(0);
    await writeFile(path.join(dir, 'package.json'), JSON.stringify({ name: 'user-project', type: 'module' }));
    await writeFile(
      path.join(dir, 'tsconfig.json'),
      JSON.stringify({
        extends: path.join(ROOT, 'tsconfig.json'),
        compilerOptions: { noEmit: true, types: [], typeRoots: [path.join(ROOT, 'node_modules/@types')] },
        include: ['generated/**/*.ts', 'asyncapi-nats.config.ts'],
      }),
    );
    const tsc = path.join(ROOT, 'node_modules/.bin/tsc');
    const result = await run(tsc, ['-p', 'tsconfig.json'], { cwd: dir }).then(
      () => ({ code: 0, out: '' }),
      (e: { code: number; stdout: string }) => ({ code: e.code, out: e.stdout }),
    );
    expect(result.out).toBe('');
    expect(result.code).toBe(0);
  });

  it('init - an existing config is never overwritten without --force', async () => {
    const dir = await project('exists');
    await writeFile(path.join(dir, 'asyncapi-nats.config.ts'), '// mine\n');
    const res = await runCli(['init'], dir);
    expect(res.code).toBe(2);
    expect(res.stderr).toBe(
      'asyncapi-nats.config.ts error init-exists the config already exists; nothing was written\n  help: edit it, or run `asyncapi-nats init --force` to replace it\n',
    );
    expect(await readFile(path.join(dir, 'asyncapi-nats.config.ts'), 'utf8')).toBe('// mine\n');
    expect((await runCli(['init', '--force'], dir)).code).toBe(0);
  });

  it('init - --spec naming an existing spec keeps it and writes only the config for it', async () => {
    const dir = await project('existing-spec');
    await mkdir(path.join(dir, 'api'));
    const mine = await readFile(path.join(ROOT, 'spec/ai-sdk.asyncapi.yaml'), 'utf8');
    await writeFile(path.join(dir, 'api/shop.yaml'), mine);
    const res = await runCli(['init', '--spec', 'api/shop.yaml'], dir);
    expect(res.stdout).toBe(
      'wrote asyncapi-nats.config.ts\nkept api/shop.yaml (it exists)\nnext: npx asyncapi-nats generate\n',
    );
    expect(await readFile(path.join(dir, 'api/shop.yaml'), 'utf8')).toBe(mine);
    expect(await readFile(path.join(dir, 'asyncapi-nats.config.ts'), 'utf8')).toContain("out: 'generated/shop'");
  });

  it('init - a --spec that is not YAML or JSON is a usage error', async () => {
    const res = await runCli(['init', '--spec', 'api.txt'], await project('bad-spec'));
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/^error: --spec must name a \.yaml, \.yml or \.json file, got 'api\.txt'\n/);
  });
});
