/**
 * The example checker shared by the code's example factories and the docs site
 * (generator/docs/examples.ts `validator`): one compiled validator per schema object.
 */
import { describe, expect, it } from 'vitest';
import { validator } from '../../generator/docs/examples.js';

describe('example validator', () => {
  it('example validator - a schema object is compiled once: both callers get the same checker', () => {
    const schema = { type: 'object', properties: { n: { type: 'integer' } }, required: ['n'] };
    const first = validator(schema);
    expect(validator(schema)).toBe(first);
    // An equal but distinct object is its own schema.
    expect(validator(structuredClone(schema))).not.toBe(first);
  });

  it('example validator - the shared checker still tells valid from invalid, each time', () => {
    const check = validator({ type: 'object', properties: { n: { type: 'integer' } }, required: ['n'] });
    if (!check.ok) throw new Error(check.reason);
    expect(check.check({ n: 1 })).toBeUndefined();
    expect(check.check({ n: 'x' })).toMatch(/ at n$/);
    expect(check.check({ n: 2 })).toBeUndefined();
    expect(validator(true).ok).toBe(true);
  });
});
