import { describe, expect, it } from 'vitest';
import { parseSubjectTemplate } from '../../generator/model/subject.js';

describe('subject rules', () => {
  it('subject rules - whole-token parameters parse into tokens', () => {
    const parsed = parseSubjectTemplate('ai.agent.message.{tenant_id}');
    expect(parsed.issues).toEqual([]);
    expect(parsed.parameters).toEqual(['tenant_id']);
    expect(parsed.tokens).toEqual([
      { kind: 'literal', value: 'ai' },
      { kind: 'literal', value: 'agent' },
      { kind: 'literal', value: 'message' },
      { kind: 'parameter', name: 'tenant_id' },
    ]);
  });

  it.each([
    ['ai..x', 'nats-illegal-token', "address 'ai..x' has an empty token (token 2)"],
    ['.ai', 'nats-illegal-token', "address '.ai' has an empty token (token 1)"],
    ['ai.x.', 'nats-illegal-token', "address 'ai.x.' has an empty token (token 3)"],
    [
      'ai.bad name',
      'nats-illegal-token',
      "address 'ai.bad name' has whitespace or a control character in token 'bad name'",
    ],
    [
      'ai.tenant-{id}.x',
      'nats-partial-parameter',
      "address 'ai.tenant-{id}.x' has a parameter that is not a whole token: 'tenant-{id}'",
    ],
    ['ai.>.x', 'nats-wildcard-position', "address 'ai.>.x' has '>' before its last token"],
    ['ai.a*b', 'nats-illegal-token', "address 'ai.a*b' has a wildcard character inside token 'a*b'"],
  ])('subject rules - %j is rejected as %s', (address, code, message) => {
    const [issue] = parseSubjectTemplate(address).issues;
    expect(issue?.code).toBe(code);
    expect(issue?.message).toBe(message);
  });

  it.each([['ai.*.events'], ['ai.events.>']])('subject rules - %j is a legal wildcard address', (address) => {
    const parsed = parseSubjectTemplate(address);
    expect(parsed.issues).toEqual([]);
    expect(parsed.hasWildcard).toBe(true);
  });
});
