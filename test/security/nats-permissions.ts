/**
 * The NATS permissions each user of the ai-sdk spec needs, derived from the generator's model of
 * spec/ai-sdk.asyncapi.yaml, so docs/security.md cannot drift from the spec or the runtime:
 * `permissions.test.ts` checks that the `authorization` block in the doc is exactly what
 * {@link renderAuthorization} prints, then loads that block into a real nats-server.
 *
 * Which operations each user runs is a deployment choice (the {@link ROLES} table, grouped by the
 * spec's tags: agent, gateway, rag); what each operation needs on the wire follows from the model and
 * from what the runtime does with default options:
 *
 * - core publish / request: publish to the subject; a request's reply comes to the caller's inbox;
 * - subscribe / reply: subscribe to the subject (a queue subscription needs no more); replies are
 *   published to the requester's inbox, which `allow_responses` permits for exactly one reply;
 * - durable publish: publish to the subject; `$JS.API.STREAM.INFO` of the stream and its dead-letter
 *   stream (the runtime checks both once per connection); the stream's ack comes to the inbox;
 * - durable consume: stream info and create for both streams (whoever starts first creates them),
 *   consumer info and create (`$JS.API.CONSUMER.CREATE.<stream>.<consumer>.<filter>`, also used to
 *   update it), pull requests (`$JS.API.CONSUMER.MSG.NEXT`), acks (`$JS.ACK.<stream>.<consumer>.>`)
 *   and dead letters (publish to the dead-letter subject);
 * - a generated server (every user that registers a receive operation): `$SRV.PING|INFO|STATS` for
 *   `nats micro`, each as `$SRV.<VERB>`, `$SRV.<VERB>.<name>` and `$SRV.<VERB>.<name>.<id>`, answered
 *   through `allow_responses`;
 * - every user that gets replies subscribes to its own inbox: `_INBOX.<tenant>.>` for a tenant's
 *   users (`connect({ tenant })`), `_INBOX.<user>.>` for a shared worker (`connect({ tenant: user })`);
 * - streamed reply (`x-nats-stream`), worker: subscribe to the subject; `allow_responses: { max: -1,
 *   expires }` (every chunk is a response to the one request; `true` allows one, and the expiry,
 *   2 minutes unless set, must outlast the longest stream: its `totalTimeoutMs` plus
 *   {@link STREAM_EXPIRY_MARGIN_MS} for the 504 the worker sends at that timeout); subscribe to its own
 *   inbox, where its control inboxes (credit, cancel) are;
 * - streamed reply, caller: publish to the subject, subscribe to its inbox (chunks), and publish to the
 *   inbox prefix of every user that serves the stream (`_INBOX.<worker>.>`), where credit and cancel go.
 *
 * Run it to print the block: `npx tsx --conditions=source test/security/nats-permissions.ts`.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { serviceInfo } from '../../generator/emit/server.js';
import { loadModel } from '../../generator/model/load.js';
import type { ApiModel, ChannelModel, OperationModel } from '../../generator/model/types.js';
import { consumerName } from '../../runtime/jetstream-setup.js';
import { wildcard } from '../../runtime/subject.js';

/** The spec the permissions are derived from. */
export const SPEC = 'spec/ai-sdk.asyncapi.yaml';

/** A user of the deployment: which operations it runs, for one tenant or for all of them. */
export interface Role {
  /** User name; `{tenant}` is replaced by the tenant's id for tenant users. */
  readonly user: string;
  /** What the user is, in the doc's words. */
  readonly title: string;
  /** `own`: runs the operations for one tenant (its subjects end in that tenant's id); `all`: serves every tenant. */
  readonly tenants: 'own' | 'all';
  /** Operation ids of the spec. */
  readonly operations: readonly string[];
}

