import { describe, expect, test } from 'vitest';
import { InvalidSubjectParameterError, type SubjectTemplate, subjectTemplate, wildcard } from '../../runtime/index.js';

const agent = subjectTemplate('ai.agent.{agent_id}.message.{tenant_id}');

describe('subject - template', () => {
  test('subject - exposes address, parameters and pattern', () => {
    expect(agent.address).toBe('ai.agent.{agent_id}.message.{tenant_id}');
    expect(agent.parameters).toEqual(['agent_id', 'tenant_id']);
    expect(agent.pattern).toBe('ai.agent.*.message.*');
  });

  test('subject - builds a concrete subject', () => {
    expect(agent.build({ agent_id: 'a-1', tenant_id: 'acme' })).toBe('ai.agent.a-1.message.acme');
  });

  test('subject - a template without parameters builds its address', () => {
    const t = subjectTemplate('ai.health');
    expect(t.parameters).toEqual([]);
    expect(t.build({})).toBe('ai.health');
    expect(t.parse('ai.health')).toEqual({});
    expect(t.parse('ai.other')).toBeUndefined();
  });

  test('subject - a parameter may be the first or last token', () => {
    const t = subjectTemplate('{tenant}.x.{id}');
    expect(t.build({ tenant: 'acme', id: '7' })).toBe('acme.x.7');
    expect(t.parse('acme.x.7')).toEqual({ tenant: 'acme', id: '7' });
  });

  test('subject - subscription turns wildcard values into *', () => {
    expect(agent.subscription({ agent_id: 'a-1', tenant_id: wildcard })).toBe('ai.agent.a-1.message.*');
    expect(agent.subscription({ agent_id: wildcard, tenant_id: wildcard })).toBe(agent.pattern);
  });

  test('subject - subscription still rejects a literal * value', () => {
    expect(() => agent.subscription({ agent_id: '*', tenant_id: wildcard })).toThrow(
      "invalid value for subject parameter 'agent_id': '*' (wildcards are not allowed)",
    );
  });

  test('subject - build rejects the wildcard sentinel', () => {
    const params = { agent_id: wildcard, tenant_id: 'acme' } as unknown as Record<string, string>;
    expect(() => (agent as SubjectTemplate).build(params)).toThrow(
      "invalid value for subject parameter 'agent_id': Symbol(asyncapi-nats.wildcard) (a wildcard is only allowed in a subscription)",
    );
  });

  test('subject - parse reads parameters back', () => {
    expect(agent.parse('ai.agent.a-1.message.acme')).toEqual({ agent_id: 'a-1', tenant_id: 'acme' });
  });

  test.each([
    ['too few tokens', 'ai.agent.a-1.message'],
    ['too many tokens', 'ai.agent.a-1.message.acme.x'],
    ['a different literal', 'ai.agents.a-1.message.acme'],
    ['an empty token', 'ai.agent..message.acme'],
  ])('subject - parse answers undefined for %s', (_name, subject) => {
    expect(agent.parse(subject)).toBeUndefined();
  });

  test('subject - a repeated parameter must have one value', () => {
    const t = subjectTemplate('{x}.mid.{x}');
    expect(t.parameters).toEqual(['x']);
    expect(t.build({ x: 'a' })).toBe('a.mid.a');
    expect(t.parse('a.mid.a')).toEqual({ x: 'a' });
    expect(t.parse('a.mid.b')).toBeUndefined();
  });

  test('subject - literal wildcards in an address match in parse', () => {
    const t = subjectTemplate('logs.{app}.>');
    expect(t.parse('logs.api.error.db')).toEqual({ app: 'api' });
    expect(t.parse('logs.api')).toBeUndefined();
  });

  test.each([
    ['a placeholder inside a token', 'ai.agent-{id}'],
    ['an empty token', 'ai..agent'],
    ['a stray brace', 'ai.{id'],
  ])('subject - rejects an address with %s', (_name, address) => {
    expect(() => subjectTemplate(address)).toThrow(Error);
  });

  test('subject - the error for a partial placeholder quotes the token', () => {
    expect(() => subjectTemplate('ai.agent-{id}')).toThrow(
      "invalid address 'ai.agent-{id}': a placeholder must be a whole token, got 'agent-{id}'",
    );
  });
});

describe('subject - parameter values', () => {
  const t = subjectTemplate('ai.agent.message.{tenant_id}');
  const rejected: readonly [string, unknown, string][] = [
    ['a * wildcard', '*', "'*' (wildcards are not allowed)"],
    ['a > wildcard', '>', "'>' (wildcards are not allowed)"],
    ['a wildcard inside a value', 'a*', "'a*' (wildcards are not allowed)"],
    ['a dot', 'a.b', "'a.b' (contains '.', the token separator)"],
    ['an empty value', '', "'' (empty)"],
    ['leading whitespace', ' x', "' x' (contains whitespace)"],
    ['a tab', 'a\tb', "'a\\tb' (contains whitespace)"],
    ['a non-breaking space', 'a\u00a0b', "'a\u00a0b' (contains whitespace)"],
    ['a NUL character', '\u0000', "'\\u0000' (contains a control character)"],
    ['a DEL character', 'a\u007fb', "'a\u007fb' (contains a control character)"],
    ['a $ prefix', '$SYS', "'$SYS' (starts with '$', reserved for system subjects)"],
    ['a number', 42, '42 (expected a string, got number)'],
    ['null', null, 'null (expected a string, got null)'],
    ['a missing value', undefined, 'undefined (missing)'],
  ];

  test.each(rejected)('subject - rejects a parameter with %s', (_name, value, quoted) => {
    const params = { tenant_id: value } as Record<string, string>;
    let thrown: unknown;
    try {
      (t as SubjectTemplate).build(params);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(InvalidSubjectParameterError);
    const error = thrown as InvalidSubjectParameterError;
    expect(error.message).toBe(`invalid value for subject parameter 'tenant_id': ${quoted}`);
    expect(error).toMatchObject({ name: 'InvalidSubjectParameterError', code: 'INVALID_SUBJECT_PARAMETER' });
    expect(error.parameter).toBe('tenant_id');
    expect(error.value).toBe(value);
  });

  test.each(['acme', 'a-b_c', 'ünïcode', '123', 'a$b', 'a:b'])('subject - accepts %j', (value) => {
    expect(t.build({ tenant_id: value })).toBe(`ai.agent.message.${value}`);
  });
});
