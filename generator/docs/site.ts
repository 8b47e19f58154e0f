/**
 * The docs site of a model: the view (with its example checks) rendered into files. Used by
 * `generate` (into `<out>/docs/`) and by the `docs` command.
 */

import { displayPath } from '../diagnostics.js';
import type { ApiModel } from '../model/types.js';
import type { Problem } from '../problems.js';
import { renderSite, TemplateError } from './render.js';
import { buildView } from './view.js';

export interface SiteOptions {
  /** The spec path shown in the file headers. */
  readonly source: string;
  /** A user's templates folder (absolute); missing files fall back to ours. */
  readonly templatesDir?: string;
  /** A spec example that fails its schema is an error that stops generation (`--strict`). */
  readonly strict?: boolean;
}

/**
 * The site's files (relative paths), and every problem found; no files only under `strict` when a
 * spec example fails its schema (by default such an example is a warning and the page marks it).
 */
export async function buildSite(
  model: ApiModel,
  options: SiteOptions,
): Promise<{ files?: Map<string, string>; problems: Problem[] }> {
  const { view, problems } = buildView(model, { strict: options.strict === true });
  if (problems.some((p) => p.severity === 'error')) return { problems };
  try {
    return { files: await renderSite(view, options), problems };
  } catch (e) {
    if (!(e instanceof TemplateError)) throw e;
    problems.push({
      code: 'docs-template-invalid',
      severity: 'error',
      message: `the docs template cannot be rendered: ${e.message}`,
      file: displayPath(process.cwd(), e.file),
      line: e.line,
      column: e.column,
      help: 'fix the template (Handlebars syntax, and partials that exist), or remove it from --templates to use ours',
    });
    return { problems };
  }
}
