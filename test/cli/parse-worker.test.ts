/**
 * The command line's parse worker (generator/model/thread.ts): the built CLI parses and models on a
 * worker thread, and its output is exactly that of in-process generation. Whatever goes wrong with
 * the worker (it cannot be created or loaded, crashes, exits, answers badly or not at all), the
 * model is made on the calling thread instead, the same.
 */
import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import module from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateFiles, resolveOptions } from '../../generator/generate.js';
import type { LoadedModel } from '../../generator/model/load.js';
import { IN_PROCESS, lastRequest, type ModelSource, startModelWorker } from '../../generator/model/thread.js';
import { ROOT, runCli } from './io.js';

const run = promisify(execFile);
const BIN = path.join(ROOT, 'bin/asyncapi-nats.js');
const FIXTURES = 'test/fixtures/specs';
const SMALL = path.join(ROOT, FIXTURES, 'v31.asyncapi.yaml');

let work: string;
beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'asyncapi-nats-worker-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

/** A worker module given as source: `data:` URLs load as ES modules. */
function workerSource(code: string): URL {
  return new URL(`data:text/javascript,${encodeURIComponent(code)}`);
}

const HEAD = "import { parentPort } from 'node:worker_threads';";

/** What a load gives, without the timings. */
function outcome({ timings: _, ...rest }: LoadedModel): Omit<LoadedModel, 'timings'> {
  return rest;
}

/** Runs the built CLI (`npm test` builds it first) in the repository root. */
async function builtCli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args], { cwd: ROOT, timeout: 60_000 });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

/** The `--format json` document without what differs from run to run (times) or by folder. */
function stable(json: string): unknown {
  const doc = JSON.parse(json) as { specs: { timings?: unknown; ms?: unknown; folders?: { dir?: unknown }[] }[] };
  for (const spec of doc.specs) {
    delete spec.timings;
    delete spec.ms;
    for (const folder of spec.folders ?? []) delete folder.dir;
  }
  return doc;
}

