/**
 * A user's project that installed asyncapi-nats: the package is linked into its node_modules (as
 * `npm install` would place it), the CLI generates into the project's own folder, the project
 * compiles with its own strict tsconfig (types from the package's dist/ .d.ts, no `source`
 * condition) and the compiled JavaScript runs on plain `node` against a real nats-server.
 *
 * test/adopter installs the packed tarball as a user does; this one keeps the strictest compiler
 * flags on the larger sample spec. `skipLibCheck` is for @nats-io/nats-core 3.4's own declarations,
 * which fail `exactOptionalPropertyTypes` (docs/install.md); asyncapi-nats' declarations need it not.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

const run = promisify(execFile);
const REPO = path.resolve('.');

let project: string;
beforeAll(async () => {
  project = await mkdtemp(path.join(tmpdir(), 'asyncapi-nats-user-'));
  await mkdir(path.join(project, 'node_modules'), { recursive: true });
  await symlink(REPO, path.join(project, 'node_modules', 'asyncapi-nats'), 'dir');
  await writeFile(
    path.join(project, 'package.json'),
    JSON.stringify({ name: 'user-app', type: 'module', private: true }),
  );
  await writeFile(
    path.join(project, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        target: 'ES2022',
        module: 'NodeNext',
        moduleResolution: 'NodeNext',
        strict: true,
        exactOptionalPropertyTypes: true,
        noUncheckedIndexedAccess: true,
        verbatimModuleSyntax: true,
        skipLibCheck: true,
        outDir: 'out',
        rootDir: 'src',
        types: [],
      },
      include: ['src'],
    }),
  );
});
afterAll(async () => {
  await rm(project, { recursive: true, force: true });
});

describe('installed package', () => {
  it('package - generated code in a user project compiles against dist and runs on plain node', async () => {
    const spec = path.join(REPO, 'spec/ai-sdk.asyncapi.yaml');
    const gen = await run(
      process.execPath,
      [path.join(project, 'node_modules/asyncapi-nats/bin/asyncapi-nats.js'), 'generate', spec, '--out', 'src/ai'],
      {
        cwd: project,
      },
    );
    expect(gen.stdout).toContain('generated 11 files in src/ai');

    await writeFile(
      path.join(project, 'src/main.ts'),
      `import { connect, wildcard } from 'asyncapi-nats/runtime';
import { AiSdkClient, AiSdkServer } from './ai/index.js';

declare const process: { env: Record<string, string | undefined> };
const nc = await connect({ servers: process.env.NATS_URL ?? '' });
const server = new AiSdkServer(nc);
server.replyRagResults({
  params: { tenant_id: wildcard },
  handler: (m) => ({ query_id: m.payload.query_id, results: [], took_ms: 0, total: 0 }),
});
await nc.flush();
const client = new AiSdkClient(nc);
const results = await client.requestRagResults({
  params: { tenant_id: 'user-app' },
  payload: { query_id: '0b6f3c3e-3d7a-4e59-9f55-6c1a2f3e4d5b', query: 'runbooks', top_k: 3 },
});
console.log(JSON.stringify(results));
await server.drain();
await nc.close();
`,
    );
    const tsc = path.join(REPO, 'node_modules/.bin/tsc');
    await run(tsc, ['-p', 'tsconfig.json'], { cwd: project }).catch((e: { stdout: string }) => {
      throw new Error(`user project does not compile:\n${e.stdout}`);
    });
    const { stdout } = await run(process.execPath, ['out/main.js'], {
      cwd: project,
      env: { ...process.env, NATS_URL: inject('natsUrl') },
    });
    expect(JSON.parse(stdout)).toEqual({
      query_id: '0b6f3c3e-3d7a-4e59-9f55-6c1a2f3e4d5b',
      results: [],
      took_ms: 0,
      total: 0,
    });
  }, 60_000);
});
