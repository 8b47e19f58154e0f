/**
 * Spec Markdown (CommonMark, as AsyncAPI says) as plain data for the docs templates: blocks of text
 * runs read with marked's lexer only, never its HTML renderer, so spec text can never become markup.
 */
import { marked, type Token, type Tokens } from 'marked';

/**
 * A run of text in a block: plain, `code`, **strong**, _em_, or a link. Only text: templates escape it,
 * so spec Markdown can never become markup of its own.
 */
export interface TextRun {
  readonly text: string;
  readonly code?: true;
  readonly strong?: true;
  readonly em?: true;
  /** Only `http(s):`, `mailto:` and `#` links; any other link is shown as its text. */
  readonly href?: string;
}

/** One block of a description: a paragraph, a list, or a code block. */
export type Block =
  | { readonly p: readonly TextRun[] }
  | { readonly ul: readonly (readonly TextRun[])[] }
  | { readonly ol: readonly (readonly TextRun[])[] }
  | { readonly pre: string };

/** A description (CommonMark, as AsyncAPI says) as safe blocks. */
export type Paragraphs = readonly Block[];

/**
 * A description's Markdown as blocks of text runs, through marked's lexer only (never its HTML
 * renderer): paragraphs, lists, code blocks, inline code, strong, emphasis and safe links. Raw HTML in
 * the spec is kept as visible text. Headings become strong paragraphs; anything else, its text.
 */
export function paragraphs(text: string | undefined): Paragraphs {
  if (!text?.trim()) return [];
  const blocks: Block[] = [];
  for (const token of marked.lexer(text.trim())) blocks.push(...toBlocks(token));
  return blocks;
}

/**
 * A short description (a header's, a schema field's) as one line of runs: its paragraphs joined, list
 * items and code blocks kept as text, so `code` and **strong** read as such instead of raw Markdown.
 */
export function inline(text: string | undefined): TextRun[] {
  const out: TextRun[] = [];
  for (const block of paragraphs(text)) {
    const lines =
      'p' in block
        ? [block.p]
        : 'ul' in block
          ? block.ul
          : 'ol' in block
            ? block.ol
            : [[{ text: block.pre, code: true as const }]];
    for (const line of lines) {
      if (out.length > 0) out.push({ text: ' ' });
      out.push(...line);
    }
  }
  return out;
}

const SAFE_HREF = /^(https?:|mailto:|#)/i;

function toBlocks(token: Token): Block[] {
  switch (token.type) {
    case 'space':
    case 'hr':
      return [];
    case 'paragraph':
      return [{ p: runs((token as Tokens.Paragraph).tokens) }];
    case 'heading':
      return [{ p: runs((token as Tokens.Heading).tokens).map((r) => ({ ...r, strong: true as const })) }];
    case 'code':
      return [{ pre: (token as Tokens.Code).text }];
    case 'list': {
      const list = token as Tokens.List;
      const items = list.items.map((item) =>
        item.tokens.flatMap((t) => ('tokens' in t && t.tokens ? runs(t.tokens) : runs([t]))),
      );
      return [list.ordered ? { ol: items } : { ul: items }];
    }
    case 'blockquote':
      return (token as Tokens.Blockquote).tokens.flatMap(toBlocks);
    default:
      return [{ p: [{ text: token.raw.trim() }] }];
  }
}

function runs(tokens: readonly Token[] | undefined): TextRun[] {
  const out: TextRun[] = [];
  for (const t of tokens ?? []) {
    switch (t.type) {
      case 'codespan':
        out.push({ text: (t as Tokens.Codespan).text, code: true });
        break;
      case 'strong':
        out.push(...runs((t as Tokens.Strong).tokens).map((r) => ({ ...r, strong: true as const })));
        break;
      case 'em':
        out.push(...runs((t as Tokens.Em).tokens).map((r) => ({ ...r, em: true as const })));
        break;
      case 'link': {
        const link = t as Tokens.Link;
        const text = link.text;
        out.push(SAFE_HREF.test(link.href) ? { text, href: link.href } : { text });
        break;
      }
      case 'br':
        out.push({ text: ' ' });
        break;
      case 'text': {
        const inner = (t as Tokens.Text).tokens;
        if (inner && inner.length > 0) out.push(...runs(inner));
        else out.push({ text: t.raw.replace(/\s*\n\s*/g, ' ') });
        break;
      }
      default:
        // html, escape, image, del, ...: the source text, shown as text.
        out.push({ text: t.raw });
    }
  }
  return out;
}
