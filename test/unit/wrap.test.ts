import { describe, expect, test } from 'vitest';
import { wrapLists } from '../../generator/emit/wrap.js';

describe('wrap', () => {
  test('wrap - an export list longer than the width is written one name per line', () => {
    const line = `export type { ${Array.from({ length: 12 }, (_, i) => `LongTypeName${i}`).join(', ')} } from './types.js';`;
    expect(line.length).toBeGreaterThan(120);
    const wrapped = wrapLists(line);
    expect(wrapped.split('\n')).toEqual([
      'export type {',
      ...Array.from({ length: 12 }, (_, i) => `  LongTypeName${i},`),
      "} from './types.js';",
    ]);
    expect(Math.max(...wrapped.split('\n').map((l) => l.length))).toBeLessThanOrEqual(120);
  });

  test('wrap - short lists, other long lines and an inline type modifier are left as they are or kept', () => {
    expect(wrapLists("import { a, b } from './x.js';")).toBe("import { a, b } from './x.js';");
    const regex = `const p = new RegExp('${'a'.repeat(130)}');`;
    expect(wrapLists(regex)).toBe(regex);
    const mixed = `import { type ${'A'.repeat(60)}, ${'b'.repeat(60)} } from 'asyncapi-nats/runtime/gen';`;
    expect(wrapLists(mixed).split('\n')).toEqual([
      'import {',
      `  type ${'A'.repeat(60)},`,
      `  ${'b'.repeat(60)},`,
      "} from 'asyncapi-nats/runtime/gen';",
    ]);
  });
});
