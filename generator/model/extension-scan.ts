/**
 * Every `x-` key of a document, as written, against the extensions asyncapi-nats reads: an unknown
 * `x-nats-*` key, a near miss of ours (`x-timeout-ms`, `x-nats-queue-group`, `X-NATS-Queue`) and one
 * of ours where it has no effect (`x-nats-queue` on a channel) each get a located warning, so that a
 * queue group or a timeout never vanishes without a word. The readers in extensions.ts and
 * jetstream.ts check the values of the keys that are in the right place.
 *
 * The walk reads AsyncAPI objects and schemas, but never their data (`examples`, `default`, `enum`,
 * `const`, an extension's value) nor the names of maps (`properties`, `channels`, `parameters`,
 * anything under `components`): a header property named `x-queue` is a header, not an extension.
 */
import type { SourceMap } from '../parse/locate.js';
import type { Problem } from '../problems.js';
import { suggest } from '../suggest.js';
import { EXTENSIONS } from './extensions.js';
import { JETSTREAM_EXTENSION } from './jetstream.js';
import { STREAM_EXTENSION } from './stream.js';

/** The kinds of object an extension of ours can be read from. */
type Place = 'operation' | 'channel';

/** Where each of our extensions is read (docs/extensions.md). */
const OURS: Readonly<Record<string, { readonly places: readonly Place[]; readonly use: string }>> = {
  [EXTENSIONS.timeout]: {
    places: ['operation'],
    use: '`x-nats-timeout-ms: 30000` on an operation with a reply: how long a requester waits',
  },
  [EXTENSIONS.handlerTimeout]: {
    places: ['operation'],
    use: '`x-nats-handler-timeout-ms: 30000` on a receive operation: how long a handler may take before its message is settled without it',
  },
  [EXTENSIONS.queue]: {
    places: ['operation'],
    use: '`x-nats-queue: workers.{id}` on a receive operation, for a queue group with placeholders (a fixed name goes in `bindings: { nats: { queue: workers } }`)',
  },
  [EXTENSIONS.matchHeaders]: {
    places: ['operation'],
    use: "`x-nats-match-headers: { target: '{id}' }` on a receive operation: handle only messages whose headers match",
  },
  [STREAM_EXTENSION]: {
    places: ['operation'],
    use: '`x-nats-stream: { end: Done }` on an operation with a reply: the reply is a stream of chunk messages (and an end message)',
  },
  [JETSTREAM_EXTENSION]: {
    places: ['channel', 'operation'],
    use: '`x-nats-jetstream: { stream: NAME }` on a channel (and its operations): store it in a JetStream stream',
  },
};

const NAMES = Object.keys(OURS);

/** Values that are data, never read for keys. */
const DATA = new Set(['examples', 'example', 'default', 'enum', 'const']);

/** Keys whose value maps names (of properties, channels, parameters...) to objects. */
const NAME_MAPS = new Set([
  'channels',
  'operations',
  'servers',
  'messages',
  'parameters',
  'variables',
  'properties',
  'patternProperties',
  'definitions',
  '$defs',
  'dependentSchemas',
  'dependencies',
  'scopes',
  'availableScopes',
]);

/** What kind of object the keys at `path` belong to, when it is one our extensions can be on. */
function placeOf(path: readonly string[], v2: boolean): Place | undefined {
  const inComponents = path[0] === 'components';
  const rest = inComponents ? path.slice(1) : path;
  const [kind, , field, , more] = rest;
  // A trait's keys are merged into the operation that uses it.
  if (inComponents && kind === 'operationTraits' && rest.length === 2) return 'operation';
  if (kind === 'operations' && !v2) {
    if (rest.length === 2) return 'operation';
    if (rest.length === 4 && field === 'traits') return 'operation';
  }
  if (kind === 'channels') {
    if (rest.length === 2) return 'channel';
    if (v2 && (field === 'publish' || field === 'subscribe')) {
      if (rest.length === 3) return 'operation';
      if (rest.length === 5 && more !== undefined && rest[3] === 'traits') return 'operation';
    }
  }
  return undefined;
}

function describe(path: readonly string[]): string {
  return path.length === 0 ? 'the document root' : `#/${path.join('/')}`;
}

/**
 * How the keys of an object are read: as fields (of an AsyncAPI object or a schema), as names (of
 * properties, channels...), the sections of `components` (each maps names), or the items of a 2.x
 * `security` list (scheme names mapped to scopes).
 */
type Keys = 'fields' | 'names' | 'components' | 'security';

/** The located warnings of one document's `x-` keys. `version` is the `asyncapi` version it declares. */
export function scanExtensions(sourceMap: SourceMap, file: string, version: string): Problem[] {
  const v2 = version.startsWith('2.');
  const problems: Problem[] = [];
  sourceMap.forEachKey<Keys>('fields', (visit) => {
    const { key, context } = visit;
    if (context === 'names') return 'fields';
    if (context === 'security') return undefined;
    if (/^x-/i.test(key)) {
      const problem = check(key, visit.path.slice(0, -1), v2);
      if (problem) {
        const { line, column } = visit.position();
        problems.push({ ...problem, file, line, column });
      }
      return undefined;
    }
    if (context === 'components') return 'names';
    if (DATA.has(key)) return undefined;
    if (key === 'components' && visit.path.length === 1) return 'components';
    if (v2 && key === 'security') return 'security';
    return NAME_MAPS.has(key) ? 'names' : 'fields';
  });
  return problems;
}

/** The warning about one `x-` key whose object is at `parent`, if it deserves one. */
function check(
  key: string,
  parent: readonly string[],
  v2: boolean,
): Omit<Problem, 'file' | 'line' | 'column'> | undefined {
  const ours = OURS[key];
  if (ours !== undefined) {
    const place = placeOf(parent, v2);
    if (place !== undefined && ours.places.includes(place)) return undefined;
    return {
      code: 'nats-extension-misplaced',
      severity: 'warning',
      message: `${key} has no effect at ${describe(parent)}: it is read only on ${ours.places.map((p) => `${p}s`).join(' and ')}`,
      help: `move it: ${ours.use}`,
    };
  }
  const meant = suggest(key, NAMES, ['x-', 'nats-']);
  const natsLike = /^x-nats/i.test(key);
  if (meant === undefined && !natsLike) return undefined;
  return {
    code: 'nats-unknown-extension',
    severity: 'warning',
    message:
      meant !== undefined
        ? `${key} is not an extension asyncapi-nats reads, so it has no effect; did you mean \`${meant}\`?`
        : `${key} is not an extension asyncapi-nats reads, so it has no effect`,
    help:
      meant !== undefined
        ? (OURS[meant]?.use ?? '')
        : `the NATS extensions are ${NAMES.join(', ')} (docs/extensions.md); another tool's extension should not start with x-nats-`,
  };
}
