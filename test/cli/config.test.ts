/**
 * The config file (asyncapi-nats.config.ts / .js / .json with defineConfig): one or several specs,
 * each with its output folder, runtime import, outputs and docs options; flags override it; every
 * mistake in it is a located problem with exit 2.
 */
import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineConfig, loadConfig } from '../../generator/config.js';
import { ROOT, runCli } from './io.js';

const SPEC = path.join(ROOT, 'spec/ai-sdk.asyncapi.yaml');
const STARTER = path.join(ROOT, 'templates/init/starter.asyncapi.yaml');

let work: string;
beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'asyncapi-nats-config-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

/** A project folder with specs/a.yaml, specs/b.yaml and `asyncapi-nats` resolvable (for TS configs). */
async function project(name: string, config: Record<string, string>): Promise<string> {
  const dir = path.join(work, name);
  await mkdir(path.join(dir, 'specs'), { recursive: true });
  await mkdir(path.join(dir, 'node_modules'), { recursive: true });
  await symlink(ROOT, path.join(dir, 'node_modules', 'asyncapi-nats'), 'dir');
  await writeFile(path.join(dir, 'specs/a.yaml'), await readFile(STARTER, 'utf8'));
  await writeFile(path.join(dir, 'specs/b.yaml'), await readFile(SPEC, 'utf8'));
  for (const [file, text] of Object.entries(config)) await writeFile(path.join(dir, file), text);
  return dir;
}

async function ls(dir: string): Promise<string[]> {
  return (await readdir(dir, { recursive: true })).map((f) => f.split(path.sep).join('/')).sort();
}

