/**
 * The NATS rules: two models (see generator/model) compared the way a deployed fleet sees them.
 * Channels and operations are matched by their keys in the spec. Each rule has a stable code; the
 * list, with the reasons, is in generator/diff/index.ts. Schemas (payloads, headers, parameters) are
 * compared in schema-rules.ts, message lists in message-rules.ts, JetStream settings in
 * durable-rules.ts, streamed replies in stream-rules.ts.
 */
import { joinTokens, subjectPattern } from '../model/subject.js';
import type { ApiModel, ChannelModel, JsonSchema, OperationModel } from '../model/types.js';
import { plainDocument } from './asyncapi-diff.js';
import { compareDurable } from './durable-rules.js';
import { type Findings, inBoth, inNew, inOld } from './findings.js';
import { compareMessageLists, compareMessages, nodeAt } from './message-rules.js';
import type { ModelPair } from './pair.js';
import { child } from './pointer.js';
import { compareSchemas } from './schema-rules.js';
import { bothStream, compareStreaming, streamRoles } from './stream-rules.js';

/** The runtime's request timeout when the spec states none (runtime/client.ts `DEFAULT_TIMEOUT_MS`). */
export const RUNTIME_DEFAULT_TIMEOUT_MS = 10_000;

/** Runs every NATS rule over the pair. */
export function compareModels(pair: ModelPair, out: Findings): void {
  compareInfo(pair, out);
  compareChannels(pair, out);
  compareOperations(pair, out);
  compareMessages(pair, out, streamRoles(pair));
}

function byId<T extends { readonly id: string }>(items: readonly T[]): Map<string, T> {
  return new Map(items.map((i) => [i.id, i]));
}

function union(a: Iterable<string>, b: Iterable<string>): string[] {
  return [...new Set([...a, ...b])].sort();
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
  const renamed = compareAddress(pair, o, n, out);
  compareParameterSchemas(pair, o, n, renamed, out);
}

function parameterAt(c: ChannelModel, name: string): string {
  return child(c.location.pointer, 'parameters', name);
}

/**
 * The address: its subject pattern and its parameters' names. Returns the parameters renamed in
 * place (old name to new name).
 */
