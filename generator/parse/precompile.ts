/**
 * Build step (`npm run build` runs `node dist/generator/parse/precompile.js`): compiles the AsyncAPI
 * JSON Schema of each 3.x version, as the parser would on every parse, once, with ajv's standalone
 * code, into dist/parser-validators/<version>.cjs. `structure.ts` explains why and how they are used.
 *
 * The ajv instance is set up as the parser's Spectral functions set up theirs (same ajv, formats,
 * error keywords, meta-schemas and options) and compiles the resolved schema before the unresolved
 * one in that one instance, as the parser does, so the code is what the parser would run.
 */
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { formatsOf, parserInternals, validatorKey, validatorsDir, versions } from './structure.js';

interface Ajv {
  compile(schema: object): { schema: { $id?: string } };
  addSchema(schema: object): void;
}

async function main(): Promise<void> {
  const internals = parserInternals();
  const dir = validatorsDir();
  await rm(dir, { recursive: true, force: true });
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
  await mkdir(dir, { recursive: true });
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
    const code = standaloneCode(ajv, refs as Record<string, string>);
    const file = `${dir}/${version}.cjs`;
    const text = [
      '"use strict";',
      `// AsyncAPI ${version} document checks, compiled by ajv ${ajvVersion} (generator/parse/precompile.ts). Do not edit.`,
      `exports.key = ${JSON.stringify(key)};`,
      "// `require` is the parser's (its ajv runtime and formats), so the code runs on what compiled it.",
      'exports.create = function (require) {',
      'const module = { exports: {} };',
      'const exports = module.exports;',
      code,
      'return module.exports;',
      '};',
      '',
    ].join('\n');
    await writeFile(`${file}.tmp`, text);
    await rename(`${file}.tmp`, file);
  }
}

await main();
