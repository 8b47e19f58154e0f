/**
 * The fast path of `generate`, `check` and `docs`: when nothing that decides a target's output has
 * changed since a run that wrote (or checked) it, and the output on disk is still what that run
 * produced, the command answers without loading the AsyncAPI parser, ts-morph or the docs renderer.
 *
 * A run that ends well records, per target, one small JSON manifest in the cache folder
 * (`node_modules/.cache/asyncapi-nats/` of the project, see {@link cacheDir}):
 *   - `key`: SHA-256 of the generator (its version, the text of its own code and templates, the
 *     versions of its dependencies) and of the resolved options (spec, output folders, outputs,
 *     runtime import, docs templates folder, strict, the names written into the output);
 *   - `inputs`: SHA-256 of the spec and of every local file it `$ref`s, transitively, and of every file
 *     of the user's docs templates folder (`null`: the file did not exist);
 *   - `outputs`: per output folder, SHA-256 of every file written;
 *   - `problems`: the warnings and infos of that run, printed again on the fast path.
 * The next run recomputes all of it from the files (hashing, no parsing) and takes the fast path only
 * when everything is equal and no file of ours (one with the generated header) appeared in an output
 * folder. Any difference, a missing or unreadable manifest, or `--force` means a full run, which then
 * records a new manifest. The inputs are hashed before the parser reads them, so an edit made while a
 * run works is seen by the next run.
 *
 * Why a cache folder and not a manifest beside the output: the output folder is usually committed,
 * and a committed manifest is data anyone can edit: a hand-edited generated file with a matching
 * edited manifest would pass `check` in CI. A cache folder is local to the machine (CI starts without
 * one unless it restores it, and then it is its own), never committed, and never in a diff.
 */
import { createHash } from 'node:crypto';
import { type Dirent, existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ResolvedOptions } from '../generate.js';
import type { Problem } from '../problems.js';
import { isOurs } from '../write.js';

/** Bump when the manifest's shape or meaning changes: older manifests are then ignored. */
const MANIFEST_VERSION = 1;

/** The environment variable that moves the cache folder (`off` turns the fast path off). */
export const CACHE_ENV = 'ASYNCAPI_NATS_CACHE_DIR';

/** One output folder as recorded. */
interface RecordedFolder {
  readonly dir: string;
  /** Name (relative to `dir`, `/`-separated) → SHA-256 of its text. */
  readonly files: Record<string, string>;
  /** Extensions of files of ours that a run would remove (or `check` report) when not in `files`. */
  readonly staleExtensions: readonly string[];
}

interface Manifest {
  readonly version: number;
  readonly key: string;
  readonly inputs: Record<string, string | null>;
  readonly outputs: readonly RecordedFolder[];
  readonly problems: readonly Problem[];
}

/** What the fast path found: the output folders, all up to date, and the problems to print again. */
export interface FreshOutput {
  readonly folders: readonly { readonly dir: string; readonly files: readonly string[] }[];
  readonly problems: readonly Problem[];
}

/** The inputs of a target, hashed before a full run reads them. */
export interface InputSnapshot {
  readonly key: string;
  readonly inputs: Record<string, string | null>;
  /** False when the spec `$ref`s something that cannot be hashed (a URL): such a run is not recorded. */
  readonly recordable: boolean;
}

export function sha256(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Sync on purpose, here and below: for small files it is several times faster than the thread pool's round trip. */
function hashFile(file: string): string | null {
  try {
    return sha256(readFileSync(file));
  } catch {
    // Missing or unreadable: recorded as absent, so its appearance is a change.
    return null;
  }
}

/**
 * The cache folder for a project whose commands run in `cwd`: `$ASYNCAPI_NATS_CACHE_DIR` when set
 * (`off` or empty: no cache), else `node_modules/.cache/asyncapi-nats` in the nearest folder at or
 * above `cwd` that has a `package.json` (the convention of babel, eslint and jiti), else none.
 */
export async function cacheDir(cwd: string): Promise<string | undefined> {
  const env = process.env[CACHE_ENV];
  if (env !== undefined) return env === '' || env === 'off' ? undefined : path.resolve(cwd, env);
  for (let dir = path.resolve(cwd); ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'package.json'))) return path.join(dir, 'node_modules', '.cache', 'asyncapi-nats');
    if (path.dirname(dir) === dir) return undefined;
  }
}

/** One manifest per spec and output folders: running with other options replaces it. */
function manifestFile(cache: string, options: ResolvedOptions): string {
  const id = sha256(`${options.specPath}\0${options.outDir}\0${options.docsDir}`).slice(0, 24);
  return path.join(cache, `${id}.json`);
}

let generatorHash: Promise<string> | undefined;

