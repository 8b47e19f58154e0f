/**
 * NATS subject rules the AsyncAPI parser cannot know: which channel addresses (and queue names)
 * are legal subject templates for NATS.
 */
import type { SubjectToken } from './types.js';

/** One reason an address is not a legal NATS subject template. */
export interface AddressIssue {
  readonly code: 'nats-illegal-token' | 'nats-partial-parameter' | 'nats-wildcard-position';
  readonly message: string;
  readonly help: string;
}

/** The parse of a subject template: its tokens, or why it is not one. */
export interface ParsedAddress {
  readonly tokens: readonly SubjectToken[];
  readonly parameters: readonly string[];
  /** True when a token is `*` or `>`: such an address can be subscribed to but not published to. */
  readonly hasWildcard: boolean;
  readonly issues: readonly AddressIssue[];
}

const PLACEHOLDER = /^\{([A-Za-z0-9_-]+)\}$/;
// NATS forbids whitespace in subjects; control characters and DEL are never sensible either.
// biome-ignore lint/suspicious/noControlCharactersInRegex: these are exactly what we reject
const ILLEGAL_CHAR = /[\s\u0000-\u001f\u007f]/;

/** Splits `what` (`address`, `queue`) into tokens and reports every rule it breaks. */
export function parseSubjectTemplate(template: string, what = 'address'): ParsedAddress {
  const issues: AddressIssue[] = [];
  const tokens: SubjectToken[] = [];
  const parameters: string[] = [];
  let hasWildcard = false;
  const parts = template.split('.');
  parts.forEach((part, i) => {
    const placeholder = PLACEHOLDER.exec(part);
    if (placeholder) {
      const name = placeholder[1] as string;
      tokens.push({ kind: 'parameter', name });
      if (!parameters.includes(name)) parameters.push(name);
      return;
    }
    tokens.push({ kind: 'literal', value: part });
    if (part === '') {
      issues.push({
        code: 'nats-illegal-token',
        message: `${what} '${template}' has an empty token (token ${i + 1})`,
        help: 'NATS subjects are non-empty tokens separated by single dots: remove the extra dot',
      });
    } else if (ILLEGAL_CHAR.test(part)) {
      issues.push({
        code: 'nats-illegal-token',
        message: `${what} '${template}' has whitespace or a control character in token '${part}'`,
        help: 'NATS subject tokens cannot contain spaces, tabs or control characters',
      });
    } else if (part.includes('{') || part.includes('}')) {
      issues.push({
        code: 'nats-partial-parameter',
        message: `${what} '${template}' has a parameter that is not a whole token: '${part}'`,
        help: 'write the parameter as a token of its own, e.g. `tenant.{id}` instead of `tenant-{id}`, so subscribers can use `*` for it',
      });
    } else if (part === '*' || part === '>') {
      hasWildcard = true;
      if (part === '>' && i !== parts.length - 1) {
        issues.push({
          code: 'nats-wildcard-position',
          message: `${what} '${template}' has '>' before its last token`,
          help: "'>' matches the rest of a subject and must be the last token",
        });
      }
    } else if (part.includes('*') || part.includes('>')) {
      issues.push({
        code: 'nats-illegal-token',
        message: `${what} '${template}' has a wildcard character inside token '${part}'`,
        help: "'*' and '>' are wildcards only as whole tokens; use other characters in names",
      });
    }
  });
  return { tokens, parameters, hasWildcard, issues };
}

/** Longest parameter value the runtime accepts (its `MAX_PARAMETER_LENGTH`). */
const MAX_PARAMETER_LENGTH = 64;

/**
 * Why `value` can never be one subject token (the runtime's `checkParameter` rules), or undefined
 * when it can.
 */
export function tokenProblem(value: string): string | undefined {
  if (value === '') return 'it is empty';
  if (value.length > MAX_PARAMETER_LENGTH) return `it is longer than ${MAX_PARAMETER_LENGTH} characters`;
  if (value.includes('*') || value.includes('>')) return 'it contains a wildcard';
  if (value.includes('.')) return "it contains '.', the token separator";
  if (ILLEGAL_CHAR.test(value)) return 'it contains whitespace or a control character';
  if (!value.isWellFormed()) return 'it contains a lone UTF-16 surrogate';
  if (value.startsWith('$')) return "it starts with '$', reserved for system subjects";
  return undefined;
}

/**
 * A subject template's tokens joined back into text, each parameter written by `param` (default
 * `{name}`, as in the spec: `agent.{agent_id}`). The one home of this join for the generator: the
 * emitter, `diff` and the docs write templates, patterns and example subjects with it.
 */
export function joinTokens(
  tokens: readonly SubjectToken[],
  param: (name: string) => string = (name) => `{${name}}`,
  separator = '.',
): string {
  return tokens.map((t) => (t.kind === 'literal' ? t.value : param(t.name))).join(separator);
}

/** The subject a subscriber to every value of every parameter uses: `ai.agent.message.*`. */
export function subjectPattern(tokens: readonly SubjectToken[]): string {
  return joinTokens(tokens, () => '*');
}