/** Tenant users send (and an agent receives its own messages); shared workers serve every tenant. */
export const ROLES: readonly Role[] = [
  {
    user: '{tenant}-agent',
    title:
      "an agent of the tenant (Agent Framework): messages to and from the tenant's agents, tasks for the agent workers",
    tenants: 'own',
    operations: ['sendAgentMessage', 'receiveAgentMessage', 'sendAgentTask'],
  },
  {
    user: '{tenant}-gateway',
    title: 'a caller of the LiteLLM gateway for the tenant: queued, synchronous and streamed chat completions',
    tenants: 'own',
    operations: ['queueGatewayRequest', 'requestChatCompletion', 'streamChatCompletion'],
  },
  {
    user: '{tenant}-rag',
    title: 'a caller of the RAG system for the tenant: ingestion, published queries and synchronous retrieval',
    tenants: 'own',
    operations: ['ingestDocument', 'publishRagQuery', 'requestRagResults'],
  },
  {
    user: 'agent-worker',
    title: 'an agent worker (FaaS) taking the tasks of every tenant',
    tenants: 'all',
    operations: ['receiveAgentTask'],
  },
  {
    user: 'gateway-worker',
    title: 'a gateway worker (FaaS) serving every tenant: the request queue and synchronous completions',
    tenants: 'all',
    operations: ['receiveGatewayRequest', 'replyChatCompletion'],
  },
  {
    user: 'gateway-stream-worker',
    title: 'a gateway worker (FaaS) streaming completions to every tenant (a user of its own: see "Streamed replies")',
    tenants: 'all',
    operations: ['replyChatCompletionStream'],
  },
  {
    user: 'rag-worker',
    title: 'a RAG worker (FaaS) serving every tenant: ingestion, published queries and retrieval',
    tenants: 'all',
    operations: ['receiveDocument', 'receiveRagQuery', 'replyRagResults'],
  },
];

/** The user that runs `nats micro ls|info|stats` against the generated servers. */
export const MONITOR_USER = 'monitor';

/** One allow rule of a user, with the reason it is there. */
export interface Rule {
  readonly side: 'publish' | 'subscribe';
  readonly subject: string;
  /** Operation ids (or `service discovery`, `replies`) that need it, for the config comment. */
  readonly why: string;
}

/** Everything one user may do. */
export interface UserPermissions {
  readonly user: string;
  readonly password: string;
  readonly title: string;
  /** The tenant a tenant user acts for. */
  readonly tenant?: string;
  /** The inbox prefix the user must connect with (`connect({ tenant: inbox })`). */
  readonly inbox: string;
  /** The operations it runs. */
  readonly operations: readonly string[];
  readonly rules: readonly Rule[];
  /** Why it needs `allow_responses` (undefined: it answers nothing). */
  readonly responses?: string;
  /**
   * Set when it streams replies: `allow_responses: { max: -1, expires }` with this many seconds
   * instead of `true` (one response per request, for 2 minutes).
   */
  readonly streamResponsesS?: number;
}

/**
 * Added to the longest `totalTimeoutMs` for the `expires` of a streaming worker's `allow_responses`:
 * the permission counts from the request's delivery, and the worker's own total timeout (after which it
 * sends its `error` 504) starts a little later, when its handler starts.
 */
export const STREAM_EXPIRY_MARGIN_MS = 1_000;

/** The model of {@link SPEC}; throws when the spec has errors. */
export async function specModel(): Promise<ApiModel> {
  const loaded = await loadModel(SPEC, SPEC);
  if (loaded.model === undefined) {
    throw new Error(`${SPEC} has errors: ${loaded.problems.map((p) => p.message).join('; ')}`);
  }
  return loaded.model;
}

/** The channel address with `tenant_id` bound to `tenant`, or `*` for every tenant. */
function subjectOf(channel: ChannelModel, tenant: string | undefined): string {
  return channel.tokens.map((token) => (token.kind === 'literal' ? token.value : (tenant ?? '*'))).join('.');
}

/** Adds `rule` unless the same side and subject is there; a second reason is appended. */
function add(rules: Rule[], side: Rule['side'], subject: string, why: string): void {
  const i = rules.findIndex((r) => r.side === side && r.subject === subject);
  const found = rules[i];
  if (found === undefined) rules.push({ side, subject, why });
  else if (!found.why.split(', ').includes(why)) rules[i] = { ...found, why: `${found.why}, ${why}` };
}

/**
 * The inbox prefixes of the users that serve streaming operation `op` (the receive operations with
 * `x-nats-stream` on its channel), for a caller acting for `tenant`: where its credit and cancel go.
 */
function streamServerInboxes(model: ApiModel, op: OperationModel, tenant: string | undefined): string[] {
  const serving = new Set(
    model.operations
      .filter((o) => o.action === 'receive' && o.stream !== undefined && o.channel === op.channel)
      .map((o) => o.id),
  );
  const roles = ROLES.filter((r) => r.operations.some((id) => serving.has(id)));
  if (roles.length === 0) throw new Error(`streaming operation '${op.id}': no role serves its channel '${op.channel}'`);
  return roles.map((r) => (r.tenants === 'all' ? r.user : (tenant ?? r.user)));
}

