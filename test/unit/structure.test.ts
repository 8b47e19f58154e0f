/**
 * The document structure check on validators compiled at build time (generator/parse/structure.ts)
 * must say exactly what the parser's own check says: the same diagnostics (code, message, path,
 * range, severity), in the same order, on valid documents and on documents broken in many ways,
 * for AsyncAPI 3.0 and 3.1. Stale or missing validators fall back to the parser's own rule.
 */
import { execFile } from 'node:child_process';
import { cp, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { type Diagnostic, Parser } from '@asyncapi/parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import {
  loadValidators,
  parserInternals,
  structureRuleset,
  validatorFiles,
  validatorsDir,
  versions,
} from '../../generator/parse/structure.js';

// biome-ignore lint/suspicious/noExplicitAny: parsed YAML that the breakages below change freely
type Doc = Record<string, any>;

const root = path.resolve(import.meta.dirname, '../..');
const base: Doc = YAML.parse(await readFile(path.join(root, 'spec/ai-sdk.asyncapi.yaml'), 'utf8'));
const firstKey = (o: Doc) => Object.keys(o)[0] as string;
const channel = firstKey(base.channels);
const operation = firstKey(base.operations);
const replier = Object.keys(base.operations).find((k) => base.operations[k].reply) as string;
const schema = firstKey(base.components.schemas);
const message = firstKey(base.components.messages);

/** Ways to break the guide's spec, each touching what the AsyncAPI JSON Schema checks. */
const breakages: Record<string, (d: Doc) => void> = {
  'missing required field': (d) => delete d.info.title,
  'wrong type': (d) => {
    d.info.version = 5;
    d.channels[channel].address = 123;
  },
  'unknown root field': (d) => {
    d.foo = 1;
  },
  'value not in enum': (d) => {
    d.operations[operation].action = 'publish';
  },
  'array items of the wrong type': (d) => {
    d.info.tags = ['a', 3];
  },
  'bad JSON Schema type': (d) => {
    d.components.schemas[schema].type = 'strin';
  },
  'properties as an array': (d) => {
    d.components.schemas[schema].properties = [];
  },
  'bad formats': (d) => {
    d.info.contact = { email: 'not-an-email', url: 'not a url' };
  },
  'inline objects where references are expected': (d) => {
    d.operations[operation].channel = { address: 'x' };
    d.operations[operation].messages = [{ payload: { type: 'string' } }];
    d.operations[replier].reply.channel = { address: 'r' };
    d.channels[channel].servers = [{ host: 'h', protocol: 'nats' }];
  },
  'references where none are allowed': (d) => {
    d['x-info'] = { title: 'T', version: '1' };
    d.info = { $ref: '#/x-info' };
    d.operations[operation].action = { $ref: '#/x-info/title' };
  },
  'bad message fields': (d) => {
    d.components.messages[message].bogus = true;
    d.components.messages[message].headers = 'x';
  },
  'bad parameter': (d) => {
    d.channels[channel].parameters = { p: { enum: 'x' } };
  },
  'many at once': (d) => {
    delete d.info.title;
    d.foo = 1;
    d.operations[operation].action = 3;
    d.channels[channel].address = {};
  },
  'only the version': (d) => {
    for (const key of Object.keys(d)) if (key !== 'asyncapi') delete d[key];
  },
};

/** The corpus: the spec itself and each breakage, as 3.0.0 and as 3.1.0, plus every fixture spec. */
async function corpus(): Promise<[string, string][]> {
  const texts: [string, string][] = [];
  for (const version of ['3.0.0', '3.1.0']) {
    for (const [name, breakIt] of [['valid', () => {}] as const, ...Object.entries(breakages)]) {
      const doc = structuredClone(base);
      doc.asyncapi = version;
      breakIt(doc);
      texts.push([`${version} ${name}`, YAML.stringify(doc)]);
    }
  }
  const fixtures = path.join(root, 'test/fixtures/specs');
  for (const file of (await readdir(fixtures)).filter((f) => /\.ya?ml$/.test(f)).sort()) {
    texts.push([file, await readFile(path.join(fixtures, file), 'utf8')]);
  }
  return texts;
}

const plain = (diagnostics: Diagnostic[]) =>
  diagnostics.map(({ code, message, path, range, severity }) => ({ code, message, path, range, severity }));

/** A few of the corpus for the fallback cases: valid, and both rules failing, in 3.0 and 3.1. */
const FEW = /^3\.[01]\.0 (valid|many at once|references where none are allowed)$/;

let texts: [string, string][];
let scratch: string;
beforeAll(async () => {
  texts = await corpus();
  scratch = await mkdtemp(path.join(tmpdir(), 'asyncapi-nats-structure-'));
});
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

/**
 * Parses `texts` with the parser's own rules and with `options`; returns what differs and the codes
 * seen. (The parser's own rules take about 0.4 s per document: the fallback cases use a few.)
 */
