/**
 * The options of a generation, apart from the generator itself so that a config file importing
 * `defineConfig` does not load the AsyncAPI parser.
 */
import path from 'node:path';

/** What a generation can write. Code (`client`, `server`, `schemas`) always brings `types.ts`, `examples.ts`, `subjects.ts` and `index.ts`. */
export const OUTPUT_KINDS = ['client', 'server', 'schemas', 'docs'] as const;
export type OutputKind = (typeof OUTPUT_KINDS)[number];

/** Options of the docs site written by `generate`. */
export interface DocsOptions {
  /** Folder of the site; default `<out>/docs`. */
  readonly out?: string;
  /** A folder of docs templates that replace ours by file name (see templates/docs/). */
  readonly templates?: string;
}

/**
 * Options of one generation: the same in the config file (`specs: [...]`), on the command line
 * (flags override the config) and in the programmatic API.
 */
export interface GenerateOptions {
  /** Path of the spec file. */
  readonly spec: string;
  /** Output folder; default `generated/<spec name>`. */
  readonly out?: string;
  /** Module specifier generated code imports the runtime from; default `asyncapi-nats/runtime`. */
  readonly runtimeImport?: string;
  /**
   * What to write; default all of `client`, `server`, `schemas`, `docs`. `client` and `server`
   * validate with the zod schemas, so either one brings `schemas.ts` with it.
   */
  readonly outputs?: readonly OutputKind[];
  /** Docs site options, or `false` for no docs site (same as leaving `docs` out of `outputs`). */
  readonly docs?: boolean | DocsOptions;
  /**
   * A spec example that does not match its schema stops generation (an error, exit 2) instead of being
   * a warning with the example marked on the docs page; for CI. Default false.
   */
  readonly strict?: boolean;
  /** Folder relative paths are resolved against; default `process.cwd()` (the config file's folder for a config). */
  readonly cwd?: string;
}

/** `spec/ai-sdk.asyncapi.yaml` → `ai-sdk`. */
export function specName(spec: string): string {
  return path
    .basename(spec)
    .replace(/\.(ya?ml|json)$/i, '')
    .replace(/\.asyncapi$/i, '');
}
