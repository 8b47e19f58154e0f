/**
 * The schema rules on schemas nobody here wrote: real-world specs from ../shared/corpus/wild, each
 * changed the same way in every schema, must come out with every change classified.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { diffSpecs } from '../../generator/diff/index.js';

const WILD = path.resolve('../shared/corpus/wild');

type Schema = Record<string, unknown>;

/** One change made to every schema object of the spec, and the [kind, rule]s it may give. */
const MUTATIONS: Record<string, { readonly edit: (s: Schema) => void; readonly allowed: readonly string[] }> = {
  'maxLength: 3 on every string': {
    edit: (s) => {
      if (s.type === 'string') s.maxLength = 3;
    },
    allowed: ['breaking nats-schema-narrowed', 'breaking nats-schema-changed', 'non-breaking nats-component-unused'],
  },
  'additionalProperties: false on every object with properties': {
    edit: (s) => {
      if (s.properties) s.additionalProperties = false;
    },
    allowed: ['breaking nats-schema-narrowed', 'breaking nats-schema-changed', 'non-breaking nats-component-unused'],
  },
  'every required list dropped': {
    edit: (s) => {
      delete s.required;
    },
    allowed: [
      'breaking nats-field-optional',
      'breaking nats-header-optional',
      'breaking nats-schema-changed',
      'non-breaking nats-component-unused',
    ],
  },
  'integer and number swapped': {
    edit: (s) => {
      if (s.type === 'integer') s.type = 'number';
      else if (s.type === 'number') s.type = 'integer';
    },
    allowed: ['breaking nats-field-type-changed', 'breaking nats-schema-changed', 'non-breaking nats-component-unused'],
  },
  'the last value of every enum dropped': {
    edit: (s) => {
      if (Array.isArray(s.enum) && s.enum.length > 1) s.enum.pop();
    },
    allowed: ['breaking nats-enum-value-removed', 'breaking nats-schema-changed', 'non-breaking nats-component-unused'],
  },
  'an optional string property added to every object with properties': {
    edit: (s) => {
      if (s.properties) (s.properties as Schema).zz_new = { type: 'string' };
    },
    allowed: [
      'breaking nats-field-added',
      'breaking nats-header-added',
      'breaking nats-schema-changed',
      'non-breaking nats-component-unused',
    ],
  },
};

const SPECS = ['defra-fcp-audit.yml', 'defra-fcp-fdm.yml', 'synapse-pipeline.yaml', 'kprime-gateway.yaml'];

/** The two defra specs have no enum in a schema a message uses. */
const NO_EFFECT = new Set(
  ['defra-fcp-audit.yml', 'defra-fcp-fdm.yml'].map((s) => `${s} the last value of every enum dropped`),
);

function visit(node: unknown, edit: (s: Schema) => void, seen = new Set<unknown>()): void {
  if (typeof node !== 'object' || node === null || seen.has(node)) return;
  seen.add(node);
  const s = node as Schema;
  if (!Array.isArray(node) && (s.type !== undefined || s.properties !== undefined)) edit(s);
  for (const value of Object.values(s)) visit(value, edit, seen);
}

let work: string;
beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'asyncapi-nats-diff-wild-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('diff on real-world specs', () => {
  const cases = SPECS.flatMap((spec) => Object.keys(MUTATIONS).map((m) => [spec, m] as const)).filter(
    ([spec, m]) => !NO_EFFECT.has(`${spec} ${m}`),
  );
  it.each(cases)('diff - %s with %s: every change classified', async (spec, mutation) => {
    const { edit, allowed } = MUTATIONS[mutation] as (typeof MUTATIONS)[string];
    const doc = parse(await readFile(path.join(WILD, spec), 'utf8')) as { components?: Schema; channels?: Schema };
    const components = doc.components ?? {};
    for (const root of [components.schemas, components.messages, doc.channels]) visit(root, edit);
    const file = path.join(work, `${mutation.replace(/\W+/g, '-')}-${spec}`);
    await writeFile(file, stringify(doc));
    const report = await diffSpecs({ old: path.join(WILD, spec), new: file });
    expect(report.problems.filter((p) => p.severity === 'error')).toEqual([]);
    const kinds = new Set(report.changes.map((c) => `${c.kind} ${c.rule}`));
    expect([...kinds].filter((k) => !allowed.includes(k))).toEqual([]);
    // The change reached schemas that messages use (not only unused components).
    expect(report.changes.filter((c) => c.rule !== 'nats-component-unused').length).toBeGreaterThan(0);
  });
});
