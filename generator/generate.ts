/**
 * parse → model → emit, in memory. Writing is separate (`write.ts`), so a spec with errors
 * writes nothing and tests can compare output without touching the disk.
 */
import path from 'node:path';
import { buildSite, type SiteOptions } from './docs/site.js';
import { emitClient } from './emit/client.js';
import { emitExamples } from './emit/examples-file.js';
import { createProject, type FileContext, GeneratedFile } from './emit/file.js';
import { emitIndex } from './emit/index-file.js';
import { ModelIndex } from './emit/operation.js';
import { DEFAULT_RUNTIME_IMPORT } from './emit/runtime-symbols.js';
import { orderDeclarations, schemaRefs } from './emit/schema/index.js';
import { emitSchemas } from './emit/schemas.js';
import { emitServer } from './emit/server.js';
import { emitSubjects } from './emit/subjects.js';
import { emitTypes } from './emit/types.js';
import { buildModel } from './model/build.js';
import type { ApiModel } from './model/types.js';
import { type GenerateOptions, OUTPUT_KINDS, type OutputKind, specName } from './options.js';
import { parseSpec } from './parse/parse.js';

export { type DocsOptions, type GenerateOptions, OUTPUT_KINDS, type OutputKind, specName } from './options.js';

import { hasErrors, type Problem } from './problems.js';
import { GENERATED_EXTENSIONS } from './write.js';

/** GenerateOptions with every default applied. */
export interface ResolvedOptions {
  readonly specPath: string;
  /** The spec path as shown in generated headers and diagnostics (relative to cwd, `/`-separated). */
  readonly specDisplay: string;
  readonly outDir: string;
  readonly runtimeImport: string;
  /** What is written; `schemas` is in it whenever `client` or `server` is. */
  readonly outputs: ReadonlySet<OutputKind>;
  /** Absolute folder of the docs site (used when `outputs` has `docs`). */
  readonly docsDir: string;
  /** Absolute path of the user's docs templates, if any. */
  readonly templatesDir?: string;
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
    outDir,
    runtimeImport: options.runtimeImport ?? DEFAULT_RUNTIME_IMPORT,
    outputs,
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
}): ResolvedOptions {
  const out = options.out ?? path.join('generated', specName(options.spec), 'docs');
  return resolveOptions({
    spec: options.spec,
    out,
    outputs: ['docs'],
    docs: { out, ...(options.templates !== undefined ? { templates: options.templates } : {}) },
    ...(options.cwd !== undefined ? { cwd: options.cwd } : {}),
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

/** The fixed file names of one generated module, in emit order. */
export const GENERATED_FILES = [
  'types.ts',
  'schemas.ts',
  'examples.ts',
  'subjects.ts',
  'client.ts',
  'server.ts',
  'index.ts',
] as const;

/** Extensions of docs site files: all a docs folder of its own may have removed as stale. */
export const SITE_EXTENSIONS = ['.html', '.css', '.js'] as const;

export async function generateFiles(options: ResolvedOptions): Promise<GenerationResult> {
  const timings: Timings = { parse: 0, model: 0, emit: 0, docs: 0 };
  const modelled = await parseAndModel(options, timings);
  if (!modelled.model) return { problems: modelled.problems, timings };
  const { model } = modelled;
  const problems = [...modelled.problems];
  const { outputs } = options;
  const code = outputs.has('schemas');

  let files: Map<string, string> | undefined;
  if (code) {
    const t = performance.now();
    const emitted = emitModel(
      model,
      { source: options.specDisplay, runtimeImport: options.runtimeImport },
      { client: outputs.has('client'), server: outputs.has('server') },
    );
    timings.emit = performance.now() - t;
    files = emitted.files;
    problems.push(...emitted.problems);
  }

  let site: ReadonlyMap<string, string> | undefined;
  if (outputs.has('docs')) {
    const t = performance.now();
    const built = await buildSite(model, siteOptions(options));
    timings.docs = performance.now() - t;
    problems.push(...built.problems);
    if (!built.files) return { model, problems, timings };
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
  return { outputs: sets, files: sets[0]?.files ?? new Map(), model, problems, timings };
}

/** The docs site only (the `docs` command), for options from {@link resolveDocsOptions}. */
export async function generateDocsFiles(options: ResolvedOptions): Promise<GenerationResult> {
  return generateFiles(options);
}

function siteOptions(options: ResolvedOptions): SiteOptions {
  return {
    source: options.specDisplay,
    ...(options.templatesDir !== undefined ? { templatesDir: options.templatesDir } : {}),
  };
}

async function parseAndModel(
  options: ResolvedOptions,
  timings: Timings,
): Promise<{ model?: ApiModel; problems: Problem[] }> {
  let t = performance.now();
  const parsed = await parseSpec(options.specPath, options.specDisplay);
  timings.parse = performance.now() - t;
  if (!parsed.spec) return { problems: [...parsed.problems] };
  t = performance.now();
  const { model, problems } = buildModel(parsed.spec);
  timings.model = performance.now() - t;
  const all = [...parsed.problems, ...problems];
  return hasErrors(all) ? { problems: all } : { model, problems: all };
}

/** Prints every file of a model. Deterministic: the same model gives the same text. */
export function emitModel(
  model: ApiModel,
  ctx: FileContext,
  include: { readonly client: boolean; readonly server: boolean } = { client: true, server: true },
): { files: Map<string, string>; problems: Problem[] } {
  const problems: Problem[] = [];
  const project = createProject();
  const refs = schemaRefs(model.schemas);
  // Declarations that others refer to come first, so zod needs z.lazy only inside cycles.
  model = { ...model, schemas: orderDeclarations(model.schemas, refs) };
  const index = new ModelIndex(model);
  const emitters: Record<(typeof GENERATED_FILES)[number], (file: GeneratedFile) => void> = {
    'types.ts': (f) => emitTypes(index, f, refs),
    'schemas.ts': (f) => emitSchemas(index, f, refs, (p) => problems.push(p)),
    'examples.ts': (f) => emitExamples(index, f, (p) => problems.push(p)),
    'subjects.ts': (f) => emitSubjects(index, f),
    'client.ts': (f) => emitClient(index, f),
    'server.ts': (f) => emitServer(index, f),
    'index.ts': (f) => emitIndex(index, f, include),
  };
  const files = new Map<string, string>();
  for (const name of GENERATED_FILES) {
    if ((name === 'client.ts' && !include.client) || (name === 'server.ts' && !include.server)) continue;
    const file = new GeneratedFile(project, name, ctx);
    emitters[name](file);
    files.set(name, file.finish());
  }
  return { files, problems };
}