async function compare(options: ConstructorParameters<typeof Parser>[0], only?: RegExp) {
  const theirs = new Parser();
  const ours = new Parser(options);
  const differences: string[] = [];
  const codes = new Set<string>();
  for (const [name, text] of texts.filter(([name]) => only === undefined || only.test(name))) {
    const a = await theirs.parse(text, { source: name });
    const b = await ours.parse(text, { source: name });
    for (const d of a.diagnostics) codes.add(String(d.code));
    try {
      expect(plain(b.diagnostics)).toEqual(plain(a.diagnostics));
      expect(b.document === undefined).toBe(a.document === undefined);
    } catch (error) {
      differences.push(`${name}: ${(error as Error).message}`);
    }
  }
  return { differences, codes };
}

describe('document structure check on built validators', () => {
  it('npm run build compiled validators for every AsyncAPI 3.x version the parser knows, and they load', () => {
    const internals = parserInternals();
    expect(internals).toBeDefined();
    const known = versions(internals as NonNullable<typeof internals>);
    expect(known).toEqual(expect.arrayContaining(['3.0.0', '3.1.0']));
    for (const version of known) expect(loadValidators(version), version).toBeDefined();
    expect(structureRuleset().ruleset).toBeDefined();
  });

  it('the V8 code cache built by this Node is accepted by a plain node process, on the main thread and on a worker', async () => {
    const structure = pathToFileURL(path.join(root, 'dist/generator/parse/structure.js')).href;
    const script = `
      import { existsSync, readFileSync } from 'node:fs';
      import { Worker, isMainThread, parentPort } from 'node:worker_threads';
      const { compileValidators, validatorFiles, validatorsDir, versions, parserInternals } = await import(${JSON.stringify(structure)});
      const seen = [];
      for (const version of versions(parserInternals())) {
        const files = validatorFiles(validatorsDir(), version);
        if (!existsSync(files.cache)) {
          seen.push(version + ' has no cache for V8 ' + process.versions.v8 + ': dist/ was built by another Node (npm run build)');
          continue;
        }
        const { script } = compileValidators(readFileSync(files.code, 'utf8'), files.code, readFileSync(files.cache));
        seen.push(version + (script.cachedDataRejected === false ? ' accepted' : ' rejected'));
      }
      if (isMainThread) {
        const worker = new Worker(new URL(import.meta.url));
        worker.on('message', (fromWorker) => console.log(JSON.stringify({ main: seen, worker: fromWorker })));
      } else parentPort.postMessage(seen);`;
    const file = path.join(scratch, 'cache-check.mjs');
    await writeFile(file, script);
    const { stdout } = await promisify(execFile)(process.execPath, [file]);
    const { main, worker } = JSON.parse(stdout) as { main: string[]; worker: string[] };
    const accepted = ['3.0.0 accepted', '3.1.0 accepted'];
    expect(main.sort()).toEqual(accepted);
    expect(worker.sort()).toEqual(accepted);
  });

  it('gives the same diagnostics as the parser on valid and broken 3.0 and 3.1 documents and every fixture', async () => {
    const { differences, codes } = await compare(structureRuleset());
    expect(differences).toEqual([]);
    // The corpus reaches both rules the validators stand in for.
    expect(codes).toContain('asyncapi-document-resolved');
    expect(codes).toContain('asyncapi-document-unresolved');
  }, 120_000);

  it('validators built from another schema are not used: the parser’s own rule runs, with the same diagnostics', async () => {
    const stale = path.join(scratch, 'stale');
    await cp(validatorsDir(), stale, { recursive: true });
    for (const file of await readdir(stale)) {
      const text = await readFile(path.join(stale, file), 'utf8');
      await writeFile(path.join(stale, file), text.replace(/exports\.key = "[0-9a-f]+"/, 'exports.key = "stale"'));
    }
    for (const version of ['3.0.0', '3.1.0']) expect(loadValidators(version, stale)).toBeUndefined();
    const { differences, codes } = await compare(structureRuleset(stale), FEW);
    expect(differences).toEqual([]);
    expect(codes).toContain('asyncapi-document-resolved');
  }, 120_000);

  it('a damaged validators file or code cache is never fatal: unreadable code falls back, a bad cache is recompiled', async () => {
    const damaged = path.join(scratch, 'damaged');
    await cp(validatorsDir(), damaged, { recursive: true });
    // 3.0.0: code cut in half (a syntax error); 3.1.0: intact code, a cache of random bytes.
    const code = path.join(damaged, '3.0.0.cjs');
    const text = await readFile(code, 'utf8');
    await writeFile(code, text.slice(0, text.length / 2));
    await writeFile(validatorFiles(damaged, '3.1.0').cache, Buffer.from('not a V8 code cache'));
    expect(loadValidators('3.0.0', damaged)).toBeUndefined();
    const v31 = loadValidators('3.1.0', damaged);
    expect(v31).toBeDefined();
    expect(v31?.resolved({ asyncapi: '3.1.0', info: { title: 'T', version: '1' } })).toBe(true);
    expect(v31?.resolved({ asyncapi: '3.1.0', info: { title: 'T' } })).toBe(false);
  });

  it('without built validators the parser’s own rule runs, with the same diagnostics', async () => {
    const missing = path.join(scratch, 'missing');
    expect(loadValidators('3.0.0', missing)).toBeUndefined();
    const { differences, codes } = await compare(structureRuleset(missing), FEW);
    expect(differences).toEqual([]);
    expect(codes).toContain('asyncapi-document-unresolved');
  }, 120_000);
});
