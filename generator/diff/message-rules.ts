/**
 * Message rules: which messages an operation (or its reply) carries, and their payload and header
 * schemas (compared by schema-rules.ts). A message is matched across the two versions by where it
 * is defined, so one message swapped for another is reported as that swap, naming both, and never
 * as edits of schemas that did not change.
 */
import { readSchemaFormat } from '../model/schema-format.js';
import type { JsonSchema, MessageModel } from '../model/types.js';
import { splitPointer } from '../parse/locate.js';
import { plainDocument } from './asyncapi-diff.js';
import { Findings, inBoth, inNew, inOld, type Side } from './findings.js';
import type { ModelPair } from './pair.js';
import { child, isWithin } from './pointer.js';
import { canonicalJson, type Dialect, type Effect } from './schema-keywords.js';
import { compareSchemas, ROLLOUT, SchemaMemo, type SchemaSubject, type SchemaVersion } from './schema-rules.js';

/** The node at `pointer` in a (dereferenced) document, or undefined. */
export function nodeAt(doc: unknown, pointer: string): unknown {
  let node = doc;
  for (const token of pointer.split('/').slice(1)) {
    const key = token.replace(/~1/g, '/').replace(/~0/g, '~');
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

/** One side of a payload or header set: a JSON Schema to compare, or a schema in a format not read. */
type Part =
  | { readonly kind: 'schema'; readonly version: SchemaVersion }
  | { readonly kind: 'opaque'; readonly format: string; readonly schema: unknown; readonly pointer: string };

/**
 * A message's payload or headers on one side. A multi-format schema object (`{schemaFormat, schema}`)
 * is read by its format: OpenAPI 3.0 schemas have `nullable`; formats that are not JSON Schema
 * (Avro, Protobuf, RAML, ...) are compared as text.
 */
function partOf(pair: ModelPair, side: Side, message: MessageModel, which: 'payload' | 'headers'): Part {
  const name = which === 'payload' ? message.payload : message.headers;
  let schema: JsonSchema | undefined = pair[side].schemas.find((s) => s.name === name)?.schema;
  if (which === 'headers' && schema === undefined) schema = { type: 'object' };
  let pointer = child(pair.refs[side].definition(message.key), which);
  const raw = nodeAt(pair.docs[side], pointer);
  // Read as the model reads it: the schema format of the message (or its multi-format object) names the dialect.
  let dialect: Dialect = pair[side].schemas.find((s) => s.name === name)?.dialect ?? 'draft-07';
  if (typeof raw === 'object' && raw !== null && typeof (raw as { schemaFormat?: unknown }).schemaFormat === 'string') {
    const wrapper = raw as { schemaFormat: string; schema?: unknown };
    pointer = child(pointer, 'schema');
    const reading = readSchemaFormat(wrapper.schemaFormat);
    if (reading.kind === 'unsupported') {
      return { kind: 'opaque', format: wrapper.schemaFormat, schema: plainDocument(wrapper.schema), pointer };
    }
    dialect = reading.dialect;
    // The model may hold the multi-format object itself rather than the schema in it.
    if (typeof schema === 'object' && typeof schema.schemaFormat === 'string' && 'schema' in schema) {
      schema = schema.schema as JsonSchema;
    }
  }
  return { kind: 'schema', version: { schema, pointer, dialect } };
}

/** Compares one message's payload or headers across the versions; returns the effect. */
function compareParts(
  pair: ModelPair,
  out: Findings,
  o: MessageModel,
  n: MessageModel,
  which: 'payload' | 'headers',
  memo: SchemaMemo,
): Effect {
  const a = partOf(pair, 'old', o, which);
  const b = partOf(pair, 'new', n, which);
  if (a.kind === 'schema' && b.kind === 'schema') {
    const subject: SchemaSubject =
      which === 'payload' ? { role: 'payload', name: n.payload ?? n.name } : { role: 'headers', name: n.name };
    return compareSchemas(out, subject, a.version, b.version, pair.refs, memo);
  }
  const pointerOf = (p: Part) => (p.kind === 'schema' ? p.version.pointer : p.pointer);
  const formatOf = (p: Part) => (p.kind === 'schema' ? 'JSON Schema' : `'${p.format}' schema`);
  const same =
    a.kind === 'opaque' &&
    b.kind === 'opaque' &&
    a.format === b.format &&
    canonicalJson(a.schema) === canonicalJson(b.schema);
  const oAt = child(pair.refs.old.definition(o.key), which);
  const nAt = child(pair.refs.new.definition(n.key), which);
  out.explain(
    inOld(pointerOf(a)),
    inNew(pointerOf(b)),
    inOld(child(oAt, 'schemaFormat')),
    inNew(child(nAt, 'schemaFormat')),
  );
  if (same) return 'same';
  out.add({
    kind: 'breaking',
    rule: 'nats-schema-changed',
    message: `the ${which} of message ${n.name} (#${pair.refs.new.canonical(pointerOf(b))}) changed from ${formatOf(a)} to ${formatOf(b)}; asyncapi-nats does not read '${a.kind === 'opaque' ? a.format : (b as { format: string }).format}' schemas, so it cannot prove the new one accepts the same values`,
    at: inNew(pointerOf(b)),
    covers: [inOld(pointerOf(a))],
    help: ROLLOUT.changed,
  });
  return 'changed';
}

/**
 * The channel message entries (`/channels/c/messages/name`) that stand for message `key`: what
 * @asyncapi/diff reports when a message is added to or removed from a channel.
 */
function channelEntries(pair: ModelPair, side: Side, channel: string | undefined, key: string): string[] {
  if (channel === undefined) return [];
  const refs = pair.refs[side];
  const messages = child('/channels', channel, 'messages');
  return refs
    .keys(messages)
    .map((name) => child(messages, name))
    .filter((p) => refs.definition(p) === key);
}

/**
 * A side's messages by the pointer of their definition. The model keys a message by where the
 * parser first met it, which for a channel's own message can be an operation's list entry.
 */
function messagesByDefinition(pair: ModelPair, side: Side): Map<string, MessageModel> {
  const refs = pair.refs[side];
  return new Map(pair[side].messages.map((m) => [refs.definition(m.key), m]));
}

/** Where a list of messages sits and whose it is, for messages and pointers. */
export interface MessageList {
  readonly oldKeys: readonly string[];
  readonly newKeys: readonly string[];
  /** Pointer of the list in the operation (`/operations/o/messages`, `/operations/o/reply/messages`). */
  readonly at: string;
  readonly channels: readonly [string | undefined, string | undefined];
  /** `operation 'x'`, or `the reply of operation 'x'` (worked out only when something changed). */
  readonly label: () => string;
}

/** Messages added to or removed from an operation's list (or its reply's), and swaps. */
export function compareMessageLists(pair: ModelPair, list: MessageList, out: Findings): void {
  const before = list.oldKeys.map((k) => pair.refs.old.definition(k));
  const after = list.newKeys.map((k) => pair.refs.new.definition(k));
  if (JSON.stringify(before) === JSON.stringify(after)) return;
  out.explain(...inBoth(list.at));
  const oldMessages = messagesByDefinition(pair, 'old');
  const newMessages = messagesByDefinition(pair, 'new');
  const [oChannel, nChannel] = list.channels;
  const [from] = before;
  const [to] = after;
  if (before.length === 1 && after.length === 1 && from !== undefined && to !== undefined) {
    swapped(pair, list, [from, to], [oldMessages.get(from), newMessages.get(to)], out);
    return;
  }
  for (const key of before.filter((k) => !after.includes(k))) {
    const name = oldMessages.get(key)?.name ?? key;
    const covers = channelEntries(pair, 'old', oChannel, key).map(inOld);
    if (!newMessages.has(key)) covers.push(inOld(key));
    out.add({
      kind: 'breaking',
      rule: 'nats-message-removed',
      message: `message ${name} was removed from ${list.label()}`,
      at: inOld(list.at),
      covers,
      before: name,
      help: 'old senders still send it and new receivers reject it; code that uses its generated type no longer compiles',
    });
  }
  for (const key of after.filter((k) => !before.includes(k))) {
    const name = newMessages.get(key)?.name ?? key;
    const covers = channelEntries(pair, 'new', nChannel, key).map(inNew);
    if (!oldMessages.has(key)) covers.push(inNew(key));
    out.add({
      kind: 'breaking',
      rule: 'nats-message-added',
      message: `message ${name} was added to ${list.label()}`,
      at: inNew(list.at),
      covers,
      after: name,
      help: 'old receivers reject the new message: update every receiver before any sender sends it',
    });
  }
}

/**
 * One message replaced by another. Neither message need have changed: what changed is which one
 * the operation carries. Their schemas are compared to say whether both accept the same values,
 * but nothing is reported as an edit of either.
 */
function swapped(
  pair: ModelPair,
  list: MessageList,
  [from, to]: readonly [string, string],
  [o, n]: readonly [MessageModel | undefined, MessageModel | undefined],
  out: Findings,
): void {
  const oName = o?.name ?? from;
  const nName = n?.name ?? to;
  const scratch = new Findings();
  let effect: Effect = 'same';
  if (o && n) {
    const memo = new SchemaMemo();
    const payload = compareParts(pair, scratch, o, n, 'payload', memo);
    const headers = compareParts(pair, scratch, o, n, 'headers', memo);
    effect = mix(payload, headers);
  }
  const differences = scratch.list
    .filter((f) => f.kind === 'breaking')
    .map((f) => {
      const root = f.at.side === 'old' ? from : to;
      return isWithin(f.at.pointer, root) ? f.at.pointer.slice(root.length + 1) : f.at.pointer;
    });
  const unique = [...new Set(differences)];
  const detail =
    effect === 'same' || effect === 'equivalent'
      ? `; both accept the same payloads and headers, but the generated type is now ${nName} instead of ${oName}`
      : `; they accept different values (${unique.slice(0, 3).join(', ')}${unique.length > 3 ? `, and ${unique.length - 3} more` : ''}): ${CONSEQUENCE_OF_SWAP[effect]}`;
  const [oChannel, nChannel] = list.channels;
  const oldEntries = channelEntries(pair, 'old', oChannel, from);
  const newEntries = channelEntries(pair, 'new', nChannel, to);
  // Where the swap was written: the channel's message entry that now refers to another message,
  // else the operation's list.
  const entry = newEntries.find((e) => oldEntries.includes(e));
  const what =
    entry === undefined || nChannel === undefined
      ? `${list.label()} carries message ${nName} (#${to}) instead of ${oName} (#${from})`
      : `message '${splitPointer(entry).pop()}' of channel '${nChannel}' (${usersOf(pair, nChannel, to).join(', ')}) is now ${nName} (#${to}) instead of ${oName} (#${from})`;
  out.add({
    kind: 'breaking',
    rule: 'nats-message-swapped',
    message: `${what}${detail}`,
    at: inNew(entry ?? list.at),
    covers: [
      ...inBoth(list.at),
      ...oldEntries.map(inOld),
      ...newEntries.map(inNew),
      // @asyncapi/diff sees the swap as edits of the message wherever it is reached from.
      inOld(from),
      inNew(to),
    ],
    before: oName,
    after: nName,
    help:
      effect === 'same' || effect === 'equivalent'
        ? `code that names the generated type ${oName} must be changed`
        : ROLLOUT[effect === 'narrowed' || effect === 'widened' ? effect : 'changed'],
  });
}

/** Who carries message `key` of a channel in the new version: `operation 'x'`, `the reply of operation 'y'`. */
function usersOf(pair: ModelPair, channel: string, key: string): string[] {
  const has = (keys: readonly string[]) => keys.some((k) => pair.refs.new.definition(k) === key);
  const users: string[] = [];
  for (const op of pair.new.operations) {
    if (op.channel === channel && has(op.messages)) users.push(`operation '${op.id}'`);
    if (op.reply?.channel === channel && has(op.reply.messages)) users.push(`the reply of operation '${op.id}'`);
  }
  return users;
}

const CONSEQUENCE_OF_SWAP: Readonly<Record<'narrowed' | 'widened' | 'changed', string>> = {
  narrowed: 'receivers of the new version reject some messages that senders of the old version send',
  widened: 'receivers of the old version reject some messages that senders of the new version send',
  changed: "receivers of each version reject some of the other version's messages",
};

function mix(a: Effect, b: Effect): Effect {
  if (a === 'same' || a === 'equivalent') return b;
  if (b === 'same' || b === 'equivalent') return a;
  return a === b ? a : 'changed';
}

/**
 * Every message defined in both versions: its payload and headers, compared. `roles` says, by the
 * message's definition, who sends and who receives it where that is not the operation's own
 * direction (a chunk of a streamed reply: the workers send it); its findings' help ends with it.
 */
export function compareMessages(pair: ModelPair, out: Findings, roles: ReadonlyMap<string, string> = new Map()): void {
  const before = messagesByDefinition(pair, 'old');
  const after = messagesByDefinition(pair, 'new');
  const memo = new SchemaMemo();
  for (const key of [...before.keys()].sort()) {
    const o = before.get(key);
    const n = after.get(key);
    if (!o || !n) continue;
    const role = roles.get(key);
    const into = role === undefined ? out : new Findings();
    compareParts(pair, into, o, n, 'payload', memo);
    compareParts(pair, into, o, n, 'headers', memo);
    if (role !== undefined) relay(into, out, role);
  }
}

/** Copies findings to `out`, each help followed by `role`. */
function relay(from: Findings, out: Findings, role: string): void {
  for (const f of from.list) out.add({ ...f, help: f.help === undefined ? role : `${f.help} (${role})` });
  out.explain(...from.explained);
}
