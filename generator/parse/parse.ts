/**
 * Reads a spec with @asyncapi/parser and turns its diagnostics into our problems. AsyncAPI 2.x
 * documents are converted to 3.0 with @asyncapi/converter first, so the rest of the generator
 * sees one document shape.
 */
import { readFile } from 'node:fs/promises';
import { type AsyncAPIDocumentInterface, type Diagnostic, DiagnosticSeverity, Parser } from '@asyncapi/parser';
import { type Problem, type Severity, uniqueProblems } from '../problems.js';
import { type Conversion, convertToV3 } from './convert.js';
import { SourceMap } from './locate.js';
import { useBuiltRulesetCheck } from './ruleset-check.js';
import { structureRuleset } from './structure.js';

/** A document that parsed without errors, with what is needed to locate its nodes. */
export interface ParsedSpec {
  readonly file: string;
  readonly document: AsyncAPIDocumentInterface;
  /** The `asyncapi` version the file declares (before any conversion). */
  readonly declaredVersion: string;
  /**
   * Positions in the file as written: for a converted 2.x document, pointers of the 3.0 document are
   * translated back to the 2.x node they came from (see `convert.ts`).
   */
  readonly sourceMap: SourceMap;
  /**
   * For a 2.x file, the document as written (parsed, before conversion): what the converter drops
   * (a channel parameter's `schema` keywords beyond `enum`) is read from it.
   */
  readonly original?: AsyncAPIDocumentInterface;
}

let sharedParser: Parser | undefined;

/**
 * One parser per process: creating one costs more than a parse (see FIELD-NOTES). Its document
 * structure check runs on validators compiled at build time (see `structure.ts`), and so does
 * Spectral's check of its ruleset (see `ruleset-check.ts`).
 */
function parser(): Parser {
  if (sharedParser === undefined) {
    useBuiltRulesetCheck();
    // No cache of `$ref`'d files: the parser lives as long as the process (`generate --watch`), and a
    // cached file would keep its old text after an edit.
    sharedParser = new Parser({ ...structureRuleset(), __unstable: { resolver: { cache: false } } });
  }
  return sharedParser;
}

/**
 * The document as the parser's Spectral document read it (`parserResult.data`: plain data, `$ref`s
 * unresolved), which the converter takes instead of parsing the text a second time.
 */
function parserData(document: unknown): unknown {
  const result = (document as { parserResult?: { data?: unknown } } | undefined)?.parserResult;
  if (typeof result !== 'object' || result === null || typeof result.data !== 'object' || result.data === null) {
    throw new Error('the parser kept no data of the document');
  }
  return result.data;
}

/**
 * The YAML tree the parser's Spectral document built of the text (`parserResult.ast`, a field
 * Spectral keeps but does not type as public), or undefined; the source map reuses it.
 */
function parserTree(document: unknown): unknown {
  const result = (document as { parserResult?: { ast?: unknown } } | undefined)?.parserResult;
  return typeof result === 'object' && result !== null ? result.ast : undefined;
}

/** What a parser rule means for a user, by its code. */
const PARSER_CODES: Record<string, { code: string; help: string }> = {
  parser: {
    code: 'yaml-syntax',
    help: 'fix the YAML syntax at this position (indentation, a missing colon or bracket)',
  },
  'invalid-ref': { code: 'invalid-ref', help: 'point the $ref at an existing component, or define the component' },
};

/**
 * A diagnostic as our problem. Some parser rules report an empty range (0:0) but a JSON path; those
 * are located by walking the path in the YAML ourselves (to the deepest node that exists), and so is
 * every diagnostic of a converted document (`byPath`: its range is in text nobody wrote).
 */
