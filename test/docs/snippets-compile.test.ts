/**
 * The docs site's TypeScript snippets compile against the code generated from the same spec: each
 * snippet becomes a module that imports the generated client and server, under the project's strict
 * settings. A snippet that calls a method the wrong way (or one that does not exist) fails here.
 */
import { execFile } from 'node:child_process';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { buildView } from '../../generator/docs/view.js';
import { generateFiles, resolveOptions } from '../../generator/generate.js';
import { writeOutput } from '../../generator/write.js';

const run = promisify(execFile);
const OUT = 'test/fixtures/out/docs-snippets';

/** Generates `spec` into `OUT/<name>` and writes each ts snippet of its docs page beside it; returns their count. */
async function writeSnippets(name: string, spec: string): Promise<string[]> {
  const out = path.join(OUT, name);
  const result = await generateFiles(resolveOptions({ spec, out }));
  if (!result.files || !result.model) throw new Error(`${spec} has errors: ${JSON.stringify(result.problems)}`);
  await writeOutput(out, result.files);
  const { view } = buildView(result.model);
  const written: string[] = [];
  await mkdir(path.join(out, 'snippets'), { recursive: true });
  for (const op of view.operations) {
    for (const snippet of op.snippets.filter((s) => s.language === 'ts')) {
      const file = path.join(out, 'snippets', `${op.anchor}.ts`);
      const prelude = [
        `import { type NatsConnection, wildcard } from 'asyncapi-nats/runtime';`,
        `import { ${view.clientClass}, ${view.serverClass} } from '../index.js';`,
        '',
        'declare const nc: NatsConnection;',
        // Client snippets do not name the wildcard, server snippets not the client: both are used once here.
        `export const used = [wildcard, ${view.clientClass}, ${view.serverClass}];`,
        '',
      ];
      await writeFile(file, `${prelude.join('\n')}${snippet.code}\n`);
      written.push(file);
    }
  }
  return written;
}

describe('docs snippets', () => {
  it('docs - every TypeScript snippet of the ai-sdk, streaming and edge-case pages compiles against the generated code', async () => {
    await rm(OUT, { recursive: true, force: true });
    const files = [
      ...(await writeSnippets('ai-sdk', 'spec/ai-sdk.asyncapi.yaml')),
      ...(await writeSnippets('stream', 'test/fixtures/specs/docs-stream.asyncapi.yaml')),
      ...(await writeSnippets('edge-cases', 'test/fixtures/specs/edge-cases.asyncapi.yaml')),
    ];
    expect(files.length).toBeGreaterThan(10);
    await writeFile(
      path.join(OUT, 'tsconfig.json'),
      JSON.stringify({ extends: '../../../../tsconfig.json', include: ['**/*.ts'], exclude: [] }),
    );
    const tsc = path.resolve('node_modules/.bin/tsc');
    const result = await run(tsc, ['-p', path.join(OUT, 'tsconfig.json')]).then(
      () => ({ code: 0, out: '' }),
      (e: { code: number; stdout: string }) => ({ code: e.code, out: e.stdout }),
    );
    expect(result.out).toBe('');
    expect(result.code).toBe(0);
  }, 120_000);
});
