/**
 * Subject templates: AsyncAPI channel addresses like `ai.agent.message.{tenant_id}` turned into concrete
 * NATS subjects, subscription patterns and parameters parsed back from a subject.
 */
import type { z } from 'zod';
import { ContractError, InvalidSubjectParameterError } from './errors.js';

/** Sentinel for "any value of this parameter" in a subscription: the token becomes `*`. */
export const wildcard: unique symbol = Symbol('asyncapi-nats.wildcard');

/** Type of {@link wildcard}. */
export type Wildcard = typeof wildcard;

/**
 * The parameter names of an address, worked out by the type checker:
 * `ParamsOf<'ai.{tenant_id}.x.{id}'>` is `'tenant_id' | 'id'`.
 */
export type ParamsOf<A extends string> = A extends `${string}{${infer P}}${infer Rest}` ? P | ParamsOf<Rest> : never;

/**
 * A parsed channel address; build it once (generated code does so at module load) and reuse it.
 * `P` names its parameters, so `build` and `subscription` need exactly those values.
 */
export interface SubjectTemplate<P extends string = string> {
  /** The address as written in the spec. */
  readonly address: string;
  /** Parameter names in order of first appearance, without braces. */
  readonly parameters: readonly string[];
  /** The address with every parameter replaced by `*`: a subscription to all values. */
  readonly pattern: string;
  /**
   * The concrete subject for these values; throws {@link InvalidSubjectParameterError} for a bad or
   * missing value. `message`: the payload and headers being sent, where a parameter the spec locates
   * in the message ({@link SubjectRules.locations}) takes its value from when it is not given, and
   * must agree with when it is.
   */
  build(params: Readonly<Record<P, string>>, message?: MessageValues): string;
  /** Like {@link SubjectTemplate.build}, but a value may be {@link wildcard} to match any token. */
  subscription(params: Readonly<Record<P, string | Wildcard>>): string;
  /**
   * The parameter values of a concrete subject, or `undefined` when the subject does not fit the
   * address. The values are not checked against the spec's rules: see {@link SubjectTemplate.check}.
   */
  parse(subject: string): Record<P, string> | undefined;
  /**
   * Present only when the spec constrains the parameter values ({@link SubjectRules.schema}): checks
   * values read from a received subject, and answers the error for the first one the spec does not
   * allow (`undefined` when all fit). `build` and `subscription` check the same rules themselves.
   */
  readonly check: ((params: Readonly<Record<string, string>>) => InvalidSubjectParameterError | undefined) | undefined;
  /**
   * Present only when the spec locates parameter values in the message ({@link SubjectRules.locations}):
   * the error when a received message carries, at such a location, a value other than its subject's
   * token (a message without a value there is not checked).
   */
  readonly checkMessage:
    | ((
        params: Readonly<Record<string, string>>,
        payload: unknown,
        headers: ReceivedHeaders | undefined,
      ) => InvalidSubjectParameterError | undefined)
    | undefined;
}

/** What is being sent, as far as a parameter's location can point into it. */
export interface MessageValues {
  readonly payload?: unknown;
  readonly headers?: Readonly<Record<string, unknown>>;
}

/** The headers of a received message (a NATS `MsgHdrs`), read by exact name. */
export interface ReceivedHeaders {
  get(name: string): string;
  has(name: string): boolean;
}

/**
 * Where a message carries a parameter's value (an AsyncAPI `location` such as
 * `$message.payload#/user/id`): a path of property names (array indexes as text) into the payload, or
 * a header name.
 */
export type ValueLocation = { readonly payload: readonly string[] } | { readonly header: string };

/**
 * What the spec says about an address's parameter values beyond being one subject token; generated
 * code passes it to {@link subjectTemplate} for the channels whose parameters have rules.
 */
