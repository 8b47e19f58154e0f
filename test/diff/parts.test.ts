import { describe, expect, it } from 'vitest';
import { isDocumentation } from '../../generator/diff/merge.js';
import { RefResolver } from '../../generator/diff/pointer.js';
import { preview } from '../../generator/diff/render.js';

describe('diff parts', () => {
  it.each([
    ['/info/description', true],
    ['/channels/c/messages/m/summary', true],
    ['/components/messages/M/examples/0/payload/total', true],
    ['/components/schemas/Order/properties/id/description', true],
    ['/operations/o/tags/0/name', true],
    // Names, not keywords: a property or channel called `description`.
    ['/components/schemas/Order/properties/description', false],
    ['/components/schemas/Order/properties/description/type', false],
    ['/channels/title/address', false],
    // Values and extensions are data.
    ['/components/schemas/Order/properties/status/enum/0', false],
    ['/operations/o/x-nats-match-headers/description', false],
    ['/info/version', false],
  ])('diff - %s is documentation: %s', (pointer, want) => {
    expect(isDocumentation(pointer)).toBe(want);
  });

  it('diff - pointers are followed through $refs to where the node is written', () => {
    const refs = new RefResolver(`
channels:
  c:
    messages:
      m: { $ref: '#/components/messages/M' }
operations:
  o:
    messages:
      - $ref: '#/channels/c/messages/m'
components:
  messages:
    M:
      payload: { $ref: '#/components/schemas/S' }
  schemas:
    S:
      properties:
        a~b/c: { type: string }
`);
    expect(refs.canonical('/operations/o/messages/0/payload/properties/a~0b~1c/type')).toBe(
      '/components/schemas/S/properties/a~0b~1c/type',
    );
    expect(refs.canonical('/channels/c/messages/m/payload/properties/gone')).toBe(
      '/components/schemas/S/properties/gone',
    );
    // A $ref at the end is where that node is; `definition` follows it.
    expect(refs.canonical('/operations/o/messages/0')).toBe('/operations/o/messages/0');
    expect(refs.definition('/operations/o/messages/0')).toBe('/components/messages/M');
    expect(refs.keys('/channels/c/messages')).toEqual(['m']);
  });

  it('diff - long values are previewed from where they first differ', () => {
    const a = `${'x'.repeat(100)}old ending`;
    const b = `${'x'.repeat(100)}new ending`;
    expect(preview(a)).toBe(`"${'x'.repeat(58)}…`);
    expect(preview(b, 81)).toBe(`…${'x'.repeat(48)}new ending"`);
    expect(preview(b, 30)).toBe(`…${'x'.repeat(59)}…`);
    expect(preview(undefined)).toBe('(none)');
    expect(preview({ a: 1 })).toBe('{"a":1}');
  });
});
