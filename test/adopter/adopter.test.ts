/**
 * The adopter's path (docs/install.md), in a fresh temp project, as a user takes it: `npm pack` this
 * repository, `npm init -y`, `"type": "module"`, `npm install` the tarball (a real install, not a link),
 * then typescript and @types/node, `npx asyncapi-nats --help`, `init`, `generate`; the project is
 * type-checked with TypeScript 7 and 5.9 without `skipLibCheck`, and the compiled program does a
 * request/reply and a publish/subscribe round trip on a real nats-server.
 *
 * The tarball is packed with `--ignore-scripts`: `prepare` would rebuild dist/ while other test files
 * run the CLI from it (`npm test` builds it first). Dependencies come from npm's cache when it has
 * them (`--prefer-offline`); on a machine whose cache is cold they are downloaded once.
 */
import { execFile } from 'node:child_process';
import { lstat, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';

const execFileAsync = promisify(execFile);
const REPO = path.resolve('.');
const STEP_TIMEOUT_MS = 120_000;

/** Shipped-size bounds (docs/install.md, "What ships"): 1.28 MB packed and 7.4-7.5 MB unpacked on 7 December 2026. */
const MAX_PACKED_BYTES = 1_600_000;
const MAX_UNPACKED_BYTES = 9_000_000;

/** The only top-level entries the tarball may hold (package.json `files`, plus what npm always adds). */
const SHIPPED_ROOTS = [
  'bin',
  'dist',
  'generator',
  'runtime',
  'templates',
  'docs',
  'README.md',
  'LICENSE',
  'package.json',
];
/** Folders and files that must never ship, anywhere in the tarball. */
const JUNK = [
  /(^|\/)(test|tests|__tests__|fixtures|bench|spec|examples|generated|scripts|coverage|node_modules)\//,
  /\.(test|spec)\.[cm]?[jt]s$/,
  /\.(cpuprofile|tsbuildinfo|log|tgz)$/,
];

/** TypeScript 5.x for the second type-check, fetched from the npm registry (cached by npm). */
const TYPESCRIPT_5 = '5.9.3';

interface PackResult {
  filename: string;
  size: number;
  unpackedSize: number;
  entryCount: number;
  files: { path: string; size: number }[];
}

let work: string;
let project: string;
let pack: PackResult;

/** The environment child processes get: this Node first on PATH, no npm_* variables of a parent npm. */
function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.toLowerCase().startsWith('npm_')) env[key] = value;
  }
  return {
    ...env,
    PATH: `${path.dirname(process.execPath)}${path.delimiter}${process.env.PATH ?? ''}`,
    npm_config_audit: 'false',
    npm_config_fund: 'false',
    npm_config_update_notifier: 'false',
    // npx never downloads: a command missing from the project fails instead of coming from the registry.
    npm_config_yes: 'false',
    ...extra,
  };
}

/** Runs a command; on failure throws with its output, so the report says what the user would have seen. */
async function run(
  file: string,
  args: readonly string[],
  cwd: string,
  extraEnv: Record<string, string> = {},
): Promise<{ stdout: string; stderr: string }> {
  try {
    return await execFileAsync(file, args, {
      cwd,
      env: childEnv(extraEnv),
      timeout: STEP_TIMEOUT_MS,
      maxBuffer: 64 * 1024 * 1024,
    });
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(
      `\`${[file, ...args].join(' ')}\` failed in ${cwd}: ${e.message}\n${e.stdout ?? ''}\n${e.stderr ?? ''}`,
    );
  }
}

/** The fenced block that follows `<!-- adopter: name -->` in docs/install.md. */
function docsBlock(docs: string, name: string): string {
  const marker = `<!-- adopter: ${name} -->`;
  const at = docs.indexOf(marker);
  if (at < 0) throw new Error(`docs/install.md has no block marked ${marker}`);
  const block = /```[a-z]*\n([\s\S]*?)```/.exec(docs.slice(at + marker.length));
  if (block?.[1] === undefined) throw new Error(`docs/install.md: no fenced block after ${marker}`);
  return block[1];
}

async function versionOf(dependency: string): Promise<string> {
  const json = JSON.parse(await readFile(path.join(REPO, 'node_modules', dependency, 'package.json'), 'utf8'));
  return json.version;
}

/** Fetches typescript@TYPESCRIPT_5 (from npm's cache when it has it) and unpacks it; resolves its `tsc`. */
async function fetchTypeScript5(): Promise<string> {
  const dir = path.join(work, 'typescript-5');
  await mkdir(dir);
  await run('npm', ['pack', '--prefer-offline', `typescript@${TYPESCRIPT_5}`, '--pack-destination', dir], dir);
  await run('tar', ['-xzf', `typescript-${TYPESCRIPT_5}.tgz`, '--strip-components=1'], dir);
  return path.join(dir, 'bin/tsc');
}

const nodeMajor = Number(process.versions.node.split('.')[0]);