export interface SubjectRules {
  /**
   * Validates an object of parameter values (the tokens as text) by parameter name: the channel's
   * parameter schemas (`enum`, and from AsyncAPI 2.x `pattern`, `minLength`, `maxLength`, `format`, a
   * numeric or boolean `type`, parsed from the text as a header value is). A value it leaves out is
   * not checked, so it may be given the values of some parameters only.
   */
  readonly schema?: z.ZodType;
  /** The value a parameter takes when none is given (the spec's `default`). */
  readonly defaults?: Readonly<Record<string, string>>;
  /**
   * Where the message carries a parameter's value (the spec's `location`). Sending, a parameter not
   * given takes the message's value (before its default), and a given one must equal it; receiving,
   * a message whose value there differs from its subject's token is invalid. Only text, numbers and
   * booleans count as values (as their text); a message with none there is not checked.
   */
  readonly locations?: Readonly<Record<string, ValueLocation>>;
}

/** The text of the value at `location` in what is being sent, or undefined when there is none. */
function sentValue(location: ValueLocation, message: MessageValues | undefined): string | undefined {
  if (message === undefined) return undefined;
  if ('header' in location) return scalarText(message.headers?.[location.header]);
  return scalarText(valueAt(message.payload, location.payload));
}

function valueAt(value: unknown, path: readonly string[]): unknown {
  let at = value;
  for (const key of path) {
    if (typeof at !== 'object' || at === null || !Object.hasOwn(at, key)) return undefined;
    at = (at as Record<string, unknown>)[key];
  }
  return at;
}

function scalarText(value: unknown): string | undefined {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean'
    ? String(value)
    : undefined;
}

function describe(location: ValueLocation): string {
  return 'header' in location ? `header '${location.header}'` : `payload /${location.payload.join('/')}`;
}

/**
 * Anything a value may not contain or be: empty, `$` first (system subjects), the separator `.`, the
 * wildcards `*` and `>`, whitespace, control characters. One test per value on the hot path; the
 * specific reason is only worked out once a value has failed.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what it rejects
const UNSAFE = /^$|^\$|[.*>\s\u0000-\u001f\u007f]/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what it rejects
const CONTROL = /[\u0000-\u001f\u007f]/;
const WHITESPACE = /\s/;
/**
 * Longest parameter value accepted, in UTF-16 units. Ids (UUIDs, hashes, slugs) fit; a value longer
 * than this is far more likely an attack (subject bloat in every server's interest graph) than an id.
 */
export const MAX_PARAMETER_LENGTH = 64;
const PLACEHOLDER = /^\{([^{}]+)\}$/;

/**
 * Throws unless `value` is safe as one subject token. Returns it typed as a string so callers can
 * concatenate without a second check.
 */
export function checkParameter(name: string, value: unknown): string {
  if (typeof value === 'string' && value.length <= MAX_PARAMETER_LENGTH && !UNSAFE.test(value) && value.isWellFormed())
    return value;
  throw new InvalidSubjectParameterError(name, value, reason(value));
}

function reason(value: unknown): string {
  if (value === undefined) return 'missing';
  if (value === wildcard) return 'a wildcard is only allowed in a subscription';
  if (typeof value !== 'string') return `expected a string, got ${value === null ? 'null' : typeof value}`;
  if (value === '') return 'empty';
  if (value.length > MAX_PARAMETER_LENGTH) return `longer than ${MAX_PARAMETER_LENGTH} characters`;
  if (value.includes('*') || value.includes('>')) return 'wildcards are not allowed';
  if (value.includes('.')) return "contains '.', the token separator";
  if (WHITESPACE.test(value)) return 'contains whitespace';
  if (CONTROL.test(value)) return 'contains a control character';
  // The NATS client encodes a lone surrogate as U+FFFD: two such values would become one subject.
  if (!value.isWellFormed()) return 'contains a lone UTF-16 surrogate, which is not valid Unicode';
  return "starts with '$', reserved for system subjects";
}

