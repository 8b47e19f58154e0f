/**
 * The oracle's corpus: every AsyncAPI document we can model (spec/, test/fixtures/specs/, the wild
 * corpus of real-world documents), each turned into the very `schemas.ts` users get, written under
 * test/oracle/.out/ and imported, beside the JSON Schema of every declaration for the reference.
 */
import { mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { z } from 'zod';
import { emitModel } from '../../generator/emit/module.js';
import { loadModel } from '../../generator/model/load.js';
import type { ApiModel, JsonSchema, NamedSchema, SchemaDialect } from '../../generator/model/types.js';
import type { Problem } from '../../generator/problems.js';
import { WILD_CORPUS, wildDocuments } from '../corpus/wild-corpus.js';

export const ROOT = path.resolve(fileURLToPath(new URL('../..', import.meta.url)));
const OUT = path.join(ROOT, 'test/oracle/.out');

/** One document of the corpus. */
export interface CorpusDocument {
  /** Short stable id, e.g. `wild/frolf-bot.yaml`. */
  readonly id: string;
  readonly path: string;
}

/** A declaration of a modelled document: its JSON Schema and the emitted zod schema. */
export interface Declaration {
  readonly name: string;
  readonly role: NamedSchema['role'];
  readonly schema: JsonSchema;
  /** The dialect the schema is written in (its message's schema format). */
  readonly dialect?: SchemaDialect | undefined;
  readonly zod: z.ZodType;
}

/** What became of a document: its declarations, or why it has none. */
export type Modelled =
  | { readonly ok: true; readonly declarations: readonly Declaration[] }
  | { readonly ok: false; readonly reason: string };

function yamlOrJson(name: string): boolean {
  return /\.(ya?ml|json)$/.test(name);
}

/** Fixtures written to fail (each test of the CLI says how): they have no schemas to judge. */
const INVALID_FIXTURES = new Set([
  'bad-extensions.yaml',
  'bad-ref.yaml',
  'bad-version.yaml',
  'bad-yaml.yaml',
  'illegal-subject.yaml',
  'not-asyncapi.yaml',
  'partial-parameter.yaml',
  'request-without-reply-message.yaml',
  'wildcard-publish.yaml',
  'wire-problems.yaml',
]);

/** Documents of spec/ and test/fixtures/specs/ (not their subfolders of diff pairs). */
export function projectDocuments(): CorpusDocument[] {
  const out: CorpusDocument[] = [];
  for (const dir of ['spec', 'test/fixtures/specs']) {
    for (const name of readdirSync(path.join(ROOT, dir)).sort()) {
      const file = path.join(ROOT, dir, name);
      if (yamlOrJson(name) && statSync(file).isFile() && !INVALID_FIXTURES.has(name)) {
        out.push({ id: `${dir}/${name}`, path: file });
      }
    }
  }
  for (const name of readdirSync(path.join(ROOT, 'test/fixtures/specs/diff')).sort()) {
    if (yamlOrJson(name))
      out.push({ id: `test/fixtures/specs/diff/${name}`, path: path.join(ROOT, 'test/fixtures/specs/diff', name) });
  }
  return out;
}

/** The wild corpus' valid documents (SOURCES.md marks the others `invalid:` or `remote-ref:`). */
export function validWildDocuments(): CorpusDocument[] {
  return wildDocuments()
    .filter((d) => d.expect === 'valid')
    .map((d) => ({ id: `wild/${d.file}`, path: path.join(WILD_CORPUS, d.file) }));
}

/** Models `doc`, prints its schemas.ts where `asyncapi-nats/runtime` resolves, and imports it. */
export async function modelDocument(doc: CorpusDocument): Promise<Modelled> {
  const loaded = await loadModel(doc.path, doc.id);
  if (!loaded.model) return { ok: false, reason: firstError(loaded.problems) };
  return declarationsOf(loaded.model, doc.id);
}

/** Prints the model's schemas.ts into test/oracle/.out/<slug>/ and imports it. */
export async function declarationsOf(model: ApiModel, id: string): Promise<Modelled> {
  let files: Map<string, string>;
  try {
    ({ files } = emitModel(
      model,
      { source: id, runtimeImport: 'asyncapi-nats/runtime' },
      { client: false, server: false },
    ));
  } catch (e) {
    return { ok: false, reason: `emit failed: ${e instanceof Error ? e.message : String(e)}` };
  }
  const dir = path.join(OUT, id.replace(/[^A-Za-z0-9_.-]+/g, '_'));
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  for (const name of ['schemas.ts', 'types.ts']) writeFileSync(path.join(dir, name), files.get(name) ?? '');
  const module = (await import(/* @vite-ignore */ pathToFileURL(path.join(dir, 'schemas.ts')).href)) as Record<
    string,
    z.ZodType
  >;
  const declarations = model.schemas.map((decl): Declaration => {
    const zod = module[decl.zodName];
    if (zod === undefined) throw new Error(`${id}: schemas.ts has no ${decl.zodName}`);
    return { name: decl.name, role: decl.role, schema: decl.schema, dialect: decl.dialect, zod };
  });
  return { ok: true, declarations };
}

function firstError(problems: readonly Problem[]): string {
  const error = problems.find((p) => p.severity === 'error');
  return error ? `${error.code} at ${error.line}:${error.column}: ${error.message}` : 'no model';
}
