/**
 * Streamed replies (`x-nats-stream`, docs/streaming.md): whether an operation's reply is a stream,
 * its chunk messages and its end, its timeouts and its window. The schemas of chunk and end messages
 * are compared where every message is (message-rules.ts); their findings say who sends them.
 *
 * Whether a reply streams and what ends it are the wire protocol and the generated method's shape:
 * breaking. The timeouts and the window are each applied by one side to its own streams and every
 * side still ends a stream cut short with a typed error, never a hang: non-breaking, reported with
 * what changes for whom (docs/diff.md, "Streamed replies").
 */
import type { OperationModel, StreamModel } from '../model/types.js';
import { type At, type Findings, inBoth, inNew, inOld } from './findings.js';
import { compareMessageLists, nodeAt } from './message-rules.js';
import type { ModelPair } from './pair.js';
import { child } from './pointer.js';

/** The key of the extension on an operation. */
const STREAM_KEY = 'x-nats-stream';

/**
 * Who sends and who receives each chunk and end message of the new version's streams, by the
 * message's definition: `CompletionChunk is a chunk of the stream of operations 'a', 'b': workers
 * send it, callers receive it`.
 */
export function streamRoles(pair: ModelPair): Map<string, string> {
  const uses = new Map<string, { name: string; chunk: Set<string>; end: Set<string> }>();
  const use = (key: string, op: OperationModel, as: 'chunk' | 'end') => {
    const at = pair.refs.new.definition(key);
    const entry = uses.get(at) ?? { name: messageName(pair, 'new', key), chunk: new Set(), end: new Set() };
    entry[as].add(op.id);
    uses.set(at, entry);
  };
  for (const op of pair.new.operations) {
    if (!op.stream) continue;
    for (const key of op.stream.chunks) use(key, op, 'chunk');
    if (op.stream.end !== undefined) use(op.stream.end, op, 'end');
  }
  const ops = (ids: Set<string>) => `operation${ids.size > 1 ? 's' : ''} ${[...ids].map((id) => `'${id}'`).join(', ')}`;
  const roles = new Map<string, string>();
  for (const [at, { name, chunk, end }] of uses) {
    const parts = [
      ...(chunk.size > 0 ? [`a chunk of the stream of ${ops(chunk)}`] : []),
      ...(end.size > 0 ? [`the end of the stream of ${ops(end)}`] : []),
    ];
    roles.set(at, `${name} is ${parts.join(' and ')}: workers send it, callers receive it`);
  }
  return roles;
}

/** True when the operation's reply is compared as a stream (both versions stream it). */
export function bothStream(o: OperationModel, n: OperationModel): boolean {
  return o.stream !== undefined && n.stream !== undefined;
}

/**
 * Everything about an operation's stream: added or removed, and when both versions stream, the
 * chunks, the end, the timeouts and the window.
 */
export function compareStreaming(pair: ModelPair, o: OperationModel, n: OperationModel, out: Findings): void {
  const label = `operation '${n.id}'`;
  if (o.stream && n.stream) {
    out.explain(...inBoth(child(n.location.pointer, STREAM_KEY)));
    const endChanged = compareEnd(pair, o, n, o.stream, n.stream, out);
    compareChunks(pair, o, n, o.stream, n.stream, endChanged, out);
    compareTimeouts(pair, o.stream, n.stream, n, label, out);
    compareWindow(pair, o.stream, n.stream, label, out);
  } else if (o.stream || n.stream) {
    addedOrRemoved(pair, o, n, label, out);
  }
}

function addedOrRemoved(pair: ModelPair, o: OperationModel, n: OperationModel, label: string, out: Findings): void {
  const p = n.location.pointer;
  const side = n.stream ? 'new' : 'old';
  const at = child(p, STREAM_KEY);
  const caller = n.action === 'send';
  out.add({
    kind: 'breaking',
    rule: 'nats-streaming-changed',
    message: n.stream
      ? `${label} now streams its reply (x-nats-stream): ${describe(pair, n)}`
      : `${label} no longer streams its reply (x-nats-stream removed): it answers with one reply`,
    at: side === 'new' ? inNew(at) : inOld(at),
    // The request timeout and the stream's timeouts stand for each other: the change says it all.
    covers: inBoth(at, child(p, 'x-nats-timeout-ms')),
    before: o.stream ? 'stream' : 'one reply',
    after: n.stream ? 'stream' : 'one reply',
    help: `the wire protocol changes: a streaming worker answers a plain request with 400 and a plain worker answers a stream request with one reply the caller cannot read as a stream; the generated ${caller ? 'client method returns an async iterator instead of a promise' : 'handler is an async generator instead of a function returning the reply'}. Add a new operation for the other way of replying and retire this one after the rollout`,
  });
}

