/**
 * Runs payloads through the reference (ajv) and the emitted zod schema and keeps every disagreement,
 * with the counts the summary prints: schemas, payloads, verdicts of each kind, and which JSON Schema
 * keywords the judged schemas used.
 */
import type { JsonSchema } from '../../generator/model/types.js';
import type { Declaration } from './corpus.js';
import { type Disagreement, EXCEPTIONS } from './exceptions.js';
import { type Draft, draftOf, reference } from './reference.js';
import { payloadsFor } from './samples.js';

/** Running totals of one oracle run. */
export class Tally {
  documents = 0;
  schemas = 0;
  payloads = 0;
  acceptedByBoth = 0;
  rejectedByBoth = 0;
  /** Declarations ajv could not compile (with the reason), not judged. */
  readonly uncompiled: string[] = [];
  readonly keywords = new Map<string, number>();
  readonly formats = new Map<string, number>();
  readonly disagreements: Disagreement[] = [];
  readonly explained = new Map<string, number>();

  /** Disagreements no exception explains. */
  unexplained(): Disagreement[] {
    return this.disagreements.filter((d) => !EXCEPTIONS.some((e) => e.matches(d)));
  }

  record(d: Disagreement): void {
    const exception = EXCEPTIONS.find((e) => e.matches(d));
    if (exception) this.explained.set(exception.id, (this.explained.get(exception.id) ?? 0) + 1);
    this.disagreements.push(d);
  }

  /** One paragraph for the test output and CORPUS.md. */
  summary(label: string): string {
    const unexplained = this.unexplained().length;
    const explained = [...this.explained].map(([id, n]) => `${id} ${n}`).join(', ');
    const keywords = [...this.keywords.keys()].sort();
    return [
      `ORACLE ${label}: ${this.documents} documents, ${this.schemas} schemas, ${this.payloads} payloads ` +
        `(${this.acceptedByBoth} accepted by both, ${this.rejectedByBoth} rejected by both); ` +
        `${this.disagreements.length - unexplained} explained disagreements${explained ? ` (${explained})` : ''}, ` +
        `${unexplained} unexplained`,
      `  ${keywords.length} keywords: ${keywords.join(' ')}`,
      `  ${this.formats.size} formats: ${[...this.formats.keys()].sort().join(' ')}`,
      ...(this.uncompiled.length > 0 ? [`  not judged (ajv could not compile): ${this.uncompiled.join('; ')}`] : []),
    ].join('\n');
  }
}

/** JSON Schema keywords (draft-04 to 2020-12, and OpenAPI 3.0's `nullable`) the summary counts. */
const VOCABULARY = new Set(
  (
    'type enum const multipleOf maximum exclusiveMaximum minimum exclusiveMinimum maxLength minLength pattern format ' +
    'items additionalItems maxItems minItems uniqueItems contains maxContains minContains prefixItems unevaluatedItems ' +
    'maxProperties minProperties required properties patternProperties additionalProperties dependencies ' +
    'dependentRequired dependentSchemas propertyNames unevaluatedProperties allOf anyOf oneOf not if then else ' +
    'nullable discriminator default examples example readOnly writeOnly contentEncoding contentMediaType'
  ).split(' '),
);

/** Keywords and formats used anywhere in `schema` (each object counted once). */
export function countKeywords(schema: JsonSchema, tally: Tally): void {
  const seen = new Set<object>();
  const walk = (node: unknown, isSchema: boolean): void => {
    if (typeof node !== 'object' || node === null || seen.has(node)) return;
    seen.add(node);
    if (Array.isArray(node)) {
      for (const v of node) walk(v, isSchema);
      return;
    }
    if (!isSchema) {
      for (const v of Object.values(node)) walk(v, true);
      return;
    }
    for (const [key, value] of Object.entries(node)) {
      if (!VOCABULARY.has(key)) continue;
      tally.keywords.set(key, (tally.keywords.get(key) ?? 0) + 1);
      if (key === 'format' && typeof value === 'string') tally.formats.set(value, (tally.formats.get(value) ?? 0) + 1);
      if (['enum', 'const', 'examples', 'example', 'default', 'required', 'type'].includes(key)) continue;
      const isMap = [
        'properties',
        'patternProperties',
        'definitions',
        '$defs',
        'dependencies',
        'dependentSchemas',
      ].includes(key);
      walk(value, !isMap);
    }
  };
  walk(schema, true);
}

