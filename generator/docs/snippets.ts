/**
 * Code snippets of the docs site, named exactly as the generated code names things: the typed client
 * call for a send operation, the typed server registration for a receive operation, and the `nats`
 * CLI line that does the same by hand.
 */
import { joinTokens, subjectPattern } from '../model/subject.js';
import type { ApiModel, ChannelModel, MessageModel, OperationModel } from '../model/types.js';

/** One snippet: a label for the tab and the code as plain text (the template escapes it). */
export interface Snippet {
  readonly label: string;
  /** `ts` or `sh`. */
  readonly language: 'ts' | 'sh';
  readonly code: string;
}

/** What the snippets of one operation need from the examples. */
export interface SnippetExamples {
  readonly payload?: unknown;
  readonly headers?: Readonly<Record<string, unknown>>;
  /** Reply payload, for a `reply` handler's return value; for a streamed reply, the chunk it yields. */
  readonly replyPayload?: unknown;
  /** A streamed reply's end message payload, which its handler returns. */
  readonly endPayload?: unknown;
}

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** `'it\'s'`: a TypeScript single-quoted string literal. */
function tsString(s: string): string {
  return `'${s
    .replace(/\\/g, '\\\\')
    .replace(/'/g, "\\'")
    .replace(/\n/g, '\\n')
    .replace(/\r/g, '\\r')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029')}'`;
}

function tsKey(k: string): string {
  return IDENTIFIER.test(k) && k !== '__proto__' ? k : tsString(k);
}

/** A value as a TypeScript literal, indented like hand-written code; short objects stay on one line. */
export function tsLiteral(value: unknown, indent = ''): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string') return tsString(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  const inner = `${indent}  `;
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    const items = value.map((v) => tsLiteral(v, inner));
    const flat = `[${items.join(', ')}]`;
    if (flat.length <= 60 && !flat.includes('\n')) return flat;
    return `[\n${items.map((i) => `${inner}${i},`).join('\n')}\n${indent}]`;
  }
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>);
    if (entries.length === 0) return '{}';
    const items = entries.map(([k, v]) => `${tsKey(k)}: ${tsLiteral(v, inner)}`);
    const flat = `{ ${items.join(', ')} }`;
    if (flat.length <= 60 && !flat.includes('\n')) return flat;
    return `{\n${items.map((i) => `${inner}${i},`).join('\n')}\n${indent}}`;
  }
  return 'null';
}

/** `'...'` for a POSIX shell: single quotes, each `'` written as `'\''`. */
export function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** An example value for a subject parameter: its first example, else its first enum value. */
export function parameterExample(channel: ChannelModel, name: string): string {
  const p = channel.parameters.find((x) => x.name === name);
  return p?.examples?.[0] ?? p?.enum?.[0] ?? name.replace(/[^A-Za-z0-9_-]/g, '') ?? 'value';
}

/** The subject with each parameter replaced by its example value. */
export function exampleSubject(channel: ChannelModel): string {
  return joinTokens(channel.tokens, (name) => parameterExample(channel, name));
}

/** The `params:` line of a call, or none when the channel has no parameters (its args type has no `params`). */
function paramsLines(channel: ChannelModel, wildcard: boolean, indent: string): string[] {
  if (channel.parameters.length === 0) return [];
  const entries = channel.parameters.map(
    (p) => `${tsKey(p.name)}: ${wildcard ? 'wildcard' : tsString(parameterExample(channel, p.name))}`,
  );
  return [`${indent}params: { ${entries.join(', ')} },`];
}

/** A queue placeholder's example: the header value a `x-nats-match-headers` filter compares it with. */
function queueExample(op: OperationModel, message: MessageModel | undefined, name: string): string {
  const header = op.matchHeaders?.find(
    (m) => m.tokens.length === 1 && m.tokens[0]?.kind === 'parameter' && m.tokens[0].name === name,
  );
  const headers = message?.examples.find((e) => e.headers)?.headers as Record<string, unknown> | undefined;
  const value = header && headers ? headers[header.header] : undefined;
  return typeof value === 'string' ? value : `my-${name.replace(/[^A-Za-z0-9_-]/g, '')}`;
}

