/** Descriptions are CommonMark: rendered as safe blocks of text runs, never as markup from the spec. */
import { describe, expect, it } from 'vitest';
import { paragraphs } from '../../generator/docs/markdown.js';

describe('docs - markdown in descriptions', () => {
  it.each([
    ['empty', '', []],
    ['two paragraphs, lines joined', 'one\ntwo\n\nthree', [{ p: [{ text: 'one two' }] }, { p: [{ text: 'three' }] }]],
    [
      'inline code, strong, emphasis',
      'a `x.y` **b** _c_',
      [
        {
          p: [
            { text: 'a ' },
            { text: 'x.y', code: true },
            { text: ' ' },
            { text: 'b', strong: true },
            { text: ' ' },
            { text: 'c', em: true },
          ],
        },
      ],
    ],
    ['a list', '- one\n- two `t`', [{ ul: [[{ text: 'one' }], [{ text: 'two ' }, { text: 't', code: true }]] }]],
    ['an ordered list', '1. a\n2. b', [{ ol: [[{ text: 'a' }], [{ text: 'b' }]] }]],
    ['a code block', '```\nnats pub x\n```', [{ pre: 'nats pub x' }]],
    ['a safe link', '[guide](https://example.com/g)', [{ p: [{ text: 'guide', href: 'https://example.com/g' }] }]],
    ['a javascript: link loses its href', '[x](javascript:alert(1))', [{ p: [{ text: 'x' }] }]],
    [
      'raw HTML stays text',
      'a <script>alert(1)</script> b',
      [{ p: [{ text: 'a ' }, { text: '<script>' }, { text: 'alert(1)' }, { text: '</script>' }, { text: ' b' }] }],
    ],
    ['a heading is a strong paragraph', '# Title', [{ p: [{ text: 'Title', strong: true }] }]],
  ])('docs - %s', (_name, text, want) => {
    expect(paragraphs(text)).toEqual(want);
  });
});
