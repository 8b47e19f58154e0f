/**
 * The NATS rules: two models (see generator/model) compared the way a deployed fleet sees them.
 * Channels and operations are matched by their keys in the spec. Each rule has a stable code; the
 * list, with the reasons, is in generator/diff/index.ts. Payload and header rules are in
 * schema-rules.ts.
 */
import type {
  ApiModel,
  ChannelModel,
  DurableModel,
  MessageModel,
  OperationModel,
  SubjectToken,
} from '../model/types.js';
import { type At, type Findings, inBoth, inNew, inOld } from './findings.js';
import { child, type RefResolver } from './pointer.js';
import { compareSchemas } from './schema-rules.js';

/** The runtime's request timeout when the spec states none (runtime/client.ts `DEFAULT_TIMEOUT_MS`). */
export const RUNTIME_DEFAULT_TIMEOUT_MS = 10_000;

const JS = 'x-nats-jetstream';

/** The two versions being compared, with what is needed to read their documents as written. */
export interface ModelPair {
  readonly old: ApiModel;
  readonly new: ApiModel;
  /** `$ref`s of each spec as written, to find which channel message stands for which message. */
  readonly refs: { readonly old: RefResolver; readonly new: RefResolver };
}

/** Runs every NATS rule over the pair. */
export function compareModels(pair: ModelPair, out: Findings): void {
  compareInfo(pair, out);
  compareChannels(pair, out);
  compareOperations(pair, out);
  compareMessages(pair, out);
}

function byId<T extends { readonly id: string }>(items: readonly T[]): Map<string, T> {
  return new Map(items.map((i) => [i.id, i]));
}

function union(a: Iterable<string>, b: Iterable<string>): string[] {
  return [...new Set([...a, ...b])].sort();
}

/** The subject pattern a subscriber of every parameter value uses: `ai.agent.message.*`. */
function pattern(tokens: readonly SubjectToken[]): string {
  return tokens.map((t) => (t.kind === 'literal' ? t.value : '*')).join('.');
}

function template(tokens: readonly SubjectToken[]): string {
  return tokens.map((t) => (t.kind === 'literal' ? t.value : `{${t.name}}`)).join('.');
}

function compareInfo({ old: a, new: b }: ModelPair, out: Findings): void {
  if (a.clientClass !== b.clientClass || a.serverClass !== b.serverClass) {
    out.add({
      kind: 'breaking',
      rule: 'api-class-renamed',
      message: `the generated classes are renamed from ${a.clientClass}/${a.serverClass} to ${b.clientClass}/${b.serverClass} (info.title changed)`,
      at: inNew('/info/title'),
      covers: [inOld('/info/title')],
      before: a.title,
      after: b.title,
      help: 'code that imports the old class names no longer compiles; keep info.title, or rename the imports',
    });
  }
  if (a.version !== b.version) {
    // @asyncapi/diff calls any edit of info.version breaking; it is the document's release number.
    out.add({
      kind: 'non-breaking',
      rule: 'info-version-changed',
      message: `the API version changed from ${a.version} to ${b.version}`,
      at: inNew('/info/version'),
      covers: [inOld('/info/version')],
      before: a.version,
      after: b.version,
    });
  }
}

/** A channel only ever used as a reply channel: NATS replies go to the requester's inbox, its address is unused. */
function replyOnly(model: ApiModel, channel: string): boolean {
  return (
    !model.operations.some((o) => o.channel === channel) && model.operations.some((o) => o.reply?.channel === channel)
  );
}

function compareChannels(pair: ModelPair, out: Findings): void {
  const before = byId(pair.old.channels);
  const after = byId(pair.new.channels);
  for (const id of union(before.keys(), after.keys())) {
    const o = before.get(id);
    const n = after.get(id);
    if (o && !n) {
      out.add({
        kind: 'breaking',
        rule: 'nats-channel-removed',
        message: `channel '${id}'${o.address ? ` (${o.address})` : ''} was removed`,
        at: inOld(o.location.pointer),
        covers: [inNew(o.location.pointer)],
        before: o.address,
        help: 'its publishers and subscribers lose their subject, and its generated subject builder and types are gone',
      });
    } else if (!o && n) {
      out.add({
        kind: 'non-breaking',
        rule: 'nats-channel-added',
        message: `channel '${id}'${n.address ? ` (${n.address})` : ''} was added`,
        at: inNew(n.location.pointer),
        covers: [inOld(n.location.pointer)],
        after: n.address,
      });
    } else if (o && n) {
      compareChannel(pair, o, n, out);
    }
  }
}

