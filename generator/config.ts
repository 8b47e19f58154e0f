/**
 * The config file: `asyncapi-nats.config.ts` (or `.mts`, `.js`, `.mjs`, `.json`) in the folder the
 * command runs in, or the file given with `--config`. It lists one or several specs, each with the
 * same options as `generate` (`GenerateOptions` without `cwd`); relative paths in it are resolved
 * against the config file's folder. TypeScript configs are loaded with jiti, so they run on every
 * supported Node version without a build step; `asyncapi-nats` imported by a config is this module.
 *
 * Loading never throws for a user's mistake: a missing file, a config that throws, a typo in a key
 * are located problems, like a spec's.
 */
import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { type GenerateOptions, OUTPUT_KINDS } from './options.js';
import type { SourceMap } from './parse/locate.js';
import type { Problem } from './problems.js';

/** One spec of a config: `generate`'s options, paths relative to the config file. */
export type SpecConfig = Omit<GenerateOptions, 'cwd'>;

/** What a config file exports (as its default export). */
export interface AsyncApiNatsConfig {
  /** The specs to generate, each with its own output folder and options. */
  readonly specs: readonly SpecConfig[];
}

/**
 * Types a config: `export default defineConfig({ specs: [{ spec: 'spec/api.asyncapi.yaml' }] })`.
 * It returns its argument; the types are what it is for.
 */
export function defineConfig(config: AsyncApiNatsConfig): AsyncApiNatsConfig {
  return config;
}

/** File names looked for, in this order, when no `--config` is given. */
export const CONFIG_FILES = [
  'asyncapi-nats.config.ts',
  'asyncapi-nats.config.mts',
  'asyncapi-nats.config.js',
  'asyncapi-nats.config.mjs',
  'asyncapi-nats.config.json',
] as const;

/** A config that loaded and checked, its specs with `cwd` set to the config's folder. */
export interface LoadedConfig {
  /** Absolute path of the config file. */
  readonly file: string;
  readonly specs: readonly GenerateOptions[];
}

/** The config file in `cwd`, if there is one (first of {@link CONFIG_FILES}). */
export async function findConfig(cwd: string): Promise<string | undefined> {
  for (const name of CONFIG_FILES) {
    const file = path.join(cwd, name);
    try {
      if ((await stat(file)).isFile()) return file;
    } catch {
      // not there: try the next name
    }
  }
  return undefined;
}

function problem(file: string, code: string, message: string, help: string, line = 0, column = 0): Problem {
  return { code, severity: 'error', message, file, line, column, help };
}

/**
 * Loads and checks the config at `file` (absolute). `display` is how problems name it. Returns the
 * specs, or the problems that stop it.
 */
export async function loadConfig(
  file: string,
  display: string = file,
): Promise<{ config?: LoadedConfig; problems: Problem[] }> {
  let raw: unknown;
  let sourceMap: SourceMap | undefined;
  let text: string | undefined;
  try {
    if (!(await stat(file)).isFile()) throw Object.assign(new Error('not a file'), { code: 'ENOENT' });
    if (file.endsWith('.json')) {
      text = await readFile(file, 'utf8');
      // The YAML parser locates problems in a JSON config; a TypeScript config (the usual) never loads it.
      sourceMap = (await import('./parse/locate.js')).SourceMap.fromText(text);
      raw = JSON.parse(text);
    } else if (/\.m?ts$/.test(file)) {
      // The config's `import … from 'asyncapi-nats'` gets this running module's `defineConfig` (all a
      // config takes from it at run time; its types are erased) instead of a second copy of the package
      // compiled by jiti (400 ms: it would transform our index, zod and yaml). jiti keeps the compiled
      // config in its file cache (node_modules/.cache/jiti), keyed by the source's hash: a config
      // loads in about 10 ms until it is edited, 250 ms after an edit.
      // jiti by its CommonJS entry: importing it from ESM would have Node's CJS lexer scan its 190 KB
      // bundle first (about 60 ms of every command that loads a .ts config).
      const { createJiti } = createRequire(import.meta.url)('jiti') as typeof import('jiti');
      const jiti = createJiti(pathToFileURL(file).href, {
        moduleCache: false,
        interopDefault: true,
        virtualModules: { 'asyncapi-nats': { defineConfig } },
      });
      raw = await jiti.import(file, { default: true });
    } else {
      // A fresh URL each time, so `generate --watch` sees an edited config.
      const mod = (await import(`${pathToFileURL(file).href}?t=${Date.now()}`)) as { default?: unknown };
      raw = mod.default;
    }
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      return {
        problems: [problem(display, 'config-not-found', 'no such config file', 'check the --config path')],
      };
    }
    const position =
      cause instanceof SyntaxError && text !== undefined ? await jsonPosition(cause.message, text) : undefined;
    const message = cause instanceof Error ? cause.message.split('\n')[0] : String(cause);
    return {
      problems: [
        problem(
          display,
          'config-load-failed',
          `the config could not be loaded: ${message}`,
          'fix the error in the config file; it must `export default defineConfig({ specs: [...] })`',
          position?.line,
          position?.column,
        ),
      ],
    };
  }

  const cwd = path.dirname(file);
  // A config whose data is exactly that of one checked before (by this generator) is not checked again.
  const data = plainData(raw);
  const memo = data !== undefined ? await checkedBefore(file, data) : undefined;
  if (memo?.known) {
    const { specs } = raw as { specs: SpecConfig[] };
    return { config: { file, specs: specs.map((s) => ({ ...s, cwd }) as GenerateOptions) }, problems: [] };
  }
  const { configSchema } = await import('./config-schema.js');
  const checked = configSchema.safeParse(raw);
  if (!checked.success) {
    return {
      problems: checked.error.issues.map((issue) => {
        const pointer = `/${issue.path.map(String).join('/')}`;
        const at = sourceMap?.locate(pointer) ?? { line: 0, column: 0 };
        const where = issue.path.length > 0 ? `${issue.path.join('.')}: ` : '';
        return problem(
          display,
          'config-invalid',
          `${where}${issue.message}`,
          `a config is { specs: [{ spec, out?, runtimeImport?, outputs?: (${OUTPUT_KINDS.map((k) => `'${k}'`).join(' | ')})[], docs?: false | { out?, templates? }, strict?: boolean }] }`,
          at.line,
          at.column,
        );
      }),
    };
  }
  await memo?.remember();
  return {
    config: { file, specs: checked.data.specs.map((s) => ({ ...stripUndefined(s), cwd }) as GenerateOptions) },
    problems: [],
  };
}

