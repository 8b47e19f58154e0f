import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import {
  ContractError,
  InvalidSubjectParameterError,
  type SubjectTemplate,
  subjectTemplate,
  wildcard,
  z,
} from '../../runtime/index.js';

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
    expect(() => subjectTemplate(address)).toThrow(ContractError);
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
    ['a lone high surrogate', '\ud800', "'\\ud800' (contains a lone UTF-16 surrogate, which is not valid Unicode)"],
    [
      'a lone low surrogate',
      'acme\udc00',
      "'acme\\udc00' (contains a lone UTF-16 surrogate, which is not valid Unicode)",
    ],
    [
      'a high surrogate before a letter',
      '\udbffA',
      "'\\udbffA' (contains a lone UTF-16 surrogate, which is not valid Unicode)",
    ],
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

  test.each(['acme', 'a-b_c', 'ünïcode', '123', 'a$b', 'a:b', '😀', 'a\ud83d\ude00b'])(
    'subject - accepts %j',
    (value) => {
      expect(t.build({ tenant_id: value })).toBe(`ai.agent.message.${value}`);
    },
  );

  test('subject - two distinct accepted values never become the same subject bytes on the wire (property)', () => {
    // Any UTF-16 code unit, lone surrogates included; the NATS client encodes subjects as TextEncoder does.
    const unit = fc.integer({ min: 0, max: 0xffff }).map((code) => String.fromCharCode(code));
    const values = fc.oneof(
      fc.string({ unit, minLength: 1, maxLength: 8 }),
      fc.string({ unit: 'binary', minLength: 1, maxLength: 8 }),
      fc.constantFrom('\ud800', '\udc00', '\ufffd', 'a\ud800', 'a\udc00', 'a\ufffd'),
    );
    const encoder = new TextEncoder();
    const wire = (value: string): string | undefined => {
      try {
        return Buffer.from(encoder.encode(t.build({ tenant_id: value }))).toString('hex');
      } catch (error) {
        if (error instanceof InvalidSubjectParameterError) return undefined;
        throw error;
      }
    };
    let accepted = 0;
    fc.assert(
      fc.property(values, values, (a, b) => {
        const [wa, wb] = [wire(a), wire(b)];
        if (wa !== undefined && wb !== undefined) {
          accepted++;
          return a === b || wa !== wb;
        }
        return true;
      }),
      { numRuns: 5000, seed: 20261219 },
    );
    expect(accepted).toBeGreaterThan(1000);
    // The reason the check exists: the two lone surrogates and U+FFFD itself are one subject to the client.
    expect(encoder.encode('\ud800')).toEqual(encoder.encode('\ufffd'));
    expect(wire('\ufffd')).toBe(Buffer.from('ai.agent.message.\ufffd').toString('hex'));
    expect(wire('\ud800')).toBeUndefined();
  });
});