/** Whether a subject has a `*` or `>` token (a subscription pattern, not one concrete subject). */
export function isPattern(subject: string): boolean {
  for (const token of subject.split('.')) {
    if (token === '*' || token === '>') return true;
  }
  return false;
}

/**
 * Parses an address. Tokens are split on `.`; each is a literal or exactly `{name}`. Throws a plain Error
 * for anything else (the generator never emits such an address, so this is a programming error).
 * `rules` are the spec's constraints on the parameter values and their defaults: `build` and
 * `subscription` then check every concrete value against them, and `check` is there for received ones.
 */
export function subjectTemplate<const A extends string>(address: A, rules?: SubjectRules): SubjectTemplate<ParamsOf<A>>;
export function subjectTemplate(address: string, rules?: SubjectRules): SubjectTemplate;
export function subjectTemplate(address: string, rules?: SubjectRules): SubjectTemplate {
  const tokens = address.split('.');
  // Literal text between parameters, so build() is one concatenation per token: chunks[0] + v0 + chunks[1] ...
  const chunks: string[] = [];
  const names: string[] = [];
  const parameters: string[] = [];
  let chunk = '';
  for (const [i, token] of tokens.entries()) {
    const sep = i < tokens.length - 1 ? '.' : '';
    if (token === '') throw new ContractError(`invalid address '${address}': empty token`);
    const name = PLACEHOLDER.exec(token)?.[1];
    if (name === undefined) {
      if (token.includes('{') || token.includes('}')) {
        throw new ContractError(`invalid address '${address}': a placeholder must be a whole token, got '${token}'`);
      }
      chunk += token + sep;
      continue;
    }
    chunks.push(chunk);
    names.push(name);
    if (!parameters.includes(name)) parameters.push(name);
    chunk = sep;
  }
  chunks.push(chunk);
  const pattern = tokens.map((t) => (PLACEHOLDER.test(t) ? '*' : t)).join('.');
  // Per token: the parameter name it fills, or undefined for a literal; used by parse().
  const slots = tokens.map((t) => PLACEHOLDER.exec(t)?.[1]);
  const tail = tokens[tokens.length - 1] === '>';
  const exact = names.length === 0 && !tokens.includes('*') && !tail;
  // Without literal `*`/`>` tokens the literal text between parameters is fixed: parse() then walks
  // the subject once with `startsWith`/`indexOf` instead of splitting it into an array.
  const literal = !tokens.includes('*') && !tokens.includes('>');

  function build(params: Readonly<Record<string, string>>): string {
    let subject = chunks[0] as string;
    for (let i = 0; i < names.length; i++) {
      const name = names[i] as string;
      subject += checkParameter(name, params[name]) + (chunks[i + 1] as string);
    }
    return subject;
  }

  function subscription(params: Readonly<Record<string, string | Wildcard>>): string {
    let subject = chunks[0] as string;
    for (let i = 0; i < names.length; i++) {
      const name = names[i] as string;
      const value = params[name];
      subject += (value === wildcard ? '*' : checkParameter(name, value)) + (chunks[i + 1] as string);
    }
    return subject;
  }

  // A template with rules gets its own build and subscription, so one without pays nothing for them.
  const schema = rules?.schema;
  const defaults = rules?.defaults;
  const locations = rules?.locations;

  function check(params: Readonly<Record<string, string>>): InvalidSubjectParameterError | undefined {
    const result = (schema as z.ZodType).safeParse(params);
    if (result.success) return undefined;
    const issue = result.error.issues[0];
    const name = String(issue?.path[0] ?? names[0]);
    return new InvalidSubjectParameterError(name, params[name], issue?.message ?? 'not allowed by the spec');
  }

  /**
   * The subject for `params` (a wildcard value becomes `*`), each concrete value checked against the
   * rules; a value the message locates comes from `message` when not given, and must agree with it.
   */
  function ruled(
    params: Readonly<Record<string, string | Wildcard>>,
    wildcards: boolean,
    message?: MessageValues,
  ): string {
    let subject = chunks[0] as string;
    const values: Record<string, string> = {};
    for (let i = 0; i < names.length; i++) {
      const name = names[i] as string;
      const location = locations?.[name];
      const carried = location === undefined ? undefined : sentValue(location, message);
      const given = params[name];
      if (given !== undefined && carried !== undefined && given !== carried) {
        throw new InvalidSubjectParameterError(
          name,
          given,
          `${describe(location as ValueLocation)} of the message is ${JSON.stringify(carried)}`,
        );
      }
      const value = given ?? carried ?? defaults?.[name];
      if (value === wildcard && wildcards) {
        subject += `*${chunks[i + 1] as string}`;
        continue;
      }
      values[name] = checkParameter(name, value);
      subject += values[name] + (chunks[i + 1] as string);
    }
    if (schema !== undefined) {
      const error = check(values);
      if (error !== undefined) throw error;
    }
    return subject;
  }

  function parseLiteral(subject: string): Record<string, string> | undefined {
    const first = chunks[0] as string;
    if (!subject.startsWith(first)) return undefined;
    const out: Record<string, string> = {};
    let at = first.length;
    for (let i = 0; i < names.length; i++) {
      let end = subject.indexOf('.', at);
      if (end < 0) end = subject.length;
      if (end === at) return undefined;
      const name = names[i] as string;
      const value = subject.slice(at, end);
      const seen = out[name];
      if (seen !== undefined && seen !== value) return undefined;
      out[name] = value;
      const next = chunks[i + 1] as string;
      if (!subject.startsWith(next, end)) return undefined;
      at = end + next.length;
    }
    return at === subject.length ? out : undefined;
  }

  function parse(subject: string): Record<string, string> | undefined {
    if (exact) return subject === address ? {} : undefined;
    if (literal) return parseLiteral(subject);
    const parts = subject.split('.');
    if (tail ? parts.length < tokens.length : parts.length !== tokens.length) return undefined;
    const out: Record<string, string> = {};
    for (let i = 0; i < tokens.length; i++) {
      const part = parts[i] as string;
      const name = slots[i];
      if (name === undefined) {
        // Literal `*` / `>` tokens come from addresses written as patterns: they match any token(s).
        const literal = tokens[i] as string;
        if (literal !== part && literal !== '*' && literal !== '>') return undefined;
        continue;
      }
      if (part === '') return undefined;
      const seen = out[name];
      if (seen !== undefined && seen !== part) return undefined;
      out[name] = part;
    }
    return out;
  }

  function checkMessage(
    params: Readonly<Record<string, string>>,
    payload: unknown,
    headers: ReceivedHeaders | undefined,
  ): InvalidSubjectParameterError | undefined {
    for (const name in locations) {
      const location = locations[name] as ValueLocation;
      const token = params[name];
      let carried: string | undefined;
      if ('header' in location) {
        const text = headers?.get(location.header);
        carried = text !== undefined && (text !== '' || headers?.has(location.header) === true) ? text : undefined;
      } else {
        carried = scalarText(valueAt(payload, location.payload));
      }
      if (token !== undefined && carried !== undefined && carried !== token) {
        return new InvalidSubjectParameterError(
          name,
          token,
          `${describe(location)} of the message is ${JSON.stringify(carried)}`,
        );
      }
    }
    return undefined;
  }

  const plain = names.length === 0 || (schema === undefined && defaults === undefined && locations === undefined);
  return Object.freeze({
    address,
    parameters,
    pattern,
    build:
      names.length === 0
        ? () => address
        : plain
          ? build
          : (params: Readonly<Record<string, string>>, message?: MessageValues) => ruled(params, false, message),
    subscription: names.length === 0 ? () => address : plain ? subscription : (params) => ruled(params, true),
    parse,
    check: names.length === 0 || schema === undefined ? undefined : check,
    checkMessage: names.length === 0 || locations === undefined ? undefined : checkMessage,
  });
}