/** `chunks A, B; end C` or `chunk A; ends with an end marker`, of the new version's stream. */
function describe(pair: ModelPair, op: OperationModel): string {
  const stream = op.stream;
  if (!stream) return '';
  const name = (key: string) => messageName(pair, 'new', key);
  const chunks = `chunk${stream.chunks.length === 1 ? '' : 's'} ${stream.chunks.map(name).join(', ')}`;
  const end = stream.end !== undefined ? `end ${name(stream.end)}` : 'ends with an end marker';
  return `${chunks}; ${end} (${op.action === 'send' ? 'the generated method returns an async iterator' : 'the handler is an async generator'})`;
}

/** A message's name as the model has it, else the last token of its key. */
function messageName(pair: ModelPair, side: 'old' | 'new', key: string): string {
  return pair[side].messages.find((m) => m.key === key)?.name ?? key.split('/').pop() ?? key;
}

/**
 * The end message: added, removed (the stream then ends with an end marker) or another message.
 * Returns the end's definitions when they differ, so the chunk lists are compared without them.
 */
function compareEnd(
  pair: ModelPair,
  o: OperationModel,
  n: OperationModel,
  a: StreamModel,
  b: StreamModel,
  out: Findings,
): readonly string[] {
  const before = a.end !== undefined ? pair.refs.old.definition(a.end) : undefined;
  const after = b.end !== undefined ? pair.refs.new.definition(b.end) : undefined;
  if (before === after) return [];
  const p = n.location.pointer;
  const list = child(p, 'reply', 'messages');
  const at = child(b.location.pointer, 'end');
  const label = `the end of the stream of operation '${n.id}'`;
  if (a.end !== undefined && b.end !== undefined) {
    // One end message for another: reported as a swap, naming both, as for a one-message reply.
    compareMessageLists(
      pair,
      {
        oldKeys: [a.end],
        newKeys: [b.end],
        at: list,
        channels: [o.reply?.channel, n.reply?.channel],
        label: () => label,
      },
      out,
    );
    out.explain(...inBoth(at));
    return [before, after].filter((d): d is string => d !== undefined);
  }
  const added = b.end !== undefined;
  const name = added ? messageName(pair, 'new', b.end as string) : messageName(pair, 'old', a.end as string);
  // The end message may have been one of the chunks, or become one (it stays in the reply's messages).
  const moved = added
    ? a.chunks.some((k) => pair.refs.old.definition(k) === after)
    : b.chunks.some((k) => pair.refs.new.definition(k) === before);
  out.add({
    kind: 'breaking',
    rule: 'nats-streaming-end-changed',
    message: added
      ? `the stream of operation '${n.id}' now ends with message ${name} instead of an end marker${moved ? ` (${name} was one of its chunks)` : ''}`
      : `the stream of operation '${n.id}' now ends with an end marker instead of message ${name}${moved ? ` (${name} is now one of its chunks)` : ''}`,
    at: added ? inNew(at) : inOld(child(a.location.pointer, 'end')),
    covers: [...inBoth(at, list), ...(added ? [inNew(b.end as string)] : [inOld(a.end as string)])],
    before: a.end !== undefined ? name : 'end marker',
    after: b.end !== undefined ? name : 'end marker',
    help: `callers and workers of the two versions disagree on the last message of each stream (${added ? `callers of the new version expect ${name} where old workers send an empty end marker` : `workers of the new version send an empty end marker where old callers expect ${name}`}), and code that reads the stream's end or returns it from the handler no longer compiles; add a new operation and retire this one after the rollout`,
  });
  return [before, after].filter((d): d is string => d !== undefined);
}

