/**
 * The docs site of a model: the view (with its example checks) rendered into files. Used by
 * `generate` (into `<out>/docs/`) and by the `docs` command.
 */
import type { ApiModel } from '../model/types.js';
import type { Problem } from '../problems.js';
import { renderSite } from './render.js';
import { buildView } from './view.js';

export interface SiteOptions {
  /** The spec path shown in the file headers. */
  readonly source: string;
  /** A user's templates folder (absolute); missing files fall back to ours. */
  readonly templatesDir?: string;
}

/** The site's files (relative paths) when no example is invalid, and every problem found. */
export async function buildSite(
  model: ApiModel,
  options: SiteOptions,
): Promise<{ files?: Map<string, string>; problems: Problem[] }> {
  const { view, problems } = buildView(model);
  if (problems.some((p) => p.severity === 'error')) return { problems };
  return { files: await renderSite(view, options), problems };
}
