/** What the diff's rules compare: the two models, and the documents as written. */
import type { ApiModel } from '../model/types.js';
import type { RefResolver } from './pointer.js';

/** The two versions being compared, with what is needed to read their documents as written. */
export interface ModelPair {
  readonly old: ApiModel;
  readonly new: ApiModel;
  /** `$ref`s of each spec as written, to find which channel message stands for which message. */
  readonly refs: { readonly old: RefResolver; readonly new: RefResolver };
  /**
   * Each document as the parser resolved it (`document.json()`): what the model does not keep, such
   * as a parameter object as written or a payload's schema format, is read here.
   */
  readonly docs: { readonly old: unknown; readonly new: unknown };
}