/** What one operation needs, for `tenant` (undefined: every tenant). */
function operationRules(model: ApiModel, op: OperationModel, tenant: string | undefined, rules: Rule[]): void {
  const channel = model.channels.find((c) => c.id === op.channel);
  if (channel === undefined) throw new Error(`operation '${op.id}': no channel '${op.channel}'`);
  const subject = subjectOf(channel, tenant);
  const durable = op.durable;
  if (op.action === 'send') {
    add(rules, 'publish', subject, op.id);
    if (op.stream !== undefined) {
      for (const inbox of streamServerInboxes(model, op, tenant)) {
        add(rules, 'publish', `_INBOX.${inbox}.>`, `${op.id} (credit, cancel)`);
      }
    }
    if (durable !== undefined) {
      add(rules, 'publish', `$JS.API.STREAM.INFO.${durable.stream.name}`, op.id);
      add(rules, 'publish', `$JS.API.STREAM.INFO.${durable.deadLetter.stream}`, op.id);
    }
    return;
  }
  if (durable === undefined) {
    add(rules, 'subscribe', subject, op.id);
    return;
  }
  const consumer = durable.consumer;
  if (consumer === undefined) throw new Error(`operation '${op.id}': durable receive without a consumer`);
  const params: Record<string, string | typeof wildcard> = Object.fromEntries(
    channel.parameters.map((p) => [p.name, tenant ?? wildcard]),
  );
  const name = consumerName(
    { durable: consumer.durable },
    channel.parameters.map((p) => p.name),
    params,
  );
  const stream = durable.stream.name;
  for (const s of [stream, durable.deadLetter.stream]) {
    add(rules, 'publish', `$JS.API.STREAM.INFO.${s}`, op.id);
    add(rules, 'publish', `$JS.API.STREAM.CREATE.${s}`, op.id);
  }
  add(rules, 'publish', `$JS.API.CONSUMER.INFO.${stream}.${name}`, op.id);
  add(rules, 'publish', `$JS.API.CONSUMER.CREATE.${stream}.${name}.${subject}`, op.id);
  add(rules, 'publish', `$JS.API.CONSUMER.MSG.NEXT.${stream}.${name}`, op.id);
  add(rules, 'publish', `$JS.ACK.${stream}.${name}.>`, op.id);
  add(rules, 'publish', durable.deadLetter.subject, op.id);
}

/** The permissions of every user, for the given tenants, in the order the doc lists them. */
export function derivePermissions(model: ApiModel, tenants: readonly string[]): UserPermissions[] {
  const service = serviceInfo(model.title, model.version).name;
  const byId = new Map(model.operations.map((op) => [op.id, op]));
  const placed = ROLES.flatMap((r) => r.operations);
  const unplaced = model.operations.filter((op) => !placed.includes(op.id)).map((op) => op.id);
  if (unplaced.length > 0) throw new Error(`operations in no role of ROLES: ${unplaced.join(', ')}`);
  const twice = placed.filter((id, i) => placed.indexOf(id) !== i);
  if (twice.length > 0) throw new Error(`operations in more than one role: ${twice.join(', ')}`);

  const users: UserPermissions[] = [];
  const one = (role: Role, tenant: string | undefined): UserPermissions => {
    const user = tenant === undefined ? role.user : role.user.replace('{tenant}', tenant);
    const inbox = tenant ?? user;
    const rules: Rule[] = [];
    let servesRequests = false;
    let receives = false;
    let awaitsReplies = false;
    const streams: OperationModel[] = [];
    for (const id of role.operations) {
      const op = byId.get(id);
      if (op === undefined) throw new Error(`role '${role.user}': no operation '${id}' in ${SPEC}`);
      operationRules(model, op, tenant, rules);
      if (op.action === 'receive') receives = true;
      if (op.kind === 'reply' && op.stream === undefined) servesRequests = true;
      if (op.action === 'receive' && op.stream !== undefined) streams.push(op);
      // Requests, durable publishes (stream acks, JetStream API) and consumers all get replies.
      if (op.kind === 'request' || op.durable !== undefined) awaitsReplies = true;
    }
    if (awaitsReplies) add(rules, 'subscribe', `_INBOX.${inbox}.>`, 'replies');
    for (const op of streams) add(rules, 'subscribe', `_INBOX.${inbox}.>`, `${op.id} (credit, cancel)`);
    if (receives) {
      for (const s of ['$SRV.*', `$SRV.*.${service}`, `$SRV.*.${service}.*`]) {
        add(rules, 'subscribe', s, 'service discovery');
      }
    }
    const longest = Math.max(0, ...streams.map((op) => op.stream?.totalTimeoutMs ?? 0));
    const responses = [
      ...(servesRequests ? ['replies to requests'] : []),
      ...(streams.length > 0
        ? [`streamed replies (${streams.map((op) => op.id).join(', ')}, up to ${longest / 1000} s)`]
        : []),
      ...(receives ? ['answers to service discovery'] : []),
    ];
    return {
      user,
      password: `${user}-pw`,
      title: role.title,
      ...(tenant === undefined ? {} : { tenant }),
      inbox,
      operations: role.operations,
      rules: sortRules(rules),
      ...(responses.length > 0 ? { responses: responses.join(', ') } : {}),
      ...(streams.length > 0 ? { streamResponsesS: Math.ceil((longest + STREAM_EXPIRY_MARGIN_MS) / 1000) } : {}),
    };
  };
  for (const tenant of tenants) {
    for (const role of ROLES) if (role.tenants === 'own') users.push(one(role, tenant));
  }
  for (const role of ROLES) if (role.tenants === 'all') users.push(one(role, undefined));
  users.push({
    user: MONITOR_USER,
    password: `${MONITOR_USER}-pw`,
    title: 'an operator running `nats micro ls|info|stats` (read-only discovery of every service)',
    inbox: MONITOR_USER,
    operations: [],
    rules: [
      { side: 'publish', subject: '$SRV.>', why: 'service discovery' },
      { side: 'subscribe', subject: `_INBOX.${MONITOR_USER}.>`, why: 'replies' },
    ],
  });
  return users;
}

