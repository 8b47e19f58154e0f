/**
 * parse → model → emit, in memory. Writing is separate (`write.ts`), so a spec with errors
 * writes nothing and tests can compare output without touching the disk. Each stage is imported
 * when it is needed: the parser (`model/load.ts`), ts-morph (`emit/module.ts`) and the docs site
 * (`docs/site.ts`) are the bulk of a cold start, and the command line parses on a worker thread
 * (`model/thread.ts`) while this one loads the rest.
 */
import path from 'node:path';
import type { SiteOptions } from './docs/site.js';
import { DEFAULT_RUNTIME_IMPORT } from './emit/runtime-symbols.js';
import { IN_PROCESS, type ModelSource } from './model/thread.js';
import type { ApiModel } from './model/types.js';
import { type GenerateOptions, OUTPUT_KINDS, type OutputKind, specName } from './options.js';

export { type DocsOptions, type GenerateOptions, OUTPUT_KINDS, type OutputKind, specName } from './options.js';

import { type Problem, uniqueProblems } from './problems.js';
import { GENERATED_EXTENSIONS } from './write.js';

/** GenerateOptions with every default applied. */
export interface ResolvedOptions {
  readonly specPath: string;
  /** The spec path as shown in diagnostics (relative to cwd when inside it, else absolute; `/`-separated). */
  readonly specDisplay: string;
  /**
   * The spec path as written into generated files (headers, `@generated from` comments, the docs
   * page): relative to cwd even when outside it (`../specs/api.yaml`), so output never holds the
   * absolute path of the machine that generated it.
   */
  readonly specSource: string;
  readonly outDir: string;
  readonly runtimeImport: string;
  /** What is written; `schemas` is in it whenever `client` or `server` is. */
  readonly outputs: ReadonlySet<OutputKind>;
  /** Absolute folder of the docs site (used when `outputs` has `docs`). */
  readonly docsDir: string;
  /** Absolute path of the user's docs templates, if any. */
  readonly templatesDir?: string;
  /** Docs-only findings (an example that fails its schema) are errors. */
  readonly strict: boolean;
}

/** Fills in every default. Throws `TypeError` for an empty or unknown `outputs` entry (the CLI and config check first). */
export function resolveOptions(options: GenerateOptions): ResolvedOptions {
  const cwd = options.cwd ?? process.cwd();
  const specPath = path.resolve(cwd, options.spec);
  const relative = path.relative(cwd, specPath);
  const outDir = path.resolve(cwd, options.out ?? path.join('generated', specName(options.spec)));
  const docs = typeof options.docs === 'object' ? options.docs : {};
  const outputs = new Set<OutputKind>(options.outputs ?? OUTPUT_KINDS);
  for (const kind of outputs) {
    if (!(OUTPUT_KINDS as readonly string[]).includes(kind)) {
      throw new TypeError(`unknown output '${String(kind)}': expected ${OUTPUT_KINDS.join(', ')}`);
    }
  }
  if (outputs.size === 0) throw new TypeError(`outputs is empty: choose from ${OUTPUT_KINDS.join(', ')}`);
  if (options.docs === false) outputs.delete('docs');
  if (outputs.has('client') || outputs.has('server')) outputs.add('schemas');
  return {
    specPath,
    specDisplay: (relative.startsWith('..') || path.isAbsolute(relative) ? specPath : relative)
      .split(path.sep)
      .join('/'),
    specSource: (path.isAbsolute(relative) ? specPath : relative).split(path.sep).join('/'),
    outDir,
    runtimeImport: options.runtimeImport ?? DEFAULT_RUNTIME_IMPORT,
    outputs,
    strict: options.strict === true,
    docsDir: docs.out !== undefined ? path.resolve(cwd, docs.out) : path.join(outDir, 'docs'),
    ...(docs.templates !== undefined ? { templatesDir: path.resolve(cwd, docs.templates) } : {}),
  };
}

/** Options of the `docs` command and `generateDocs`: the site only, into `out` (default `generated/<spec name>/docs`). */
export function resolveDocsOptions(options: {
  readonly spec: string;
  readonly out?: string;
  readonly templates?: string;
  readonly cwd?: string;
  readonly strict?: boolean;
}): ResolvedOptions {
  const out = options.out ?? path.join('generated', specName(options.spec), 'docs');
  return resolveOptions({
    spec: options.spec,
    out,
    outputs: ['docs'],
    docs: { out, ...(options.templates !== undefined ? { templates: options.templates } : {}) },
    ...(options.cwd !== undefined ? { cwd: options.cwd } : {}),
    ...(options.strict !== undefined ? { strict: options.strict } : {}),
  });
}

