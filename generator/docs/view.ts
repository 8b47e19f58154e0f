/**
 * The docs site's view: plain data built from the ApiModel, shaped for the templates (no logic left
 * for Handlebars beyond `#each` and `#if`). Every string is text: the templates escape it, nothing
 * from the spec is ever inserted as HTML.
 */

import {
  declarationValidator,
  exampleNotGenerated,
  headerSample,
  headerValuesForCheck,
  invalidExampleProblem,
  sampleOf,
  type Validator,
} from '../examples.js';
import { joinTokens, subjectPattern } from '../model/subject.js';
import type {
  ApiModel,
  ChannelModel,
  JsonSchema,
  MessageModel,
  NamedSchema,
  OperationModel,
  StreamModel,
} from '../model/types.js';
import type { Problem } from '../problems.js';
import { inline, type Paragraphs, paragraphs, type TextRun } from './markdown.js';
import { fieldPaths, isObject, type SchemaNodeView, schemaTree, typeLabel } from './schema-tree.js';
import { operationSnippets, type Snippet } from './snippets.js';

export type { Block, Paragraphs, TextRun } from './markdown.js';
export type { SchemaNodeView } from './schema-tree.js';

/** A piece of a subject: literal text (dots included) or a `{parameter}`. */
export interface SubjectPart {
  readonly text: string;
  readonly param: boolean;
}

/** A link to a section of the page. */
export interface Link {
  readonly href: string;
  readonly label: string;
}

/** A labelled fact (`queue group`: `gateway.workers`). */
export interface Fact {
  readonly label: string;
  readonly value: string;
}

/** A tag of a channel or operation; `href` leads to its meaning in the overview, when the spec gives one. */
export interface TagLink {
  readonly label: string;
  readonly href?: string;
}

/** A tag the spec's `info` defines, with what it means. */
export interface TagView {
  readonly anchor: string;
  readonly name: string;
  readonly description: Paragraphs;
}

/** A labelled link of the overview (`license`: MIT). */
export interface InfoLink {
  readonly label: string;
  readonly text: string;
  /** Only `http(s):` and `mailto:`; absent when the spec's URL is anything else. */
  readonly href?: string;
}

export interface ParameterView {
  readonly name: string;
  /** `{name}`, as written in the address. */
  readonly placeholder: string;
  readonly description: Paragraphs;
  readonly enum: readonly string[];
  readonly examples: readonly string[];
}

/** A `{variable}` of a server's host or pathname. */
export interface ServerVariableView {
  readonly placeholder: string;
  readonly description: Paragraphs;
  readonly default?: string;
  readonly enum: readonly string[];
  readonly examples: readonly string[];
}

/** A security scheme a server accepts. */
export interface SecuritySchemeView {
  /** The component's name, or `inline` for a scheme written in place. */
  readonly name: string;
  readonly type: string;
  readonly description: Paragraphs;
  readonly settings: readonly Fact[];
}

export interface ServerView {
  /** Section id (`server-<name>`). */
  readonly anchor: string;
  readonly name: string;
  /** The spec's title, when it has one. */
  readonly title?: string;
  readonly summary?: string;
  readonly description: Paragraphs;
  /** `nats://host[/pathname]`, variables as written. */
  readonly url: string;
  /** The URL with its `{variables}` marked, as a subject's parameters are. */
  readonly urlParts: readonly SubjectPart[];
  readonly protocol: string;
  readonly protocolVersion?: string;
  readonly variables: readonly ServerVariableView[];
  /** Any one of these lets a client in; empty when the spec names none. */
  readonly security: readonly SecuritySchemeView[];
}

export interface ChannelView {
  /** Section id (`channel-<id>`). */
  readonly anchor: string;
  readonly id: string;
  /** The spec's title, else the id (the table of contents shows it). */
  readonly title: string;
  /** True when `title` is the spec's, so the heading names the id beside it. */
  readonly titled: boolean;
  readonly summary?: string;
  readonly description: Paragraphs;
  /** The subject with parameters marked; empty for a reply channel without address. */
  readonly subject: readonly SubjectPart[];
  readonly address: string | null;
  /** Subscription pattern (`*` per parameter); null without address. */
  readonly pattern: string | null;
  readonly parameters: readonly ParameterView[];
  readonly operations: readonly Link[];
  readonly messages: readonly Link[];
  /** The channel's tags, linked to their meaning in the overview when the spec gives one. */
  readonly tags: readonly TagLink[];
}

export interface HeaderRowView {
  readonly name: string;
  readonly type: string;
  readonly required: boolean;
  /** Allowed values; empty when the schema lists none. */
  readonly enum: readonly string[];
  readonly description?: readonly TextRun[];
}

