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
import type { KeyVisit, SourceMap } from '../parse/locate.js';
import type { Problem } from '../problems.js';
import { EXTENSIONS, suggest } from './extensions.js';
import { JETSTREAM_EXTENSION } from './jetstream.js';

/** The kinds of object an extension of ours can be read from. */
type Place = 'operation' | 'channel';

/** Where each of our extensions is read (docs/extensions.md). */
const OURS: Readonly<Record<string, { readonly places: readonly Place[]; readonly use: string }>> = {
  [EXTENSIONS.timeout]: {
    places: ['operation'],
    use: '`x-nats-timeout-ms: 30000` on an operation with a reply: how long a requester waits',
  },
  [EXTENSIONS.queue]: {
    places: ['operation'],
    use: '`x-nats-queue: workers.{id}` on a receive operation, for a queue group with placeholders (a fixed name goes in `bindings: { nats: { queue: workers } }`)',
  },
  [EXTENSIONS.matchHeaders]: {
    places: ['operation'],
    use: "`x-nats-match-headers: { target: '{id}' }` on a receive operation: handle only messages whose headers match",
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

/** The located warnings of one document's `x-` keys. `version` is the `asyncapi` version it declares. */
export function scanExtensions(sourceMap: SourceMap, file: string, version: string): Problem[] {
  const v2 = version.startsWith('2.');
  const problems: Problem[] = [];
  const report = (p: Omit<Problem, 'file' | 'line' | 'column'>, at: KeyVisit) =>
    problems.push({ ...p, file, line: at.position.line, column: at.position.column });
  /** Paths whose keys are names, not fields. */
  const nameMaps = new Set<string>();
  sourceMap.forEachKey((visit) => {
    const { path } = visit;
    const key = path[path.length - 1] as string;
    const parent = path.slice(0, -1);
    const parentKey = parent.join('\u0000');
    // A name: its value is an object of fields. In 2.x, each item of a `security` list maps scheme
    // names to scopes.
    const securityItem =
      v2 && parent[parent.length - 2] === 'security' && /^\d+$/.test(parent[parent.length - 1] ?? '');
    if (nameMaps.has(parentKey) || securityItem) return true;
    if (/^x-/i.test(key)) {
      check(key, parent, visit, v2, report);
      return false;
    }
    if (DATA.has(key)) return false;
    const inComponents = parent.length === 1 && parent[0] === 'components';
    if (NAME_MAPS.has(key) || inComponents) nameMaps.add(path.join('\u0000'));
    return true;
  });
  return problems;
}

function check(
  key: string,
  parent: readonly string[],
  at: KeyVisit,
  v2: boolean,
  report: (p: Omit<Problem, 'file' | 'line' | 'column'>, at: KeyVisit) => void,
): void {
  const ours = OURS[key];
  if (ours !== undefined) {
    const place = placeOf(parent, v2);
    if (place !== undefined && ours.places.includes(place)) return;
    report(
      {
        code: 'nats-extension-misplaced',
        severity: 'warning',
        message: `${key} has no effect at ${describe(parent)}: it is read only on ${ours.places.map((p) => `${p}s`).join(' and ')}`,
        help: `move it: ${ours.use}`,
      },
      at,
    );
    return;
  }
  const meant = suggest(key, NAMES, ['x-', 'nats-']);
  const natsLike = /^x-nats/i.test(key);
  if (meant === undefined && !natsLike) return;
  report(
    {
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
    },
    at,
  );
}