function compareAddress(pair: ModelPair, o: ChannelModel, n: ChannelModel, out: Findings): Map<string, string> {
  const renamed = new Map<string, string>();
  if (o.address === n.address) return renamed;
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
    return renamed;
  }
  const oPattern = o.address === null ? null : subjectPattern(o.tokens);
  const nPattern = n.address === null ? null : subjectPattern(n.tokens);
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
  const samePositions = o.tokens.length === n.tokens.length && o.tokens.every((t, i) => t.kind === n.tokens[i]?.kind);
  if (samePositions) {
    o.tokens.forEach((t, i) => {
      const u = n.tokens[i];
      if (t.kind !== 'parameter' || u?.kind !== 'parameter' || t.name === u.name) return;
      renamed.set(t.name, u.name);
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
  const isRenamed = (x: string) => renamed.has(x) || [...renamed.values()].includes(x);
  for (const name of oNames.filter((x) => !nNames.includes(x) && !isRenamed(x))) {
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
  for (const name of nNames.filter((x) => !oNames.includes(x) && !isRenamed(x))) {
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
  return renamed;
}

/**
 * What each parameter accepts: its object as written (`enum`, `default`, `location`, and a
 * `schema`, should one come through) is compared like a schema of the subject token, which
 * publishers check before sending and subscribers on arrival.
 */
function compareParameterSchemas(
  pair: ModelPair,
  o: ChannelModel,
  n: ChannelModel,
  renamed: ReadonlyMap<string, string>,
  out: Findings,
): void {
  const nNames = new Set(n.parameters.map((x) => x.name));
  for (const { name } of o.parameters) {
    const newName = renamed.get(name) ?? name;
    if (!nNames.has(newName) || (!renamed.has(name) && [...renamed.values()].includes(name))) continue;
    const before = parameterAt(o, name);
    const after = parameterAt(n, newName);
    const read = (doc: unknown, pointer: string) => (plainDocument(nodeAt(doc, pointer)) ?? {}) as JsonSchema;
    compareSchemas(
      out,
      { role: 'parameter', name: `{${newName}} of channel '${n.id}'` },
      { schema: read(pair.docs.old, before), pointer: before },
      { schema: read(pair.docs.new, after), pointer: after },
      pair.refs,
    );
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
  compareQueue(pair, o, n, label, out);
  compareMatchHeaders(o, n, label, out);
  // A stream has its own timeouts (x-nats-stream); a reply that starts or stops streaming says it all.
  if (o.reply && n.reply && !o.stream && !n.stream) compareTimeout(o, n, label, out);
  compareHandlerTimeout(o, n, label, out);
  compareDurable(o, n, out);
  compareMessageLists(
    pair,
    {
      oldKeys: o.messages,
      newKeys: n.messages,
      at: child(p, 'messages'),
      channels: [o.channel, n.channel],
      label: () => label,
    },
    out,
  );
  compareStreaming(pair, o, n, out);
  if (o.reply && n.reply) {
    // The reply channel is the requester's inbox: only the reply messages matter.
    out.explain(...inBoth(child(p, 'reply', 'channel')));
    // A stream's reply messages are its chunks and its end, compared as such (stream-rules.ts).
    if (bothStream(o, n)) return;
    compareMessageLists(
      pair,
      {
        oldKeys: o.reply.messages,
        newKeys: n.reply.messages,
        at: child(p, 'reply', 'messages'),
        channels: [o.reply.channel, n.reply.channel],
        label: () => replyLabel(pair, n),
      },
      out,
    );
  }
}

/**
 * The queue group, from the NATS operation binding or `x-nats-queue` (the same group written the
 * other way is no change), and the binding's version.
 */
/**
 * `the reply of operation 'x'`; for a reply written once in components and shared by operations,
 * `reply 'R' (of operations 'x', 'y')`, since one change there is one finding.
 */
function replyLabel(pair: ModelPair, op: OperationModel): string {
  const at = (o: OperationModel) => pair.refs.new.definition(child(o.location.pointer, 'reply'));
  const mine = at(op);
  const component = /^\/components\/replies\/([^/]+)$/.exec(mine)?.[1];
  if (component === undefined) return `the reply of operation '${op.id}'`;
  const users = pair.new.operations.filter((o) => o.reply && at(o) === mine).map((o) => `'${o.id}'`);
  return `reply '${component.replace(/~1/g, '/').replace(/~0/g, '~')}' (of operation${users.length > 1 ? 's' : ''} ${users.join(', ')})`;
}

function compareQueue(pair: ModelPair, o: OperationModel, n: OperationModel, label: string, out: Findings): void {
  const p = n.location.pointer;
  const version = child(p, 'bindings', 'nats', 'bindingVersion');
  const [va, vb] = [nodeAt(pair.docs.old, version), nodeAt(pair.docs.new, version)];
  if (va !== vb) {
    out.add({
      kind: 'non-breaking',
      rule: 'nats-binding-version-changed',
      message: `the NATS binding version of ${label} changed from ${va === undefined ? 'none' : `'${va}'`} to ${vb === undefined ? 'none' : `'${vb}'`}; the binding's one setting, queue, is compared on its own`,
      at: vb === undefined ? inOld(version) : inNew(version),
      covers: inBoth(version),
      before: va,
      after: vb,
    });
  }
  const a = o.queue?.template;
  const b = n.queue?.template;
  const where = [child(p, 'x-nats-queue'), child(p, 'bindings', 'nats', 'queue')];
  if (a === b) {
    out.explain(...inBoth(...where));
    return;
  }
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
        .map((h) => [h.header, joinTokens(h.tokens, undefined, '')]),
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

/** The handler timeout is the receiver's own business: how long it lets a handler take. */
function compareHandlerTimeout(o: OperationModel, n: OperationModel, label: string, out: Findings): void {
  if (o.handlerTimeoutMs === n.handlerTimeoutMs) return;
  const at = child(n.location.pointer, 'x-nats-handler-timeout-ms');
  const shown = (v: number | undefined) => (v === undefined ? 'none' : `${v} ms`);
  out.add({
    kind: 'non-breaking',
    rule: 'nats-handler-timeout-changed',
    message: `the handler timeout of ${label} changed from ${shown(o.handlerTimeoutMs)} to ${shown(n.handlerTimeoutMs)}: only how long its own handlers may take`,
    at: n.handlerTimeoutMs !== undefined ? inNew(at) : inOld(at),
    covers: inBoth(at),
    before: o.handlerTimeoutMs,
    after: n.handlerTimeoutMs,
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
  // A requester (send) waits this long; a replier (receive) is told it may take this long. Less
  // waiting and more taking each leave some requests without an answer.
  const requester = n.action === 'send';
  if (b < a) {
    out.add({
      ...base,
      kind: requester ? 'breaking' : 'non-breaking',
      rule: 'nats-timeout-shortened',
      message: `the request timeout of ${label} was shortened from ${shown(o.timeoutMs)} ms to ${shown(n.timeoutMs)} ms${requester ? '' : ': repliers are asked to answer sooner, which requesters of both versions wait for'}`,
      ...(requester
        ? { help: 'requests that took longer than the new timeout now fail; repliers must answer within it' }
        : {}),
    });
  } else if (b > a) {
    out.add({
      ...base,
      kind: requester ? 'non-breaking' : 'breaking',
      rule: 'nats-timeout-lengthened',
      message: `the request timeout of ${label} was lengthened from ${shown(o.timeoutMs)} ms to ${shown(n.timeoutMs)} ms${requester ? '' : ': repliers may now take longer than requesters of the old version wait'}`,
      ...(requester
        ? {}
        : {
            help: 'lengthen the requesting operation first and roll it out, then let repliers take longer',
          }),
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
