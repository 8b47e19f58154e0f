/** Help texts of the commands: a module of its own, so `--help` loads nothing heavy. */

export const INIT_HELP = `Usage: asyncapi-nats init [options]

Writes asyncapi-nats.config.ts and a starter spec (a request/reply answered by a queue group, and
an event, both per tenant), then tells you what to run next. An existing spec is kept and only the
config is written for it. Nothing is overwritten unless --force is given.

Options:
      --spec <path>  the spec the config names (default: spec/greeter.asyncapi.yaml)
  -o, --out <dir>    its output folder (default: generated/<spec name>)
  -f, --force        overwrite an existing config
  -h, --help         show this help

Example:
  $ asyncapi-nats init
  wrote asyncapi-nats.config.ts
  wrote spec/greeter.asyncapi.yaml
  next: npx asyncapi-nats generate`;

export const GENERATE_HELP = `Usage: asyncapi-nats generate [spec] [options]

Reads an AsyncAPI 3.x document (2.x is converted) and writes, into the output folder:
  types.ts     TypeScript types of every payload, header set and subject parameter set
  schemas.ts   zod schemas for the same types
  examples.ts  example payload and header factories for tests (valid by construction)
  subjects.ts  typed subject builders
  client.ts    a client class with one method per send operation (publish / request)
  server.ts    a server class with one registration per receive operation (subscribe / reply)
  index.ts     everything above, by name
  docs/        the static docs site (see \`asyncapi-nats docs --help\`)
Without a spec, generates every spec of the config file (asyncapi-nats.config.ts, .mts, .js, .mjs
or .json in this folder); flags override the config's options.

Options:
  -o, --out <dir>              output folder (default: generated/<spec name>)
      --runtime-import <spec>  module the generated code imports the runtime from
                               (default: asyncapi-nats/runtime)
      --outputs <list>         what to write, of client,server,schemas,docs (default: all);
                               client and server bring schemas.ts with them
      --no-docs                do not write the docs site
      --docs-out <dir>         folder of the docs site (default: <out>/docs)
      --templates <dir>        docs templates that replace ours by file name
  -c, --config <file>          config file (default: asyncapi-nats.config.* in this folder)
  -w, --watch                  regenerate when a spec, template or the config changes
      --force                  parse and generate even when nothing changed since the last run
      --strict                 a spec example that does not match its schema is an error
                               (by default a warning, and the docs page marks the example)
      --format <text|json|github>
                               how to report: text (default), one JSON document on stdout,
                               or GitHub Actions annotations
  -v, --verbose                also print informational diagnostics
  -h, --help                   show this help

A spec with errors prints each as \`file:line:col error CODE message\` with a help line,
exits 2 and writes nothing. Warnings are printed and the code is written; a docs-only finding
never stops generation unless --strict is given. Exit codes: 0 ok, 2 usage, config or spec error.
When the spec, the files it $refs, the templates, the options and the generator are unchanged
since the last run and the output is still what it wrote, nothing is parsed or written (the fast
path; cache in node_modules/.cache/asyncapi-nats, see docs/cli.md). Summaries go to stdout,
problems to stderr.

Example:
  $ asyncapi-nats generate spec/ai-sdk.asyncapi.yaml
  generated 11 files in generated/ai-sdk (2 written, 9 unchanged) in 1164 ms`;

export const CHECK_HELP = `Usage: asyncapi-nats check [spec] [options]

For CI: generates in memory and compares with the output folder on disk. Names every file that is
stale (differs from a fresh generation, with the first line that differs), missing, or extra (a
file with our header that generation no longer produces), on stdout with the summary; problems of
the spec go to stderr. Writes nothing (but its cache record). When nothing changed since the last
run and every output file still has the hash that run recorded, it answers without parsing.
Without a spec, checks every spec of the config file. Takes the options of \`generate\`, so that it
compares with exactly what \`generate\` would write.

Options:
  -o, --out <dir>              output folder (default: generated/<spec name>)
      --runtime-import <spec>  as for generate
      --outputs <list>         as for generate
      --no-docs                as for generate
      --docs-out <dir>         as for generate
      --templates <dir>        as for generate
      --strict                 a spec example that does not match its schema is an error
                               (exit 2), for CI
      --force                  parse and compare even when nothing changed since the last run
  -c, --config <file>          config file (default: asyncapi-nats.config.* in this folder)
      --format <text|json|github>
                               how to report: text (default), one JSON document on stdout,
                               or GitHub Actions annotations on the stale files
  -v, --verbose                also print informational diagnostics
  -h, --help                   show this help

Exit codes: 0 up to date, 1 something is stale, missing or extra, 2 usage, config or spec error.

Example:
  $ asyncapi-nats check
  generated/ai-sdk/client.ts:214:1 error output-stale differs from a fresh generation of spec/ai-sdk.asyncapi.yaml (first difference on this line)
    help: run \`asyncapi-nats generate\` and commit the result
  check: 1 stale, 0 missing, 0 extra (of 11 files); run \`asyncapi-nats generate\``;

export const DOCS_HELP = `Usage: asyncapi-nats docs [spec] [options]

Writes a static, searchable docs site for an AsyncAPI document: every subject with its parameters,
each operation with its messages, headers, payload schema, examples (checked against the schema),
NATS facts (queue group, JetStream stream and consumer, timeout, error replies) and snippets of the
generated client/server code and the \`nats\` CLI. It works offline and from file://.
  index.html          the page
  assets/site.css     styles (light and dark)
  assets/site.js      search, theme, deep links, copy buttons
  search-index.js     the search index
Without a spec, writes the site of every spec of the config file.

Options:
  -o, --out <dir>        output folder (default: generated/<spec name>/docs)
      --templates <dir>  a folder with any of index.html.hbs, partials/*.hbs, assets/site.css,
                         assets/site.js; files missing there come from ours (templates/docs/)
  -c, --config <file>    config file (default: asyncapi-nats.config.* in this folder)
      --strict           an example that does not match its schema is an error
      --force            build even when nothing changed since the last run
      --format <text|json|github>
                         how to report (see \`generate --help\`)
  -v, --verbose          also print informational diagnostics
  -h, --help             show this help

An example that does not match its schema is a warning, and the page shows it marked as not
matching, with the reason; under --strict it is an error. A spec with errors prints each problem as
\`file:line:col error CODE message\` with a help line, exits 2 and writes nothing.`;