/** Spec subjects first, then JetStream, then `$SRV` and inboxes: the order a reader checks them in. */
function sortRules(rules: readonly Rule[]): Rule[] {
  const rank = (s: string): number =>
    s.startsWith('$JS.API.STREAM.')
      ? 1
      : s.startsWith('$JS.API.CONSUMER.')
        ? 2
        : s.startsWith('$JS.ACK.')
          ? 3
          : s.startsWith('$SRV.')
            ? 4
            : s.startsWith('_INBOX.')
              ? 5
              : 0;
  return rules
    .map((rule, i) => ({ rule, i }))
    .sort((a, b) => rank(a.rule.subject) - rank(b.rule.subject) || a.i - b.i)
    .map(({ rule }) => rule);
}

/** The nats-server `authorization { users: [...] }` block, one commented rule a line. */
export function renderAuthorization(users: readonly UserPermissions[]): string {
  const out: string[] = ['authorization {', '  users: ['];
  for (const u of users) {
    out.push(`    # ${u.user}: ${u.title}.`);
    out.push(`    # Connects with tenant: '${u.inbox}' (inbox _INBOX.${u.inbox}).`);
    out.push(`    { user: ${u.user}, password: ${u.password}, permissions: {`);
    for (const side of ['publish', 'subscribe'] as const) {
      const rules = u.rules.filter((r) => r.side === side);
      // No allow rule left (a minimality run removed the last): deny all, as leaving the side out would allow all.
      if (rules.length === 0) {
        out.push(`        ${side}: { deny: [">"] }`);
        continue;
      }
      out.push(`        ${side}: { allow: [`);
      const width = Math.max(...rules.map((r) => JSON.stringify(r.subject).length));
      for (const r of rules) out.push(`          ${JSON.stringify(r.subject).padEnd(width)}  # ${r.why}`);
      out.push('        ] }');
    }
    if (u.responses !== undefined) out.push(`        allow_responses: ${allowResponses(u)}  # ${u.responses}`);
    out.push('    } }');
  }
  out.push('  ]', '}');
  return out.join('\n');
}

/** `true` (one response per request), or no limit on the count for as long as the longest stream. */
function allowResponses(u: UserPermissions): string {
  return u.streamResponsesS === undefined ? 'true' : `{ max: -1, expires: "${u.streamResponsesS}s" }`;
}

/** The doc that shows the block. */
export const DOC = 'docs/security.md';

/** The `authorization { ... }` block of {@link DOC}: its first fenced block that holds one. */
export function documentedAuthorization(): string {
  const text = readFileSync(DOC, 'utf8');
  const found = /```[a-z]*\n(authorization \{\n[\s\S]*?\n\})\n```/.exec(text);
  if (found?.[1] === undefined) throw new Error(`${DOC} has no fenced 'authorization { ... }' block`);
  return found[1];
}

/** The tenants the doc's example shows. */
export const DOC_TENANTS = ['acme', 'globex'] as const;

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  console.log(renderAuthorization(derivePermissions(await specModel(), DOC_TENANTS)));
}