/**
 * What identifies the generator: its version, the text of its code and templates (so a rebuilt
 * working copy with other code is another generator, and a rebuild of the same code is not; reading
 * its 600 KB takes about 5 ms) and the versions of its dependencies. Once per process.
 */
export function generatorFingerprint(): Promise<string> {
  generatorHash ??= (async () => {
    const here = path.dirname(fileURLToPath(import.meta.url));
    const code = path.dirname(here);
    let root = path.dirname(code);
    let pkg: { version?: string; dependencies?: Record<string, string> } | undefined;
    for (let i = 0; i < 3 && pkg === undefined; i++) {
      try {
        const read = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
        if (read.name === 'asyncapi-nats') pkg = read;
      } catch {
        // not here: one folder up
      }
      if (pkg === undefined) root = path.dirname(root);
    }
    const hash = createHash('sha256');
    hash.update(`asyncapi-nats ${pkg?.version ?? 'unknown'}\0`);
    const isCode = (name: string) => /\.[cm]?[jt]s$/.test(name) && !/\.d\.[cm]?ts$/.test(name);
    for (const dir of [code, path.join(root, 'templates')]) {
      for (const name of listTree(dir)) {
        if (dir === code && !isCode(name)) continue;
        hash.update(`${name}\0`);
        hash.update(readFileSync(path.join(dir, name)));
      }
    }
    for (const dep of Object.keys(pkg?.dependencies ?? {}).sort()) {
      hash.update(`${dep}@${installedVersion(root, dep)}\0`);
    }
    return hash.digest('hex');
  })();
  return generatorHash;
}

/** The version of `name` as Node would find it from `from`, or `missing`. */
function installedVersion(from: string, name: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    try {
      const text = readFileSync(path.join(dir, 'node_modules', name, 'package.json'), 'utf8');
      return String((JSON.parse(text) as { version?: unknown }).version);
    } catch {
      if (path.dirname(dir) === dir) return 'missing';
    }
  }
}

/** Every file under `dir` (not `node_modules` or dot folders), `/`-separated relative names, sorted; none if missing. */
export function listTree(dir: string, prefix = ''): string[] {
  let entries: Dirent[];
  try {
    entries = readdirSync(path.join(dir, prefix), { withFileTypes: true });
  } catch {
    return [];
  }
  const out: string[] = [];
  for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    const name = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) {
      if (entry.name !== 'node_modules' && !entry.name.startsWith('.')) out.push(...listTree(dir, name));
    } else if (entry.isFile()) {
      out.push(name);
    }
  }
  return out;
}

/** The key of a target: the generator and the resolved options. */
async function targetKey(options: ResolvedOptions): Promise<string> {
  const resolved = {
    ...options,
    outputs: [...options.outputs].sort(),
  };
  return sha256(`${MANIFEST_VERSION}\0${await generatorFingerprint()}\0${JSON.stringify(resolved)}`);
}

/** The files of the user's docs templates folder, absolute. */
function templateFiles(options: ResolvedOptions): string[] {
  const dir = options.templatesDir;
  if (dir === undefined) return [];
  return listTree(dir).map((name) => path.join(dir, name));
}

/** A `$ref` value → the local file it names (absolute), or `remote`, or undefined for a pointer into the same file. */
function refTarget(ref: string, from: string): string | 'remote' | undefined {
  const file = ref.split('#')[0] ?? '';
  if (file === '') return undefined;
  if (/^[a-z][a-z0-9+.-]*:/i.test(file) && !/^[a-z]:[\\/]/i.test(file)) {
    return file.startsWith('file:') ? fileURLToPath(file) : 'remote';
  }
  let decoded = file;
  try {
    decoded = decodeURIComponent(file);
  } catch {
    // not percent-encoded: the path as written
  }
  return path.resolve(path.dirname(from), decoded);
}

/**
 * False only when `text` certainly has no `$ref` to another file: every `$ref` key's value starts
 * with `#/` (or is `"#"`), and no escape could spell another `$ref`. (A `#` followed by a space is a
 * YAML comment, with the value on the next line: that is looked at.) Most specs refer only inside themselves, and
 * parsing a large one just to learn that costs more than the rest of the bookkeeping.
 */
