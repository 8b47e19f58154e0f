/**
 * Which specs a command works on, and with which options: the spec named on the command line, or
 * every spec of the config file; flags override the config's options.
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { CONFIG_FILES, findConfig, loadConfig } from '../config.js';
import { displayPath, UsageError } from '../diagnostics.js';
import { type GenerateOptions, OUTPUT_KINDS, type OutputKind, specName } from '../options.js';
import type { Problem } from '../problems.js';

/** Flags shared by generate, docs and check, as parsed by node:util parseArgs. */
export interface TargetFlags {
  readonly config?: string | undefined;
  readonly out?: string | undefined;
  readonly 'runtime-import'?: string | undefined;
  readonly templates?: string | undefined;
  readonly 'docs-out'?: string | undefined;
  readonly 'no-docs'?: boolean | undefined;
  readonly outputs?: string | undefined;
  readonly strict?: boolean | undefined;
}

/** The specs to work on, or the problems that stop the command (a broken config). */
export interface Targets {
  readonly targets?: readonly GenerateOptions[];
  readonly problems: readonly Problem[];
  /** The config file in use, absolute. */
  readonly configFile?: string;
  /**
   * The project root: the config file's folder, else the nearest folder at or above the command's
   * with a package.json, else the command's folder. Every target's `cwd`: generated files name the
   * spec relative to it, so they read the same on every machine and from every folder.
   */
  readonly root: string;
}

/** The nearest folder at or above `cwd` with a package.json, else `cwd`. */
export async function projectRoot(cwd: string): Promise<string> {
  for (let dir = path.resolve(cwd); ; dir = path.dirname(dir)) {
    try {
      if ((await stat(path.join(dir, 'package.json'))).isFile()) return dir;
    } catch {
      // not here: one folder up
    }
    if (path.dirname(dir) === dir) return path.resolve(cwd);
  }
}

/** `client,schemas` → the list; throws {@link UsageError} for an unknown kind. */
export function parseOutputs(value: string): OutputKind[] {
  const kinds = value
    .split(',')
    .map((k) => k.trim())
    .filter(Boolean);
  if (kinds.length === 0) throw new UsageError(`--outputs needs at least one of ${OUTPUT_KINDS.join(', ')}`);
  for (const kind of kinds) {
    if (!(OUTPUT_KINDS as readonly string[]).includes(kind)) {
      throw new UsageError(`--outputs: unknown output '${kind}' (expected ${OUTPUT_KINDS.join(', ')})`);
    }
  }
  return kinds as OutputKind[];
}

/**
 * The spec given on the command line (with its config entry's options when the config lists it),
 * or every spec of the config. Throws {@link UsageError} when there is neither, or when a flag that
 * names one folder (`--out`, `--docs-out`) meets several specs.
 */
export async function resolveTargets(
  positionals: readonly string[],
  flags: TargetFlags,
  cwd: string = process.cwd(),
): Promise<Targets> {
  if (positionals.length > 1) {
    throw new UsageError(`expected at most one spec file, got ${positionals.length}: ${positionals.join(' ')}`);
  }
  const configFile = flags.config !== undefined ? path.resolve(cwd, flags.config) : await findConfig(cwd);
  let fromConfig: readonly GenerateOptions[] = [];
  if (configFile !== undefined) {
    const loaded = await loadConfig(configFile, displayPath(cwd, configFile));
    if (!loaded.config) return { problems: loaded.problems, configFile, root: path.dirname(configFile) };
    fromConfig = loaded.config.specs;
  }

  let targets: readonly GenerateOptions[];
  const given = positionals[0];
  if (given !== undefined) {
    const specPath = path.resolve(cwd, given);
    const entry = fromConfig.find((s) => path.resolve(s.cwd ?? cwd, s.spec) === specPath);
    targets = [entry ?? { spec: given, cwd }];
  } else if (configFile !== undefined) {
    targets = fromConfig;
  } else {
    throw new UsageError(
      `no spec given, and no config file (${CONFIG_FILES.join(', ')}) in ${cwd}; name a spec, or run \`asyncapi-nats init\``,
    );
  }
  if (targets.length > 1 && (flags.out !== undefined || flags['docs-out'] !== undefined)) {
    throw new UsageError(
      `--out and --docs-out name one folder, but the config has ${targets.length} specs; name the spec too`,
    );
  }
  const outputs = flags.outputs !== undefined ? parseOutputs(flags.outputs) : undefined;
  const root = configFile !== undefined ? path.dirname(configFile) : await projectRoot(cwd);
  return {
    targets: targets.map((t) => applyFlags(t, flags, outputs, cwd, root)),
    problems: [],
    ...(configFile !== undefined ? { configFile } : {}),
    root,
  };
}

/**
 * Flags over a target's options; paths given as flags are relative to where the command runs. Every
 * path of the result is absolute, and its `cwd` is the project root.
 */
function applyFlags(
  target: GenerateOptions,
  flags: TargetFlags,
  outputs: readonly OutputKind[] | undefined,
  cwd: string,
  root: string,
): GenerateOptions {
  const base = target.cwd ?? cwd;
  const abs = (p: string) => path.resolve(cwd, p);
  const docs = typeof target.docs === 'object' ? target.docs : {};
  const docsOff = flags['no-docs'] === true || (target.docs === false && flags['docs-out'] === undefined);
  const docsOptions = {
    ...(docs.out !== undefined ? { out: path.resolve(base, docs.out) } : {}),
    ...(docs.templates !== undefined ? { templates: path.resolve(base, docs.templates) } : {}),
    ...(flags['docs-out'] !== undefined ? { out: abs(flags['docs-out']) } : {}),
    ...(flags.templates !== undefined ? { templates: abs(flags.templates) } : {}),
  };
  return {
    spec: path.resolve(base, target.spec),
    cwd: root,
    out:
      flags.out !== undefined
        ? abs(flags.out)
        : path.resolve(base, target.out ?? path.join('generated', specName(target.spec))),
    ...(target.runtimeImport !== undefined ? { runtimeImport: target.runtimeImport } : {}),
    ...(flags['runtime-import'] !== undefined ? { runtimeImport: flags['runtime-import'] } : {}),
    ...(target.outputs !== undefined ? { outputs: target.outputs } : {}),
    ...(outputs !== undefined ? { outputs } : {}),
    docs: docsOff ? false : docsOptions,
    ...(flags.strict === true || target.strict === true ? { strict: true } : {}),
  };
}
