/**
 * AsyncAPI 2.x → 3.0 (generator/parse/convert.ts): what the converter cannot carry is taken out with a
 * located diagnostic, and every pointer of the converted document leads back to the node of the
 * original it came from, so that diagnostics after a conversion point at the file a person edits.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { convertToV3 } from '../../generator/parse/convert.js';
import { SourceMap, splitPointer } from '../../generator/parse/locate.js';
import type { Problem } from '../../generator/problems.js';
import { WILD_CORPUS } from '../corpus/wild-corpus.js';

const ROOT = path.resolve(import.meta.dirname, '../..');

/** The value at `pointer`, following local `$ref`s as the source map does. */
function at(root: unknown, segments: readonly string[], depth = 0): unknown {
  let node = root;
  for (const [i, seg] of segments.entries()) {
    const ref = (node as { $ref?: unknown } | null)?.$ref;
    if (typeof ref === 'string' && ref.startsWith('#/') && !(seg in (node as object))) {
      return depth > 16 ? undefined : at(root, [...splitPointer(ref), ...segments.slice(i)], depth + 1);
    }
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Record<string, unknown>)[seg];
  }
  return node;
}

/** Every scalar of `value` by pointer. */
function leaves(value: unknown, pointer = '', out: [string, unknown][] = []): [string, unknown][] {
  if (typeof value === 'object' && value !== null) {
    for (const [k, v] of Object.entries(value)) {
      leaves(v, `${pointer}/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`, out);
    }
  } else {
    out.push([pointer, value]);
  }
  return out;
}

/** Fields the converter writes itself (their value is not the original's), and rewritten `$ref`s. */
const MADE_BY_CONVERTER = /^\/asyncapi$|\/address$|\/action$|\/host$|\/pathname$|\/\$ref$/;

async function convertFile(
  file: string,
): Promise<{ original: unknown; converted: unknown; problems: Problem[]; translate: (p: string) => string }> {
  const text = await readFile(file, 'utf8');
  const original = parse(text);
  const problems: Problem[] = [];
  const conversion = await convertToV3(original, SourceMap.fromText(text), 'spec.yaml', problems);
  return { original, converted: JSON.parse(conversion.text), problems, translate: conversion.translate };
}

async function twoX(): Promise<string[]> {
  const files = [
    path.join(ROOT, 'test/fixtures/specs/v2.asyncapi.yaml'),
    path.join(ROOT, 'test/fixtures/specs/v2-conversion.yaml'),
  ];
  for (const name of (await readdir(WILD_CORPUS)).sort()) {
    if (!/\.(ya?ml|json)$/.test(name)) continue;
    const file = path.join(WILD_CORPUS, name);
    if (String(parse(await readFile(file, 'utf8'))?.asyncapi).startsWith('2.')) files.push(file);
  }
  return files;
}

describe('conversion of AsyncAPI 2.x', () => {
  it('convert - every value of the converted document is found where it was in the original (fixtures and the wild corpus)', async () => {
    const files = await twoX();
    expect(files.length).toBeGreaterThanOrEqual(20);
    let checked = 0;
    for (const file of files) {
      const { original, converted, translate } = await convertFile(file);
      const lost: string[] = [];
      for (const [pointer, value] of leaves(converted)) {
        if (MADE_BY_CONVERTER.test(pointer)) continue;
        const back = translate(pointer);
        if (JSON.stringify(at(original, splitPointer(back))) !== JSON.stringify(value))
          lost.push(`${pointer} -> ${back}`);
        checked++;
      }
      expect(lost, path.basename(file)).toEqual([]);
    }
    expect(checked).toBeGreaterThan(5000);
  });

  it('convert - operations, their messages and a channel address lead back to the 2.x channel, publish/subscribe and message', async () => {
    const { translate } = await convertFile(path.join(ROOT, 'test/fixtures/specs/v2-conversion.yaml'));
    expect(translate('/operations/onOrder')).toBe('/channels/orders.{region}/subscribe');
    expect(translate('/operations/onOrder/channel')).toBe('/channels/orders.{region}');
    expect(translate('/operations/cancelOrder/messages/0/payload/required')).toBe(
      '/channels/orders~1{id}~1cancel/publish/message/payload/required',
    );
    expect(translate('/channels/orders~1{id}~1cancel/address')).toBe('/channels/orders~1{id}~1cancel');
    expect(translate('/channels/orders.{region}/parameters/region/enum')).toBe(
      '/channels/orders.{region}/parameters/region/schema/enum',
    );
    expect(translate('/servers/production/host')).toBe('/servers/production/url');
    expect(translate('/components/messages/Order/payload')).toBe('/components/messages/Order/payload');
  });

  it('convert - bindings of other protocols and parameter extensions are left out, each located; a $ref parameter schema is inlined', async () => {
    const { converted, problems } = await convertFile(path.join(ROOT, 'test/fixtures/specs/v2-conversion.yaml'));
    expect(problems.map((p) => `${p.line}:${p.column} ${p.severity} ${p.code} ${p.message}`)).toEqual([
      "26:9 info extension-not-converted extension x-owner of parameter 'region' is left out of the conversion to AsyncAPI 3.0 (the converter cannot carry extensions of parameters)",
      '30:7 info binding-not-converted the wss binding is left out of the conversion to AsyncAPI 3.0: generated code speaks NATS and reads only nats bindings',
      '37:9 info binding-not-converted the http binding is left out of the conversion to AsyncAPI 3.0: generated code speaks NATS and reads only nats bindings',
    ]);
    // The $ref'd parameter schema was read: its enum survives.
    expect(at(converted, ['channels', 'orders.{region}', 'parameters', 'region'])).toEqual({
      enum: ['eu', 'us'],
      description: 'Two-letter region code.',
    });
    expect(at(converted, ['channels', 'orders.{region}', 'bindings'])).toEqual({});
  });
});