function compareChannel(pair: ModelPair, o: ChannelModel, n: ChannelModel, out: Findings): void {
  if (o.address === n.address) return;
  const p = n.location.pointer;
  const address = child(p, 'address');
  if (replyOnly(pair.old, o.id) && replyOnly(pair.new, n.id)) {
    out.add({
      kind: 'non-breaking',
      rule: 'nats-reply-address-changed',
      message: `the address of reply channel '${n.id}' changed; replies go to the requester's inbox, so it is not used`,
      at: inNew(address),
      covers: [inOld(address)],
      before: o.address,
      after: n.address,
    });
    return;
  }
  const oPattern = o.address === null ? null : pattern(o.tokens);
  const nPattern = n.address === null ? null : pattern(n.tokens);
  if (oPattern !== nPattern) {
    out.add({
      kind: 'breaking',
      rule: 'nats-subject-changed',
      message: `the subject of channel '${n.id}' changed from '${o.address}' to '${n.address}'`,
      at: inNew(address),
      covers: [inOld(address)],
      before: o.address,
      after: n.address,
      help: 'old subscribers no longer receive what new publishers send (and the other way round); publish to both subjects during the rollout, or add a channel and retire this one later',
    });
  }
  const parameterAt = (c: ChannelModel, name: string) => child(c.location.pointer, 'parameters', name);
  const samePositions = o.tokens.length === n.tokens.length && o.tokens.every((t, i) => t.kind === n.tokens[i]?.kind);
  const renamed = new Set<string>();
  if (samePositions) {
    o.tokens.forEach((t, i) => {
      const u = n.tokens[i];
      if (t.kind !== 'parameter' || u?.kind !== 'parameter' || t.name === u.name) return;
      renamed.add(t.name).add(u.name);
      out.add({
        kind: 'breaking',
        rule: 'nats-parameter-renamed',
        message: `parameter {${t.name}} of channel '${n.id}' was renamed to {${u.name}}`,
        at: inNew(parameterAt(n, u.name)),
        covers: [
          inOld(parameterAt(o, t.name)),
          inNew(parameterAt(n, t.name)),
          inOld(parameterAt(o, u.name)),
          ...inBoth(address),
        ],
        before: t.name,
        after: u.name,
        help: `the generated ${n.paramsType} and subject builder take '${u.name}' instead of '${t.name}': every caller must be changed`,
      });
    });
  }
  const oNames = o.parameters.map((x) => x.name);
  const nNames = n.parameters.map((x) => x.name);
  for (const name of oNames.filter((x) => !nNames.includes(x) && !renamed.has(x))) {
    out.add({
      kind: 'breaking',
      rule: 'nats-parameter-removed',
      message: `parameter {${name}} of channel '${n.id}' was removed`,
      at: inOld(parameterAt(o, name)),
      covers: [inNew(parameterAt(n, name)), ...inBoth(address)],
      before: name,
      help: `the generated ${n.paramsType} no longer has '${name}': every caller must be changed`,
    });
  }
  for (const name of nNames.filter((x) => !oNames.includes(x) && !renamed.has(x))) {
    out.add({
      kind: 'breaking',
      rule: 'nats-parameter-added',
      message: `parameter {${name}} was added to channel '${n.id}'`,
      at: inNew(parameterAt(n, name)),
      covers: [inOld(parameterAt(o, name)), ...inBoth(address)],
      after: name,
      help: `the generated ${n.paramsType} requires '${name}': every caller must be changed`,
    });
  }
}

function compareOperations(pair: ModelPair, out: Findings): void {
  const before = byId(pair.old.operations);
  const after = byId(pair.new.operations);
  for (const id of union(before.keys(), after.keys())) {
    const o = before.get(id);
    const n = after.get(id);
    if (o && !n) {
      out.add({
        kind: 'breaking',
        rule: 'nats-operation-removed',
        message: `operation '${id}' (${o.kind}) was removed`,
        at: inOld(o.location.pointer),
        covers: [inNew(o.location.pointer)],
        help: `the generated ${o.action === 'send' ? 'client' : 'server'} method '${o.name}' is gone, and whoever it talked to is left without a partner`,
      });
    } else if (!o && n) {
      out.add({
        kind: 'non-breaking',
        rule: 'nats-operation-added',
        message: `operation '${id}' (${n.kind}) was added`,
        at: inNew(n.location.pointer),
        covers: [inOld(n.location.pointer)],
      });
    } else if (o && n) {
      compareOperation(pair, o, n, out);
    }
  }
}