export interface ExampleView {
  readonly name: string;
  /** What the example is and whose: `Example “researchHandoff” of message AgentMessage`. */
  readonly caption: string;
  /** True for the example built by the generator (not written in the spec). */
  readonly generated: boolean;
  /** Why a spec example does not match its schema (the page marks it); undefined when it matches. */
  readonly invalid?: string;
  /** Id of the element that says so (the example refers to it with `aria-describedby`). */
  readonly invalidId?: string;
  /** Pretty JSON of the payload; undefined when the example has none. */
  readonly payload?: string;
  readonly headers?: string;
}

export interface MessageView {
  /** Section id (`message-<Name>`). */
  readonly anchor: string;
  readonly name: string;
  /** The spec's title, when it has one other than the name. */
  readonly title?: string;
  readonly summary?: string;
  readonly description: Paragraphs;
  readonly contentType: string;
  readonly headers: readonly HeaderRowView[];
  readonly payload?: SchemaNodeView;
  readonly examples: readonly ExampleView[];
  readonly usedBy: readonly Link[];
}

/** Request/reply as one unit (the error replies are one section of the page, linked). */
export interface ReplyView {
  readonly messages: readonly Link[];
  readonly timeout: string;
}

/**
 * A streamed reply (`x-nats-stream`) as one unit: the chunk messages, the end, the timeouts and the
 * window. What each timeout and the window mean is said once, in the page's streaming section.
 */
export interface StreamView {
  readonly chunks: readonly Link[];
  /** The end message; absent when the stream ends with an end marker only. */
  readonly end?: Link;
  /** `30 s`: request sent → first chunk (or end). */
  readonly firstChunkTimeout: string;
  /** `30 s`: the longest wait for the next chunk while the caller waits for one. */
  readonly idleTimeout: string;
  /** `5 min`: request sent → end. */
  readonly totalTimeout: string;
  /** `32 chunks`: what the server may send ahead of the caller's credit. */
  readonly window: string;
}

/** A code snippet with a caption that says what it calls and where its values come from. */
export interface SnippetView extends Snippet {
  /** `Client call of sendAgentMessage`. */
  readonly caption: string;
  /** `values from example “researchHandoff” of message AgentMessage`; absent when no example fed it. */
  readonly source?: string;
}

export interface OperationView {
  /** Section id (`op-<id>`). */
  readonly anchor: string;
  readonly id: string;
  /** Method name on the generated client or server. */
  readonly method: string;
  readonly kind: string;
  /** Who sends and who answers (the kind badge beside the heading names the kind). */
  readonly direction: string;
  /** The spec's title, else its summary; absent when it has neither (the heading is the id). */
  readonly title?: string;
  /** The summary, when the title is shown too. */
  readonly summary?: string;
  readonly description: Paragraphs;
  readonly channel: Link;
  readonly subject: readonly SubjectPart[];
  readonly pattern: string | null;
  readonly messages: readonly Link[];
  /** A request/reply with one reply; absent for a streamed reply, which `stream` describes. */
  readonly reply?: ReplyView;
  readonly stream?: StreamView;
  readonly facts: readonly Fact[];
  readonly tags: readonly TagLink[];
  readonly snippets: readonly SnippetView[];
}

/** One search entry: kind, label, secondary text, target and the words it is found by. */
export interface SearchEntry {
  /** `server`, `subject`, `operation`, `message`, `field`, `header`. */
  readonly k: string;
  readonly l: string;
  readonly s: string;
  readonly h: string;
}

/** An error reply a requester can get instead of the reply. */
export interface ErrorRow {
  readonly status: string;
  readonly meaning: string;
}

/** Everything the templates render. */
export interface DocsView {
  readonly title: string;
  readonly version: string;
  readonly description: Paragraphs;
  /** The description's first paragraph as plain text (at most 300 characters), for `<meta name="description">`. */
  readonly summary: string;
  /** License, contact, external docs and terms of service, each only when the spec gives it. */
  readonly links: readonly InfoLink[];
  /** `info.tags` with their meaning; empty when the spec defines none. */
  readonly tags: readonly TagView[];
  readonly source: string;
  readonly asyncapiVersion: string;
  readonly clientClass: string;
  readonly serverClass: string;
  readonly servers: readonly ServerView[];
  readonly channels: readonly ChannelView[];
  readonly operations: readonly OperationView[];
  readonly messages: readonly MessageView[];
  /** The error replies of request/reply, shown once; empty when no operation is a request. */
  readonly requestErrors: readonly ErrorRow[];
  /** How a streamed reply ends in error, shown once; empty when no operation streams its reply. */
  readonly streamErrors: readonly ErrorRow[];
  readonly search: readonly SearchEntry[];
}

/** Keeps `[A-Za-z0-9_-]`, replaces the rest with `-`, and makes the id unique on the page. */
export class AnchorSet {
  readonly #used = new Set<string>();

