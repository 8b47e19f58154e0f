/**
 * Spectral's check of rulesets, compiled at build time (generator/parse/ruleset-check.ts), must say
 * exactly what Spectral's own says: the same verdict and the same errors, on every ruleset the parser
 * brings and on broken ones. A stale, damaged or missing build is not used.
 */
import { execFile } from 'node:child_process';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { Parser } from '@asyncapi/parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  builtRulesetCheck,
  type RulesetValidate,
  rulesetCheckFile,
  spectralInternals,
  spectralRulesetCheck,
  useBuiltRulesetCheck,
} from '../../generator/parse/ruleset-check.js';
import { structureRuleset, validatorsDir } from '../../generator/parse/structure.js';

const root = path.resolve(import.meta.dirname, '../..');
let scratch: string;

beforeAll(async () => {
  scratch = await mkdtemp(path.join(tmpdir(), 'ruleset-check-'));
});
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

/** Every ruleset definition Spectral checks while a parser (with our structure rules) is created. */
function parserRulesets(): unknown[] {
  const internals = spectralInternals();
  if (internals === undefined) throw new Error('spectral-core internals not found');
  const target = internals.validatorModule;
  const current = target.createValidator;
  const seen: unknown[] = [];
  target.createValidator = (format) => {
    const validate = current.call(target, format);
    const recording = (data: unknown) => {
      seen.push(data);
      return validate(data);
    };
    return Object.assign(recording, { errors: null }) as RulesetValidate;
  };
  try {
    new Parser(structureRuleset());
  } finally {
    target.createValidator = current;
  }
  return seen;
}

const noop = () => [];
/** A Spectral rule definition with `fields` and its `then` (the rule's function). */
function rule(fields: Record<string, unknown>, then: unknown = { function: noop }): unknown {
  return { ...fields, then };
}
/** Ruleset definitions Spectral's schema refuses, each for another reason. */
const broken: Record<string, unknown> = {
  'rule without given': { rules: { r: rule({}) } },
  'unknown severity': { rules: { r: rule({ given: '$', severity: 'loud' }) } },
  'function not a function': { rules: { r: rule({ given: '$' }, { function: 'truthy' }) } },
  'documentationUrl not a URL': { documentationUrl: 'not a url', rules: {} },
  'unknown top-level key': { rules: {}, unknown: true },
  'given of the wrong type': { rules: { r: rule({ given: 42 }) } },
  'formats not functions': { formats: ['oas3'], rules: {} },
  'alias to nothing': { aliases: { A: ['#B'] }, rules: { r: rule({ given: '#A' }) } },
  'rule of the wrong type': { rules: { r: 42 } },
};

/** The verdict and errors of a check on a definition. */
function verdict(validate: RulesetValidate, data: unknown): { valid: boolean; errors: unknown } {
  const valid = validate(data);
  return { valid, errors: structuredClone(validate.errors ?? null) };
}

describe('parse - Spectral’s ruleset check compiled at build time', () => {
  it('npm run build compiled it for the spectral-core the parser uses, and the parser uses it', () => {
    const built = builtRulesetCheck();
    expect(built).toBeDefined();
    expect(useBuiltRulesetCheck()).toBe(true);
    const internals = spectralInternals();
    // Installed once: a second call finds it in place; JSON rulesets keep Spectral's own check.
    expect(useBuiltRulesetCheck()).toBe(true);
    expect(internals?.validatorModule.createValidator('js')).not.toBe(spectralRulesetCheck());
    expect(() => new Parser(structureRuleset())).not.toThrow();
  });

  it('gives the same verdict and errors as Spectral’s own check on the parser’s rulesets and on broken ones', () => {
    const built = builtRulesetCheck() as RulesetValidate;
    const theirs = spectralRulesetCheck() as RulesetValidate;
    const rulesets = parserRulesets();
    // The parser brings its core and recommended rulesets and ours on top of them.
    expect(rulesets.length).toBeGreaterThanOrEqual(3);
    for (const ruleset of rulesets) {
      expect(verdict(built, ruleset)).toEqual(verdict(theirs, ruleset));
      expect(built(ruleset)).toBe(true);
    }
    for (const [name, ruleset] of Object.entries(broken)) {
      const ours = verdict(built, ruleset);
      expect(ours, name).toEqual(verdict(theirs, ruleset));
      expect(ours.valid, name).toBe(false);
    }
  });

  it('a check built from another setup, a damaged one or none is not used: Spectral compiles its own', async () => {
    const stale = path.join(scratch, 'stale');
    await cp(validatorsDir(), stale, { recursive: true });
    const file = rulesetCheckFile(stale);
    const text = await readFile(file, 'utf8');
    await writeFile(file, text.replace(/exports\.key = "[0-9a-f]+"/, 'exports.key = "stale"'));
    expect(builtRulesetCheck(stale)).toBeUndefined();

    const damaged = path.join(scratch, 'damaged');
    await cp(validatorsDir(), damaged, { recursive: true });
    await writeFile(rulesetCheckFile(damaged), text.slice(0, text.length / 2));
    expect(builtRulesetCheck(damaged)).toBeUndefined();

    expect(builtRulesetCheck(path.join(scratch, 'missing'))).toBeUndefined();
  });

  it('a fresh process without a usable build still creates the parser and parses the sample spec', async () => {
    const module = pathToFileURL(path.join(root, 'dist/generator/parse/ruleset-check.js')).href;
    const structure = pathToFileURL(path.join(root, 'dist/generator/parse/structure.js')).href;
    const spec = path.join(root, 'spec/ai-sdk.asyncapi.yaml');
    const script = `
      import { readFileSync } from 'node:fs';
      import { createRequire } from 'node:module';
      const { Parser } = createRequire(${JSON.stringify(path.join(root, 'package.json'))})('@asyncapi/parser');
      const { useBuiltRulesetCheck } = await import(${JSON.stringify(module)});
      const { structureRuleset } = await import(${JSON.stringify(structure)});
      const used = useBuiltRulesetCheck(process.argv[2]);
      const result = await new Parser(structureRuleset()).parse(readFileSync(${JSON.stringify(spec)}, 'utf8'));
      console.log(JSON.stringify({ used, codes: result.diagnostics.map((d) => d.code) }));`;
    const file = path.join(scratch, 'parse.mjs');
    await writeFile(file, script);
    const run = async (dir: string) =>
      JSON.parse((await promisify(execFile)(process.execPath, [file, dir])).stdout) as {
        used: boolean;
        codes: string[];
      };
    const [withBuild, without] = await Promise.all([run(validatorsDir()), run(path.join(scratch, 'missing'))]);
    expect(withBuild.used).toBe(true);
    expect(without.used).toBe(false);
    expect(without.codes).toEqual(withBuild.codes);
  });
});