function compareOperation(pair: ModelPair, o: OperationModel, n: OperationModel, out: Findings): void {
  const p = n.location.pointer;
  const label = `operation '${n.id}'`;
  if (o.kind !== n.kind) {
    out.add({
      kind: 'breaking',
      rule: 'nats-operation-kind-changed',
      message: `${label} changed from ${o.kind} to ${n.kind}`,
      at: inNew(child(p, o.action !== n.action ? 'action' : 'reply')),
      covers: inBoth(child(p, 'action'), child(p, 'reply'), child(p, 'x-nats-timeout-ms')),
      before: o.kind,
      after: n.kind,
      help: 'the generated method changes shape and old and new versions no longer talk to each other; add a new operation and retire this one after the rollout',
    });
  }
  if (o.channel !== n.channel) {
    out.add({
      kind: 'breaking',
      rule: 'nats-operation-channel-changed',
      message: `${label} moved from channel '${o.channel}' to '${n.channel}'`,
      at: inNew(child(p, 'channel')),
      covers: [inOld(child(p, 'channel'))],
      before: o.channel,
      after: n.channel,
      help: 'its subject and generated parameter type now come from another channel',
    });
  }
  compareQueue(o, n, label, out);
  compareMatchHeaders(o, n, label, out);
  if (o.reply && n.reply) compareTimeout(o, n, label, out);
  compareDurable(o, n, out);
  compareMessageLists(pair, o.messages, n.messages, child(p, 'messages'), [o.channel, n.channel], label, out);
  if (o.reply && n.reply) {
    // The reply channel is the requester's inbox: only the reply messages matter.
    out.explain(...inBoth(child(p, 'reply', 'channel')));
    compareMessageLists(
      pair,
      o.reply.messages,
      n.reply.messages,
      child(p, 'reply', 'messages'),
      [o.reply.channel, n.reply.channel],
      `the reply of ${label}`,
      out,
    );
  }
}

function compareQueue(o: OperationModel, n: OperationModel, label: string, out: Findings): void {
  const a = o.queue?.template;
  const b = n.queue?.template;
  if (a === b) return;
  const p = n.location.pointer;
  const where = [child(p, 'x-nats-queue'), child(p, 'bindings', 'nats', 'queue')];
  const message =
    a === undefined
      ? `${label} now receives in queue group '${b}' (each message went to every instance; now to one)`
      : b === undefined
        ? `${label} no longer receives in queue group '${a}' (each message went to one instance; now to every one)`
        : `the queue group of ${label} changed from '${a}' to '${b}'`;
  out.add({
    kind: 'breaking',
    rule: 'nats-queue-changed',
    message,
    at: n.queue ? inNew(n.queue.location.pointer) : inOld(o.queue?.location.pointer ?? p),
    covers: inBoth(...where),
    before: a,
    after: b,
    help: 'during a rollout old and new workers are in different groups (or none), so messages are handled more than once; stop the old workers before starting the new ones',
  });
}

function compareMatchHeaders(o: OperationModel, n: OperationModel, label: string, out: Findings): void {
  const flat = (op: OperationModel) =>
    Object.fromEntries(
      [...(op.matchHeaders ?? [])]
        .sort((x, y) => (x.header < y.header ? -1 : x.header > y.header ? 1 : 0))
        .map((h) => [h.header, template(h.tokens)]),
    );
  const a = flat(o);
  const b = flat(n);
  if (JSON.stringify(a) === JSON.stringify(b)) return;
  const at = child(n.location.pointer, 'x-nats-match-headers');
  out.add({
    kind: 'breaking',
    rule: 'nats-match-headers-changed',
    message: `the header filter (x-nats-match-headers) of ${label} changed`,
    at: n.matchHeaders ? inNew(at) : inOld(at),
    covers: inBoth(at),
    before: o.matchHeaders ? a : undefined,
    after: n.matchHeaders ? b : undefined,
    help: 'old and new receivers keep different messages, so during a rollout some are handled twice or not at all',
  });
}

