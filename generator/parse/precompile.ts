/**
 * Build step (`npm run build` runs `node dist/generator/parse/precompile.js`): compiles the AsyncAPI
 * JSON Schema of each 3.x version, as the parser would on every parse, once, with ajv's standalone
 * code, into dist/parser-validators/<version>.cjs, with V8's code cache of it for the Node that builds
 * (`<version>.v8-<V8 version>.cache`). `structure.ts` explains why and how they are used.
 *
 * The ajv instance is set up as the parser's Spectral functions set up theirs (same ajv, formats,
 * error keywords, meta-schemas and options) and compiles the resolved schema before the unresolved
 * one in that one instance, as the parser does, so the code is what the parser would run.
 *
 * It also compiles Spectral's check of rulesets, run whenever a parser is created, into
 * dist/parser-validators/spectral-ruleset.cjs (`ruleset-check.ts` explains why).
 */
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { ts } from 'ts-morph';
import { rulesetCheckFile, rulesetCheckKey, spectralInternals } from './ruleset-check.js';
import {
  compileValidators,
  formatsOf,
  parserInternals,
  validatorFiles,
  validatorKey,
  validatorsDir,
  versions,
} from './structure.js';

interface Ajv {
  compile(schema: object): { schema: { $id?: string } };
  addSchema(schema: object): void;
}

interface AjvOptions {
  code?: object;
}

async function main(): Promise<void> {
  const internals = parserInternals();
  const dir = validatorsDir();
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  await buildRulesetCheck(dir);
  if (internals === undefined) {
    console.warn('precompile: @asyncapi/parser keeps its schema check elsewhere; the parser will compile it per parse');
    return;
  }
  const req = internals.spectralRequire;
  const AjvClass = req('ajv').default as new (options: object) => Ajv;
  const standaloneCode = req('ajv/dist/standalone').default as (ajv: Ajv, refs: Record<string, string>) => string;
  const addFormats = req('ajv-formats').default as (ajv: Ajv) => void;
  const addErrors = req('ajv-errors').default as (ajv: Ajv) => void;
  const ajvVersion = req('ajv/package.json').version as string;
  for (const version of versions(internals)) {
    const formats = formatsOf(internals, version);
    const resolved = internals.getSchema(formats, true);
    const unresolved = internals.getSchema(formats, false);
    const key = validatorKey(internals, version);
    if (resolved === undefined || unresolved === undefined || key === undefined) continue;
    const ajv = new AjvClass({
      allErrors: true,
      meta: true,
      messages: true,
      strict: false,
      allowUnionTypes: true,
      logger: false,
      unicodeRegExp: false,
      code: { source: true, lines: false },
    });
    addFormats(ajv);
    addErrors(ajv);
    ajv.addSchema(req('./schema/draft4.json'));
    ajv.addSchema(req('ajv/dist/refs/json-schema-draft-06.json'));
    const refs = { resolved: ajv.compile(resolved).schema.$id, unresolved: ajv.compile(unresolved).schema.$id };
    if (refs.resolved === undefined || refs.unresolved === undefined) continue;
    const code = withoutUnusedSchemas(standaloneCode(ajv, refs as Record<string, string>));
    const files = validatorFiles(dir, version);
    const text = builtModule(
      `AsyncAPI ${version} document checks, compiled by ajv ${ajvVersion}`,
      key,
      "the parser's (its ajv runtime and formats)",
      code,
    );
    await writeAtomically(files.code, text);
    // V8's code cache of it, taken after a first check so the validators' functions are compiled too.
    const { module, script } = compileValidators(text, files.code);
    const validators = module.create(req);
    // (A fuller sample compiles more functions, but its larger cache loads no faster in total.)
    const sample = { asyncapi: version, info: { title: 'Sample', version: '1.0.0' }, channels: {}, operations: {} };
    validators.resolved(sample);
    validators.unresolved(sample);
    await writeAtomically(files.cache, script.createCachedData());
  }
}

