/**
 * Import and export lists wrapped at the project's line width: TypeScript's printer writes
 * `export { A, B, ... } from './x.js';` on one line however long it gets (an index.ts of a large spec
 * had lines of 400 characters and more). A list that does not fit is written one name per line, as
 * Biome and Prettier write it.
 */

/** The line width of generated code (the project's own, biome.json). */
export const LINE_WIDTH = 120;

const LIST = /^(\s*)((?:import|export)(?: type)? )\{ (.+) \} (from '[^']*';)$/;

/** `text` with every import or export list longer than `width` broken one name per line. */
export function wrapLists(text: string, width: number = LINE_WIDTH): string {
  return text
    .split('\n')
    .map((line) => {
      if (line.length <= width) return line;
      const match = LIST.exec(line);
      if (match === null) return line;
      const [, indent = '', keyword = '', names = '', from = ''] = match;
      const items = names.split(', ').map((name) => `${indent}  ${name},`);
      return [`${indent}${keyword}{`, ...items, `${indent}} ${from}`].join('\n');
    })
    .join('\n');
}