function compareTimeout(o: OperationModel, n: OperationModel, label: string, out: Findings): void {
  if (o.timeoutMs === n.timeoutMs) return;
  const a = o.timeoutMs ?? RUNTIME_DEFAULT_TIMEOUT_MS;
  const b = n.timeoutMs ?? RUNTIME_DEFAULT_TIMEOUT_MS;
  const at = child(n.location.pointer, 'x-nats-timeout-ms');
  const shown = (v: number | undefined) => (v === undefined ? `the default ${RUNTIME_DEFAULT_TIMEOUT_MS}` : `${v}`);
  const base = {
    at: n.timeoutMs !== undefined ? inNew(at) : inOld(at),
    covers: inBoth(at),
    before: o.timeoutMs,
    after: n.timeoutMs,
  };
  if (b < a) {
    out.add({
      ...base,
      kind: 'breaking',
      rule: 'nats-timeout-shortened',
      message: `the request timeout of ${label} was shortened from ${shown(o.timeoutMs)} ms to ${shown(n.timeoutMs)} ms`,
      help: 'requests that took longer than the new timeout now fail; repliers must answer within it',
    });
  } else if (b > a) {
    out.add({
      ...base,
      kind: 'non-breaking',
      rule: 'nats-timeout-lengthened',
      message: `the request timeout of ${label} was lengthened from ${shown(o.timeoutMs)} ms to ${shown(n.timeoutMs)} ms`,
    });
  } else {
    out.add({
      ...base,
      kind: 'non-breaking',
      rule: 'nats-timeout-default',
      message: `the request timeout of ${label} stays ${b} ms (the runtime default, now ${n.timeoutMs === undefined ? 'implied' : 'stated'})`,
    });
  }
}

/** A value in a message: strings in single quotes, the rest as JSON, `none` when absent. */
function quote(value: unknown): string {
  if (value === undefined) return 'none';
  return typeof value === 'string' ? `'${value}'` : JSON.stringify(value);
}

/** Where an operation's durable settings are: the channel's or the operation's `x-nats-jetstream`. */
function durableOwner(d: DurableModel, op: OperationModel): string {
  return d.location.pointer.startsWith('/channels/') ? `channel '${op.channel}'` : `operation '${op.id}'`;
}