/** One folder of output: the files it should hold, and which of its files may be removed as stale. */
export interface OutputSet {
  /** Absolute folder. */
  readonly dir: string;
  /** Name (relative to `dir`, `/`-separated) → text. */
  readonly files: ReadonlyMap<string, string>;
  /** Extensions of files of ours in `dir` that are removed (or reported by `check`) when no longer produced. */
  readonly staleExtensions: readonly string[];
}

/** Milliseconds spent in each phase. */
export interface Timings {
  parse: number;
  model: number;
  emit: number;
  /** Building and rendering the docs site (0 when not built). */
  docs: number;
}

/** The output (every folder and its files) when the spec has no errors, and every problem found. */
export interface GenerationResult {
  /** Every folder to write, the output folder first; undefined when the spec has errors. */
  readonly outputs?: readonly OutputSet[];
  /** The files of the first output folder (the code, with the docs site under `docs/` by default). */
  readonly files?: ReadonlyMap<string, string>;
  readonly model?: ApiModel;
  readonly problems: readonly Problem[];
  readonly timings: Timings;
}

/** Extensions of docs site files: all a docs folder of its own may have removed as stale. */
export const SITE_EXTENSIONS = ['.html', '.css', '.js'] as const;

/**
 * Generates every output of `options` in memory. `models` is where the model comes from: this
 * thread (the default) or the command line's parse worker; with the worker, this thread imports
 * the printers while it waits.
 */
export async function generateFiles(
  options: ResolvedOptions,
  models: ModelSource = IN_PROCESS,
): Promise<GenerationResult> {
  const { outputs } = options;
  const code = outputs.has('schemas');
  const loading = models.load(options.specPath, options.specSource);
  const printer = code && models.parallel ? preload(import('./emit/module.js')) : undefined;
  const docsSite = outputs.has('docs') && models.parallel ? preload(import('./docs/site.js')) : undefined;
  const modelled = await loading;
  const timings: Timings = { ...modelled.timings, emit: 0, docs: 0 };
  // Generated files name the spec by specSource; diagnostics by specDisplay.
  const shown = (list: readonly Problem[]): Problem[] =>
    uniqueProblems(list).map((p) => (p.file === options.specSource ? { ...p, file: options.specDisplay } : p));
  if (!modelled.model) return { problems: shown(modelled.problems), timings };
  const { model } = modelled;
  const problems = [...modelled.problems];

  let files: Map<string, string> | undefined;
  if (code) {
    const { emitModel } = await (printer ?? import('./emit/module.js'));
    const t = performance.now();
    const emitted = emitModel(
      model,
      { source: options.specSource, runtimeImport: options.runtimeImport },
      { client: outputs.has('client'), server: outputs.has('server') },
    );
    timings.emit = performance.now() - t;
    files = emitted.files;
    problems.push(...emitted.problems);
  }

  let site: ReadonlyMap<string, string> | undefined;
  if (outputs.has('docs')) {
    const { buildSite } = await (docsSite ?? import('./docs/site.js'));
    const t = performance.now();
    const built = await buildSite(model, siteOptions(options));
    timings.docs = performance.now() - t;
    problems.push(...built.problems);
    if (!built.files) return { model, problems: shown(problems), timings };
    site = built.files;
  }

  const sets: OutputSet[] = [];
  if (files) {
    const inside = path.relative(options.outDir, options.docsDir);
    if (site && !inside.startsWith('..') && !path.isAbsolute(inside)) {
      const prefix = inside === '' ? '' : `${inside.split(path.sep).join('/')}/`;
      for (const [name, text] of site) files.set(`${prefix}${name}`, text);
      site = undefined;
    }
    sets.push({ dir: options.outDir, files, staleExtensions: GENERATED_EXTENSIONS });
  }
  if (site) sets.push({ dir: options.docsDir, files: site, staleExtensions: SITE_EXTENSIONS });
  return { outputs: sets, files: sets[0]?.files ?? new Map(), model, problems: shown(problems), timings };
}

/** The docs site only (the `docs` command), for options from {@link resolveDocsOptions}. */
export async function generateDocsFiles(options: ResolvedOptions): Promise<GenerationResult> {
  return generateFiles(options);
}

function siteOptions(options: ResolvedOptions): SiteOptions {
  return {
    source: options.specSource,
    strict: options.strict,
    ...(options.templatesDir !== undefined ? { templatesDir: options.templatesDir } : {}),
  };
}

/** An import started early and awaited later: a failure surfaces where it is awaited, never as an unhandled rejection. */
function preload<T>(module: Promise<T>): Promise<T> {
  module.catch(() => {});
  return module;
}