/** Header values travel as strings: a typed header value is sent as its JSON text. */
function toWire(value: unknown): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    Object.defineProperty(out, k, {
      value: typeof v === 'string' ? v : JSON.stringify(v),
      enumerable: true,
      writable: true,
    });
  }
  return out;
}

const INTEGER = /^-?(0|[1-9][0-9]*)$/;
const NUMBER = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?$/;

/**
 * What the documented header rules read from wire strings (docs/schemas.md): plain decimal numbers for
 * number and integer headers, `true`/`false` for boolean headers, the string itself otherwise.
 */
function fromWire(schema: JsonSchema, wire: unknown): unknown {
  if (typeof schema !== 'object' || typeof wire !== 'object' || wire === null || Array.isArray(wire)) return wire;
  const props = (schema.properties ?? {}) as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(wire as Record<string, unknown>)) {
    const sub = props[k];
    const raw = typeof sub === 'object' && sub !== null ? (sub as { type?: unknown }).type : undefined;
    const types = Array.isArray(raw) ? raw : [raw];
    let decoded: unknown = v;
    if (typeof v === 'string') {
      if (types.includes('integer') && INTEGER.test(v)) decoded = Number(v);
      else if (types.includes('number') && NUMBER.test(v)) decoded = Number(v);
      else if (types.includes('boolean') && (v === 'true' || v === 'false')) decoded = v === 'true';
    }
    Object.defineProperty(out, k, { value: decoded, enumerable: true, writable: true });
  }
  return out;
}

/** Judges `count` payloads of one declaration; disagreements go into the tally. */
export function judge(
  doc: string,
  decl: Declaration,
  count: number,
  seed: number,
  tally: Tally,
  draft: Draft = draftOf(decl.dialect),
): void {
  const ref = reference(decl.schema, draft);
  if (!ref.ok) {
    tally.uncompiled.push(`${doc} ${decl.name}: ${ref.reason}`);
    return;
  }
  tally.schemas++;
  countKeywords(decl.schema, tally);
  const headers = decl.role === 'headers';
  for (const drawn of payloadsFor(decl.schema, count, seed)) {
    const value = headers ? toWire(drawn) : drawn;
    const judged = headers ? fromWire(decl.schema, value) : value;
    const expected = ref.check(judged);
    const result = decl.zod.safeParse(value);
    tally.payloads++;
    if (expected.valid === result.success) {
      if (expected.valid) tally.acceptedByBoth++;
      else tally.rejectedByBoth++;
      continue;
    }
    const issue = result.success ? undefined : result.error.issues[0];
    tally.record({
      doc,
      declaration: decl.name,
      role: decl.role,
      value,
      schema: decl.schema,
      draft,
      judged,
      reference: expected.valid,
      referenceError: expected.error,
      ours: result.success,
      oursError: issue ? `${issue.path.map(String).join('.') || '/'} ${issue.message}` : undefined,
    });
  }
}

/** The unexplained disagreements, one line per declaration (its first payload and how many more), for a failure message. */
export function describe(disagreements: readonly Disagreement[], n = 60): string {
  const byDeclaration = new Map<string, Disagreement[]>();
  for (const d of disagreements) {
    const key = `${d.doc} ${d.declaration}`;
    byDeclaration.set(key, [...(byDeclaration.get(key) ?? []), d]);
  }
  return [...byDeclaration]
    .slice(0, n)
    .map(([key, list]) => {
      const d = list[0] as Disagreement;
      const verdict = d.reference
        ? `ajv accepts, ours rejects (${d.oursError})`
        : `ajv rejects (${d.referenceError}), ours accepts`;
      return `${key} (${list.length}x): ${verdict}: ${truncate(JSON.stringify(d.value))}`;
    })
    .join('\n');
}

function truncate(text: string | undefined, max = 160): string {
  if (text === undefined) return 'undefined';
  return text.length > max ? `${text.slice(0, max)}…` : text;
}
