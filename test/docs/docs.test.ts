/**
 * The docs site (issue 4), without a browser: structure golden, escaping of hostile spec text, examples
 * checked at build time, the size budget, a 300-channel spec, template overrides and the CLI command.
 * The browser behaviour (search, theme, deep links, axe) is tested in test/browser/.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { parse as parseYaml, stringify } from 'yaml';
import { main } from '../../generator/cli.js';
import { generateDocsFiles, resolveDocsOptions } from '../../generator/generate.js';
import { generateDocs } from '../../generator/index.js';

const HOSTILE = 'test/fixtures/specs/docs-hostile.asyncapi.yaml';
const INVALID_EXAMPLE = 'test/fixtures/specs/docs-invalid-example.asyncapi.yaml';
const SERVERS = 'test/fixtures/specs/docs-servers.asyncapi.yaml';
const STREAM = 'test/fixtures/specs/docs-stream.asyncapi.yaml';
const tmp: string[] = [];

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'asyncapi-nats-docs-'));
  tmp.push(dir);
  return dir;
}

afterAll(async () => {
  for (const dir of tmp) await rm(dir, { recursive: true, force: true });
});

async function site(spec: string, templates?: string): Promise<Map<string, string>> {
  const result = await generateDocsFiles(
    resolveDocsOptions({ spec, out: 'unused', ...(templates !== undefined ? { templates } : {}) }),
  );
  if (!result.files) throw new Error(`${spec}: ${JSON.stringify(result.problems, null, 2)}`);
  return new Map(result.files);
}

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (l: string) => out.push(l), err: (l: string) => err.push(l) }, out, err };
}

/** Section ids with their headings, then the set of classes used: the page's shape, not its text. */
function outline(html: string): string {
  const lines: string[] = [];
  const section = /<section id="([^"]+)" class="([^"]+)">\s*<h[23][^>]*>(.*?)<\/h[23]>/gs;
  for (const m of html.matchAll(section)) {
    const heading = (m[3] ?? '')
      .replace(/<[^>]+>/g, '')
      .replace(/\s+/g, ' ')
      .trim();
    lines.push(`${m[1]} [${m[2]}] ${heading}`);
  }
  const classes = new Set<string>();
  for (const m of html.matchAll(/class="([^"]+)"/g)) for (const c of (m[1] ?? '').split(/\s+/)) classes.add(c);
  const ids = [...html.matchAll(/\bid="([^"]+)"/g)].map((m) => m[1]);
  lines.push('', `classes: ${[...classes].sort().join(' ')}`);
  lines.push(`ids unique: ${new Set(ids).size === ids.length}`);
  return `${lines.join('\n')}\n`;
}

describe('docs site', () => {
  it('docs - the ai-sdk page has the expected structure (sections, headings, classes)', async () => {
    const files = await site('spec/ai-sdk.asyncapi.yaml');
    expect([...files.keys()].sort()).toEqual(['assets/site.css', 'assets/site.js', 'index.html', 'search-index.js']);
    const html = files.get('index.html') ?? '';
    await expect(outline(html)).toMatchFileSnapshot('__snapshots__/ai-sdk.outline.txt');
    // The DOM contract the browser tests rely on.
    expect(html).toContain('<input id="search" type="search" aria-label="Search"');
    expect(html).toContain('<ul id="search-results" role="listbox"');
    // Hidden until site.js names it (without the script it could do nothing).
    expect(html).toContain('<button id="theme-toggle" type="button" hidden>Switch to dark theme</button>');
    expect(html).toContain('<section id="op-requestChatCompletion" class="operation" data-kind="request">');
    expect(html).toContain('<section id="channel-agentMessage" class="channel">');
    expect(html).toContain('<section id="message-AgentMessage" class="message">');
    expect(html).toContain('<code class="subject">ai.agent.message.<span class="param">{tenant_id}</span></code>');
    expect(html).toContain('<button type="button" class="copy" data-copy="ai.agent.message.*"');
    expect(html).toContain('<details class="schema" open>');
  });

  it('docs - a Servers section shows each server: URL, protocol and version, security schemes, variables', async () => {
    const html = (await site(SERVERS)).get('index.html') ?? '';
    const server = (name: string) => {
      const start = html.indexOf(`<section id="server-${name}" class="server">`);
      return start < 0 ? '' : html.slice(start, html.indexOf('</section>', start));
    };
    const production = server('production');
    expect(production).toContain(
      '<code class="url">nats://<span class="param">{region}</span>.nats.example.com:4222</code>',
    );
    expect(production).toContain('<small class="muted">Production cluster</small>');
    expect(production).toContain('<dt>protocol</dt><dd>nats 2.10</dd>');
    expect(production).toContain('any one of:');
    expect(production).toContain('<li><code>userCreds</code> (userPassword)<p>A user and password');
    expect(production).toContain('<li><code>mtls</code> (X509)<p>A client certificate');
    expect(production).toContain('<span class="param">{region}</span>');
    expect(production).toContain(
      '<p>one of: <code>eu-west</code> <code>us-east</code> </p><p>default: <code>eu-west</code></p>',
    );
    expect(production).toContain('Connect with the <strong>credentials file</strong>');
    const local = server('local');
    expect(local).toContain('<code class="url">nats://127.0.0.1:4222</code>');
    expect(local).toContain('<dt>protocol</dt><dd>nats</dd>');
    expect(local).toContain('<dt>security</dt><dd>none declared</dd>');
    // A scheme's settings in the spec's words: where an API key goes, OAuth flows and the scopes needed.
    const edge = server('edge');
    expect(edge).toContain('<code class="url">wss://edge.example.com/nats</code>');
    expect(edge).toContain('<li><code>apiKey</code> (httpApiKey), in <code>header</code>, name <code>X-Api-Key</code>');
    expect(edge).toContain(
      '<li><code>oauth</code> (oauth2), flows <code>clientCredentials</code>, scopes <code>orders:write</code>',
    );
    expect(html).toContain(
      '<h2>Servers</h2>\n  <ul><li><a href="#server-production">production</a></li><li><a href="#server-local">local</a></li><li><a href="#server-edge">edge</a></li></ul>',
    );
    // The ai-sdk spec's one server, too.
    const ai = (await site('spec/ai-sdk.asyncapi.yaml')).get('index.html') ?? '';
    expect(ai).toContain('<section id="server-local" class="server">');
    expect(ai).toContain('<small class="muted">Local NATS server</small>');
  });

  it('docs - no fact is said twice: ids without a title, the timeout of a request, the error replies', async () => {
    const html = (await site(SERVERS)).get('index.html') ?? '';
    const section = (id: string) =>
      html.slice(html.indexOf(`<section id="${id}"`), html.indexOf('</section>', html.indexOf(`<section id="${id}"`)));
    // No title, no summary: the heading is the id and nothing repeats it.
    const place = section('op-placeOrder');
    expect(place.match(/>placeOrder</g)).toHaveLength(1);
    expect(place).not.toContain('class="title"');
    const order = section('message-Order');
    expect(order).not.toContain('class="title"');
    expect(section('channel-orders')).toContain(
      '<h3><a class="self" href="#channel-orders">orders</a> <small class="muted">channel</small></h3>',
    );
    // A request names its timeout once (the runtime default here) and links the one table of error replies.
    const confirm = section('op-confirmOrder');
    expect(confirm.match(/<dt>timeout<\/dt>/g)).toHaveLength(1);
    expect(confirm).toContain('<dt>timeout</dt><dd>10 s (runtime default)</dd>');
    expect(html.match(/<table class="errors">/g)).toHaveLength(1);
    const ai = (await site('spec/ai-sdk.asyncapi.yaml')).get('index.html') ?? '';
    // One table of error replies for requests, one of stream errors for streamed replies.
    expect(ai.match(/<table class="errors">/g)).toHaveLength(2);
    expect(ai.match(/<section id="request-errors"/g)).toHaveLength(1);
    expect(ai.match(/<section id="stream-errors"/g)).toHaveLength(1);
    expect(section('op-confirmOrder')).not.toContain('<table');
    // The spec path is in the overview, not again in the footer.
    expect(ai.match(/<code>spec\/ai-sdk\.asyncapi\.yaml<\/code>/g)).toHaveLength(1);
  });

  it('docs - header and field descriptions read their Markdown; the overview links license, contact and docs, and says what each tag means', async () => {
    const html = (await site(SERVERS)).get('index.html') ?? '';
    expect(html).toContain('<span class="desc">Trace id, passed on <code>as is</code>.');
    const ai = (await site('spec/ai-sdk.asyncapi.yaml')).get('index.html') ?? '';
    expect(ai).toContain('queue group <code>agent.{agent_id}</code>');
    expect(ai).not.toContain('&#x60;agent.{agent_id}&#x60;');
    expect(ai).toContain('<dt>license</dt><dd><a href="https://opensource.org/licenses/MIT">MIT</a></dd>');
    expect(ai).toMatch(/<dt>contact<\/dt><dd><a href="https:[^"]+">[^<]+<\/a><\/dd>/);
    expect(ai).toMatch(/<dt>email<\/dt><dd><a href="mailto:[^"]+">/);
    expect(ai).toMatch(/<dt>documentation<\/dt><dd><a href="https:/);
    // A shared link's preview: the description's first paragraph, as text.
    expect(ai).toContain(
      '<meta name="description" content="Asynchronous messaging between the components of the AI SDK over NATS.">',
    );
    // Tags: their meaning once, in the overview; each tagged channel and operation links there.
    expect(ai).toContain('<dt id="tag-gateway"><span class="tag">gateway</span></dt><dd><p>LiteLLM Gateway');
    const request = ai.slice(ai.indexOf('<section id="op-requestChatCompletion"'));
    expect(request.slice(0, request.indexOf('</dl>'))).toContain(
      '<dt>tags</dt><dd><a class="tag" href="#tag-gateway">gateway</a> <a class="tag" href="#tag-request-reply">request-reply</a>',
    );
  });

  it('docs - every file starts with the generated marker', async () => {
    for (const [name, text] of await site('spec/ai-sdk.asyncapi.yaml')) {
      expect(text.slice(0, 200), name).toContain('Generated by asyncapi-nats from spec/ai-sdk.asyncapi.yaml');
    }
  });

  it('docs - operations show NATS facts, request/reply errors and the generated code names', async () => {
    const html = (await site('spec/ai-sdk.asyncapi.yaml')).get('index.html') ?? '';
    const op = (id: string) =>
      html.slice(
        html.indexOf(`<section id="op-${id}"`),
        html.indexOf('</section>', html.indexOf(`<section id="op-${id}"`)),
      );
    const request = op('requestChatCompletion');
    expect(request).toContain(
      '<dt>reply</dt><dd><a href="#message-ChatCompletionResponse">ChatCompletionResponse</a> </dd>',
    );
    expect(request).toContain('<dt>timeout</dt><dd>60 s</dd>');
    // The error replies are one section of the page, linked from each request.
    expect(request).toContain('<a href="#request-errors">error replies</a>');
    const errors = html.slice(html.indexOf('<section id="request-errors"'));
    for (const status of ['400', '500', '503', 'NoResponders', 'Timeout'])
      expect(errors).toContain(`<code>${status}</code>`);
    expect(request).toContain('const reply &#x3D; await client.requestChatCompletion({');
    expect(request).toContain('nats req &#x27;ai.gateway.responses.acme&#x27;');
    const task = op('sendAgentTask');
    expect(task).toContain('const ack &#x3D; await client.sendAgentTask({');
    expect(task).toContain('<code>payload task_id</code>');
    expect(task).toContain('AI_AGENT_TASKS');
    const worker = op('receiveAgentTask');
    expect(worker).toContain('<dt>durable consumer</dt><dd><code>agent-workers</code></dd>');
    expect(worker).toContain('<dt>max deliveries</dt><dd><code>5</code></dd>');
    expect(worker).toContain('<dt>ack wait</dt><dd><code>30 s</code></dd>');
    expect(worker).toContain('ai.dead.agent.tasks');
    const reply = op('replyChatCompletion');
    expect(reply).toContain('server.replyChatCompletion({');
    expect(reply).toContain('params: { tenant_id: wildcard },');
    expect(reply).toContain('<dt>queue group</dt><dd><code>gateway.workers</code></dd>');
    expect(op('receiveAgentMessage')).toContain('queue: { agent_id: &#x27;researcher&#x27; },');
    expect(op('sendAgentMessage')).toContain('-H &#x27;target_agent_id:researcher&#x27;');
  });

  it('docs - a streamed reply is one unit: request, chunks, end (or an end marker), timeouts and window, each linked to what it means', async () => {
    const html = (await site(STREAM)).get('index.html') ?? '';
    const op = (id: string) =>
      html.slice(
        html.indexOf(`<section id="op-${id}"`),
        html.indexOf('</section>', html.indexOf(`<section id="op-${id}"`)),
      );
    const facts = (id: string) => op(id).slice(op(id).indexOf('<dl class="facts">'), op(id).indexOf('</dl>'));
    const withEnd = facts('streamCompletion');
    expect(withEnd).toContain(
      '<dt>direction</dt><dd>the client sends one request and reads the reply as a stream of chunks</dd>',
    );
    expect(withEnd).toContain('<dt>request</dt><dd><a href="#message-CompletionRequest">CompletionRequest</a> </dd>');
    expect(withEnd).toContain('<dt>chunks</dt><dd><a href="#message-CompletionChunk">CompletionChunk</a> </dd>');
    expect(withEnd).toContain('<dt>end</dt><dd><a href="#message-CompletionEnd">CompletionEnd</a></dd>');
    expect(withEnd).toContain(
      '<dt>timeouts</dt><dd>20 s to the first chunk, 30 s idle, 10 min in total (<a href="#streaming">what each means</a>)</dd>',
    );
    expect(withEnd).toContain(
      '<dt>window</dt><dd>16 chunks ahead of the caller\'s credit (<a href="#streaming">flow control</a>)</dd>',
    );
    expect(withEnd).toContain('<a href="#stream-errors">stream errors</a>');
    // The kind badge says it streams, in the heading and in the contents.
    expect(op('streamCompletion')).toContain('<span class="kind kind-request">request stream</span></h3>');
    expect(html).toContain('<span class="kind kind-reply">reply stream</span> serveTokens</a>');
    // Not a one-reply request: no reply, no single timeout, no link to the request error replies.
    expect(withEnd).not.toMatch(/<dt>(reply|timeout)<\/dt>/);
    expect(withEnd).not.toContain('#request-errors');
    // `x-nats-stream: true`: the defaults, and an end marker instead of an end message.
    const marker = facts('serveTokens');
    expect(marker).toContain('<dt>direction</dt><dd>the server side answers each request with a stream of chunks</dd>');
    expect(marker).toContain('<dt>end</dt><dd>ends with an end marker (no end message)</dd>');
    expect(marker).toContain('<dd>30 s to the first chunk, 30 s idle, 5 min in total (');
    expect(marker).toContain("<dd>32 chunks ahead of the caller's credit (");
    // What each timeout and the window mean, and the stream errors: said once for the page.
    expect(html.match(/<section id="streaming" class="streaming">/g)).toHaveLength(1);
    expect(html.match(/the caller's limit from sending the request to the first chunk/g)).toHaveLength(1);
    const errors = html.slice(html.indexOf('<section id="stream-errors"'));
    for (const error of ['RemoteError', 'BusyError', 'NoRespondersError', 'StreamTimeoutError', 'ValidationError'])
      expect(errors).toContain(`<td><code>${error}</code></td>`);
    expect(errors).toContain('<td><code>StreamInterruptedError</code></td>');
    expect(errors).toContain('<td><code>ConnectionLostError</code></td>');
    // Every request of this spec streams: there are no one-reply error replies to show.
    expect(html).not.toContain('id="request-errors"');
    // The ai-sdk gateway's streamed completion, with its end message.
    const ai = (await site('spec/ai-sdk.asyncapi.yaml')).get('index.html') ?? '';
    const gateway = ai.slice(ai.indexOf('<section id="op-streamChatCompletion"'));
    expect(gateway.slice(0, gateway.indexOf('</dl>'))).toContain(
      '<dt>chunks</dt><dd><a href="#message-ChatCompletionChunk">ChatCompletionChunk</a> </dd>\n    <dt>end</dt><dd><a href="#message-ChatCompletionStreamEnd">ChatCompletionStreamEnd</a></dd>',
    );
  });

  it("docs - a streamed reply's snippets: the client reads chunks with for await and cancels with an AbortSignal; the worker is an async function* that checks its signal", async () => {
    const html = (await site(STREAM)).get('index.html') ?? '';
    const code = (id: string) => {
      const section = html.slice(
        html.indexOf(`<section id="op-${id}"`),
        html.indexOf('</section>', html.indexOf(`<section id="op-${id}"`)),
      );
      return [...section.matchAll(/<code class="lang-(\w+)">([^<]*)<\/code>/g)].map((m) =>
        `${m[1]}: ${m[2]}`
          .replace(/&#x3D;/g, '=')
          .replace(/&#x27;/g, "'")
          .replace(/&lt;/g, '<')
          .replace(/&amp;/g, '&'),
      );
    };
    // No nats CLI line: a plain `nats req` or `nats reply` cannot speak the stream protocol.
    expect(code('streamTokens')).toEqual([
      [
        'ts: const client = new StreamingShowcaseClient(nc);',
        '// controller.abort() cancels the stream; the server is told.',
        'const controller = new AbortController();',
        'for await (const chunk of client.streamTokens(',
        '  {',
        "    payload: { text: 'example' },",
        '  },',
        '  { signal: controller.signal },',
        ')) {',
        '  console.log(chunk);',
        '}',
      ].join('\n'),
    ]);
    // With an end message, the stream is kept to read it after the loop.
    const client = code('streamCompletion')[0] ?? '';
    expect(client).toContain("const stream = client.streamCompletion(\n  {\n    params: { tenant_id: 'acme' },");
    expect(client).toContain('for await (const chunk of stream) {\n  console.log(chunk);\n}\nconsole.log(stream.end);');
    expect(code('serveCompletion')).toEqual([
      [
        'ts: const server = new StreamingShowcaseServer(nc);',
        'server.serveCompletion({',
        '  params: { tenant_id: wildcard },',
        '  // Each yield sends a chunk, in order; stop once signal aborts.',
        '  handler: async function* ({ payload, signal }) {',
        '    for (let i = 0; i < 3 && !signal.aborted; i++) {',
        "      yield { index: 0, delta: 'Hel' };",
        '    }',
        "    return { finish_reason: 'stop', tokens: 2 };",
        '  },',
        '});',
      ].join('\n'),
    ]);
    expect(html).toContain(
      '<figcaption><span>Server call: serveCompletion <span class="muted">(values from the example “first” of message CompletionChunk and the example “stopped” of message CompletionEnd)</span></span>',
    );
    // Without an end message, the handler returns nothing.
    expect(code('serveTokens')[0]).not.toContain('return');
  });

  it('docs - every message shows its spec examples and a generated example that passed its schema', async () => {
    const html = (await site('spec/ai-sdk.asyncapi.yaml')).get('index.html') ?? '';
    const generated = html.match(/<figure class="example generated">/g) ?? [];
    expect(generated.length).toBe(11);
    // Each example says whose it is, and each of its blocks whether it is the headers or the payload.
    const example = html.slice(html.indexOf('<figure class="example">'), html.indexOf('</figure>\n  </figure>'));
    expect(example).toContain('<figcaption>Example “researchHandoff” of message AgentMessage</figcaption>');
    expect(
      [...example.matchAll(/<figure class="example-part"><figcaption>(\w+)<\/figcaption>/g)].map((m) => m[1]),
    ).toEqual(['headers', 'payload']);
    expect(html).toContain(
      '<figcaption>Generated example of message AgentMessage <span class="muted">(built from the schema, validated)</span></figcaption>',
    );
    // A snippet says what it calls and which example gave its values.
    expect(html).toContain(
      '<figcaption><span>Client call: sendAgentMessage <span class="muted">(values from the example “researchHandoff” of message AgentMessage)</span></span>',
    );
  });

  it('docs - the search index has servers, subjects, operations, messages, headers and payload fields', async () => {
    const js = (await site('spec/ai-sdk.asyncapi.yaml')).get('search-index.js') ?? '';
    const entries = JSON.parse(js.slice(js.indexOf('= ') + 2, js.lastIndexOf(';'))) as {
      k: string;
      l: string;
      h: string;
    }[];
    const find = (k: string, l: string) => entries.find((e) => e.k === k && e.l === l)?.h;
    expect(find('subject', 'ai.gateway.requests.{tenant_id}')).toBe('#channel-gatewayRequests');
    expect(find('operation', 'replyRagResults')).toBe('#op-replyRagResults');
    expect(find('message', 'RagQuery')).toBe('#message-RagQuery');
    expect(find('header', 'target_agent_id')).toBe('#message-AgentMessage');
    expect(find('field', 'messages[].role')).toBe('#message-ChatCompletionRequest');
    expect(find('server', 'nats://127.0.0.1:4222')).toBe('#server-local');
  });

  it('docs - hostile spec text is escaped everywhere and never becomes markup or template code', async () => {
    const files = await site(HOSTILE);
    const html = files.get('index.html') ?? '';
    const body = html.slice(html.indexOf('<body>'));
    expect(body).not.toMatch(/<script>alert/);
    expect(html).not.toContain('<img');
    expect(html).not.toContain('</textarea>');
    expect(html).not.toMatch(/<b>tags/);
    expect(html).not.toMatch(/onerror=alert\(1\)>/);
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    // `{{constructor}}` is data: shown as written, never evaluated by Handlebars.
    expect(html).toContain('{{constructor}}');
    expect(html).not.toContain('function Object');
    // The only scripts are ours.
    expect([...html.matchAll(/<script\b[^>]*>/g)].map((m) => m[0])).toEqual([
      '<script src="search-index.js" defer>',
      '<script src="assets/site.js">',
    ]);
    const js = files.get('search-index.js') ?? '';
    expect(js).not.toMatch(/[<>&\u2028\u2029]/);
    expect(js).toContain('\\u003cscript\\u003e');
    // The snippet's shell line survives a `'` in a parameter example.
    expect(html).toContain('nats pub &#x27;evil.x&#x27;\\&#x27;&#x27;y&#x27;');
  });

  it('docs - a spec example that does not match its schema is a located warning; the page shows it marked, with the reason', async () => {
    const { io, err } = capture();
    const dir = await tempDir();
    const code = await main(['docs', INVALID_EXAMPLE, '--out', dir], io);
    expect(code).toBe(0);
    expect(err).toEqual([
      "test/fixtures/specs/docs-invalid-example.asyncapi.yaml:40:11 warning docs-invalid-example the payload of example 'negative' of message 'Order' does not match its schema: Too small: expected number to be >=0 at total\n  help: fix the example (or the schema); the docs show it marked as not matching, and --strict makes this an error",
    ]);
    const html = await readFile(path.join(dir, 'index.html'), 'utf8');
    // Said in words, tied to the example for assistive technology, never by colour alone.
    expect(html).toContain(
      '<figure class="example invalid" aria-describedby="invalid-Order-1">\n    <figcaption>Example “negative” of message Order <span class="badge-invalid">does not match its schema</span></figcaption>\n    <p class="example-invalid" id="invalid-Order-1"><strong>Not a valid message:</strong> the generated code would reject this example (payload: Too small: expected number to be &gt;&#x3D;0 at total).</p>',
    );
    expect(html.match(/class="example invalid"/g)).toHaveLength(1);
    expect(html).toContain('<figure class="example">\n    <figcaption>Example “good” of message Order</figcaption>');
    // The snippets show the valid example, never the marked one.
    expect(html).toContain('&quot;total&quot;: 10');
    expect(html).not.toMatch(/nats pub [^<]*-1/);
  });

  it('docs - --strict makes an example that does not match its schema an error: exit 2, nothing written', async () => {
    const { io, err, out } = capture();
    const dir = await tempDir();
    const code = await main(['docs', INVALID_EXAMPLE, '--out', dir, '--strict'], io);
    expect(code).toBe(2);
    expect(out).toEqual([]);
    const text = err.join('\n');
    expect(text).toMatch(
      /^test\/fixtures\/specs\/docs-invalid-example\.asyncapi\.yaml:40:11 error docs-invalid-example the payload of example 'negative' of message 'Order' does not match its schema: .* at total\n {2}help: /m,
    );
    expect(text).not.toContain('    at ');
    await expect(readFile(path.join(dir, 'index.html'), 'utf8')).rejects.toThrow();
    await expect(generateDocs({ spec: INVALID_EXAMPLE, out: dir, strict: true })).rejects.toThrow(
      /does not match its schema/,
    );
    const lenient = await generateDocs({ spec: INVALID_EXAMPLE, out: dir });
    expect(lenient.problems.filter((p) => p.severity !== 'info').map((p) => `${p.severity} ${p.code}`)).toEqual([
      'warning docs-invalid-example',
    ]);
  });

  // Regression: a user's template with a Handlebars error crashed the command with a stack trace (exit 70).
  it('docs - a user template that does not parse or render is a located error, never a stack trace (exit 2)', async () => {
    const templates = await tempDir();
    await mkdir(path.join(templates, 'partials'));
    await writeFile(path.join(templates, 'partials/message.hbs'), '<section>\n{{#if summary}}\n');
    const { io, err, out } = capture();
    const code = await main(['docs', INVALID_EXAMPLE, '--out', await tempDir(), '--templates', templates], io);
    expect(code).toBe(2);
    expect(out).toEqual([]);
    const file = path.join(templates, 'partials/message.hbs'); // outside the working folder: shown absolute
    expect(err[0]).toBe(
      `${file}:3:1 error docs-template-invalid the docs template cannot be rendered: parse error: Expecting 'OPEN_INVERSE_CHAIN', 'INVERSE', 'OPEN_ENDBLOCK', got 'EOF'\n  help: fix the template (Handlebars syntax, and partials that exist), or remove it from --templates to use ours`,
    );
    await writeFile(path.join(templates, 'index.html.hbs'), '{{> nosuch}}');
    await rm(path.join(templates, 'partials/message.hbs'));
    const missing = capture();
    expect(await main(['docs', INVALID_EXAMPLE, '--out', await tempDir(), '--templates', templates], missing.io)).toBe(
      2,
    );
    expect(missing.err[0]).toMatch(
      /index\.html\.hbs error docs-template-invalid the docs template cannot be rendered: The partial nosuch could not be found\n/,
    );
  });

  it('docs - the ai-sdk site stays under 150 KB gzipped', async () => {
    const files = await site('spec/ai-sdk.asyncapi.yaml');
    let raw = 0;
    let gzipped = 0;
    for (const text of files.values()) {
      raw += Buffer.byteLength(text);
      gzipped += gzipSync(text).length;
    }
    expect(gzipped).toBeLessThan(150 * 1024);
    expect((files.get('assets/site.js') ?? '').length).toBeLessThan(16 * 1024);
    console.log(`ai-sdk docs: ${raw} bytes raw, ${gzipped} bytes gzipped`);
  });

  it('docs - a 300-channel spec renders, with every entry in the search index', async () => {
    const channels: Record<string, unknown> = {};
    const operations: Record<string, unknown> = {};
    for (let i = 0; i < 300; i++) {
      channels[`ch${i}`] = {
        address: `svc.area${i % 17}.item${i}.{tenant}`,
        title: `Channel ${i}`,
        parameters: { tenant: { description: 'Tenant id.', examples: ['acme'] } },
        messages: { m: { $ref: `#/components/messages/M${i}` } },
      };
      operations[`send${i}`] = {
        action: 'send',
        channel: { $ref: `#/channels/ch${i}` },
        messages: [{ $ref: `#/channels/ch${i}/messages/m` }],
      };
      operations[`receive${i}`] = {
        action: 'receive',
        channel: { $ref: `#/channels/ch${i}` },
        messages: [{ $ref: `#/channels/ch${i}/messages/m` }],
      };
    }
    const messages: Record<string, unknown> = {};
    for (let i = 0; i < 300; i++) {
      messages[`M${i}`] = {
        name: `M${i}`,
        payload: {
          type: 'object',
          required: ['id', 'at'],
          properties: {
            id: { type: 'string', format: 'uuid' },
            at: { type: 'string', format: 'date-time' },
            count: { type: 'integer', minimum: 1, maximum: 10 },
            [`field${i}`]: { type: 'string', pattern: '^[a-z]+-[0-9]{2}$' },
          },
        },
      };
    }
    const spec = {
      asyncapi: '3.0.0',
      info: { title: 'Big', version: '1.0.0' },
      channels,
      operations,
      components: { messages },
    };
    const dir = await tempDir();
    const file = path.join(dir, 'big.asyncapi.yaml');
    await writeFile(file, stringify(spec));
    const started = performance.now();
    const files = await site(file);
    const ms = performance.now() - started;
    const html = files.get('index.html') ?? '';
    expect(html.match(/class="channel"/g)?.length).toBe(300);
    expect(html.match(/class="operation"/g)?.length).toBe(600);
    const js = files.get('search-index.js') ?? '';
    const entries = JSON.parse(js.slice(js.indexOf('= ') + 2, js.lastIndexOf(';'))) as { k: string }[];
    const count = (k: string) => entries.filter((e) => e.k === k).length;
    expect([count('subject'), count('operation'), count('message'), count('field')]).toEqual([300, 600, 300, 1200]);
    const gzipped = [...files.values()].reduce((n, t) => n + gzipSync(t).length, 0);
    expect(gzipped).toBeLessThan(1024 * 1024);
    console.log(`300 channels: ${html.length} bytes html, ${gzipped} bytes gzipped, ${Math.round(ms)} ms`);
  }, 60_000);

  it('docs - a user templates folder replaces our templates by name; the rest falls back to ours', async () => {
    const files = await site('spec/ai-sdk.asyncapi.yaml', 'test/fixtures/docs-templates');
    const html = files.get('index.html') ?? '';
    expect(html).toContain('<title>Custom docs: AI SDK</title>');
    expect(html).toContain('<section id="op-sendAgentMessage" class="operation" data-kind="publish">');
    expect(html.startsWith('<!-- Generated by asyncapi-nats from')).toBe(true);
    expect(files.get('assets/site.js')).toContain('ASYNCAPI_NATS_SEARCH');
  });
});

describe('docs command', () => {
  it('cli - docs writes the site, then reports it unchanged', async () => {
    const dir = await tempDir();
    const first = capture();
    expect(await main(['docs', 'spec/ai-sdk.asyncapi.yaml', '--out', dir], first.io)).toBe(0);
    expect(first.out.join('\n')).toMatch(/^generated 4 files in .* \(4 written, 0 unchanged\) in \d+ ms$/);
    expect(await readFile(path.join(dir, 'assets/site.css'), 'utf8')).toContain('--param');
    const second = capture();
    expect(
      await main(
        ['docs', 'spec/ai-sdk.asyncapi.yaml', '-o', dir, '--templates', 'test/fixtures/docs-templates'],
        second.io,
      ),
    ).toBe(0);
    expect(second.out.join('\n')).toMatch(/\(1 written, 3 unchanged\)/);
  });

  it('docs - the commands docs/docs-site.md gives to build and publish the site run as written', async () => {
    const manual = await readFile('docs/docs-site.md', 'utf8');
    const blocks = (lang: string) =>
      [...manual.matchAll(new RegExp(`^\`\`\`${lang}\\n([\\s\\S]*?)^\`\`\``, 'gm'))].map((m) => m[1] ?? '');
    const workflow = parseYaml(blocks('yaml')[0] ?? '') as {
      jobs: { deploy: { steps: { run?: string; uses?: string; with?: { path?: string } }[] } };
    };
    const steps = workflow.jobs.deploy.steps;
    const build = steps.find((st) => st.run?.startsWith('npx asyncapi-nats docs'))?.run ?? '';
    const upload = steps.find((st) => st.uses?.startsWith('actions/upload-pages-artifact'))?.with?.path;
    // The command of the Build section and the workflow's, each run on the ai-sdk spec in a temp folder.
    for (const command of [blocks('sh')[0]?.trim() ?? '', build]) {
      const args = command.split(/\s+/).slice(2);
      expect(args.slice(0, 3)).toEqual(['docs', 'spec/my-api.asyncapi.yaml', '--out']);
      const dir = await tempDir();
      const { io, err } = capture();
      const outDir = path.join(dir, args[3] ?? '');
      expect(
        await main(['docs', 'spec/ai-sdk.asyncapi.yaml', '--out', outDir, ...args.slice(4)], io),
        err.join('\n'),
      ).toBe(0);
      for (const file of ['index.html', 'assets/site.css', 'assets/site.js', 'search-index.js'])
        expect((await readFile(path.join(outDir, file), 'utf8')).length).toBeGreaterThan(0);
    }
    // The workflow uploads the folder it built.
    expect(upload).toBe(build.split(/\s+/)[5]);
  });

  it('cli - docs --help names the options; bad usage exits 2', async () => {
    const help = capture();
    expect(await main(['docs', '--help'], help.io)).toBe(0);
    expect(help.out.join('\n')).toContain('--templates <dir>');
    const none = capture();
    const empty = await mkdtemp(path.join(tmpdir(), 'asyncapi-nats-docs-none-'));
    expect(await main(['docs'], none.io, empty)).toBe(2);
    await rm(empty, { recursive: true });
    expect(none.err.join('\n')).toContain('error: no spec given, and no config file');
    const wrong = capture();
    expect(await main(['docs', 'spec/ai-sdk.asyncapi.yaml', '--runtime-import', 'x'], wrong.io)).toBe(2);
    const main_ = capture();
    expect(await main(['--help'], main_.io)).toBe(0);
    expect(main_.out.join('\n')).toMatch(/asyncapi-nats docs \[spec\] \[--out <dir>\] +write only the docs site/);
  });
});
