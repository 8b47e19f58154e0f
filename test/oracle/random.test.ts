/**
 * The differential oracle on generated schemas: seeded random draft-07 schemas (every keyword, nested
 * and combined) printed by the real emitter into one schemas.ts, each judged by ajv and by its
 * emitted zod schema on payloads drawn from it and mutated.
 */
import fc from 'fast-check';
import { afterAll, expect, it } from 'vitest';
import { declarationsOf } from './corpus.js';
import { describe, judge, Tally } from './judge.js';
import { modelOf, randomSchema } from './random-schemas.js';

const SCHEMAS = 400;
const PAYLOADS = 40;
const SEED = 19_2026;

const tally = new Tally();
afterAll(() => console.log(tally.summary('random schemas')));

it(`oracle - ${SCHEMAS} random schemas: ajv and the emitted zod agree on every payload`, async () => {
  const schemas = fc.sample(randomSchema(), { numRuns: SCHEMAS, seed: SEED });
  const modelled = await declarationsOf(modelOf(schemas), 'random');
  if (!modelled.ok) throw new Error(modelled.reason);
  tally.documents++;
  modelled.declarations.forEach((decl, i) => {
    judge(`random/${i}`, decl, PAYLOADS, SEED + i, tally);
  });
  const unexplained = tally.unexplained();
  expect(unexplained.length, `${unexplained.length} unexplained disagreements:\n${describe(unexplained)}`).toBe(0);
});