  take(prefix: string, raw: string): string {
    const base = `${prefix}-${raw.replace(/[^A-Za-z0-9_-]/g, '-')}`;
    let id = base;
    for (let i = 2; this.#used.has(id); i++) id = `${base}-${i}`;
    this.#used.add(id);
    return id;
  }
}

function subjectParts(channel: ChannelModel): SubjectPart[] {
  const parts: SubjectPart[] = [];
  channel.tokens.forEach((t, i) => {
    const dot = i > 0 ? '.' : '';
    if (t.kind === 'literal') {
      const last = parts[parts.length - 1];
      if (last && !last.param) parts[parts.length - 1] = { text: `${last.text}${dot}${t.value}`, param: false };
      else parts.push({ text: `${dot}${t.value}`, param: false });
    } else {
      if (dot) {
        const last = parts[parts.length - 1];
        if (last && !last.param) parts[parts.length - 1] = { text: `${last.text}${dot}`, param: false };
        else parts.push({ text: dot, param: false });
      }
      parts.push({ text: `{${t.name}}`, param: true });
    }
  });
  return parts;
}

function seconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`;
}

/** A stream's timeouts run to minutes: `5 min`, `90 s`, `1500 ms`. */
function duration(ms: number): string {
  return ms % 60_000 === 0 ? `${ms / 60_000} min` : seconds(ms);
}

/** Who sends and who answers; the kind badge beside the heading already names the kind. */
const DIRECTION: Record<OperationModel['kind'], string> = {
  publish: 'the client sends; no reply',
  request: 'the client sends and waits for one reply',
  subscribe: 'the server side receives each message',
  reply: 'the server side answers each request',
};

/** Who sends and who answers when the reply is a stream of chunks (`x-nats-stream`). */
const STREAM_DIRECTION: Record<OperationModel['action'], string> = {
  send: 'the client sends one request and reads the reply as a stream of chunks',
  receive: 'the server side answers each request with a stream of chunks',
};

/** What a caller of a streamed reply can get instead of its chunks or in the middle of them (docs/streaming.md). */
const STREAM_ERRORS: readonly ErrorRow[] = [
  {
    status: 'RemoteError',
    meaning:
      'the worker answered 400 (invalid request), 500 (its handler threw, or yielded an invalid chunk), 503 (it is shutting down) or 504 (the stream passed its total timeout there, or the caller took no chunk within the idle timeout); it can come instead of the first chunk or after some',
  },
  { status: 'BusyError', meaning: '503: the worker is at its limit of open streams; nothing was processed' },
  { status: 'NoRespondersError', meaning: 'nobody serves the subject (fails in about a millisecond)' },
  {
    status: 'StreamTimeoutError',
    meaning: 'no first chunk, no next chunk or no end in time; its phase says which: first-chunk, idle or total',
  },
  {
    status: 'ValidationError',
    meaning: 'a chunk or the end message does not match its schema; the worker is told to stop',
  },
  {
    status: 'StreamInterruptedError',
    meaning: 'a chunk went missing on the way (a gap in the sequence) or the worker broke the protocol',
  },
  { status: 'ConnectionLostError', meaning: 'the connection to NATS dropped in the middle of the stream' },
];

/** Section id of the streaming part of the page, linked from each operation whose reply is a stream. */
export const STREAM_SECTION_ANCHOR = 'streaming';

/** The error replies a caller of a request can get (docs/runtime.md, "Error replies"). */
const REQUEST_ERRORS: readonly ErrorRow[] = [
  { status: '400', meaning: 'malformed JSON request, or invalid request (the first validation issue)' },
  { status: '500', meaning: 'internal error (the handler threw), or invalid reply / reply too large' },
  { status: '503', meaning: 'busy: the responder is at its limit of requests in flight; nothing was processed' },
  { status: 'NoResponders', meaning: 'nobody answers on the subject (fails in about a millisecond)' },
  { status: 'Timeout', meaning: 'no reply within the timeout' },
];

/** Section id of the error replies, linked from each request. */
export const REQUEST_ERRORS_ANCHOR = 'request-errors';

function json(value: unknown): string {
  return JSON.stringify(value, null, 2) ?? 'null';
}

/** How the view is built. */
export interface ViewOptions {
  /** A spec example that fails its schema is an error (`--strict`), not a warning. */
  readonly strict?: boolean;
}

/** An example's values for the snippets, and what to call it in their caption. */
interface SnippetSource {
  readonly payload?: unknown;
  readonly headers?: Record<string, unknown>;
  readonly label: string;
}

/** What every step of the view shares: lookups by id, the page's anchors and links, the search index. */
class ViewContext {
  readonly anchors = new AnchorSet();
  readonly search: SearchEntry[] = [];
  readonly problems: Problem[] = [];
  readonly schemaByName: Map<string, ApiModel['schemas'][number]>;
  readonly channelById: Map<string, ChannelModel>;
  readonly messageByKey: Map<string, MessageModel>;
  readonly channelAnchor: Map<string, string>;
  readonly opAnchor: Map<string, string>;
  readonly messageAnchor: Map<string, string>;
  /** Section id of each server, in model order. */
  readonly serverAnchor: readonly string[];
  /** Id of each tag `info` defines. */
  readonly tagAnchor: Map<string, string>;
  /** The examples of each message, checked. */
  readonly examples = new Map<string, ExampleView[]>();
  /** The first example of each message the generated code accepts: the snippets' values. */
  readonly snippetSource = new Map<string, SnippetSource>();

  constructor(
    readonly model: ApiModel,
    readonly strict: boolean,
  ) {
    this.schemaByName = new Map(model.schemas.map((s) => [s.name, s]));
    this.channelById = new Map(model.channels.map((c) => [c.id, c]));
    this.messageByKey = new Map(model.messages.map((m) => [m.key, m]));
    this.serverAnchor = model.servers.map((s) => this.anchors.take('server', s.name));
    this.tagAnchor = new Map((model.tags ?? []).map((t) => [t.name, this.anchors.take('tag', t.name)]));
    this.channelAnchor = new Map(model.channels.map((c) => [c.id, this.anchors.take('channel', c.id)]));
    this.opAnchor = new Map(model.operations.map((o) => [o.id, this.anchors.take('op', o.id)]));
    this.messageAnchor = new Map(model.messages.map((m) => [m.key, this.anchors.take('message', m.name)]));
  }

  msgLink(key: string): Link {
    return { href: `#${this.messageAnchor.get(key) ?? ''}`, label: this.messageByKey.get(key)?.name ?? key };
  }

  opLink(o: OperationModel): Link {
    return { href: `#${this.opAnchor.get(o.id) ?? ''}`, label: o.id };
  }

  tagLinks(names: readonly string[] | undefined): TagLink[] {
    return (names ?? []).map((label) => {
      const anchor = this.tagAnchor.get(label);
      return anchor ? { label, href: `#${anchor}` } : { label };
    });
  }
}