function compareDurable(o: OperationModel, n: OperationModel, out: Findings): void {
  const a = o.durable;
  const b = n.durable;
  if (!a && !b) return;
  const opJs = child(n.location.pointer, JS);
  // Every key of the extension is compared below (through the model): its raw edits are explained.
  const covers: At[] = [...inBoth(child(o.location.pointer, JS), opJs)];
  if (a) covers.push(inOld(a.location.pointer));
  if (b) covers.push(inNew(b.location.pointer));
  out.explain(...covers);
  if (!a || !b) {
    const d = (b ?? a) as DurableModel;
    const owner = durableOwner(d, b ? n : o);
    out.add({
      kind: 'breaking',
      rule: 'nats-durability-changed',
      message: b
        ? `${owner} is now stored in JetStream stream '${b.stream.name}'`
        : `${owner} is no longer stored in JetStream (was stream '${a?.stream.name}')`,
      at: b ? inNew(b.location.pointer) : inOld(d.location.pointer),
      covers,
      before: a?.stream.name,
      after: b?.stream.name,
      help: b
        ? 'during a rollout old workers (core subscription) and new workers (durable consumer) each get a copy of every message, and the generated publish becomes async; switch every receiver at once'
        : 'messages still in the stream are never delivered, and during a rollout old (durable) and new (core) workers each get a copy of every message; drain the stream and switch every receiver at once',
    });
    return;
  }
  const owner = `stream '${b.stream.name}' of ${durableOwner(b, n)}`;
  const streamKey = (key: string) => child(b.location.pointer, key);
  const opKey = (key: string) => child(opJs, key);
  const change = (
    rule: string,
    kind: 'breaking' | 'unclassified',
    what: string,
    at: string,
    before: unknown,
    after: unknown,
    help: string,
  ) => {
    if (JSON.stringify(before) === JSON.stringify(after)) return;
    out.add({
      kind,
      rule,
      message: `${what} changed from ${quote(before)} to ${quote(after)}`,
      at: inNew(at),
      covers,
      before,
      after,
      help,
    });
  };
  const recreate =
    'JetStream cannot change this on an existing stream: it has to be recreated (and its messages moved)';
  const edit =
    'the runtime creates missing streams and consumers but never edits existing ones: apply the change with `nats stream edit` / `nats consumer edit`';
  change(
    'nats-stream-changed',
    'breaking',
    `the JetStream stream of ${durableOwner(b, n)}`,
    streamKey('stream'),
    a.stream.name,
    b.stream.name,
    'the new stream starts empty: messages still in the old one are not delivered to the new consumers; drain it first',
  );
  change(
    'nats-stream-changed',
    'breaking',
    `the subjects of ${owner}`,
    streamKey('subjects'),
    a.stream.subjects,
    b.stream.subjects,
    `${edit}; until then publishes to subjects the stream does not capture fail`,
  );
  change(
    'nats-stream-changed',
    'breaking',
    `the retention of ${owner}`,
    streamKey('retention'),
    a.stream.retention,
    b.stream.retention,
    recreate,
  );
  change(
    'nats-stream-changed',
    'breaking',
    `the storage of ${owner}`,
    streamKey('storage'),
    a.stream.storage,
    b.stream.storage,
    recreate,
  );
  change(
    'nats-jetstream-settings-changed',
    'unclassified',
    `the replicas of ${owner}`,
    streamKey('replicas'),
    a.stream.replicas,
    b.stream.replicas,
    edit,
  );
  change(
    'nats-jetstream-settings-changed',
    'unclassified',
    `the duplicate window of ${owner}`,
    streamKey('duplicate-window-ms'),
    a.stream.duplicateWindowMs,
    b.stream.duplicateWindowMs,
    edit,
  );
  change(
    'nats-jetstream-settings-changed',
    'unclassified',
    `the max age of ${owner}`,
    streamKey('max-age-ms'),
    a.stream.maxAgeMs,
    b.stream.maxAgeMs,
    edit,
  );
  change(
    'nats-jetstream-settings-changed',
    'unclassified',
    `the dead-letter subject of ${owner}`,
    streamKey('dead-letter'),
    a.deadLetter.subject,
    b.deadLetter.subject,
    'whatever reads dead letters must follow; letters already stored stay where they are',
  );
  change(
    'nats-jetstream-settings-changed',
    'unclassified',
    `the dead-letter stream of ${owner}`,
    streamKey('dead-letter-stream'),
    a.deadLetter.stream,
    b.deadLetter.stream,
    'whatever reads dead letters must follow; letters already stored stay in the old stream',
  );
  const label = `operation '${n.id}'`;
  change(
    'nats-consumer-changed',
    'breaking',
    `the durable consumer of ${label}`,
    opKey('consumer'),
    a.consumer?.durable,
    b.consumer?.durable,
    'the new consumer starts apart from the old one: messages pending on the old consumer are not delivered to new workers (on a workqueue stream the server refuses the second consumer)',
  );
  change(
    'nats-message-id-changed',
    'breaking',
    `the message id source of ${label}`,
    opKey('message-id'),
    a.messageId,
    b.messageId,
    "old and new publishers give the same message different ids, so the stream's duplicate detection lets both through",
  );
  change(
    'nats-jetstream-settings-changed',
    'unclassified',
    `ack-wait-ms of ${label}`,
    opKey('ack-wait-ms'),
    a.consumer?.ackWaitMs,
    b.consumer?.ackWaitMs,
    edit,
  );
  change(
    'nats-jetstream-settings-changed',
    'unclassified',
    `max-deliver of ${label}`,
    opKey('max-deliver'),
    a.consumer?.maxDeliver,
    b.consumer?.maxDeliver,
    edit,
  );
  change(
    'nats-jetstream-settings-changed',
    'unclassified',
    `backoff-ms of ${label}`,
    opKey('backoff-ms'),
    a.consumer?.backoffMs,
    b.consumer?.backoffMs,
    edit,
  );
}

/**
 * The channel message entries (`/channels/c/messages/name`) that stand for message `key`: what
 * @asyncapi/diff reports when a message is added to or removed from a channel.
 */
function channelEntries(refs: RefResolver, channel: string | undefined, key: string): string[] {
  if (channel === undefined) return [];
  const messages = child('/channels', channel, 'messages');
  return refs
    .keys(messages)
    .map((name) => child(messages, name))
    .filter((p) => refs.definition(p) === key);
}