function mayReferToFiles(text: string): boolean {
  return /\$ref["']?\s*:\s*(?=\S)(?!#\/|"#[/"]|'#[/'])/.test(text) || /\\u0024|\\x24|\\U00000024/i.test(text);
}

/** Every `$ref` string in a parsed YAML/JSON value. */
function collectRefs(value: unknown, into: string[]): void {
  if (Array.isArray(value)) {
    for (const item of value) collectRefs(item, into);
  } else if (typeof value === 'object' && value !== null) {
    for (const [k, v] of Object.entries(value)) {
      if (k === '$ref' && typeof v === 'string') into.push(v);
      else collectRefs(v, into);
    }
  }
}

/**
 * Hashes everything a full run of `options` reads: the spec, the local files it `$ref`s (found by
 * reading each YAML or JSON file with the `yaml` package, transitively) and the docs templates.
 * Taken before the run, so a file edited during the run is seen as changed by the next one.
 */
export async function snapshotInputs(options: ResolvedOptions): Promise<InputSnapshot> {
  const inputs: Record<string, string | null> = {};
  let recordable = true;
  const queue = [options.specPath];
  while (queue.length > 0) {
    const file = queue.shift() as string;
    if (file in inputs) continue;
    let data: Buffer | undefined;
    try {
      data = await readFile(file);
    } catch {
      data = undefined;
    }
    inputs[file] = data === undefined ? null : sha256(data);
    if (data === undefined || !/\.(ya?ml|json)$/i.test(file)) continue;
    const text = data.toString('utf8');
    if (!mayReferToFiles(text)) continue;
    const refs: string[] = [];
    try {
      const { parse } = await import('yaml');
      collectRefs(parse(text, { uniqueKeys: false, maxAliasCount: -1 }), refs);
    } catch {
      // Not YAML: the parser will say so; this file's own hash is all that matters then.
    }
    for (const ref of refs) {
      const target = refTarget(ref, file);
      if (target === 'remote') recordable = false;
      else if (target !== undefined && !(target in inputs)) queue.push(target);
    }
  }
  for (const file of templateFiles(options)) inputs[file] = hashFile(file);
  return { key: await targetKey(options), inputs, recordable };
}

/**
 * The fast path: the recorded output of `options` when nothing changed since it was recorded and the
 * files on disk are still that output; undefined otherwise (then run in full).
 */
export async function freshOutput(
  options: ResolvedOptions,
  cache: string | undefined,
): Promise<FreshOutput | undefined> {
  if (cache === undefined) return undefined;
  let manifest: Manifest;
  try {
    manifest = JSON.parse(readFileSync(manifestFile(cache, options), 'utf8')) as Manifest;
  } catch {
    return undefined;
  }
  if (manifest.version !== MANIFEST_VERSION || manifest.key !== (await targetKey(options))) return undefined;
  // The spec first: the likeliest change.
  const recorded = Object.keys(manifest.inputs);
  for (const file of recorded) {
    if (hashFile(file) !== manifest.inputs[file]) return undefined;
  }
  // A file added to the templates folder is a change too.
  for (const file of templateFiles(options)) if (!(file in manifest.inputs)) return undefined;
  for (const folder of manifest.outputs) {
    const names = listTree(folder.dir);
    const present = new Set(names);
    for (const [name, hash] of Object.entries(folder.files)) {
      if (!present.has(name) || hashFile(path.join(folder.dir, name)) !== hash) return undefined;
    }
    for (const name of names) {
      if (name in folder.files || !folder.staleExtensions.some((ext) => name.endsWith(ext))) continue;
      let text: string | undefined;
      try {
        text = readFileSync(path.join(folder.dir, name), 'utf8');
      } catch {
        text = undefined;
      }
      if (isOurs(text)) return undefined;
    }
  }
  return {
    folders: manifest.outputs.map((f) => ({ dir: f.dir, files: Object.keys(f.files) })),
    problems: manifest.problems,
  };
}

/** Records a run whose output on disk is now exactly `outputs`. Never fails: a cache that cannot be written costs only time. */
export async function recordOutput(
  options: ResolvedOptions,
  cache: string | undefined,
  snapshot: InputSnapshot,
  outputs: readonly {
    readonly dir: string;
    readonly files: ReadonlyMap<string, string>;
    readonly staleExtensions: readonly string[];
  }[],
  problems: readonly Problem[],
): Promise<void> {
  if (cache === undefined || !snapshot.recordable) return;
  const manifest: Manifest = {
    version: MANIFEST_VERSION,
    key: snapshot.key,
    inputs: snapshot.inputs,
    outputs: outputs.map((set) => ({
      dir: set.dir,
      files: Object.fromEntries([...set.files].map(([name, text]) => [name, sha256(text)])),
      staleExtensions: set.staleExtensions,
    })),
    problems: problems.filter((p) => p.severity !== 'error'),
  };
  const file = manifestFile(cache, options);
  const temp = `${file}.${process.pid}.tmp`;
  try {
    await mkdir(cache, { recursive: true });
    await writeFile(temp, `${JSON.stringify(manifest)}\n`);
    await rename(temp, file);
  } catch {
    // An unwritable cache: the next run is a full run, nothing worse.
  }
}
