/**
 * Spectral's check of the parser's own ruleset, without compiling its schema in every process.
 *
 * Creating a `Parser` makes Spectral check each ruleset the parser brings against Spectral's ruleset
 * schema, with ajv, compiled anew in every process (and on every worker thread): 150–210 ms of each
 * cold `generate`, `docs` or `diff` here, against 20 ms for the rest of creating the parser. `npm run
 * build` compiles that schema once with ajv's standalone code, from Spectral's own setup (`precompile.ts`
 * captures the ajv instance Spectral creates, so no part of that setup is restated here); this module
 * makes Spectral use it. The built check is used only when it was built from exactly the setup Spectral
 * has now: its key hashes Spectral's validator module, the schemas it reads, and the versions of ajv
 * and the ajv plugins it adds.
 * Otherwise (not built, a dependency updated since the build, Spectral's internals moved) Spectral
 * compiles its own, as without this module.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { compileValidators, validatorsDir } from './structure.js';

/** A compiled ajv validator. */
export interface RulesetValidate {
  (data: unknown): boolean;
  errors?: unknown[] | null;
}

/** Spectral's module that compiles the ruleset check (`createValidator`), as the parser loads it. */
interface ValidatorModule {
  createValidator(format: 'js' | 'json'): RulesetValidate;
}

/** The pieces of @stoplight/spectral-core (the copy the parser uses) this module builds on. */
export interface SpectralInternals {
  /** `require` from inside spectral-core's dist/: its ajv, its meta-schemas and its modules. */
  readonly require: NodeJS.Require;
  readonly validatorModule: ValidatorModule;
  /** What the check calls back into for `x-spectral-runtime` keywords (bound as `this`, as Spectral does). */
  readonly callbacks: { readonly validateAlias: unknown; readonly validateFunction: unknown };
}

const VALIDATOR_MODULE = './ruleset/validation/ajv.js';
/** The schema files Spectral's validator module reads. */
const META_FILES = ['rule.schema.json', 'shared.json', 'ruleset.schema.json', 'js-extensions.json'] as const;

/** spectral-core as the parser sees it, or undefined when its internals are not where this expects them. */
export function spectralInternals(): SpectralInternals | undefined {
  try {
    const parserRequire = createRequire(createRequire(import.meta.url).resolve('@asyncapi/parser'));
    const spectral = createRequire(parserRequire.resolve('@stoplight/spectral-core'));
    const validatorModule = spectral(VALIDATOR_MODULE) as ValidatorModule;
    const { validateAlias } = spectral('./ruleset/validation/validators/alias.js');
    const { validateFunction } = spectral('./ruleset/validation/validators/function.js');
    if (typeof validatorModule.createValidator !== 'function') return undefined;
    if (typeof validateAlias !== 'function' || typeof validateFunction !== 'function') return undefined;
    return { require: spectral, validatorModule, callbacks: { validateAlias, validateFunction } };
  } catch {
    return undefined;
  }
}

/** What the check is compiled from: Spectral's validator module, its schemas, and the versions of ajv and its plugins. */
export function rulesetCheckKey(internals: SpectralInternals): string {
  const hash = createHash('sha256');
  const { require } = internals;
  for (const name of ['ajv', 'ajv-formats', 'ajv-errors']) {
    hash.update(`${name} ${require(`${name}/package.json`).version as string}\n`);
  }
  hash.update(readFileSync(require.resolve(VALIDATOR_MODULE)));
  for (const file of META_FILES) hash.update(readFileSync(require.resolve(`./ruleset/meta/${file}`)));
  return hash.digest('hex');
}

/** Where `npm run build` writes the check (beside the document structure validators). */
export function rulesetCheckFile(dir: string = validatorsDir()): string {
  return `${dir}/spectral-ruleset.cjs`;
}

/** A built check module: its key, and a factory given spectral-core's `require` (for ajv's runtime). */
interface RulesetCheckModule {
  key: string;
  create(require: NodeJS.Require): RulesetValidate;
}

/** The built check in `dir`, bound as Spectral binds its own, when it was built from Spectral's current setup. */
export function builtRulesetCheck(
  dir: string = validatorsDir(),
  internals: SpectralInternals | undefined = spectralInternals(),
): RulesetValidate | undefined {
  if (internals === undefined) return undefined;
  try {
    const file = rulesetCheckFile(dir);
    const { module } = compileValidators<RulesetCheckModule>(readFileSync(file, 'utf8'), file);
    if (module.key !== rulesetCheckKey(internals)) return undefined;
    const validate = module.create(internals.require);
    // Spectral calls its check with `this` set to the callbacks of its runtime keywords.
    return new Proxy(validate, {
      apply: (target, _this, args: unknown[]) => Reflect.apply(target, internals.callbacks, args),
    });
  } catch {
    return undefined;
  }
}

/** Spectral's own `createValidator`, for each copy of its module that uses the built check. */
const own = new WeakMap<ValidatorModule, ValidatorModule['createValidator']>();

/**
 * Makes Spectral use the built check for JavaScript rulesets (the parser's), once per thread. Returns
 * whether it does; when the check is missing or stale, nothing changes and Spectral compiles its own.
 */
export function useBuiltRulesetCheck(dir: string = validatorsDir()): boolean {
  const internals = spectralInternals();
  if (internals === undefined) return false;
  const target = internals.validatorModule;
  if (own.has(target)) return true;
  const built = builtRulesetCheck(dir, internals);
  if (built === undefined) return false;
  const spectrals = target.createValidator.bind(target);
  try {
    target.createValidator = (format) => (format === 'js' ? built : spectrals(format));
  } catch {
    return false; // a frozen module: Spectral keeps compiling its own
  }
  own.set(target, spectrals);
  return true;
}

/** Spectral's own check of JavaScript rulesets, compiled by Spectral whether or not the built one is in use. */
export function spectralRulesetCheck(
  internals: SpectralInternals | undefined = spectralInternals(),
): RulesetValidate | undefined {
  if (internals === undefined) return undefined;
  const target = internals.validatorModule;
  return (own.get(target) ?? target.createValidator.bind(target))('js');
}
