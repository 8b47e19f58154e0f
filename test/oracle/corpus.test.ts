/**
 * The differential oracle over the documents people really have: every schema of spec/,
 * test/fixtures/specs/ and the wild corpus, judged by ajv (draft-07 + ajv-formats) and by the zod
 * schema we emit for it, on payloads drawn from the schema and mutated (seeded). Every disagreement
 * fails, except those test/oracle/exceptions.ts explains. Documents made to be invalid (fixtures of the
 * CLI's error tests, the wild documents SOURCES.md marks invalid or remote-ref) have nothing to judge.
 */
import { afterAll, expect, describe as group, it } from 'vitest';
import { type CorpusDocument, modelDocument, projectDocuments, validWildDocuments } from './corpus.js';
import { describe, judge, Tally } from './judge.js';

/** Payloads per schema; the seed makes every run judge the same ones. */
const PAYLOADS = 60;
const SEED = 20261207;

function suite(label: string, documents: readonly CorpusDocument[]) {
  const tally = new Tally();
  afterAll(() => console.log(tally.summary(label)));
  it.each(documents.map((d) => [d.id, d] as const))(
    `oracle - %s: ajv and the emitted zod agree on every payload`,
    async (_, doc) => {
      const modelled = await modelDocument(doc);
      // A valid document the generator cannot model is a failure here too: its schemas go unjudged.
      if (!modelled.ok) throw new Error(`${doc.id} is valid but could not be modelled: ${modelled.reason}`);
      tally.documents++;
      const before = tally.unexplained().length;
      modelled.declarations.forEach((decl, i) => {
        judge(doc.id, decl, PAYLOADS, SEED + i, tally);
      });
      const mine = tally.unexplained().slice(before);
      expect(mine.length, `${mine.length} unexplained disagreements:\n${describe(mine)}`).toBe(0);
    },
  );
}

group('oracle - project specs', () => suite('project specs', projectDocuments()));
group('oracle - wild corpus', () => suite('wild corpus', validWildDocuments()));