describe('subject - rules from the spec', () => {
  const regional = subjectTemplate('app.{region}.orders.{id}', {
    schema: z.object({
      region: z.enum(['eu', 'us']).exactOptional(),
      id: z.coerce.number().int().gte(1).exactOptional(),
    }),
    defaults: { region: 'eu' },
  });

  function error(f: () => unknown): InvalidSubjectParameterError {
    try {
      f();
    } catch (thrown) {
      if (thrown instanceof InvalidSubjectParameterError) return thrown;
      throw thrown;
    }
    throw new Error('did not throw');
  }

  test('subject rules - build checks each value against the schema', () => {
    expect(regional.build({ region: 'us', id: '7' })).toBe('app.us.orders.7');
    const e = error(() => regional.build({ region: 'zz', id: '7' }));
    expect(e.parameter).toBe('region');
    expect(e.value).toBe('zz');
    expect(e.message).toBe(
      `invalid value for subject parameter 'region': 'zz' (Invalid option: expected one of "eu"|"us")`,
    );
    expect(error(() => regional.build({ region: 'eu', id: '0' })).message).toBe(
      "invalid value for subject parameter 'id': '0' (Too small: expected number to be >=1)",
    );
  });

  test('subject rules - a missing value takes its default', () => {
    expect(regional.build({ id: '3' } as never)).toBe('app.eu.orders.3');
    expect(regional.subscription({ id: wildcard } as never)).toBe('app.eu.orders.*');
  });

  test('subject rules - the token separators and wildcards are still refused before the schema runs', () => {
    expect(error(() => regional.build({ region: 'eu', id: '1.2' })).message).toBe(
      "invalid value for subject parameter 'id': '1.2' (contains '.', the token separator)",
    );
  });

  test('subject rules - subscription checks concrete values and lets wildcards through', () => {
    expect(regional.subscription({ region: wildcard, id: '5' })).toBe('app.*.orders.5');
    expect(error(() => regional.subscription({ region: wildcard, id: 'x' })).parameter).toBe('id');
    expect(error(() => regional.build({ region: wildcard, id: '5' } as never)).message).toBe(
      "invalid value for subject parameter 'region': Symbol(asyncapi-nats.wildcard) (a wildcard is only allowed in a subscription)",
    );
  });

  test('subject rules - check judges values parsed from a received subject', () => {
    const check = regional.check;
    if (check === undefined) throw new Error('a template with a schema has check');
    expect(check({ region: 'us', id: '12' })).toBeUndefined();
    const bad = check(regional.parse('app.zz.orders.12') ?? {});
    expect(bad).toBeInstanceOf(InvalidSubjectParameterError);
    expect(bad?.parameter).toBe('region');
  });

  test('subject rules - a located value comes from the message when left out, and must equal it when given', () => {
    const orders = subjectTemplate('shop.{customer}.{kind}', {
      locations: { customer: { payload: ['customer', 'id'] }, kind: { header: 'kind' } },
    });
    const message = { payload: { customer: { id: 42 } }, headers: { kind: 'rush' } };
    expect(orders.build({} as never, message)).toBe('shop.42.rush');
    expect(orders.build({ customer: '42', kind: 'rush' }, message)).toBe('shop.42.rush');
    expect(orders.build({ customer: '7', kind: 'slow' })).toBe('shop.7.slow');
    expect(error(() => orders.build({ customer: '7' } as never, message)).message).toBe(
      `invalid value for subject parameter 'customer': '7' (payload /customer/id of the message is "42")`,
    );
    // Only text, numbers and booleans are values; an object there is no value.
    expect(error(() => orders.build({} as never, { payload: { customer: { id: {} } } })).message).toBe(
      "invalid value for subject parameter 'customer': undefined (missing)",
    );
  });

  test('subject rules - checkMessage compares a received message with its subject; a message without the value passes', () => {
    const orders = subjectTemplate('shop.{customer}.{kind}', {
      locations: { customer: { payload: ['customer', 'id'] }, kind: { header: 'kind' } },
    });
    const checkMessage = orders.checkMessage;
    if (checkMessage === undefined) throw new Error('a template with locations has checkMessage');
    const headers = (kind?: string) => ({
      get: (n: string) => (n === 'kind' ? (kind ?? '') : ''),
      has: () => kind !== undefined,
    });
    const params = { customer: '42', kind: 'rush' };
    expect(checkMessage(params, { customer: { id: 42 } }, headers('rush'))).toBeUndefined();
    expect(checkMessage(params, { total: 1 }, undefined)).toBeUndefined();
    expect(checkMessage(params, { customer: { id: '43' } }, headers('rush'))?.message).toBe(
      `invalid value for subject parameter 'customer': '42' (payload /customer/id of the message is "43")`,
    );
    expect(checkMessage(params, { customer: { id: '42' } }, headers(''))?.message).toBe(
      `invalid value for subject parameter 'kind': 'rush' (header 'kind' of the message is "")`,
    );
    expect(subjectTemplate('shop.{customer}').checkMessage).toBeUndefined();
  });

  test('subject rules - a template without a schema has no check', () => {
    expect(subjectTemplate('app.{region}').check).toBeUndefined();
    expect(subjectTemplate('app.{region}', { defaults: { region: 'eu' } }).check).toBeUndefined();
    expect(subjectTemplate('app.{region}', { defaults: { region: 'eu' } }).build({} as never)).toBe('app.eu');
  });
});
