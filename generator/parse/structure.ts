/**
 * The AsyncAPI JSON Schema check of @asyncapi/parser, without compiling that schema on every parse.
 *
 * The parser checks each document against the AsyncAPI JSON Schema (its rules
 * `asyncapi-document-resolved` and `asyncapi-document-unresolved`) with ajv, and compiles the 350 KB
 * schema anew for every parse: about 0.7 s of each cold `generate`, and 0.4 s of every later parse in
 * a process (ajv instances live per document). `npm run build` compiles the schema of each AsyncAPI
 * 3.x version once with ajv's standalone code, with V8's code cache of it (`precompile.ts`); this
 * module runs those validators in place of the parser's own, and shapes their errors as the parser
 * does, so every diagnostic stays the same (test/unit/structure.test.ts compares the two on valid and
 * broken documents). Measured on the sample spec: a cold parse 787 -> 430 ms, a later one 420 -> 101 ms.
 *
 * The validators are used only where they provably fit: built from the same schema text (hash), by the
 * same ajv version as the parser uses now. Otherwise (not built, a dependency updated since the build,
 * a document version without validators, the parser's internals moved), the parser's own rule runs.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { Script } from 'node:vm';
import type { Parser } from '@asyncapi/parser';

type ParserOptions = NonNullable<ConstructorParameters<typeof Parser>[0]>;

/** An ajv error, as much of it as the shaping below reads. */
interface AjvError {
  keyword: string;
  instancePath: string;
  params: Record<string, unknown>;
  message?: string;
}

/** A compiled validator (ajv's `ValidateFunction`). */
interface Validate {
  (data: unknown): boolean;
  errors?: AjvError[] | null;
}

/** One Spectral result of a rule function. */
interface RuleResult {
  message: string;
  path: (string | number)[];
}

/** What Spectral hands a rule function, as much of it as is read here. */
interface RuleContext {
  path: (string | number)[];
  document?: { formats?: Set<unknown> };
}

type RuleFunction = (target: unknown, options: { resolved: boolean }, context: RuleContext) => unknown;

/** The parser's own pieces this module builds on (its CommonJS build, which has no `exports` map). */
export interface ParserInternals {
  /** The AsyncAPI JSON Schema the parser checks a document of these formats against. */
  getSchema(formats: Set<unknown>, resolved: boolean): object | undefined;
  /** The parser's rule function, for documents this module has no validators for. */
  documentStructure: RuleFunction;
  /** Spec version → its Spectral format. */
  formats: Iterable<[string, unknown]>;
  /** `require` as seen by the parser's Spectral functions: the ajv, ajv-formats and error shaper they use. */
  spectralRequire: NodeJS.Require;
}

/** The parser's internals, or undefined when they are not where this version of the parser keeps them. */
export function parserInternals(): ParserInternals | undefined {
  try {
    const parserRequire = createRequire(createRequire(import.meta.url).resolve('@asyncapi/parser'));
    const structure = parserRequire('./ruleset/functions/documentStructure.js');
    const { AsyncAPIFormats } = parserRequire('./ruleset/formats.js');
    const spectralRequire = createRequire(parserRequire.resolve('@stoplight/spectral-functions'));
    if (typeof structure.getSchema !== 'function' || typeof structure.documentStructure !== 'function') return;
    return {
      getSchema: structure.getSchema,
      documentStructure: structure.documentStructure,
      formats: AsyncAPIFormats,
      spectralRequire,
    };
  } catch {
    return undefined;
  }
}

/** The AsyncAPI 3.x versions the parser knows (2.x documents are converted to 3.0 before parsing). */
export function versions(internals: ParserInternals): string[] {
  return [...internals.formats].map(([version]) => version).filter((version) => version.startsWith('3.'));
}

/** The format set of a document of `version`, as Spectral gives it to rule functions. */
export function formatsOf(internals: ParserInternals, version: string): Set<unknown> {
  for (const [v, format] of internals.formats) if (v === version) return new Set([format]);
  return new Set();
}

/**
 * What the validators of `version` are compiled from: the hash of both schemas (resolved first, the
 * order the parser compiles them in) and the ajv version. Validators built under another key are stale.
 */