/**
 * Spectral's check of rulesets (`ruleset-check.ts`), compiled by the ajv instance Spectral itself sets
 * up: while Spectral compiles its check here, its ajv class is swapped for one that keeps the source,
 * and standalone code is taken from that instance. So the options, plugins, schemas and keywords are
 * Spectral's own, not restated.
 */
async function buildRulesetCheck(dir: string): Promise<void> {
  const internals = spectralInternals();
  if (internals === undefined) {
    console.warn(
      'precompile: @stoplight/spectral-core keeps its ruleset check elsewhere; each process will compile it',
    );
    return;
  }
  const req = internals.require;
  const ajvModule = req('ajv/dist/2020') as { default: new (options: AjvOptions) => Ajv };
  const SpectralAjv = ajvModule.default;
  let captured: Ajv | undefined;
  ajvModule.default = class extends SpectralAjv {
    constructor(options: AjvOptions) {
      super({ ...options, code: { ...options.code, source: true } });
      captured = this;
    }
  };
  let validate: object;
  try {
    validate = internals.validatorModule.createValidator('js');
  } finally {
    ajvModule.default = SpectralAjv;
  }
  if (captured === undefined) {
    console.warn('precompile: Spectral compiled its ruleset check before the build could capture it');
    return;
  }
  const standaloneCode = req('ajv/dist/standalone').default as (ajv: Ajv, validate: object) => string;
  const text = builtModule(
    `Spectral's ruleset check, compiled by ajv ${req('ajv/package.json').version as string} as Spectral sets it up`,
    rulesetCheckKey(internals),
    "spectral-core's (its ajv runtime)",
    standaloneCode(captured, validate),
  );
  await writeAtomically(rulesetCheckFile(dir), text);
}

/**
 * A built validators file: `exports.key` (what it was compiled from) and `exports.create(require)`,
 * which runs ajv's standalone `code` with the `require` of the package that compiled it.
 */
function builtModule(what: string, key: string, requireOf: string, code: string): string {
  return [
    '"use strict";',
    `// ${what} (generator/parse/precompile.ts). Do not edit.`,
    `exports.key = ${JSON.stringify(key)};`,
    `// \`require\` is ${requireOf}, so the code runs on what compiled it.`,
    'exports.create = function (require) {',
    'const module = { exports: {} };',
    'const exports = module.exports;',
    code,
    'return module.exports;',
    '};',
    '',
  ].join('\n');
}

async function writeAtomically(file: string, data: string | Buffer): Promise<void> {
  await writeFile(`${file}.tmp`, data);
  await rename(`${file}.tmp`, file);
}

/**
 * ajv's standalone code declares every schema it compiled as a constant (`const schema27 = {...}`),
 * also those no code reads: for AsyncAPI 3.0 that is 136 object literals, 450 KB of the 2.2 MB, which
 * every process would parse and build on loading. Drops the declarations of constants named nowhere else.
 */
function withoutUnusedSchemas(code: string): string {
  const file = ts.createSourceFile('validators.js', code, ts.ScriptTarget.Latest, true, ts.ScriptKind.JS);
  const uses = new Map<string, number>();
  const count = (node: ts.Node): void => {
    if (ts.isIdentifier(node)) uses.set(node.text, (uses.get(node.text) ?? 0) + 1);
    ts.forEachChild(node, count);
  };
  count(file);
  const unused: [number, number][] = [];
  for (const statement of file.statements) {
    if (!ts.isVariableStatement(statement) || statement.declarationList.declarations.length !== 1) continue;
    const [declaration] = statement.declarationList.declarations;
    const name = declaration?.name;
    const literal = declaration?.initializer;
    if (name === undefined || !ts.isIdentifier(name) || !/^schema\d+$/.test(name.text)) continue;
    if (literal === undefined || !(ts.isObjectLiteralExpression(literal) || ts.isArrayLiteralExpression(literal)))
      continue;
    if (uses.get(name.text) === 1) unused.push([statement.getStart(file), statement.end]);
  }
  let out = '';
  let from = 0;
  for (const [start, end] of unused) {
    out += code.slice(from, start);
    from = end;
  }
  return out + code.slice(from);
}

await main();
