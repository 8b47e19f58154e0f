/**
 * Every TypeScript code block of the README and the manual is a copy of a file the project
 * type-checks (`npm run typecheck` compiles examples/ and test/, with the package's own exports):
 * examples/ (run by test/examples/) or test/docs/snippets/. A block may name the generated folder by
 * another relative path than its file does (`./generated/ai-sdk/index.js` for `../generated/...`):
 * the reader's output folder is beside their code.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../..');

function files(dir: string, suffix: string): string[] {
  return readdirSync(path.join(ROOT, dir), { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith(suffix) && !e.parentPath.includes(`${path.sep}generated`))
    .map((e) => path.relative(ROOT, path.join(e.parentPath, e.name)));
}

/** `'../../generated/x/index.js'` and `'./generated/x/index.js'` read the same. */
function normalize(text: string): string {
  return text.replace(/(['"])(?:\.\.?\/)+generated\//g, '$1<out>/').trim();
}

const DOCS = ['README.md', 'CONTRIBUTING.md', ...files('docs', '.md')];
const SOURCES = [...files('examples', '.ts'), ...files('test/docs/snippets', '.ts')].map((file) => ({
  file,
  text: normalize(readFileSync(path.join(ROOT, file), 'utf8')),
}));

const BLOCKS = DOCS.flatMap((doc) => {
  const text = readFileSync(path.join(ROOT, doc), 'utf8');
  return [...text.matchAll(/^```(?:ts|typescript)\b[^\n]*\n([\s\S]*?)^```/gm)].map((m) => ({
    doc,
    line: text.slice(0, m.index).split('\n').length,
    code: m[1] ?? '',
  }));
});

describe('docs - code blocks', () => {
  test('docs - the README and the manual have TypeScript blocks to check', () => {
    expect(BLOCKS.filter((b) => b.doc === 'README.md').length).toBeGreaterThan(0);
  });

  test.each(BLOCKS.map((b) => [`${b.doc}:${b.line}`, b] as const))(
    'docs - the TypeScript block at %s is a copy of a type-checked file',
    (_where, block) => {
      const code = normalize(block.code);
      const home = SOURCES.find((s) => s.text.includes(code));
      expect(
        home?.file,
        `copy it into a file under test/docs/snippets/ (or examples/), which npm run typecheck compiles`,
      ).toBeDefined();
    },
  );
});