function mapDiagnostic(file: string, d: Diagnostic, sourceMap?: SourceMap, byPath = false): Problem {
  const severity: Severity = d.severity === DiagnosticSeverity.Error ? 'error' : 'info';
  let { code, help } = PARSER_CODES[String(d.code)] ?? { code: String(d.code), help: undefined };
  if (d.code === 'asyncapi-is-asyncapi') {
    const notAsyncApi = /not an AsyncAPI document/i.test(d.message);
    code = notAsyncApi ? 'not-asyncapi' : 'unsupported-version';
    help = notAsyncApi
      ? 'the file needs a top-level `asyncapi: 3.0.0` field; is this an OpenAPI or other document?'
      : 'use AsyncAPI 3.0.0 or 3.1.0 (2.x documents are converted automatically)';
  }
  help ??= severity === 'error' ? 'see https://www.asyncapi.com/docs/reference/specification/latest' : undefined;
  let line = (d.range?.start.line ?? -1) + 1;
  let column = (d.range?.start.character ?? -1) + 1;
  if (sourceMap && (byPath || (line <= 1 && column <= 1)) && d.path.length > 0) {
    const pointer = `/${d.path.map((s) => String(s).replace(/~/g, '~0').replace(/\//g, '~1')).join('/')}`;
    ({ line, column } = sourceMap.locate(pointer));
  }
  return {
    code,
    severity,
    message: d.message,
    file,
    line,
    column,
    ...(help ? { help } : {}),
  };
}

/**
 * Parses the spec at `specPath` (`file` is how problems name it). Returns the document when it has no errors; problems always.
 * Never throws for a user's mistake (unreadable file, bad YAML, bad refs): those are problems.
 */
export async function parseSpec(
  specPath: string,
  file: string = specPath,
): Promise<{ spec?: ParsedSpec; problems: Problem[] }> {
  let text: string;
  try {
    text = await readFile(specPath, 'utf8');
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    const reason =
      code === 'ENOENT'
        ? 'no such file'
        : code === 'EISDIR'
          ? 'it is a folder, not a file'
          : code === 'EACCES'
            ? 'permission denied'
            : String(cause);
    return {
      problems: [
        {
          code: 'file-unreadable',
          severity: 'error',
          message: `cannot read spec: ${reason}`,
          file,
          line: 0,
          column: 0,
          help: 'check the path',
        },
      ],
    };
  }
  return parseSpecText(text, file, specPath);
}

/**
 * Parses a spec that is already in memory (read from git, say): `file` is how problems name it,
 * `sourcePath` is where relative `$ref`s are resolved from. Same result as {@link parseSpec}.
 */
export async function parseSpecText(
  text: string,
  file: string,
  sourcePath: string,
): Promise<{ spec?: ParsedSpec; problems: Problem[] }> {
  const first = await parser().parse(text, { source: sourcePath });
  const sourceMap = SourceMap.fromParserTree(text, parserTree(first.extras?.document)) ?? SourceMap.fromText(text);
  const problems = first.diagnostics
    .map((d) => mapDiagnostic(file, d, sourceMap))
    .filter((p) => p.code !== 'asyncapi-latest-version');
  if (!first.document) {
    if (!problems.some((p) => p.severity === 'error')) {
      problems.push({
        code: 'parse-failed',
        severity: 'error',
        message: 'the parser returned no document',
        file,
        line: 0,
        column: 0,
      });
    }
    return { problems: uniqueProblems(problems) };
  }

  const declaredVersion = first.document.version();
  if (!declaredVersion.startsWith('2.')) {
    return { spec: { file, document: first.document, declaredVersion, sourceMap }, problems: uniqueProblems(problems) };
  }

  let conversion: Conversion;
  try {
    conversion = await convertToV3(parserData(first.extras?.document), sourceMap, file, problems);
  } catch (cause) {
    problems.push({
      code: 'convert-failed',
      severity: 'error',
      message: `could not convert AsyncAPI ${declaredVersion} to 3.0.0: ${cause instanceof Error ? cause.message : String(cause)}`,
      file,
      ...sourceMap.locate('/asyncapi'),
      help: 'convert the document to 3.0 by hand (see the AsyncAPI migration guide)',
    });
    return { problems: uniqueProblems(problems) };
  }
  // Every pointer of the converted document is located where its node was in the original.
  const convertedMap = sourceMap.translated(conversion.translate);
  const second = await parser().parse(conversion.text, { source: sourcePath });
  if (!second.document) {
    for (const d of second.diagnostics) {
      if (d.severity === DiagnosticSeverity.Error) {
        const p = mapDiagnostic(file, d, convertedMap, true);
        problems.push({ ...p, message: `after conversion to 3.0.0: ${p.message}` });
      }
    }
    return { problems: uniqueProblems(problems) };
  }
  return {
    spec: { file, document: second.document, declaredVersion, sourceMap: convertedMap, original: first.document },
    problems: uniqueProblems(problems),
  };
}