/** The schemas of one message's payload and headers, with their validators. */
interface MessageChecks {
  readonly payloadDecl?: NamedSchema;
  readonly headerDecl?: NamedSchema;
  readonly payloadCheck?: Validator;
  readonly headerCheck?: Validator;
  /** A validator that could not be built: the examples are shown unchecked, none is generated. */
  readonly unchecked?: Extract<Validator, { ok: false }>;
}

function messageChecks(ctx: ViewContext, m: MessageModel): MessageChecks {
  const payloadDecl = m.payload !== undefined ? ctx.schemaByName.get(m.payload) : undefined;
  const headerDecl = m.headers !== undefined ? ctx.schemaByName.get(m.headers) : undefined;
  const payloadCheck = payloadDecl ? declarationValidator(payloadDecl) : undefined;
  const headerCheck = headerDecl ? declarationValidator(headerDecl) : undefined;
  const unchecked = [payloadCheck, headerCheck].find((v): v is Extract<Validator, { ok: false }> => v?.ok === false);
  if (unchecked) {
    ctx.problems.push({
      code: 'docs-example-unchecked',
      severity: 'warning',
      message: `the examples of message '${m.name}' cannot be checked: ${unchecked.reason}`,
      file: m.location.file,
      line: m.location.line,
      column: m.location.column,
      help: 'the docs show the spec examples unchecked and no generated example',
    });
  }
  return {
    ...(payloadDecl ? { payloadDecl } : {}),
    ...(headerDecl ? { headerDecl } : {}),
    ...(payloadCheck ? { payloadCheck } : {}),
    ...(headerCheck ? { headerCheck } : {}),
    ...(unchecked ? { unchecked } : {}),
  };
}

/** The spec's examples of a message, each checked against its schemas; one that fails is marked, with why. */
function specExampleViews(ctx: ViewContext, m: MessageModel, checks: MessageChecks): ExampleView[] {
  const { payloadCheck, headerCheck } = checks;
  const headerSchema = checks.headerDecl?.schema;
  return m.examples.map((e, i) => {
    const label = e.name ?? `example ${i + 1}`;
    const reasons: string[] = [];
    const issues: [string, string | undefined][] = [
      ['payload', e.payload !== undefined && payloadCheck?.ok ? payloadCheck.check(e.payload) : undefined],
      [
        'headers',
        e.headers !== undefined && headerCheck?.ok && headerSchema !== undefined
          ? headerCheck.check(headerValuesForCheck(headerSchema, e.headers))
          : undefined,
      ],
    ];
    for (const [role, issue] of issues) {
      if (!issue) continue;
      reasons.push(`${role}: ${issue}`);
      ctx.problems.push(
        invalidExampleProblem(
          e.location,
          `the ${role} of example '${label}' of message '${m.name}'`,
          issue,
          ctx.strict,
        ),
      );
    }
    return {
      name: label,
      caption:
        e.name !== undefined ? `Example “${e.name}” of message ${m.name}` : `Example ${i + 1} of message ${m.name}`,
      generated: false,
      ...(reasons.length > 0
        ? { invalid: reasons.join('; '), invalidId: ctx.anchors.take('invalid', `${m.name}-${i}`) }
        : {}),
      ...(e.payload !== undefined ? { payload: json(e.payload) } : {}),
      ...(e.headers !== undefined ? { headers: json(e.headers) } : {}),
    };
  });
}

