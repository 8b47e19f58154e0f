/**
 * The source map (generator/parse/locate.ts) built on the tree the AsyncAPI parser already made of a
 * spec must place every JSON pointer where the one built by the yaml package does: every node of
 * every test spec, pointers through `$ref`s and pointers that do not exist, with Unix and Windows
 * line ends.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { Parser } from '@asyncapi/parser';
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { largeSpec } from '../../bench/spec300.js';
import { SourceMap } from '../../generator/parse/locate.js';
import { parseSpecText } from '../../generator/parse/parse.js';
import { structureRuleset } from '../../generator/parse/structure.js';

const root = path.resolve(import.meta.dirname, '../..');

const segment = (s: string) => s.replace(/~/g, '~0').replace(/\//g, '~1');

/** Every pointer into `value` (objects and arrays), the root included. */
function pointers(value: unknown, at = '', out: string[] = []): string[] {
  out.push(at);
  if (Array.isArray(value)) {
    for (const [i, v] of value.entries()) pointers(v, `${at}/${i}`, out);
  } else if (typeof value === 'object' && value !== null) {
    for (const [k, v] of Object.entries(value)) pointers(v, `${at}/${segment(k)}`, out);
  }
  return out;
}

/** Every `$ref` target in `value`, each followed by a few segments (to walk through the reference). */
function throughRefs(value: unknown, out: string[] = []): string[] {
  if (Array.isArray(value)) for (const v of value) throughRefs(v, out);
  else if (typeof value === 'object' && value !== null) {
    for (const [k, v] of Object.entries(value)) {
      if (k === '$ref' && typeof v === 'string' && v.startsWith('#/')) out.push(v.slice(1));
      else throughRefs(v, out);
    }
  }
  return out;
}

async function specs(): Promise<[string, string][]> {
  const texts: [string, string][] = [];
  const sample = await readFile(path.join(root, 'spec/ai-sdk.asyncapi.yaml'), 'utf8');
  texts.push(['spec/ai-sdk.asyncapi.yaml', sample], ['ai-sdk with CRLF line ends', sample.replace(/\n/g, '\r\n')]);
  texts.push(['ai-sdk as JSON', JSON.stringify(YAML.parse(sample), null, 2)]);
  texts.push(['generated 40-channel spec', largeSpec(40).text]);
  const fixtures = path.join(root, 'test/fixtures/specs');
  for (const file of (await readdir(fixtures)).filter((f) => /\.ya?ml$/.test(f)).sort()) {
    texts.push([file, await readFile(path.join(fixtures, file), 'utf8')]);
  }
  return texts;
}

describe('source map on the parser’s tree', () => {
  it('places every pointer of every test spec where the yaml package’s source map does', async () => {
    const parser = new Parser(structureRuleset());
    let compared = 0;
    let onParserTree = 0;
    for (const [name, text] of await specs()) {
      const { extras } = await parser.parse(text);
      const tree = (extras?.document as unknown as { parserResult?: { ast?: unknown } } | undefined)?.parserResult?.ast;
      const ours = SourceMap.fromParserTree(text, tree);
      if (ours === undefined) continue; // no tree (a YAML syntax error): parse.ts falls back to fromText
      onParserTree++;
      const theirs = SourceMap.fromText(text);
      let data: unknown;
      try {
        data = YAML.parse(text, { uniqueKeys: false });
      } catch {
        data = {};
      }
      const all = [...pointers(data)];
      for (const target of throughRefs(data)) all.push(target, `${target}/description`, `${target}/payload/type`);
      all.push('/nope', '/channels/nope/address', '/operations/0/x', '/info/title/deeper');
      for (const pointer of all) {
        expect(ours.locate(pointer), `${name} ${pointer}`).toEqual(theirs.locate(pointer));
        compared++;
      }
    }
    expect(onParserTree).toBeGreaterThanOrEqual(20);
    expect(compared).toBeGreaterThan(5_000);
  }, 60_000);

  it('a parsed spec’s source map gives the positions the yaml package’s does', async () => {
    const text = await readFile(path.join(root, 'test/fixtures/specs/illegal-subject.yaml'), 'utf8');
    const { spec } = await parseSpecText(text, 'illegal-subject.yaml', path.join(root, 'test/fixtures/specs'));
    expect(spec).toBeDefined();
    const theirs = SourceMap.fromText(text);
    for (const pointer of ['/channels', '/info/title', '/operations']) {
      expect(spec?.sourceMap.locate(pointer)).toEqual(theirs.locate(pointer));
    }
  });
});