export function validatorKey(internals: ParserInternals, version: string): string | undefined {
  const formats = formatsOf(internals, version);
  const resolved = internals.getSchema(formats, true);
  const unresolved = internals.getSchema(formats, false);
  if (resolved === undefined || unresolved === undefined) return undefined;
  const ajv = internals.spectralRequire('ajv/package.json').version as string;
  return createHash('sha256')
    .update(`ajv ${ajv}\n${JSON.stringify(resolved)}\n${JSON.stringify(unresolved)}`)
    .digest('hex');
}

/** Where `npm run build` writes the validators: dist/parser-validators/, from dist/ or from source. */
export function validatorsDir(): string {
  const source = import.meta.url.endsWith('.ts');
  return fileURLToPath(new URL(source ? '../../dist/parser-validators/' : '../../parser-validators/', import.meta.url));
}

/** A built validators module: `key` (see {@link validatorKey}) and a factory given the parser's `require`. */
export interface ValidatorsModule {
  key: string;
  create(require: NodeJS.Require): { resolved: Validate; unresolved: Validate };
}

/**
 * The file of the built validators of `version`, and of V8's code cache for it made by this V8 (the
 * cache is only good for the V8 that made it: run on another Node, the code compiles afresh).
 */
export function validatorFiles(dir: string, version: string): { code: string; cache: string } {
  return { code: `${dir}/${version}.cjs`, cache: `${dir}/${version}.v8-${process.versions.v8}.cache` };
}

/**
 * Compiles a validators file as a script, with V8's code cache of it when there is one (the build
 * writes it: loading 1.7 MB of validation code then skips most of V8's parsing and compiling). V8
 * checks that the cache belongs to this text, V8 version and flags, and compiles afresh when not.
 */
export function compileValidators<M = ValidatorsModule>(
  code: string,
  file: string,
  cachedData?: Buffer,
): { module: M; script: Script } {
  const script = new Script(`(function (exports) {${code}\n})`, {
    filename: file,
    ...(cachedData !== undefined ? { cachedData } : {}),
  });
  const module = {} as M;
  script.runInThisContext()(module);
  return { module, script };
}

/** The parser's post-processing of resolved-document errors: precise extra-property paths, no duplicates. */
function prepareResolvedErrors(errors: AjvError[]): void {
  for (let i = 0; i < errors.length; i++) {
    const error = errors[i] as AjvError;
    if (error.keyword === 'additionalProperties') {
      error.instancePath = `${error.instancePath}/${String(error.params.additionalProperty)}`;
    } else if (isRefRequired(error)) {
      errors.splice(i--, 1);
    }
  }
  for (let i = 0; i < errors.length; i++) {
    const error = errors[i] as AjvError;
    if (i + 1 < errors.length && errors[i + 1]?.instancePath === error.instancePath) {
      errors.splice(i + 1, 1);
      i--;
    } else if (
      i > 0 &&
      (error.keyword === 'oneOf' || isRefRequired(error)) &&
      errors[i - 1]?.instancePath.startsWith(error.instancePath)
    ) {
      errors.splice(i--, 1);
    }
  }
}

function isRefRequired(error: AjvError): boolean {
  return error.keyword === 'required' && error.params.missingProperty === '$ref';
}

/** Spectral's wording for an array item ("Item at index 2 ..." rather than `"2" property ...`). */
function describeArrayItem(message: string, errorPath: string): string {
  const index = errorPath.split('/').pop();
  if (index === undefined || !/^\d+$/.test(index)) return message;
  for (const prefix of [`"${index}" property type`, `"${index}" property`]) {
    if (message.startsWith(prefix)) return `Item at index ${index}${message.slice(prefix.length)}`;
  }
  return message;
}

const REF_NOT_EXPECTED = 'Property "$ref" is not expected to be here';

/**
 * The results of one failed check, as Spectral's `schema` function and the parser's rule shape them
 * (better-ajv-errors messages, array items and unmatched `oneOf`/`anyOf` spelled out, `$ref` errors
 * kept only by the unresolved rule and reworded there).
 */
