/**
 * Renders a DocsView into the files of the static site with Handlebars: `index.html` from
 * `index.html.hbs` and `partials/*.hbs`, the assets as they are, and `search-index.js` (a script that
 * assigns a global, so the page works from file:// without fetching anything).
 *
 * Templates come from `templates/docs/` of this package; a user's `--templates` folder may replace any
 * of those files by name (missing ones fall back to ours). The Handlebars environment is isolated,
 * escapes by default and has no helpers of ours: spec text is always data, never template source.
 */
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Handlebars from 'handlebars';
import { GENERATED_MARKER } from '../write.js';
import type { DocsView, SearchEntry } from './view.js';

/** The files of the site, by path relative to the docs folder. */
export const DOCS_FILES = ['index.html', 'assets/site.css', 'assets/site.js', 'search-index.js'] as const;

/** Name of the global the search index script assigns. */
export const SEARCH_GLOBAL = 'ASYNCAPI_NATS_SEARCH';

/** Our templates folder: `templates/docs` at the package root (found from source or from dist). */
export function defaultTemplatesDir(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    const candidate = path.join(dir, 'templates', 'docs');
    if (existsSync(path.join(candidate, 'index.html.hbs'))) return candidate;
    dir = path.dirname(dir);
  }
  throw new Error('asyncapi-nats: templates/docs not found next to the package');
}

async function readOptional(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

async function listPartials(dir: string): Promise<string[]> {
  try {
    return (await readdir(path.join(dir, 'partials'))).filter((f) => f.endsWith('.hbs'));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
}

/** A user's template that Handlebars cannot read or render: where, and why. */
export class TemplateError extends Error {
  override readonly name = 'TemplateError';
  /** Absolute path of the template (the page's, when a render error names no file). */
  readonly file: string;
  /** 1-based; 0 when Handlebars gives no position. */
  readonly line: number;
  readonly column: number;

  constructor(file: string, cause: unknown) {
    const e = cause as { message?: unknown; lineNumber?: unknown; column?: unknown };
    const text = String(e.message ?? cause);
    // The parser's message is `Parse error on line N:`, the line with a caret, then what it expected.
    const parse = /^Parse error on line (\d+):\n[^\n]*\n[^\n]*\n(.*)$/s.exec(text);
    super(parse ? `parse error: ${parse[2]}` : (text.split('\n')[0] ?? text), { cause });
    this.file = file;
    this.line = typeof e.lineNumber === 'number' ? e.lineNumber : parse ? Number(parse[1]) : 0;
    // Handlebars counts columns from 0.
    this.column = typeof e.column === 'number' ? e.column + 1 : this.line > 0 ? 1 : 0;
  }
}

/** A template file, the user's when they have it, else ours; `path` is where it was read from. */
async function templateFile(
  name: string,
  user: string | undefined,
  ours: string,
): Promise<{ text: string; path: string }> {
  const mine = user !== undefined ? await readOptional(path.join(user, name)) : undefined;
  if (mine !== undefined && user !== undefined) return { text: mine, path: path.join(user, name) };
  return { text: await readFile(path.join(ours, name), 'utf8'), path: path.join(ours, name) };
}

/** The template's text after Handlebars parsed it; a syntax error is a {@link TemplateError} at its line. */
function checked(hbs: typeof Handlebars, template: { text: string; path: string }): string {
  try {
    hbs.parse(template.text);
  } catch (e) {
    throw new TemplateError(template.path, e);
  }
  return template.text;
}

/** JSON that is safe inside a `<script>`: no `<`, `>`, `&` or line separators left as such. */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/** The header every file starts with (so `writeOutput` knows the file is ours). */
function preamble(source: string, kind: 'html' | 'block'): string {
  const text = `${GENERATED_MARKER} ${source}. Do not edit: this file is rewritten by \`asyncapi-nats generate\` / \`asyncapi-nats docs\`; change the spec or the templates instead.`;
  return kind === 'html' ? `<!-- ${text.replace(/--/g, '- -')} -->\n` : `/* ${text.replace(/\*\//g, '*\\/')} */\n`;
}

export interface RenderOptions {
  /** The spec path shown in the headers. */
  readonly source: string;
  /** A user's templates folder (absolute), or undefined for ours only. */
  readonly templatesDir?: string;
}

/**
 * Renders the site; file names are relative to the docs folder, `/`-separated. A user's template that
 * does not parse or render throws {@link TemplateError}.
 */
export async function renderSite(view: DocsView, options: RenderOptions): Promise<Map<string, string>> {
  const ours = defaultTemplatesDir();
  const user = options.templatesDir;
  const hbs = Handlebars.create();
  const partialNames = new Set([
    ...(await listPartials(ours)),
    ...(user !== undefined ? await listPartials(user) : []),
  ]);
  for (const file of [...partialNames].sort()) {
    hbs.registerPartial(file.replace(/\.hbs$/, ''), checked(hbs, await templateFile(`partials/${file}`, user, ours)));
  }
  const index = await templateFile('index.html.hbs', user, ours);
  const page = hbs.compile(checked(hbs, index), { preventIndent: true, strict: false });
  let html: string;
  try {
    html = page(view).trimStart();
  } catch (e) {
    // A render error (a partial that does not exist, say) names no file: the page is where it starts.
    throw new TemplateError(index.path, e);
  }
  const entries: SearchEntry[] = view.search.map((e) => ({ ...e }));
  const files = new Map<string, string>();
  files.set('index.html', preamble(options.source, 'html') + html);
  files.set(
    'assets/site.css',
    preamble(options.source, 'block') + (await templateFile('assets/site.css', user, ours)).text,
  );
  files.set(
    'assets/site.js',
    preamble(options.source, 'block') + (await templateFile('assets/site.js', user, ours)).text,
  );
  files.set(
    'search-index.js',
    `${preamble(options.source, 'block')}globalThis.${SEARCH_GLOBAL} = ${scriptJson(entries)};\n`,
  );
  return files;
}