/**
 * `value` as JSON text when it is plain data only (strings, finite numbers, booleans, null, arrays and
 * plain objects, no `undefined`), else undefined: two configs with the same text are the same data,
 * so the schema says the same of both.
 */
function plainData(value: unknown): string | undefined {
  const walk = (v: unknown): string => {
    if (v === null || typeof v === 'string' || typeof v === 'boolean') return JSON.stringify(v);
    if (typeof v === 'number' && Number.isFinite(v)) return JSON.stringify(v);
    if (Array.isArray(v)) {
      const items: string[] = [];
      for (let i = 0; i < v.length; i++) {
        if (!(i in v)) throw new TypeError('a hole in an array');
        items.push(walk(v[i]));
      }
      return `[${items.join(',')}]`;
    }
    if (typeof v === 'object') {
      const proto = Object.getPrototypeOf(v);
      if (proto !== Object.prototype && proto !== null) throw new TypeError('not a plain object');
      if (Object.getOwnPropertySymbols(v).length > 0) throw new TypeError('symbol keys');
      return `{${Object.entries(v)
        .map(([k, item]) => `${JSON.stringify(k)}:${walk(item)}`)
        .join(',')}}`;
    }
    throw new TypeError('not plain data');
  };
  try {
    return walk(value);
  } catch {
    return undefined;
  }
}

/**
 * Whether this generator checked a config of exactly `data` at `file` before (a record in the fast
 * path's cache folder), and how to record that it checked it now. Undefined without a cache folder.
 */
async function checkedBefore(
  file: string,
  data: string,
): Promise<{ known: boolean; remember: () => Promise<void> } | undefined> {
  const { cacheDir, generatorFingerprint, sha256 } = await import('./commands/fresh.js');
  const cache = await cacheDir(path.dirname(file));
  if (cache === undefined) return undefined;
  const record = path.join(cache, `config-${sha256(file).slice(0, 24)}.txt`);
  const key = sha256(`${await generatorFingerprint()}\0${data}`);
  let known = false;
  try {
    known = (await readFile(record, 'utf8')) === key;
  } catch {
    // never checked
  }
  return {
    known,
    remember: async () => {
      try {
        await mkdir(cache, { recursive: true });
        await writeFile(`${record}.${process.pid}.tmp`, key);
        await rename(`${record}.${process.pid}.tmp`, record);
      } catch {
        // not recorded: the next run checks the config again
      }
    },
  };
}

function stripUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

/**
 * Where JSON.parse failed: from its message ("line L column C" on Node 22+, "position N" on 20), else
 * from the YAML parser's first error (JSON is YAML), else unknown.
 */
async function jsonPosition(message: string, text: string): Promise<{ line: number; column: number } | undefined> {
  const lc = /line (\d+) column (\d+)/.exec(message);
  if (lc) return { line: Number(lc[1]), column: Number(lc[2]) };
  const at = /position (\d+)/.exec(message);
  if (at) {
    const before = text.slice(0, Number(at[1])).split('\n');
    return { line: before.length, column: (before.at(-1)?.length ?? 0) + 1 };
  }
  const { parseDocument } = await import('yaml');
  const first = parseDocument(text).errors[0]?.linePos?.[0];
  return first ? { line: first.line, column: first.col } : undefined;
}