/** The example built from the schemas, only when it validates (else the problem examples.ts reports too). */
function generatedExampleView(ctx: ViewContext, m: MessageModel, checks: MessageChecks): ExampleView | undefined {
  if (checks.unchecked) return undefined;
  const { payloadDecl, headerDecl, payloadCheck, headerCheck } = checks;
  const payload = payloadDecl !== undefined ? sampleOf(payloadDecl.schema, payloadDecl.dialect) : undefined;
  const headers = headerDecl !== undefined ? headerSample(headerDecl.schema, headerDecl.dialect) : undefined;
  const payloadIssue = payload !== undefined && payloadCheck?.ok ? payloadCheck.check(payload) : undefined;
  const headerIssue =
    headers !== undefined && headerCheck?.ok && headerDecl !== undefined
      ? headerCheck.check(headerValuesForCheck(headerDecl.schema, headers))
      : undefined;
  if (payloadIssue || headerIssue) {
    // The same problem examples.ts reports for the same sample: printed once when both are built.
    const role = payloadIssue ? 'payload' : 'headers';
    const type = (payloadIssue ? payloadDecl : headerDecl)?.name;
    ctx.problems.push(exampleNotGenerated(m, role, type, (payloadIssue ?? headerIssue) as string));
    return undefined;
  }
  if (payload === undefined && headers === undefined) return undefined;
  return {
    name: 'generated',
    caption: `Generated example of message ${m.name}`,
    generated: true,
    ...(payload !== undefined ? { payload: json(payload) } : {}),
    ...(headers !== undefined ? { headers: json(headers) } : {}),
  };
}

/**
 * The examples of one message for the page, and the one its operations' snippets show: the first spec
 * example the generated code accepts (never one marked as not matching), else the generated one.
 */
function checkExamples(ctx: ViewContext, m: MessageModel): void {
  const checks = messageChecks(ctx, m);
  const specViews = specExampleViews(ctx, m, checks);
  const generated = generatedExampleView(ctx, m, checks);
  ctx.examples.set(m.key, generated ? [...specViews, generated] : specViews);
  const specIndex = specViews.findIndex((v) => v.invalid === undefined);
  const spec = m.examples[specIndex];
  const source = spec
    ? { payload: spec.payload, headers: spec.headers, caption: specViews[specIndex]?.caption ?? '' }
    : generated
      ? {
          payload: generated.payload && JSON.parse(generated.payload),
          headers: generated.headers && JSON.parse(generated.headers),
          caption: generated.caption,
        }
      : undefined;
  if (source) {
    ctx.snippetSource.set(m.key, {
      label: source.caption.charAt(0).toLowerCase() + source.caption.slice(1),
      ...(source.payload !== undefined ? { payload: source.payload } : {}),
      ...(isObject(source.headers) ? { headers: source.headers as Record<string, unknown> } : {}),
    });
  }
}

