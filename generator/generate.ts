/**
 * parse → model → emit, in memory. Writing is separate (`write.ts`), so a spec with errors
 * writes nothing and tests can compare output without touching the disk.
 */
import path from 'node:path';
import { buildSite, type SiteOptions } from './docs/site.js';
import { emitClient } from './emit/client.js';
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
import { parseSpec } from './parse/parse.js';
import { hasErrors, type Problem } from './problems.js';

/** Options of one generation, every default filled in by `resolveOptions`. */
export interface GenerateOptions {
  /** Path of the spec file. */
  readonly spec: string;
  /** Output folder; default `generated/<spec name>`. */
  readonly out?: string;
  /** Module specifier generated code imports the runtime from; default `asyncapi-nats/runtime`. */
  readonly runtimeImport?: string;
  /** Folder relative paths are resolved against; default `process.cwd()`. */
  readonly cwd?: string;
  /** Also write the docs site into `<out>/docs/`; default true. */
  readonly docs?: boolean;
  /** A folder of docs templates that replace ours by file name (see templates/docs/). */
  readonly templates?: string;
}

/** GenerateOptions with every default applied. */
export interface ResolvedOptions {
  readonly specPath: string;
  /** The spec path as shown in generated headers and diagnostics (relative to cwd, `/`-separated). */
  readonly specDisplay: string;
  readonly outDir: string;
  readonly runtimeImport: string;
  readonly docs: boolean;
  /** Absolute path of the user's docs templates, if any. */
  readonly templatesDir?: string;
}

/** `spec/ai-sdk.asyncapi.yaml` → `ai-sdk`. */
export function specName(spec: string): string {
  return path
    .basename(spec)
    .replace(/\.(ya?ml|json)$/i, '')
    .replace(/\.asyncapi$/i, '');
}

export function resolveOptions(options: GenerateOptions): ResolvedOptions {
  const cwd = options.cwd ?? process.cwd();
  const specPath = path.resolve(cwd, options.spec);
  const relative = path.relative(cwd, specPath);
  return {
    specPath,
    specDisplay: (relative.startsWith('..') || path.isAbsolute(relative) ? specPath : relative)
      .split(path.sep)
      .join('/'),
    outDir: path.resolve(cwd, options.out ?? path.join('generated', specName(options.spec))),
    runtimeImport: options.runtimeImport ?? DEFAULT_RUNTIME_IMPORT,
    docs: options.docs ?? true,
    ...(options.templates !== undefined ? { templatesDir: path.resolve(cwd, options.templates) } : {}),
  };
}

/** Options of the `docs` command: the output folder defaults to `generated/<spec name>/docs`. */
export function resolveDocsOptions(options: GenerateOptions): ResolvedOptions {
  return resolveOptions({
    ...options,
    out: options.out ?? path.join('generated', specName(options.spec), 'docs'),
  });
}

/** Milliseconds spent in each phase. */
export interface Timings {
  parse: number;
  model: number;
  emit: number;
  /** Building and rendering the docs site (0 when not built). */
  docs: number;
}

/** The generated files (name → text) when the spec has no errors, and every problem found. */
export interface GenerationResult {
  readonly files?: ReadonlyMap<string, string>;
  readonly model?: ApiModel;
  readonly problems: readonly Problem[];
  readonly timings: Timings;
}

/** The fixed file names of one generated module, in emit order. */
export const GENERATED_FILES = ['types.ts', 'schemas.ts', 'subjects.ts', 'client.ts', 'server.ts', 'index.ts'] as const;

export async function generateFiles(options: ResolvedOptions): Promise<GenerationResult> {
  const timings: Timings = { parse: 0, model: 0, emit: 0, docs: 0 };
  const modelled = await parseAndModel(options, timings);
  if (!modelled.model) return { problems: modelled.problems, timings };
  const { model } = modelled;

  let t = performance.now();
  const { files, problems: emitted } = emitModel(model, {
    source: options.specDisplay,
    runtimeImport: options.runtimeImport,
  });
  timings.emit = performance.now() - t;
  const all = [...modelled.problems, ...emitted];
  if (!options.docs) return { files, model, problems: all, timings };

  t = performance.now();
  const site = await buildSite(model, siteOptions(options));
  timings.docs = performance.now() - t;
  if (!site.files) return { model, problems: [...all, ...site.problems], timings };
  for (const [name, text] of site.files) files.set(`docs/${name}`, text);
  return { files, model, problems: [...all, ...site.problems], timings };
}

/** The docs site only (the `docs` command): file names relative to the docs folder. */
export async function generateDocsFiles(options: ResolvedOptions): Promise<GenerationResult> {
  const timings: Timings = { parse: 0, model: 0, emit: 0, docs: 0 };
  const modelled = await parseAndModel(options, timings);
  if (!modelled.model) return { problems: modelled.problems, timings };
  const t = performance.now();
  const site = await buildSite(modelled.model, siteOptions(options));
  timings.docs = performance.now() - t;
  const problems = [...modelled.problems, ...site.problems];
  return site.files ? { files: site.files, model: modelled.model, problems, timings } : { problems, timings };
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
export function emitModel(model: ApiModel, ctx: FileContext): { files: Map<string, string>; problems: Problem[] } {
  const problems: Problem[] = [];
  const project = createProject();
  const refs = schemaRefs(model.schemas);
  // Declarations that others refer to come first, so zod needs z.lazy only inside cycles.
  model = { ...model, schemas: orderDeclarations(model.schemas, refs) };
  const index = new ModelIndex(model);
  const emitters: Record<(typeof GENERATED_FILES)[number], (file: GeneratedFile) => void> = {
    'types.ts': (f) => emitTypes(index, f, refs),
    'schemas.ts': (f) => emitSchemas(index, f, refs, (p) => problems.push(p)),
    'subjects.ts': (f) => emitSubjects(index, f),
    'client.ts': (f) => emitClient(index, f),
    'server.ts': (f) => emitServer(index, f),
    'index.ts': (f) => emitIndex(index, f),
  };
  const files = new Map<string, string>();
  for (const name of GENERATED_FILES) {
    const file = new GeneratedFile(project, name, ctx);
    emitters[name](file);
    files.set(name, file.finish());
  }
  return { files, problems };
}