/** The snippets of one operation. */
export function operationSnippets(
  model: ApiModel,
  op: OperationModel,
  channel: ChannelModel,
  message: MessageModel | undefined,
  ex: SnippetExamples,
): Snippet[] {
  // A plain `nats req` or `nats reply` cannot speak the stream protocol (credits, end): no CLI line.
  if (op.stream) return [streamSnippet(model, op, channel, message, ex)];
  const snippets: Snippet[] = [];
  const hasAddress = channel.address !== null;
  if (op.action === 'send') {
    const call = `client.${op.name}({\n${sendArgs(channel, ex, '  ').join('\n')}\n});`;
    const lead = op.kind === 'request' ? 'const reply = await ' : op.durable ? 'const ack = await ' : '';
    snippets.push({
      label: 'Client',
      language: 'ts',
      code: `const client = new ${model.clientClass}(nc);\n${lead}${call}`,
    });
  } else {
    const args = paramsLines(channel, true, '  ');
    if (op.queue && op.queue.parameters.length > 0) {
      const q = op.queue.parameters.map((n) => `${tsKey(n)}: ${tsString(queueExample(op, message, n))}`);
      args.push(`  queue: { ${q.join(', ')} },`);
    }
    const fields = op.durable ? '{ payload, params, messageId, deliveryCount }' : '{ payload, headers, params }';
    if (op.kind === 'reply') {
      const body = ex.replyPayload !== undefined ? `(${tsLiteral(ex.replyPayload, '  ')})` : '{}';
      args.push(`  handler: async ({ payload, params }) => ${body},`);
    } else {
      args.push(`  handler: async (${fields}) => {\n    // handle the message\n  },`);
    }
    snippets.push({
      label: 'Server',
      language: 'ts',
      code: `const server = new ${model.serverClass}(nc);\nserver.${op.name}({\n${args.join('\n')}\n});`,
    });
  }
  const queue = op.queue && joinTokens(op.queue.tokens, (name) => queueExample(op, message, name));
  if (hasAddress) snippets.push({ label: 'nats CLI', language: 'sh', code: natsCli(op, channel, ex, queue) });
  return snippets;
}

/** The arguments of a client call: the parameters' examples, the example's headers and payload. */
function sendArgs(channel: ChannelModel, ex: SnippetExamples, indent: string): string[] {
  const args = paramsLines(channel, false, indent);
  if (ex.headers && Object.keys(ex.headers).length > 0)
    args.push(`${indent}headers: ${tsLiteral(ex.headers, indent)},`);
  if (ex.payload !== undefined) args.push(`${indent}payload: ${tsLiteral(ex.payload, indent)},`);
  return args;
}

/**
 * A streamed reply (`x-nats-stream`): the client reads the chunks with `for await` and can cancel with
 * an AbortSignal; the server's handler is an `async function*` that yields the chunks, stops when its
 * `signal` aborts, and returns the end message (when one is declared).
 */