/** The servers: where each is, its protocol, variables, and the security schemes it accepts. */
function serverViews(ctx: ViewContext): ServerView[] {
  return ctx.model.servers.map((s, i) => {
    const anchor = `#${ctx.serverAnchor[i] ?? ''}`;
    const url = `${s.protocol}://${s.host}${s.pathname ? `/${s.pathname.replace(/^\//, '')}` : ''}`;
    ctx.search.push({ k: 'server', l: url, s: s.title ?? s.name, h: anchor });
    return {
      anchor: anchor.slice(1),
      name: s.name,
      ...(s.title ? { title: s.title } : {}),
      ...(s.summary ? { summary: s.summary } : {}),
      description: paragraphs(s.description),
      url,
      urlParts: url
        .split(/(\{[^{}]*\})/)
        .filter((text) => text !== '')
        .map((text) => ({ text, param: /^\{[^{}]*\}$/.test(text) })),
      protocol: s.protocol,
      ...(s.protocolVersion ? { protocolVersion: s.protocolVersion } : {}),
      variables: s.variables.map((v) => ({
        placeholder: `{${v.name}}`,
        description: paragraphs(v.description),
        ...(v.default !== undefined ? { default: v.default } : {}),
        enum: v.enum,
        examples: v.examples,
      })),
      security: s.security.map((sec) => ({
        name: sec.name ?? 'inline',
        type: sec.type,
        description: paragraphs(sec.description),
        settings: sec.settings,
      })),
    };
  });
}

/** The first paragraph's text, cut at a word near 300 characters: what a shared link's preview shows. */
function summaryOf(description: Paragraphs): string {
  const first = description.find((b): b is { readonly p: readonly TextRun[] } => 'p' in b);
  const text = (first?.p ?? [])
    .map((r) => r.text)
    .join('')
    .replace(/\s+/g, ' ')
    .trim();
  return text.length <= 300 ? text : `${text.slice(0, 300).replace(/\s+\S*$/, '')}…`;
}

/** License, contact, external docs and terms of service, as labelled links. */
function infoLinks(model: ApiModel): InfoLink[] {
  const link = (label: string, text: string, url: string | undefined): InfoLink => ({
    label,
    text,
    ...(url !== undefined && /^(https?:|mailto:)/i.test(url) ? { href: url } : {}),
  });
  const links: InfoLink[] = [];
  if (model.license) links.push(link('license', model.license.name, model.license.url));
  const c = model.contact;
  if (c?.name || c?.url) links.push(link('contact', c.name ?? c.url ?? '', c.url));
  if (c?.email) links.push(link('email', c.email, `mailto:${c.email}`));
  if (model.externalDocs)
    links.push(link('documentation', model.externalDocs.description ?? model.externalDocs.url, model.externalDocs.url));
  if (model.termsOfService) links.push(link('terms of service', model.termsOfService, model.termsOfService));
  return links;
}

function channelView(ctx: ViewContext, c: ChannelModel): ChannelView {
  const anchor = ctx.channelAnchor.get(c.id) ?? '';
  const ops = ctx.model.operations.filter((o) => o.channel === c.id || o.reply?.channel === c.id);
  const messageKeys = [...new Set(ops.flatMap((o) => (o.channel === c.id ? o.messages : (o.reply?.messages ?? []))))];
  ctx.search.push({ k: 'subject', l: c.address ?? `${c.id} (reply inbox)`, s: c.title ?? c.id, h: `#${anchor}` });
  return {
    anchor,
    id: c.id,
    title: c.title ?? c.id,
    titled: c.title !== undefined && c.title !== c.id,
    ...(c.summary ? { summary: c.summary } : {}),
    description: paragraphs(c.description),
    subject: subjectParts(c),
    address: c.address,
    pattern: c.address !== null ? subjectPattern(c.tokens) : null,
    parameters: c.parameters.map((p) => ({
      name: p.name,
      placeholder: `{${p.name}}`,
      description: paragraphs(p.description),
      enum: p.enum ?? [],
      examples: p.examples ?? [],
    })),
    operations: ops.map((o) => ctx.opLink(o)),
    messages: messageKeys.map((k) => ctx.msgLink(k)),
    tags: ctx.tagLinks(c.tags),
  };
}

/**
 * The NATS facts of an operation: the generated method, queue group, header filter, JetStream. A
 * request's timeout is not one of them: the request/reply part of the page says it, once.
 */
function operationFacts(model: ApiModel, o: OperationModel): Fact[] {
  const facts: Fact[] = [];
  facts.push({
    label: o.action === 'send' ? 'client method' : 'server method',
    value: `${o.action === 'send' ? model.clientClass : model.serverClass}.${o.name}`,
  });
  if (o.queue) facts.push({ label: 'queue group', value: o.queue.template });
  if (o.matchHeaders && o.matchHeaders.length > 0) {
    facts.push({
      label: 'header filter',
      value: o.matchHeaders.map((m) => `${m.header} = ${joinTokens(m.tokens, undefined, '')}`).join(', '),
    });
  }
  if (o.timeoutMs !== undefined && !o.reply) facts.push({ label: 'timeout', value: seconds(o.timeoutMs) });
  const d = o.durable;
  if (d) {
    facts.push({
      label: 'JetStream stream',
      value: `${d.stream.name} (${d.stream.retention}, ${d.stream.storage}, replicas ${d.stream.replicas})`,
    });
    facts.push({ label: 'stream subjects', value: d.stream.subjects.join(', ') });
    if (d.stream.duplicateWindowMs !== undefined)
      facts.push({ label: 'duplicate window', value: seconds(d.stream.duplicateWindowMs) });
    if (d.consumer) {
      facts.push({ label: 'durable consumer', value: d.consumer.durable });
      if (d.consumer.ackWaitMs !== undefined) facts.push({ label: 'ack wait', value: seconds(d.consumer.ackWaitMs) });
      if (d.consumer.maxDeliver !== undefined)
        facts.push({ label: 'max deliveries', value: String(d.consumer.maxDeliver) });
      if (d.consumer.backoffMs)
        facts.push({ label: 'redelivery backoff', value: d.consumer.backoffMs.map(seconds).join(', ') });
    }
    if (o.action === 'send') {
      const id = d.messageId;
      facts.push({
        label: 'message id (Nats-Msg-Id)',
        value: !id
          ? 'generated per call (its retries reuse it)'
          : 'header' in id
            ? `header ${id.header}`
            : `payload ${id.payload.join('.')}`,
      });
    }
    facts.push({ label: 'dead letters', value: `${d.deadLetter.subject} (stream ${d.deadLetter.stream})` });
  }
  return facts;
}

/**
 * Header values as the generated code types them: an example's headers are strings (as they travel),
 * but an `integer`, `number` or `boolean` header is a number or boolean in the generated args.
 */
function typedHeaders(
  ctx: ViewContext,
  m: MessageModel | undefined,
  headers: Readonly<Record<string, unknown>>,
): Record<string, unknown> {
  const schema = m?.headers !== undefined ? ctx.schemaByName.get(m.headers)?.schema : undefined;
  const props = isObject(schema) && isObject(schema.properties) ? schema.properties : {};
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, headerValue(props[k], v)]));
}