describe('parse worker', () => {
  it('parse worker - the built CLI parses on the worker thread: its own thread never loads the parser', async () => {
    const dist = (file: string) => JSON.stringify(pathToFileURL(path.join(ROOT, 'dist/generator', file)).href);
    const script = [
      "import { createRequire } from 'node:module';",
      `const { main } = await import(${dist('cli.js')});`,
      `const { startModelWorker } = await import(${dist('model/thread.js')});`,
      'startModelWorker(); // never used, never closed',
      'const lines = [];',
      'const io = { out: (l) => lines.push(l), err: (l) => lines.push(l) };',
      `const code = await main(['generate', ${JSON.stringify(SMALL)}, '--out', ${JSON.stringify(path.join(work, 'thread'))}], io, ${JSON.stringify(ROOT)});`,
      'const parserHere = Object.keys(createRequire(import.meta.url).cache).some((f) => f.includes("@asyncapi/parser"));',
      'console.log(JSON.stringify({ code, lines, parserHere }));',
    ].join('\n');
    // A file, not `--input-type=module -e`: workers inherit the flags, and --input-type stops them.
    const file = path.join(work, 'thread.mjs');
    await writeFile(file, script);
    const { stdout } = await run(process.execPath, [file], { cwd: ROOT, timeout: 60_000 });
    // It exited by itself: neither the command's worker nor an idle, unclosed one keeps a process alive.
    expect(JSON.parse(stdout)).toEqual({
      code: 0,
      lines: [expect.stringMatching(/^generated 11 files in .* \(11 written, 0 unchanged\) in \d+ ms$/)],
      parserHere: false,
    });
  });

  it('parse worker - the built CLI writes and reports what in-process generation does (json, text, converted 2.x)', async () => {
    const cases = [
      ['generate', 'spec/ai-sdk.asyncapi.yaml', '--format', 'json'],
      ['generate', `${FIXTURES}/v2.asyncapi.yaml`, '--format', 'json'],
      ['docs', `${FIXTURES}/edge-cases.asyncapi.yaml`, '--format', 'json'],
      ['generate', `${FIXTURES}/bad-ref.yaml`],
      ['generate', `${FIXTURES}/docs-invalid-example.asyncapi.yaml`, '--format', 'github', '--strict'],
      ['generate', `${FIXTURES}/kafka.asyncapi.yaml`, '--format', 'json', '--no-docs'],
    ];
    await Promise.all(
      cases.map(async (args, i) => {
        const built = await builtCli([...args, '--out', path.join(work, `cli-${i}`)]);
        const here = await runCli([...args, '--out', path.join(work, `here-${i}`)], ROOT);
        expect(built.code, args.join(' ')).toBe(here.code);
        expect(built.stderr, args.join(' ')).toBe(here.stderr);
        if (args.includes('json')) expect(stable(built.stdout), args.join(' ')).toEqual(stable(here.stdout));
        else expect(built.stdout, args.join(' ')).toBe(here.stdout);
      }),
    );
    // Six cold CLI processes (each loads the parser) beside in-process runs: 25-30 s alone on 2 busy
    // cores, over 30 s while other test files run, so the default limit made it fail by time only.
  }, 90_000);

  it('parse worker - the built CLI keeps compiled code in os.tmpdir() where Node can (>= 22.1), and runs the same where not', async () => {
    const tmp = await mkdtemp(path.join(work, 'tmpdir-'));
    const out = path.join(work, 'compile-cache');
    const { NODE_COMPILE_CACHE: _, NODE_DISABLE_COMPILE_CACHE: __, ...env } = process.env;
    const { stdout } = await run(process.execPath, [BIN, 'generate', SMALL, '--out', out], {
      cwd: ROOT,
      timeout: 60_000,
      env: { ...env, TMPDIR: tmp },
    });
    expect(stdout).toMatch(/^generated 11 files in .* \(11 written, 0 unchanged\) in \d+ ms\n$/);
    const cached = readdirSync(tmp, { recursive: true }).length;
    // Both threads: this thread's modules alone (ts-morph, zod, ours) made 275 entries on Node 22, with
    // the parse worker's (@asyncapi/parser and its dependencies) 1,022.
    if ('enableCompileCache' in module) expect(cached).toBeGreaterThan(600);
    else expect(cached).toBe(0);
  });

  it('parse worker - check through the worker agrees that the config outputs (generated/ai-sdk, examples/greeter) are current', async () => {
    const res = await builtCli(['check']);
    expect(res).toEqual({ code: 0, stdout: 'check: 18 files up to date\n', stderr: '' });
  });

  // Every fixture, through a structured clone of its model: what crossing to the worker does to it.
  it('parse worker - a cloned model generates the same files and problems, for every fixture spec', async () => {
    const cloning: ModelSource = {
      parallel: true,
      load: async (specPath, file) => structuredClone(await IN_PROCESS.load(specPath, file)),
      close() {},
    };
    const specs = readdirSync(path.join(ROOT, FIXTURES)).filter((f) => /\.ya?ml$/.test(f));
    expect(specs.length).toBeGreaterThan(10);
    for (const spec of [...specs.map((f) => `${FIXTURES}/${f}`), 'spec/ai-sdk.asyncapi.yaml']) {
      const options = resolveOptions({ spec, out: path.join(work, 'clone'), cwd: ROOT });
      const direct = await generateFiles(options);
      const cloned = await generateFiles(options, cloning);
      expect(cloned.problems, spec).toEqual(direct.problems);
      expect(cloned.outputs, spec).toEqual(direct.outputs);
    }
  });

  it.each([
    ['cannot be created', new URL('https://example.com/worker.js')],
    ['cannot be found', pathToFileURL(path.join(ROOT, 'dist/nope/worker.js'))],
    ['throws as it loads', workerSource("throw new Error('boom');")],
    ['exits', workerSource('process.exit(3);')],
    ['crashes on a request', workerSource(`${HEAD} parentPort.on('message', () => { throw new Error('crash'); });`)],
    [
      'answers with an error',
      workerSource(`${HEAD} parentPort.on('message', ({ id }) => parentPort.postMessage({ id, error: 'x' }));`),
    ],
    [
      'answers with what cannot be cloned',
      workerSource(`${HEAD} parentPort.on('message', ({ id }) => parentPort.postMessage({ id, result: { f() {} } }));`),
    ],
    [
      'leaves a request waiting on nothing',
      workerSource(`${HEAD} parentPort.on('message', () => parentPort.unref());`),
    ],
  ])('parse worker - a worker that %s: the model is made on this thread, the same', async (_, entry) => {
    const models = startModelWorker(entry);
    try {
      const [first, second] = [await models.load(SMALL, 'v31.asyncapi.yaml'), await models.load(SMALL, 'v31.yaml')];
      expect(outcome(first)).toEqual(outcome(await IN_PROCESS.load(SMALL, 'v31.asyncapi.yaml')));
      expect(outcome(second)).toEqual(outcome(await IN_PROCESS.load(SMALL, 'v31.yaml')));
    } finally {
      models.close();
    }
  });

  it('parse worker - the last request closes the worker once it is answered, freeing its memory', async () => {
    const events: string[] = [];
    const fake: ModelSource = {
      parallel: true,
      load: async (specPath) => {
        events.push(`load ${specPath}`);
        return { problems: [], timings: { parse: 0, model: 0 } };
      },
      close: () => events.push('close'),
    };
    const last = lastRequest(fake);
    expect(last.parallel).toBe(true);
    expect(await last.load('a.yaml', 'a.yaml')).toEqual({ problems: [], timings: { parse: 0, model: 0 } });
    expect(events).toEqual(['load a.yaml', 'close']);
  });

  it('parse worker - a closed worker still loads (on this thread), and closing twice is harmless', async () => {
    const models = startModelWorker(workerSource(`${HEAD} parentPort.on('message', () => {});`));
    models.close();
    models.close();
    expect(outcome(await models.load(SMALL, 'v31.asyncapi.yaml'))).toEqual(
      outcome(await IN_PROCESS.load(SMALL, 'v31.asyncapi.yaml')),
    );
  });
});