function shape(
  errors: AjvError[],
  schema: object,
  target: unknown,
  path: (string | number)[],
  resolved: boolean,
  betterAjvErrors: BetterAjvErrors,
): RuleResult[] {
  if (resolved) prepareResolvedErrors(errors);
  const unmatched = new Map<string, string>();
  for (const { keyword, instancePath, params } of errors) {
    if ((keyword === 'oneOf' || keyword === 'anyOf') && !Array.isArray(params.passingSchemas)) {
      unmatched.set(instancePath, keyword);
    }
  }
  const results = betterAjvErrors(schema, errors, { propertyPath: path, targetValue: target }).map(
    ({ suggestion, error, path: errorPath }) => {
      let message = describeArrayItem(suggestion !== undefined ? `${error}. ${suggestion}` : error, errorPath);
      const keyword = unmatched.get(errorPath);
      if (keyword !== undefined && message.endsWith(` in ${keyword}`)) {
        message = `${message}. None of the schemas matched, see the other errors reported for this value`;
      }
      return { message, path: [...path, ...(errorPath !== '' ? errorPath.replace(/^\//, '').split('/') : [])] };
    },
  );
  if (resolved) return results.filter((r) => r.message !== REF_NOT_EXPECTED);
  return results
    .filter((r) => r.message === REF_NOT_EXPECTED)
    .map((r) => ({ ...r, message: 'Referencing in this place is not allowed' }));
}

type BetterAjvErrors = (
  schema: object,
  errors: AjvError[],
  options: { propertyPath: (string | number)[]; targetValue: unknown },
) => { suggestion?: string; error: string; path: string }[];

/**
 * Parser options whose ruleset runs the built validators for the document structure rules, or `{}`
 * (the parser's own rules) when they cannot be used. `dir` is where the validators are (tests give
 * another).
 */
export function structureRuleset(dir: string = validatorsDir()): ParserOptions {
  const internals = parserInternals();
  if (internals === undefined) return {};
  const { spectralRequire, documentStructure, getSchema } = internals;
  let betterAjvErrors: BetterAjvErrors;
  try {
    betterAjvErrors = spectralRequire('@stoplight/better-ajv-errors');
  } catch {
    return {};
  }
  // Spec version -> its validators (undefined: none usable, the parser's rule runs).
  const loaded = new Map<string, { resolved: Validate; unresolved: Validate } | undefined>();
  const validatorsFor = (formats: Set<unknown>) => {
    // The first version whose format the document has, as the parser's `getSchema` picks it.
    const version = [...internals.formats].find(([, format]) => formats.has(format))?.[0];
    if (version === undefined) return undefined;
    if (!loaded.has(version)) loaded.set(version, loadValidators(version, dir, internals));
    return loaded.get(version);
  };
  const rule =
    (resolved: boolean): RuleFunction =>
    (target, options, context) => {
      const formats = context.document?.formats;
      const validators = formats === undefined ? undefined : validatorsFor(formats);
      const schema = validators && formats ? getSchema(formats, resolved) : undefined;
      if (validators === undefined || schema === undefined) return documentStructure(target, options, context);
      const validate = resolved ? validators.resolved : validators.unresolved;
      if (validate(target) || !Array.isArray(validate.errors)) return [];
      return shape(validate.errors, schema, target, context.path, resolved, betterAjvErrors);
    };
  const override = (resolved: boolean) => ({
    given: '$',
    // biome-ignore lint/suspicious/noThenProperty: a Spectral rule names its function `then`
    then: { function: rule(resolved), functionOptions: { resolved } },
  });
  return {
    ruleset: {
      rules: {
        'asyncapi-document-resolved': override(true),
        'asyncapi-document-unresolved': override(false),
      },
    } as NonNullable<ParserOptions['ruleset']>,
  };
}

/** The built validators of `version` in `dir`, when built for exactly the schema the parser uses now. */
export function loadValidators(
  version: string,
  dir: string = validatorsDir(),
  internals: ParserInternals | undefined = parserInternals(),
): { resolved: Validate; unresolved: Validate } | undefined {
  if (internals === undefined) return undefined;
  try {
    const files = validatorFiles(dir, version);
    let cache: Buffer | undefined;
    try {
      cache = readFileSync(files.cache);
    } catch {
      cache = undefined; // none built by this V8: it compiles the code, as it would any module
    }
    const { module } = compileValidators(readFileSync(files.code, 'utf8'), files.code, cache);
    if (module.key !== validatorKey(internals, version)) return undefined;
    return module.create(internals.spectralRequire);
  } catch {
    return undefined;
  }
}