function headerValue(schema: unknown, value: unknown): unknown {
  if (typeof value !== 'string' || !isObject(schema)) return value;
  const types: unknown[] = Array.isArray(schema.type) ? schema.type : [schema.type];
  if (types.includes('string')) return value;
  const n = Number(value);
  if ((types.includes('integer') || types.includes('number')) && value.trim() !== '' && Number.isFinite(n)) return n;
  if (types.includes('boolean') && (value === 'true' || value === 'false')) return value === 'true';
  return value;
}

/** The snippets of an operation, each captioned with what it calls and whose example fed it. */
function snippetViews(ctx: ViewContext, o: OperationModel, channel: ChannelModel | undefined): SnippetView[] {
  if (!channel) return [];
  const main = o.messages[0];
  const ex = main !== undefined ? ctx.snippetSource.get(main) : undefined;
  // A streamed reply's handler yields its first chunk message and returns its end message.
  const replyKey = o.stream ? o.stream.chunks[0] : o.reply?.messages[0];
  const replyEx = replyKey !== undefined ? ctx.snippetSource.get(replyKey) : undefined;
  const endEx = o.stream?.end !== undefined ? ctx.snippetSource.get(o.stream.end) : undefined;
  const message = main !== undefined ? ctx.messageByKey.get(main) : undefined;
  const snippets = operationSnippets(ctx.model, o, channel, message, {
    ...(ex?.payload !== undefined ? { payload: ex.payload } : {}),
    ...(ex?.headers ? { headers: typedHeaders(ctx, message, ex.headers) } : {}),
    ...(replyEx?.payload !== undefined ? { replyPayload: replyEx.payload } : {}),
    ...(endEx?.payload !== undefined ? { endPayload: endEx.payload } : {}),
  });
  return snippets.map((snippet) => {
    // A sender's snippets show the message it sends; a replier's, the reply it returns; a subscriber's, none.
    const fed = o.action === 'send' ? ex : o.kind === 'reply' ? replyEx : undefined;
    const fedEnd = o.action === 'receive' && endEx !== undefined ? ` and the ${endEx.label}` : '';
    const what = snippet.label === 'nats CLI' ? 'nats CLI' : `${snippet.label} call`;
    return {
      ...snippet,
      caption: `${what}: ${o.id}`,
      ...(fed ? { source: `values from the ${fed.label}${fedEnd}` } : {}),
    };
  });
}

function streamView(ctx: ViewContext, s: StreamModel): StreamView {
  return {
    chunks: s.chunks.map((k) => ctx.msgLink(k)),
    ...(s.end !== undefined ? { end: ctx.msgLink(s.end) } : {}),
    firstChunkTimeout: duration(s.firstChunkTimeoutMs),
    idleTimeout: duration(s.idleTimeoutMs),
    totalTimeout: duration(s.totalTimeoutMs),
    window: `${s.window} chunk${s.window === 1 ? '' : 's'}`,
  };
}