function streamSnippet(
  model: ApiModel,
  op: OperationModel,
  channel: ChannelModel,
  message: MessageModel | undefined,
  ex: SnippetExamples,
): Snippet {
  const end = op.stream?.end !== undefined;
  if (op.action === 'send') {
    const call = `client.${op.name}(\n  {\n${sendArgs(channel, ex, '    ').join('\n')}\n  },\n  { signal: controller.signal },\n)`;
    const lines = [
      `const client = new ${model.clientClass}(nc);`,
      '// controller.abort() cancels the stream; the server is told.',
      'const controller = new AbortController();',
      ...(end
        ? [
            `const stream = ${call};`,
            'for await (const chunk of stream) {',
            '  console.log(chunk);',
            '}',
            'console.log(stream.end);',
          ]
        : [`for await (const chunk of ${call}) {`, '  console.log(chunk);', '}']),
    ];
    return { label: 'Client', language: 'ts', code: lines.join('\n') };
  }
  const args = paramsLines(channel, true, '  ');
  if (op.queue && op.queue.parameters.length > 0) {
    const q = op.queue.parameters.map((n) => `${tsKey(n)}: ${tsString(queueExample(op, message, n))}`);
    args.push(`  queue: { ${q.join(', ')} },`);
  }
  const chunk = ex.replyPayload !== undefined ? tsLiteral(ex.replyPayload, '      ') : '{}';
  const handler = [
    '  // Each yield sends a chunk, in order; stop once signal aborts.',
    '  handler: async function* ({ payload, signal }) {',
    '    for (let i = 0; i < 3 && !signal.aborted; i++) {',
    `      yield ${chunk};`,
    '    }',
    ...(end ? [`    return ${ex.endPayload !== undefined ? tsLiteral(ex.endPayload, '    ') : '{}'};`] : []),
    '  },',
  ];
  return {
    label: 'Server',
    language: 'ts',
    code: `const server = new ${model.serverClass}(nc);\nserver.${op.name}({\n${[...args, ...handler].join('\n')}\n});`,
  };
}

/** The message id a durable publish of the example carries: the named header or payload field, else a fixed one. */
function exampleMessageId(durable: NonNullable<OperationModel['durable']>, ex: SnippetExamples): string {
  const source = durable.messageId;
  let value: unknown;
  if (source !== undefined && 'header' in source)
    value = (ex.headers as Record<string, unknown> | undefined)?.[source.header];
  else if (source !== undefined) {
    value = ex.payload;
    for (const key of source.payload) value = (value as Record<string, unknown> | undefined)?.[key];
  }
  return typeof value === 'string' || typeof value === 'number' ? String(value) : 'example-1';
}

/** The `nats` command line for an operation. */
export function natsCli(
  op: OperationModel,
  channel: ChannelModel,
  ex: SnippetExamples,
  queueName: string | undefined,
): string {
  const headerArgs = Object.entries(ex.headers ?? {}).map(
    ([k, v]) => ` -H ${shellQuote(`${k}:${typeof v === 'string' ? v : JSON.stringify(v)}`)}`,
  );
  const body = shellQuote(JSON.stringify(ex.payload ?? {}));
  const queue = queueName !== undefined ? ` --queue ${shellQuote(queueName)}` : '';
  const durable = op.durable;
  if (durable !== undefined && op.kind === 'publish') {
    // A request to a stream subject is answered with the stream's ack; the id makes a retry store once.
    return `nats req ${shellQuote(exampleSubject(channel))} ${body}${headerArgs.join('')} -H ${shellQuote(`Nats-Msg-Id:${exampleMessageId(durable, ex)}`)}`;
  }
  if (durable?.consumer !== undefined && op.kind === 'subscribe') {
    // Durable messages are taken from the shared consumer (acked by the CLI), not copied by a subscription.
    return `nats consumer next ${shellQuote(durable.stream.name)} ${shellQuote(durable.consumer.durable)} --count 1`;
  }
  switch (op.kind) {
    case 'publish':
      return `nats pub ${shellQuote(exampleSubject(channel))} ${body}${headerArgs.join('')}`;
    case 'request':
      return `nats req ${shellQuote(exampleSubject(channel))} ${body}${headerArgs.join('')}`;
    case 'reply':
      return `nats reply ${shellQuote(subjectPattern(channel.tokens))} ${shellQuote(JSON.stringify(ex.replyPayload ?? {}))}${queue}`;
    case 'subscribe':
      return `nats sub ${shellQuote(subjectPattern(channel.tokens))}${queue}`;
  }
}
