/**
 * What @asyncapi/diff reports that no NATS rule explained, classified by where it is: a component
 * nothing refers to, an extension asyncapi-nats does not read, or (should a rule ever miss one) a
 * change inside a schema or parameter, which stays breaking because nothing proved otherwise.
 * Everything else keeps @asyncapi/diff's own classification.
 */
import { splitPointer } from '../parse/locate.js';
import { child } from './pointer.js';
import type { ChangeKind } from './types.js';

/** The extensions asyncapi-nats reads (docs/extensions.md); their rules explain every edit of them. */
const NATS_EXTENSIONS = new Set(['x-nats-queue', 'x-nats-timeout-ms', 'x-nats-match-headers', 'x-nats-jetstream']);

/** Keys whose children are names, not keywords (a property called `x-foo` is no extension). */
const NAMED = new Set([
  'properties',
  'patternProperties',
  'definitions',
  '$defs',
  'dependencies',
  'dependentRequired',
  'dependentSchemas',
  'channels',
  'operations',
  'messages',
  'schemas',
  'parameters',
  'servers',
  'replies',
  'replyAddresses',
  'securitySchemes',
  'serverVariables',
  'variables',
  'correlationIds',
  'operationTraits',
  'messageTraits',
  'bindings',
]);

/**
 * Rules of changes that only @asyncapi/diff saw: their messages say where, not what, so the values
 * are printed with them.
 */
export const ENTRY_RULES: ReadonlySet<string> = new Set([
  'asyncapi-diff',
  'docs-changed',
  'nats-component-unused',
  'extension-changed',
  'nats-schema-unchecked',
]);

/** A classification of a leftover entry. */
export interface Leftover {
  readonly kind: ChangeKind;
  readonly rule: string;
  readonly message: string;
}

/** What the merge knows of one side's document. */
export interface References {
  /** True when some `$ref` of the document points at `pointer` or into it. */
  isReferenced(pointer: string): boolean;
}

/** The first extension key on the path (not a name), or undefined. */
function extensionOf(tokens: readonly string[]): string | undefined {
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i] as string;
    if (i > 0 && NAMED.has(tokens[i - 1] as string)) continue;
    if (token.startsWith('x-')) return token;
  }
  return undefined;
}

/** True when the pointer is inside a schema, a message's payload or headers, or a channel parameter. */
function inSchema(tokens: readonly string[]): boolean {
  if (tokens[0] === 'components' && (tokens[1] === 'schemas' || tokens[1] === 'parameters')) return tokens.length > 2;
  for (let i = 0; i < tokens.length - 1; i++) {
    if (i > 0 && NAMED.has(tokens[i - 1] as string)) continue;
    if (tokens[i] === 'parameters' && i > 0) return true;
    if ((tokens[i] === 'payload' || tokens[i] === 'headers') && tokens.slice(0, i).includes('messages')) return true;
  }
  return false;
}

/**
 * How to classify a change at canonical `pointer` that no rule explained; undefined: keep
 * @asyncapi/diff's classification. `type` is that classification.
 */
export function classifyLeftover(pointer: string, type: ChangeKind, refs: References): Leftover | undefined {
  const tokens = splitPointer(pointer);
  if (tokens[0] === 'components' && tokens.length >= 3) {
    const component = child('/components', tokens[1] as string, tokens[2] as string);
    if (!refs.isReferenced(component)) {
      return {
        kind: 'non-breaking',
        rule: 'nats-component-unused',
        message: `${pointer} changed in ${tokens[1]} component '${tokens[2]}', which nothing refers to: no channel, operation or message uses it`,
      };
    }
  }
  const extension = extensionOf(tokens);
  if (extension !== undefined && !NATS_EXTENSIONS.has(extension)) {
    return {
      kind: 'non-breaking',
      rule: 'extension-changed',
      message: `${pointer} changed: asyncapi-nats does not read the extension ${extension}, so nothing generated changes`,
    };
  }
  if (type === 'unclassified' && inSchema(tokens)) {
    return {
      kind: 'breaking',
      rule: 'nats-schema-unchecked',
      message: `${pointer} changed and no rule compared it, so nothing proves the new version accepts the same values`,
    };
  }
  return undefined;
}