function operationView(ctx: ViewContext, o: OperationModel): OperationView {
  const anchor = ctx.opAnchor.get(o.id) ?? '';
  const channel = ctx.channelById.get(o.channel);
  ctx.search.push({
    k: 'operation',
    l: o.id,
    s: `${o.kind}${o.stream ? ' stream' : ''} ${channel?.address ?? ''}`.trim(),
    h: `#${anchor}`,
  });
  const title = o.title ?? o.summary;
  return {
    anchor,
    id: o.id,
    method: o.name,
    kind: o.kind,
    direction: o.stream ? STREAM_DIRECTION[o.action] : DIRECTION[o.kind],
    ...(title && title !== o.id ? { title } : {}),
    ...(o.summary && o.title ? { summary: o.summary } : {}),
    description: paragraphs(o.description),
    channel: { href: `#${ctx.channelAnchor.get(o.channel) ?? ''}`, label: channel?.title ?? o.channel },
    subject: channel ? subjectParts(channel) : [],
    pattern: channel && channel.address !== null ? subjectPattern(channel.tokens) : null,
    messages: o.messages.map((k) => ctx.msgLink(k)),
    ...(o.stream ? { stream: streamView(ctx, o.stream) } : {}),
    ...(o.reply && !o.stream
      ? {
          reply: {
            messages: o.reply.messages.map((k) => ctx.msgLink(k)),
            timeout: o.timeoutMs !== undefined ? seconds(o.timeoutMs) : '10 s (runtime default)',
          },
        }
      : {}),
    facts: operationFacts(ctx.model, o),
    tags: ctx.tagLinks(o.tags),
    snippets: snippetViews(ctx, o, channel),
  };
}

function headerRows(m: MessageModel, headerSchema: JsonSchema | undefined): HeaderRowView[] {
  const props = isObject(headerSchema) && isObject(headerSchema.properties) ? headerSchema.properties : {};
  return Object.entries(props).map(([name, s]) => {
    const description = inline(isObject(s) && typeof s.description === 'string' ? s.description : undefined);
    return {
      name,
      type: typeLabel(s as JsonSchema),
      required: m.requiredHeaders.includes(name),
      enum: isObject(s) && Array.isArray(s.enum) ? s.enum.map(String) : [],
      ...(description.length > 0 ? { description } : {}),
    };
  });
}

function messageView(ctx: ViewContext, m: MessageModel): MessageView {
  const anchor = ctx.messageAnchor.get(m.key) ?? '';
  const payloadSchema = m.payload !== undefined ? ctx.schemaByName.get(m.payload)?.schema : undefined;
  const headerSchema = m.headers !== undefined ? ctx.schemaByName.get(m.headers)?.schema : undefined;
  const headers = headerRows(m, headerSchema);
  ctx.search.push({ k: 'message', l: m.name, s: m.title ?? m.summary ?? '', h: `#${anchor}` });
  for (const h of headers) ctx.search.push({ k: 'header', l: h.name, s: `header of ${m.name}`, h: `#${anchor}` });
  if (payloadSchema !== undefined) {
    const paths: string[] = [];
    fieldPaths(payloadSchema, '', paths, new Set());
    for (const p of new Set(paths)) ctx.search.push({ k: 'field', l: p, s: `field of ${m.name}`, h: `#${anchor}` });
  }
  const usedBy = ctx.model.operations.filter((o) => o.messages.includes(m.key) || o.reply?.messages.includes(m.key));
  return {
    anchor,
    name: m.name,
    ...(m.title && m.title !== m.name ? { title: m.title } : {}),
    ...(m.summary ? { summary: m.summary } : {}),
    description: paragraphs(m.description),
    contentType: m.contentType,
    headers,
    // The payload itself is what the message is: its root is not marked `required`.
    ...(payloadSchema !== undefined ? { payload: schemaTree(payloadSchema, 'payload', false) } : {}),
    examples: ctx.examples.get(m.key) ?? [],
    usedBy: usedBy.map((o) => ctx.opLink(o)),
  };
}

/**
 * Builds the view of a model; a spec example that fails its schema is a warning (an error under
 * `strict`) and is shown marked, with the reason.
 */
export function buildView(model: ApiModel, options: ViewOptions = {}): { view: DocsView; problems: Problem[] } {
  const ctx = new ViewContext(model, options.strict === true);
  const description = paragraphs(model.description);
  // Examples first: the first valid one of each message feeds the operations' snippets.
  for (const m of model.messages) checkExamples(ctx, m);
  const servers = serverViews(ctx);
  const channels = model.channels.map((c) => channelView(ctx, c));
  const operations = model.operations.map((o) => operationView(ctx, o));
  const messages = model.messages.map((m) => messageView(ctx, m));
  return {
    view: {
      title: model.title,
      version: model.version,
      description,
      summary: summaryOf(description),
      links: infoLinks(model),
      tags: (model.tags ?? []).map((t) => ({
        anchor: ctx.tagAnchor.get(t.name) ?? '',
        name: t.name,
        description: paragraphs(t.description),
      })),
      source: model.source,
      asyncapiVersion: model.asyncapiVersion,
      clientClass: model.clientClass,
      serverClass: model.serverClass,
      servers,
      channels,
      operations,
      messages,
      requestErrors: model.operations.some((o) => o.kind === 'request' && !o.stream) ? REQUEST_ERRORS : [],
      streamErrors: model.operations.some((o) => o.stream) ? STREAM_ERRORS : [],
      search: ctx.search,
    },
    problems: ctx.problems,
  };
}
