/**
 * The child process of the generator benchmark. bench/generator.ts transpiles this file to plain
 * JavaScript and runs it with `node` (no TypeScript loader, so import and phase timings are what a
 * user's process pays). Prints one JSON line. Modes:
 *
 *   phases <root> <spec> <out>   imports the built generator (dist/) and times every phase of
 *                                `generateFiles` plus `writeOutput`, one after the other on one
 *                                thread (the CLI overlaps some of them: see bench/generator.ts)
 *   parser <spec>                only @asyncapi/parser: import it and parse the spec once (the baseline)
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import type * as GenerateModule from '../generator/generate.js';
import type * as WriteModule from '../generator/write.js';

/** What `phases` prints; every time in milliseconds. */
export interface PhasesReport {
  readonly mode: 'phases';
  /** From process start to the first line of this script (Node's own startup). */
  readonly boot: number;
  /** Importing @asyncapi/parser and @asyncapi/converter. */
  readonly importParser: number;
  /** Importing ts-morph (it bundles the TypeScript compiler). */
  readonly importTsMorph: number;
  /** Importing the rest of the generator (ours, handlebars, marked, yaml): every stage `generateFiles` loads. */
  readonly importGenerator: number;
  readonly parse: number;
  readonly model: number;
  readonly emit: number;
  readonly docs: number;
  readonly write: number;
  /** From process start to the end of writing. */
  readonly total: number;
  /** Peak resident set size of this process, in KB. */
  readonly maxRssKb: number;
  /** Bytes of the generated code files and of the docs site, plain and gzipped file by file. */
  readonly codeBytes: number;
  readonly codeFiles: number;
  readonly docsBytes: number;
  readonly docsGzipBytes: number;
  readonly docsFiles: number;
}

/** What `parser` prints. */
export interface ParserReport {
  readonly mode: 'parser';
  readonly boot: number;
  readonly importParser: number;
  readonly parse: number;
  readonly total: number;
  readonly maxRssKb: number;
  /** Diagnostics of severity error (0 expected). */
  readonly errors: number;
}

async function timed<T>(run: () => Promise<T>): Promise<[T, number]> {
  const start = performance.now();
  const value = await run();
  return [value, performance.now() - start];
}

async function phases(root: string, spec: string, out: string): Promise<PhasesReport> {
  const boot = performance.now();
  const [, importParser] = await timed(() => Promise.all([import('@asyncapi/parser'), import('@asyncapi/converter')]));
  const [, importTsMorph] = await timed(() => import('ts-morph'));
  const dist = (file: string): string => pathToFileURL(path.join(root, 'dist', 'generator', file)).href;
  // generate.js loads its stages on first use (parse + model, emit, docs): load them here, so that
  // the phases below time the work, not the imports.
  const [[generate, write], importGenerator] = await timed(() =>
    Promise.all([
      import(dist('generate.js')) as Promise<typeof GenerateModule>,
      import(dist('write.js')) as Promise<typeof WriteModule>,
      import(dist('model/load.js')),
      import(dist('emit/module.js')),
      import(dist('docs/site.js')),
    ]),
  );
  const options = generate.resolveOptions({ spec, out, cwd: root });
  const result = await generate.generateFiles(options);
  const errors = result.problems.filter((p) => p.severity === 'error');
  if (errors.length > 0) throw new Error(`generate failed: ${errors.map((p) => p.message).join('; ')}`);
  const sets = result.outputs ?? [{ dir: options.outDir, files: result.files ?? new Map(), staleExtensions: [] }];
  const start = performance.now();
  for (const set of sets) await write.writeOutput(set.dir, set.files, set.staleExtensions);
  const writeMs = performance.now() - start;
  const total = performance.now();
  let codeBytes = 0;
  let codeFiles = 0;
  let docsBytes = 0;
  let docsGzipBytes = 0;
  let docsFiles = 0;
  for (const set of sets) {
    for (const [name, text] of set.files) {
      const bytes = Buffer.byteLength(text);
      if (name.startsWith('docs/') || set.dir !== options.outDir) {
        docsBytes += bytes;
        docsGzipBytes += gzipSync(text).length;
        docsFiles++;
      } else {
        codeBytes += bytes;
        codeFiles++;
      }
    }
  }
  return {
    mode: 'phases',
    boot,
    importParser,
    importTsMorph,
    importGenerator,
    ...result.timings,
    write: writeMs,
    total,
    maxRssKb: process.resourceUsage().maxRSS,
    codeBytes,
    codeFiles,
    docsBytes,
    docsGzipBytes,
    docsFiles,
  };
}

async function parserOnly(spec: string): Promise<ParserReport> {
  const boot = performance.now();
  const [{ Parser }, importParser] = await timed(() => import('@asyncapi/parser'));
  const text = await readFile(spec, 'utf8');
  const [result, parse] = await timed(() => new Parser().parse(text, { source: spec }));
  return {
    mode: 'parser',
    boot,
    importParser,
    parse,
    total: performance.now(),
    maxRssKb: process.resourceUsage().maxRSS,
    errors: result.diagnostics.filter((d) => d.severity === 0).length,
  };
}

const [mode, ...args] = process.argv.slice(2);
const report =
  mode === 'phases'
    ? await phases(args[0] as string, args[1] as string, args[2] as string)
    : mode === 'parser'
      ? await parserOnly(args[0] as string)
      : undefined;
if (report === undefined) throw new Error(`unknown mode '${mode}' (phases <root> <spec> <out> | parser <spec>)`);
process.stdout.write(`${JSON.stringify(report)}\n`);