/** The chunk messages: added, removed or swapped, as messages of a reply are (the end apart). */
function compareChunks(
  pair: ModelPair,
  o: OperationModel,
  n: OperationModel,
  a: StreamModel,
  b: StreamModel,
  ends: readonly string[],
  out: Findings,
): void {
  const keep = (side: 'old' | 'new') => (key: string) => !ends.includes(pair.refs[side].definition(key));
  compareMessageLists(
    pair,
    {
      oldKeys: a.chunks.filter(keep('old')),
      newKeys: b.chunks.filter(keep('new')),
      at: child(n.location.pointer, 'reply', 'messages'),
      channels: [o.reply?.channel, n.reply?.channel],
      label: () => `the chunks of the stream of operation '${n.id}'`,
    },
    out,
  );
}

const TIMEOUTS = [
  ['firstChunkTimeoutMs', 'first-chunk'],
  ['idleTimeoutMs', 'idle'],
  ['totalTimeoutMs', 'total'],
] as const;

/**
 * What a timeout's change does, by who applies it. The caller applies all three to its own streams;
 * the worker applies the total (it ends the stream with 504) and the idle one (no credit from the
 * caller for that long: it stops the stream); the worker's first-chunk value is not used by it.
 */
const TIMEOUT_EFFECT: Readonly<
  Record<'send' | 'receive', Record<(typeof TIMEOUTS)[number][1], readonly [shorter: string, longer: string]>>
> = {
  send: {
    'first-chunk': [
      'callers give up sooner on a worker that is slow to start (StreamTimeoutError, phase first-chunk)',
      'callers wait longer for the first chunk',
    ],
    idle: [
      'callers give up sooner on a pause between chunks (StreamTimeoutError, phase idle)',
      'callers wait longer between chunks',
    ],
    total: [
      'callers give up sooner on a long stream (StreamTimeoutError, phase total) and cancel it at the worker',
      'callers wait longer for a long stream',
    ],
  },
  receive: {
    'first-chunk': [
      'workers do not apply it (only callers wait for a first chunk); it now documents a shorter wait',
      'workers do not apply it (only callers wait for a first chunk); it now documents a longer wait',
    ],
    idle: [
      'workers stop a stream sooner when its caller takes no chunk while the window is full (the caller gets a 504)',
      'workers wait longer for a caller that takes no chunk before they stop its stream',
    ],
    total: [
      'workers end long streams sooner, with a 504 that callers of both versions get as RemoteError; it is the workers’ own limit on how long they work, as x-nats-handler-timeout-ms is for a reply',
      'workers let streams run longer; callers still give up at their own total timeout',
    ],
  },
};

/** Where a setting is written: in the new spec, else in the old (now the default), else the key itself. */
function settingAt(pair: ModelPair, a: StreamModel, b: StreamModel, key: string): At {
  const [oAt, nAt] = [child(a.location.pointer, key), child(b.location.pointer, key)];
  if (nodeAt(pair.docs.new, nAt) !== undefined) return inNew(nAt);
  if (nodeAt(pair.docs.old, oAt) !== undefined) return inOld(oAt);
  return inNew(b.location.pointer);
}

function compareTimeouts(
  pair: ModelPair,
  a: StreamModel,
  b: StreamModel,
  n: OperationModel,
  label: string,
  out: Findings,
): void {
  for (const [key, phase] of TIMEOUTS) {
    const [x, y] = [a[key], b[key]];
    if (x === y) continue;
    const [shorter, longer] = TIMEOUT_EFFECT[n.action][phase];
    out.add({
      kind: 'non-breaking',
      rule: 'nats-streaming-timeout-changed',
      message: `the ${phase} timeout of the stream of ${label} changed from ${x} ms to ${y} ms: ${y < x ? shorter : longer}`,
      at: settingAt(pair, a, b, key),
      covers: inBoth(child(b.location.pointer, key)),
      before: x,
      after: y,
    });
  }
}

/** The window travels with each request (a header), so old and new workers use each caller's own. */
function compareWindow(pair: ModelPair, a: StreamModel, b: StreamModel, label: string, out: Findings): void {
  if (a.window === b.window) return;
  out.add({
    kind: 'non-breaking',
    rule: 'nats-streaming-window-changed',
    message: `the window of the stream of ${label} changed from ${a.window} to ${b.window} chunks: ${b.window < a.window ? 'a slow caller holds its worker back sooner' : 'a worker may send more chunks ahead of a slow caller'}; each caller sends its window with its request, so callers and workers of both versions agree on every stream`,
    at: settingAt(pair, a, b, 'window'),
    covers: inBoth(child(b.location.pointer, 'window')),
    before: a.window,
    after: b.window,
  });
}