describe('config', () => {
  it('config - defineConfig returns the config it is given (it exists for its types)', () => {
    const config = { specs: [{ spec: 'a.yaml', outputs: ['client'] as const }] };
    expect(defineConfig(config)).toBe(config);
  });

  it('config - a TypeScript config with defineConfig generates each spec into its own folder', async () => {
    const dir = await project('ts', {
      'asyncapi-nats.config.ts': `import { defineConfig } from 'asyncapi-nats';
const out: string = 'gen';
export default defineConfig({
  specs: [
    { spec: 'specs/a.yaml', out: \`\${out}/a\`, runtimeImport: '@acme/runtime' },
    { spec: 'specs/b.yaml', out: 'gen/b', docs: false },
  ],
});
`,
    });
    const res = await runCli(['generate'], dir);
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/^generated 11 files in gen\/a \(11 written, 0 unchanged\) in \d+ ms\n/);
    expect(res.stdout).toMatch(/\ngenerated 7 files in gen\/b \(7 written, 0 unchanged\) in \d+ ms\n$/);
    expect(await readFile(path.join(dir, 'gen/a/client.ts'), 'utf8')).toContain("from '@acme/runtime'");
    expect(await ls(path.join(dir, 'gen/b'))).toEqual([
      'client.ts',
      'examples.ts',
      'index.ts',
      'schemas.ts',
      'server.ts',
      'subjects.ts',
      'types.ts',
    ]);
  });

  it('config - a TypeScript config imports the running asyncapi-nats, and an edited config is read afresh', async () => {
    const text = (spec: string) => `import { defineConfig } from 'asyncapi-nats';
(globalThis as { configDefine?: unknown }).configDefine = defineConfig;
export default defineConfig({ specs: [{ spec: '${spec}' }] });
`;
    const dir = await project('ts-edit', { 'asyncapi-nats.config.ts': text('specs/a.yaml') });
    const file = path.join(dir, 'asyncapi-nats.config.ts');
    const first = await loadConfig(file);
    expect(first.config?.specs.map((s) => s.spec)).toEqual(['specs/a.yaml']);
    // The very function of this process, not a second copy of the package compiled for the config.
    expect((globalThis as { configDefine?: unknown }).configDefine).toBe(defineConfig);
    // jiti's file cache holds the first text now; the edit must still be seen (as `generate --watch` needs).
    await writeFile(file, text('specs/b.yaml'));
    const second = await loadConfig(file);
    expect(second.config?.specs.map((s) => s.spec)).toEqual(['specs/b.yaml']);
  });

  it('config - a .json config works, and its paths are relative to the config file, not the shell', async () => {
    const dir = await project('json', {
      'asyncapi-nats.config.json': JSON.stringify({ specs: [{ spec: 'specs/a.yaml', out: 'out', docs: false }] }),
    });
    const res = await runCli(['generate', '--config', path.join(dir, 'asyncapi-nats.config.json')], work);
    expect(res.code).toBe(0);
    expect(res.stdout).toContain('generated 7 files in json/out ');
  });

  it('config - a .mjs config works', async () => {
    const dir = await project('mjs', {
      'asyncapi-nats.config.mjs': `export default { specs: [{ spec: 'specs/a.yaml', outputs: ['docs'], docs: { out: 'site' } }] };\n`,
    });
    const res = await runCli(['generate'], dir);
    expect(res.code).toBe(0);
    expect(await ls(path.join(dir, 'site'))).toEqual([
      'assets',
      'assets/site.css',
      'assets/site.js',
      'index.html',
      'search-index.js',
    ]);
  });

  it('config - flags override the config: --out, --runtime-import, --outputs, --no-docs', async () => {
    const dir = await project('flags', {
      'asyncapi-nats.config.json': JSON.stringify({ specs: [{ spec: 'specs/a.yaml', out: 'from-config' }] }),
    });
    const res = await runCli(
      ['generate', '--out', 'from-flag', '--runtime-import', 'rt', '--outputs', 'client', '--no-docs'],
      dir,
    );
    expect(res.code).toBe(0);
    // client brings schemas; no server, no docs.
    expect(await ls(path.join(dir, 'from-flag'))).toEqual([
      'client.ts',
      'examples.ts',
      'index.ts',
      'schemas.ts',
      'subjects.ts',
      'types.ts',
    ]);
    const index = await readFile(path.join(dir, 'from-flag/index.ts'), 'utf8');
    expect(index).toContain("from './client.js'");
    expect(index).not.toContain('server.js');
    expect(await readFile(path.join(dir, 'from-flag/client.ts'), 'utf8')).toContain("from 'rt'");
  });

  it('config - a spec named on the command line uses its config entry when the config lists it', async () => {
    const dir = await project('named', {
      'asyncapi-nats.config.json': JSON.stringify({
        specs: [
          { spec: 'specs/a.yaml', out: 'a-out', outputs: ['server'] },
          { spec: 'specs/b.yaml', out: 'b-out' },
        ],
      }),
    });
    const res = await runCli(['generate', 'specs/a.yaml'], dir);
    expect(res.code).toBe(0);
    expect(res.stdout).toContain('generated 6 files in a-out ');
    expect(await ls(dir)).not.toContain('b-out');
  });

  it('config - --out with a config of several specs is a usage error', async () => {
    const dir = await project('many', {
      'asyncapi-nats.config.json': JSON.stringify({ specs: [{ spec: 'specs/a.yaml' }, { spec: 'specs/b.yaml' }] }),
    });
    const res = await runCli(['generate', '--out', 'x'], dir);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(
      /^error: --out and --docs-out name one folder, but the config has 2 specs; name the spec too\n/,
    );
  });

  it('config - strict: true in the config, or --strict, makes an example that does not match its schema an error; check too', async () => {
    const invalid = await readFile(path.join(ROOT, 'test/fixtures/specs/docs-invalid-example.asyncapi.yaml'), 'utf8');
    const dir = await project('strict', {
      'asyncapi-nats.config.json': JSON.stringify({ specs: [{ spec: 'specs/c.yaml', out: 'gen/c', strict: true }] }),
      'specs/c.yaml': invalid,
    });
    const strict = await runCli(['generate'], dir);
    expect(strict.code).toBe(2);
    expect(strict.stderr).toMatch(/^specs\/c\.yaml:40:11 error docs-invalid-example /);
    expect(await ls(dir)).not.toContain('gen');

    await writeFile(
      path.join(dir, 'asyncapi-nats.config.json'),
      JSON.stringify({ specs: [{ spec: 'specs/c.yaml', out: 'gen/c' }] }),
    );
    const lenient = await runCli(['generate'], dir);
    expect(lenient.code).toBe(0);
    expect(lenient.stderr).toMatch(/^specs\/c\.yaml:40:11 warning docs-invalid-example /);
    expect((await runCli(['check'], dir)).code).toBe(0);
    const checked = await runCli(['check', '--strict'], dir);
    expect(checked.code).toBe(2);
    expect(checked.stderr).toMatch(/^specs\/c\.yaml:40:11 error docs-invalid-example /);
    expect(checked.stderr).toContain('specs/c.yaml: 1 error; could not check its output');
  });

  it('config - no spec and no config is a usage error that says what to do', async () => {
    const dir = path.join(work, 'empty');
    await mkdir(dir);
    const res = await runCli(['generate'], dir);
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('error: no spec given, and no config file (asyncapi-nats.config.ts, ');
    expect(res.stderr).toContain('name a spec, or run `asyncapi-nats init`');
  });

  it.each([
    [
      'a typo in a key',
      'asyncapi-nats.config.json',
      '{\n  "specs": [\n    { "spec": "specs/a.yaml", "ouput": "x" }\n  ]\n}\n',
      'asyncapi-nats.config.json:3:5 error config-invalid specs.0: Unrecognized key: "ouput"',
    ],
    [
      'an unknown output',
      'asyncapi-nats.config.json',
      '{ "specs": [{ "spec": "specs/a.yaml", "outputs": ["clients"] }] }',
      'asyncapi-nats.config.json:1:51 error config-invalid specs.0.outputs.0: Invalid option: expected one of "client"|"server"|"schemas"|"docs"',
    ],
    [
      'no specs',
      'asyncapi-nats.config.json',
      '{ "specs": [] }',
      'asyncapi-nats.config.json:1:3 error config-invalid specs: Too small: expected array to have >=1 items',
    ],
    [
      'broken JSON',
      'asyncapi-nats.config.json',
      '{ "specs": [\n  { "spec": "a.yaml" },\n}',
      'asyncapi-nats.config.json:3:1 error config-load-failed the config could not be loaded: ',
    ],
    [
      'a TypeScript config that throws',
      'asyncapi-nats.config.ts',
      "throw new Error('no config for you');\n",
      'asyncapi-nats.config.ts error config-load-failed the config could not be loaded: no config for you',
    ],
    [
      'a config without a default export',
      'asyncapi-nats.config.mjs',
      'export const specs = [];\n',
      'asyncapi-nats.config.mjs error config-invalid Invalid input: expected object, received undefined',
    ],
  ])('config - %s is a located problem with a help line and exit 2', async (name, file, text, expected) => {
    const dir = await project(`bad-${name.replace(/\W+/g, '-')}`, { [file]: text });
    const res = await runCli(['generate'], dir);
    expect(res.code).toBe(2);
    expect(res.stderr).toContain(expected);
    expect(res.stderr).toMatch(/\n {2}help: /);
    expect(res.stderr).toMatch(/1 error; nothing was done\n$/);
    expect(res.stderr).not.toMatch(/\n\s+at /);
    expect(await ls(dir)).not.toContain('generated');
  });

  it('config - --config naming a missing file is config-not-found', async () => {
    const res = await runCli(['generate', '--config', 'nope.config.ts'], work);
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('nope.config.ts error config-not-found no such config file');
  });

  it('config - loadConfig resolves every spec against the config folder', async () => {
    const dir = await project('load', {
      'asyncapi-nats.config.json': JSON.stringify({ specs: [{ spec: 'specs/a.yaml', docs: { templates: 't' } }] }),
    });
    const loaded = await loadConfig(path.join(dir, 'asyncapi-nats.config.json'));
    expect(loaded.problems).toEqual([]);
    expect(loaded.config?.specs).toEqual([{ spec: 'specs/a.yaml', docs: { templates: 't' }, cwd: dir }]);
  });

  it('config - docs.out outside the output folder gets its own folder, and stale removal stays in each', async () => {
    const dir = await project('docs-out', {
      'asyncapi-nats.config.json': JSON.stringify({
        specs: [{ spec: 'specs/a.yaml', out: 'code', docs: { out: 'site' } }],
      }),
    });
    const res = await runCli(['generate'], dir);
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/generated 7 files in code .*\ngenerated 4 files in site /);
    expect(await ls(path.join(dir, 'code'))).not.toContain('docs');
  });
});
