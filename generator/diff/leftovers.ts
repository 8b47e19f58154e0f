/**
 * What @asyncapi/diff reports that no NATS rule explained, classified by where it is: a component
 * nothing refers to, an extension asyncapi-nats does not read, or (should a rule ever miss one) a
 * change inside a schema or parameter, which stays breaking because nothing proved otherwise.
 * Everything else keeps @asyncapi/diff's own classification.
 */
import { splitPointer } from '../parse/locate.js';
import { child, tokenRoles } from './pointer.js';
import type { ChangeKind } from './types.js';

/** The extensions asyncapi-nats reads (docs/extensions.md); their rules explain every edit of them. */
const NATS_EXTENSIONS = new Set([
  'x-nats-queue',
  'x-nats-timeout-ms',
  'x-nats-handler-timeout-ms',
  'x-nats-match-headers',
  'x-nats-jetstream',
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
  /** True when something the document uses (outside `components` and extensions) reaches `pointer` through `$ref`s. */
  isUsed(pointer: string): boolean;
}

/** The first extension key on the path (not a name), or undefined. */
function extensionOf(pointer: string): string | undefined {
  return tokenRoles(pointer).find(({ token, name }) => !name && token.startsWith('x-'))?.token;
}

/** True when the pointer is inside a schema, a message's payload or headers, or a channel parameter. */
function inSchema(pointer: string): boolean {
  const roles = tokenRoles(pointer);
  if (roles[0]?.token === 'components' && (roles[1]?.token === 'schemas' || roles[1]?.token === 'parameters')) {
    return roles.length > 2;
  }
  return roles.some(
    ({ token, name }, i) =>
      !name &&
      i < roles.length - 1 &&
      (token === 'parameters' ||
        ((token === 'payload' || token === 'headers') &&
          roles.slice(0, i).some((r) => !r.name && r.token === 'messages'))),
  );
}

/**
 * How to classify a change at canonical `pointer` that no rule explained: `explained` when there is
 * nothing to report, undefined to keep @asyncapi/diff's classification (`type`). `refs` are those
 * of the side the change is in (the old document for a removal).
 */
export function classifyLeftover(
  pointer: string,
  action: 'add' | 'remove' | 'edit',
  type: ChangeKind,
  refs: References,
): Leftover | 'explained' | undefined {
  const tokens = splitPointer(pointer);
  if (tokens[0] === 'components' && tokens.length >= 2) {
    const component = child('/components', ...tokens.slice(1, 3));
    const referenced = refs.isUsed(component);
    // A component (or a whole kind of them) added or removed with what refers to it: the rules
    // report the referring side (a channel or message added, removed or changed).
    if (referenced && action !== 'edit' && tokens.length <= 3) return 'explained';
    if (!referenced) {
      return {
        kind: 'non-breaking',
        rule: 'nats-component-unused',
        message: `${pointer} changed in ${tokens[1]} component '${tokens[2]}', which no channel, operation or message uses: nothing generated changes`,
      };
    }
  }
  const extension = extensionOf(pointer);
  if (extension !== undefined && !NATS_EXTENSIONS.has(extension)) {
    return {
      kind: 'non-breaking',
      rule: 'extension-changed',
      message: `${pointer} changed: asyncapi-nats does not read the extension ${extension}, so nothing generated changes`,
    };
  }
  if (type === 'unclassified' && inSchema(pointer)) {
    return {
      kind: 'breaking',
      rule: 'nats-schema-unchecked',
      message: `${pointer} changed and no rule compared it, so nothing proves the new version accepts the same values`,
    };
  }
  return undefined;
}
