/**
 * Where the wild corpus is (real-world AsyncAPI documents, see its SOURCES.md): `shared/corpus/wild`
 * beside the repository, as on a developer's machine and in CI, or the folder `WILD_CORPUS` names.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '../..');

/** Absolute folder of the wild corpus. */
export const WILD_CORPUS = path.resolve(process.env.WILD_CORPUS ?? path.join(ROOT, '../shared/corpus/wild'));

/** One document of the corpus, as its SOURCES.md row says. */
export interface WildDocument {
  /** Path relative to the corpus folder (`fk-rimfrost-process/asyncapi.yaml`). */
  readonly file: string;
  /** `valid`, or why the document must fail offline. */
  readonly expect: 'valid' | 'invalid' | 'remote-ref';
}

/**
 * The documents SOURCES.md lists: its first column is the file, a note starting `invalid:` or
 * `remote-ref:` says it must fail. Throws when the corpus is missing, so a test never passes on
 * nothing.
 */
export function wildDocuments(): WildDocument[] {
  const sources = path.join(WILD_CORPUS, 'SOURCES.md');
  if (!existsSync(sources)) {
    throw new Error(`the wild corpus is not at ${WILD_CORPUS} (no SOURCES.md): set WILD_CORPUS to its folder`);
  }
  const rows = readFileSync(sources, 'utf8')
    .split('\n')
    .filter((line) => /^\| `[^`]+` \|/.test(line));
  return rows.map((row) => {
    const cells = row.split(' | ');
    const file = /`([^`]+)`/.exec(cells[0] ?? '')?.[1] as string;
    const notes = (cells[cells.length - 1] ?? '').replace(/\s*\|\s*$/, '');
    const expect = notes.startsWith('invalid:') ? 'invalid' : notes.startsWith('remote-ref:') ? 'remote-ref' : 'valid';
    return { file, expect };
  });
}