function compareMessageLists(
  pair: ModelPair,
  oldKeys: readonly string[],
  newKeys: readonly string[],
  listAt: string,
  [oChannel, nChannel]: readonly [string | undefined, string | undefined],
  label: string,
  out: Findings,
): void {
  const before = oldKeys.map((k) => pair.refs.old.definition(k));
  const after = newKeys.map((k) => pair.refs.new.definition(k));
  if (JSON.stringify(before) === JSON.stringify(after)) return;
  out.explain(...inBoth(listAt));
  // One message replaced by another: what changed is in the payloads and headers (compareMessages).
  if (before.length === 1 && after.length === 1) return;
  const oldMessages = messagesByDefinition(pair, 'old');
  const newMessages = messagesByDefinition(pair, 'new');
  for (const key of before.filter((k) => !after.includes(k))) {
    const name = oldMessages.get(key)?.name ?? key;
    const covers = channelEntries(pair.refs.old, oChannel, key).map(inOld);
    if (!newMessages.has(key)) covers.push(inOld(key));
    out.add({
      kind: 'breaking',
      rule: 'nats-message-removed',
      message: `message ${name} was removed from ${label}`,
      at: inOld(listAt),
      covers,
      before: name,
      help: 'old senders still send it and new receivers reject it; code that uses its generated type no longer compiles',
    });
  }
  for (const key of after.filter((k) => !before.includes(k))) {
    const name = newMessages.get(key)?.name ?? key;
    const covers = channelEntries(pair.refs.new, nChannel, key).map(inNew);
    if (!oldMessages.has(key)) covers.push(inNew(key));
    out.add({
      kind: 'breaking',
      rule: 'nats-message-added',
      message: `message ${name} was added to ${label}`,
      at: inNew(listAt),
      covers,
      after: name,
      help: 'old receivers reject the new message: update every receiver before any sender sends it',
    });
  }
}

/**
 * A side's messages by the pointer of their definition. The model keys a message by where the
 * parser first met it, which for a channel's own message can be an operation's list entry.
 */
function messagesByDefinition(pair: ModelPair, side: 'old' | 'new'): Map<string, MessageModel> {
  const refs = pair.refs[side];
  return new Map(pair[side].messages.map((m) => [refs.definition(m.key), m]));
}

function schemaOf(model: ApiModel, name: string | undefined) {
  return name === undefined ? undefined : model.schemas.find((s) => s.name === name)?.schema;
}

/**
 * Pairs of messages to compare, with the pointers of their definitions: the same definition in
 * both, and a single message an operation swapped for another.
 */
function messagePairs(pair: ModelPair): [MessageModel, MessageModel, string, string][] {
  const before = messagesByDefinition(pair, 'old');
  const after = messagesByDefinition(pair, 'new');
  const pairs = new Map<string, [MessageModel, MessageModel, string, string]>();
  const add = (a: string, b: string) => {
    const o = before.get(a);
    const n = after.get(b);
    if (o && n) pairs.set(`${a}\n${b}`, [o, n, a, b]);
  };
  for (const key of before.keys()) add(key, key);
  const ops = byId(pair.new.operations);
  for (const o of pair.old.operations) {
    const n = ops.get(o.id);
    if (!n) continue;
    const lists: [readonly string[], readonly string[]][] = [[o.messages, n.messages]];
    if (o.reply && n.reply) lists.push([o.reply.messages, n.reply.messages]);
    for (const [a, b] of lists) {
      const [x] = a;
      const [y] = b;
      if (a.length !== 1 || b.length !== 1 || x === undefined || y === undefined) continue;
      add(pair.refs.old.definition(x), pair.refs.new.definition(y));
    }
  }
  return [...pairs.keys()].sort().map((k) => pairs.get(k) as [MessageModel, MessageModel, string, string]);
}

function compareMessages(pair: ModelPair, out: Findings): void {
  for (const [o, n, oKey, nKey] of messagePairs(pair)) {
    compareSchemas(
      out,
      { role: 'payload', name: n.payload ?? n.name },
      { schema: schemaOf(pair.old, o.payload), pointer: child(oKey, 'payload') },
      { schema: schemaOf(pair.new, n.payload), pointer: child(nKey, 'payload') },
    );
    compareSchemas(
      out,
      { role: 'headers', name: n.name },
      { schema: schemaOf(pair.old, o.headers) ?? { type: 'object' }, pointer: child(oKey, 'headers') },
      { schema: schemaOf(pair.new, n.headers) ?? { type: 'object' }, pointer: child(nKey, 'headers') },
    );
  }
}