let docs: string;
let typescript5: Promise<string>;
beforeAll(async () => {
  docs = await readFile(path.join(REPO, 'docs/install.md'), 'utf8');
  work = await mkdtemp(path.join(tmpdir(), 'asyncapi-nats-adopter-'));
  project = path.join(work, 'greeter');
  await mkdir(project);
  typescript5 = fetchTypeScript5();
  typescript5.catch(() => {}); // awaited, and its failure reported, by the test that uses it
  const { stdout } = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], REPO);
  const packed = JSON.parse(stdout) as PackResult[];
  if (packed[0] === undefined) throw new Error(`npm pack printed no result: ${stdout}`);
  pack = packed[0];
}, STEP_TIMEOUT_MS);
afterAll(async () => {
  if (work !== undefined) await rm(work, { recursive: true, force: true });
});

describe('adopter', () => {
  test('adopter - the tarball ships only bin, dist, sources, templates and docs, within the size bounds', () => {
    const paths = pack.files.map((f) => f.path);
    expect(paths.filter((p) => !SHIPPED_ROOTS.includes(p.split('/')[0] ?? ''))).toEqual([]);
    expect(paths.filter((p) => JUNK.some((junk) => junk.test(p)))).toEqual([]);
    // Each compiled file has its source in the tarball: no stale output of a deleted or renamed module.
    const stale = paths.filter((p) => {
      const m = /^dist\/((?:generator|runtime)\/.+?)(\.d\.ts|\.js)(\.map)?$/.exec(p);
      return m?.[1] !== undefined && !paths.includes(`${m[1]}.ts`);
    });
    expect(stale).toEqual([]);
    for (const needed of [
      'bin/asyncapi-nats.js',
      'dist/runtime/index.js',
      'dist/runtime/index.d.ts',
      'dist/generator/index.d.ts',
      'templates/init/starter.asyncapi.yaml',
      'docs/install.md',
    ]) {
      expect(paths).toContain(needed);
    }
    expect(pack.size).toBeLessThan(MAX_PACKED_BYTES);
    expect(pack.unpackedSize).toBeLessThan(MAX_UNPACKED_BYTES);
  });

  test('adopter - docs/install.md lists the steps this test takes, and the README agrees', async () => {
    const steps = docsBlock(docs, 'steps').trim().split('\n');
    expect(steps).toEqual([
      'mkdir greeter && cd greeter',
      'npm init -y',
      'npm pkg set type=module',
      'npm install asyncapi-nats',
      'npm install --save-dev typescript @types/node',
      'npx asyncapi-nats init',
      'npx asyncapi-nats generate',
      '# write tsconfig.json and main.ts (below), start nats-server, then:',
      'npx tsc',
      'node dist/main.js',
    ]);
    // The README's install section says the same, with the same tsconfig.json.
    const readme = await readFile(path.join(REPO, 'README.md'), 'utf8');
    for (const step of steps.slice(2, 5)) expect(readme).toContain(`\n${step}\n`);
    expect(readme).toContain(`\`\`\`json\n${docsBlock(docs, 'tsconfig.json')}\`\`\``);
  });

  test(
    `adopter - installing the tarball into a fresh ESM project prints ${nodeMajor >= 22 ? 'no engine warning' : 'that this Node is unsupported'}`,
    async () => {
      await run('npm', ['init', '-y'], project);
      await run('npm', ['pkg', 'set', 'type=module'], project);
      const pkg = JSON.parse(await readFile(path.join(project, 'package.json'), 'utf8'));
      expect(pkg.type).toBe('module');

      const install = await run('npm', ['install', '--prefer-offline', path.join(work, pack.filename)], project);
      if (nodeMajor >= 22) {
        expect(install.stderr).not.toContain('EBADENGINE');
      } else {
        // engines says >=22, so an older Node is told so, by name.
        expect(install.stderr).toMatch(/EBADENGINE[\s\S]*package: 'asyncapi-nats@/);
      }
      // A real install: a folder of its own in node_modules, not a link back to this repository.
      expect((await lstat(path.join(project, 'node_modules/asyncapi-nats'))).isDirectory()).toBe(true);

      // `npm install --save-dev typescript @types/node`, at the versions this repository tests with (in npm's cache).
      await run(
        'npm',
        [
          'install',
          '--prefer-offline',
          '--save-dev',
          `typescript@${await versionOf('typescript')}`,
          `@types/node@${await versionOf('@types/node')}`,
        ],
        project,
      );
    },
    STEP_TIMEOUT_MS,
  );

  test('adopter - npx asyncapi-nats --help runs the installed command', async () => {
    const { stdout, stderr } = await run('npx', ['asyncapi-nats', '--help'], project);
    // Its commands, wherever the CLI prints its help (stdout today).
    expect(stdout + stderr).toContain('asyncapi-nats init');
    expect(stdout + stderr).toContain('asyncapi-nats generate');
  });

  test(
    'adopter - npx asyncapi-nats init, then generate, writes the starter spec and its code',
    async () => {
      await run('npx', ['asyncapi-nats', 'init'], project);
      for (const file of ['asyncapi-nats.config.ts', 'spec/greeter.asyncapi.yaml']) {
        await expect(lstat(path.join(project, file))).resolves.toBeTruthy();
      }
      await run('npx', ['asyncapi-nats', 'generate'], project);
      for (const file of ['index.ts', 'client.ts', 'server.ts', 'docs/index.html']) {
        await expect(lstat(path.join(project, 'generated/greeter', file))).resolves.toBeTruthy();
      }
    },
    STEP_TIMEOUT_MS,
  );

  test(
    'adopter - the declarations need no globals: TypeScript 7 defaults plus strict, no @types/node, no skipLibCheck',
    async () => {
      // Everything asyncapi-nats publishes, used without any Node global: the runtime (drainOnSignal's
      // signals were `NodeJS.Signals`), the testing kit (`AsyncDisposable`), the generator's API, the
      // generated code. TypeScript 7 loads no @types package unless listed, so @types/node stays out.
      // The folder goes once checked: the README's tsconfig compiles every .ts file of the project.
      const dir = path.join(project, 'no-globals');
      await mkdir(dir);
      await writeFile(
        path.join(dir, 'check.ts'),
        `import { type AsyncApiNatsConfig, generate } from 'asyncapi-nats';
import { connect, drainOnSignal, wildcard } from 'asyncapi-nats/runtime';
import { startTestKit } from 'asyncapi-nats/testing';
import { GreeterClient, GreeterServer } from '../generated/greeter/index.js';

export async function greet(url: string): Promise<string> {
  const nc = await connect({ servers: url });
  const server = new GreeterServer(nc);
  server.replyGreeting({ params: { tenant_id: wildcard }, handler: ({ payload }) => ({ text: payload.name }) });
  drainOnSignal([server, nc], { signals: ['SIGTERM', 'SIGINT'] });
  const reply = await new GreeterClient(nc).requestGreeting({ params: { tenant_id: 'acme' }, payload: { name: 'Ada' } });
  return reply.text;
}

export async function withKit(): Promise<string> {
  await using kit = await startTestKit();
  return greet(kit.url);
}

export async function regenerate(config: AsyncApiNatsConfig): Promise<number> {
  const spec = config.specs[0];
  if (spec === undefined) return 0;
  return (await generate({ spec: spec.spec })).written.length;
}
`,
      );
      const options = { module: 'nodenext', strict: true, noEmit: true };
      // The generated code alone: it imports only the codegen contract, asyncapi-nats/runtime/gen.
      await writeFile(
        path.join(dir, 'tsconfig.generated.json'),
        JSON.stringify({ compilerOptions: options, include: ['../generated'] }),
      );
      await writeFile(
        path.join(dir, 'tsconfig.json'),
        JSON.stringify({
          compilerOptions: options,
          include: ['check.ts', '../generated', '../asyncapi-nats.config.ts'],
        }),
      );
      const tsc = path.join(project, 'node_modules/.bin/tsc');
      try {
        await run(tsc, ['-p', path.join(dir, 'tsconfig.generated.json')], project);
        await run(tsc, ['-p', dir], project);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
    STEP_TIMEOUT_MS,
  );

  test(
    "adopter - the README's tsconfig.json compiles its program under TypeScript 7 and 5.9",
    async () => {
      await writeFile(path.join(project, 'tsconfig.json'), docsBlock(docs, 'tsconfig.json'));
      // The README's program, which docs/install.md points to.
      await writeFile(path.join(project, 'main.ts'), await readFile(path.join(REPO, 'examples/greeter/main.ts')));
      const ts7 = await run('npx', ['tsc'], project);
      expect(ts7.stdout).toBe('');

      // TypeScript 5.9, as a project still on 5.x would have it: the same tsconfig, no emit.
      const tsc5 = await typescript5;
      const version = await run(process.execPath, [tsc5, '--version'], project);
      expect(version.stdout.trim()).toBe(`Version ${TYPESCRIPT_5}`);
      await run(process.execPath, [tsc5, '-p', 'tsconfig.json', '--noEmit'], project);
    },
    STEP_TIMEOUT_MS,
  );

  test(
    'adopter - the compiled program does a request/reply and a publish/subscribe round trip on nats-server',
    async () => {
      const { stdout, stderr } = await run(process.execPath, ['dist/main.js'], project, {
        NATS_URL: inject('natsUrl'),
      });
      const printed = /^Hello, Ada of acme!\nAda was greeted at \d{4}-\d\d-\d\dT[\d:.]+Z\n$/;
      expect(stdout).toMatch(printed);
      expect(stderr).toBe('');
      // docs/install.md shows such an output.
      expect(docsBlock(docs, 'output')).toMatch(printed);
    },
    STEP_TIMEOUT_MS,
  );
});
