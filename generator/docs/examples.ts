/**
 * Example payloads and headers for the docs site: one generated from each message's JSON Schema, and
 * every example shown (the spec's and the generated one) checked against the schema at build time with
 * zod's `z.fromJSONSchema`. An invalid spec example is a warning (an error under `--strict`) and is
 * shown marked as not matching, with the reason; a generated example that does not validate is left
 * out with a warning (our generator is not smart enough for that schema, the spec itself is fine).
 */
import { z } from 'zod';
import type { JsonSchema, JsonSchemaObject, SpecLocation } from '../model/types.js';
import type { Problem } from '../problems.js';

/** Fixed sample values for string formats, each valid for zod's format checks. */
const FORMAT_SAMPLES: Record<string, string> = {
  uuid: '3fa85f64-5717-4562-b3fc-2c963f66afa6',
  'date-time': '2025-01-15T09:30:00Z',
  date: '2025-01-15',
  time: '09:30:00',
  uri: 'https://example.com/resource',
  'uri-reference': 'https://example.com/resource',
  url: 'https://example.com/resource',
  email: 'user@example.com',
  hostname: 'example.com',
  ipv4: '192.0.2.1',
  ipv6: '2001:db8::1',
  duration: 'PT1M',
};

/** How deep generated examples nest optional properties and recursive schemas. */
const MAX_OPTIONAL_DEPTH = 2;
const MAX_DEPTH = 8;

function isObject(s: unknown): s is JsonSchemaObject {
  return typeof s === 'object' && s !== null && !Array.isArray(s);
}

/**
 * A sample value for a JSON Schema: the schema's own `examples`/`default`/`const`/`enum` first, else
 * built from its type and constraints. Required properties are always present; optional ones only near
 * the top, so recursive schemas end.
 */
export function sampleOf(schema: JsonSchema, depth = 0): unknown {
  if (schema === true) return {};
  if (!isObject(schema)) return undefined;
  if (Array.isArray(schema.examples) && schema.examples.length > 0) return schema.examples[0];
  if (schema.default !== undefined) return schema.default;
  if (schema.const !== undefined) return schema.const;
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return schema.enum[0];
  for (const key of ['oneOf', 'anyOf'] as const) {
    const options = schema[key];
    if (Array.isArray(options) && options.length > 0) return sampleOf(options[0] as JsonSchema, depth);
  }
  if (Array.isArray(schema.allOf)) {
    const parts = schema.allOf.map((s) => sampleOf(s as JsonSchema, depth));
    if (parts.every((p) => isObject(p))) return Object.assign({}, ...parts);
    return parts[0];
  }
  const types = Array.isArray(schema.type) ? schema.type : [schema.type];
  const type = types.find((t) => t !== 'null') ?? types[0] ?? (isObject(schema.properties) ? 'object' : undefined);
  switch (type) {
    case 'null':
      return null;
    case 'boolean':
      return true;
    case 'integer':
    case 'number':
      return numberSample(schema, type === 'integer');
    case 'string':
      return stringSample(schema);
    case 'array': {
      if (depth >= MAX_DEPTH) return [];
      const min = typeof schema.minItems === 'number' ? schema.minItems : 0;
      const count = Math.max(min, depth < MAX_OPTIONAL_DEPTH + 1 ? 1 : 0);
      const items = isObject(schema.items) ? schema.items : {};
      return Array.from({ length: count }, () => sampleOf(items, depth + 1));
    }
    case 'object': {
      const out: Record<string, unknown> = {};
      if (depth >= MAX_DEPTH) return out;
      const props = isObject(schema.properties) ? schema.properties : {};
      const required = new Set(Array.isArray(schema.required) ? schema.required : []);
      for (const [key, sub] of Object.entries(props)) {
        if (!required.has(key) && depth >= MAX_OPTIONAL_DEPTH) continue;
        const value = sampleOf(sub as JsonSchema, depth + 1);
        if (value !== undefined) Object.defineProperty(out, key, { value, enumerable: true, writable: true });
      }
      return out;
    }
    default:
      return isObject(schema.properties) ? sampleOf({ ...schema, type: 'object' }, depth) : 'example';
  }
}

function numberSample(schema: JsonSchemaObject, integer: boolean): number {
  const num = (k: string) => (typeof schema[k] === 'number' ? (schema[k] as number) : undefined);
  const step = integer ? 1 : 0.5;
  const exMin = num('exclusiveMinimum');
  const exMax = num('exclusiveMaximum');
  let value = num('minimum') ?? (exMin !== undefined ? exMin + step : undefined) ?? 1;
  const max = num('maximum') ?? (exMax !== undefined ? exMax - step : undefined);
  if (max !== undefined && value > max) value = max;
  const multiple = num('multipleOf');
  if (multiple) value = Math.ceil(value / multiple) * multiple;
  return integer ? Math.ceil(value) : value;
}

function stringSample(schema: JsonSchemaObject): string {
  const format = typeof schema.format === 'string' ? FORMAT_SAMPLES[schema.format] : undefined;
  let value = format ?? 'example';
  if (typeof schema.pattern === 'string' && !format) {
    const fromPattern = samplePattern(schema.pattern);
    if (fromPattern !== undefined) value = fromPattern;
  }
  const min = typeof schema.minLength === 'number' ? schema.minLength : 0;
  const max = typeof schema.maxLength === 'number' ? schema.maxLength : Number.POSITIVE_INFINITY;
  if ([...value].length < min) value = value.padEnd(min, 'x');
  if ([...value].length > max) value = [...value].slice(0, max).join('');
  return value;
}

/**
 * A string matching a simple regular expression (literals, classes, `\d\w\s.`, quantifiers; no groups
 * or alternation), or undefined when the pattern is beyond that or the result does not match.
 */
export function samplePattern(pattern: string): string | undefined {
  let out = '';
  let i = 0;
  let last = '';
  const classChar = (body: string): string | undefined => {
    const negated = body.startsWith('^');
    const chars = negated ? body.slice(1) : body;
    if (!negated) {
      const c = chars[0] === '\\' ? ({ d: '1', w: 'a', s: ' ' } as Record<string, string>)[chars[1] ?? ''] : chars[0];
      return c ?? chars[1];
    }
    const re = new RegExp(`[${body}]`, 'u');
    return [...'abcxyz019'].find((ch) => re.test(ch));
  };
  try {
    while (i < pattern.length) {
      const c = pattern[i] as string;
      if (c === '^' || c === '$') {
        i++;
        continue;
      }
      if (c === '(' || c === ')' || c === '|') return undefined;
      let atom: string | undefined;
      if (c === '[') {
        const end = pattern.indexOf(']', i + 2);
        if (end < 0) return undefined;
        atom = classChar(pattern.slice(i + 1, end));
        i = end + 1;
      } else if (c === '\\') {
        const e = pattern[i + 1] ?? '';
        atom = ({ d: '1', w: 'a', s: ' ', D: 'a', W: '-', S: 'a' } as Record<string, string>)[e] ?? e;
        i += 2;
      } else if (c === '.') {
        atom = 'a';
        i++;
      } else {
        atom = c;
        i++;
      }
      if (atom === undefined) return undefined;
      last = atom;
      const q = pattern[i];
      if (q === '*' || q === '+' || q === '?') {
        i++;
        out += last;
      } else if (q === '{') {
        const end = pattern.indexOf('}', i);
        const n = Number.parseInt(pattern.slice(i + 1, end), 10);
        if (end < 0 || Number.isNaN(n)) return undefined;
        out += last.repeat(Math.max(n, 1));
        i = end + 1;
      } else {
        out += last;
      }
    }
    return new RegExp(pattern, 'u').test(out) ? out : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The schema as a tree zod can read: the model's schemas are dereferenced object graphs, possibly
 * cyclic, so every node that contains itself becomes a `definitions` entry referred to by `$ref`.
 */
export function acyclic(schema: JsonSchema): JsonSchema {
  if (!isObject(schema)) return schema;
  const cyclic = new Set<object>();
  const visit = (node: unknown, stack: Set<object>) => {
    if (typeof node !== 'object' || node === null) return;
    if (stack.has(node)) {
      cyclic.add(node);
      return;
    }
    stack.add(node);
    for (const v of Object.values(node)) visit(v, stack);
    stack.delete(node);
  };
  visit(schema, new Set());
  if (cyclic.size === 0) return schema;
  const names = new Map<object, string>([...cyclic].map((node, i) => [node, `d${i}`]));
  const definitions: Record<string, unknown> = {};
  const copy = (node: unknown, top: boolean): unknown => {
    if (typeof node !== 'object' || node === null) return node;
    const name = names.get(node);
    if (name !== undefined && !top) {
      if (!(name in definitions)) {
        definitions[name] = {};
        definitions[name] = copy(node, true);
      }
      return { $ref: `#/definitions/${name}` };
    }
    if (Array.isArray(node)) return node.map((v) => copy(v, false));
    return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, copy(v, false)]));
  };
  const root = copy(schema, false) as JsonSchemaObject;
  return { ...root, definitions };
}

/** A compiled validator for one schema, or the reason zod could not read it. */
export type Validator =
  | { readonly ok: true; readonly check: (value: unknown) => string | undefined }
  | { readonly ok: false; readonly reason: string };

/**
 * Validators already compiled, by schema object: the code's example factories and the docs site check
 * the same schemas of one model, and compiling is most of what checking costs.
 */
const compiled = new WeakMap<object, Validator>();

/**
 * Compiles a JSON Schema with zod (once per schema object); `check` returns the first issue, located
 * by its path, or undefined.
 */
export function validator(schema: JsonSchema): Validator {
  if (typeof schema !== 'object' || schema === null) return compile(schema);
  let found = compiled.get(schema);
  if (found === undefined) {
    found = compile(schema);
    compiled.set(schema, found);
  }
  return found;
}

function compile(schema: JsonSchema): Validator {
  try {
    const zod = z.fromJSONSchema(acyclic(schema) as Parameters<typeof z.fromJSONSchema>[0], {
      defaultTarget: 'draft-7',
    });
    return {
      ok: true,
      check: (value) => {
        // Each schema checks a few values once: zod's compiled fast path (generated with `new Function` on
        // an object schema's first parse) costs more than it saves here. Measured on 300 channels, all
        // checks of one cold `generate`: 150-180 ms with it, 75-105 ms without.
        const result = zod.safeParse(value, { jitless: true });
        if (result.success) return undefined;
        const issue = result.error.issues[0];
        if (!issue) return 'invalid';
        const at = issue.path.length > 0 ? ` at ${issue.path.map(String).join('.')}` : '';
        return `${issue.message}${at}`;
      },
    };
  } catch (e) {
    return { ok: false, reason: e instanceof Error ? e.message : String(e) };
  }
}

/**
 * Header values travel as strings; a header schema may still say `integer` or `boolean`. Such values
 * are read the way the generated code reads them before they are checked.
 */
export function headerValuesForCheck(schema: JsonSchema, headers: unknown): unknown {
  if (!isObject(schema) || !isObject(headers) || !isObject(schema.properties)) return headers;
  const props = schema.properties;
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(headers)) {
    const sub = props[name];
    const types = isObject(sub) ? (Array.isArray(sub.type) ? sub.type : [sub.type]) : [];
    let v: unknown = value;
    if (typeof value === 'string' && (types.includes('integer') || types.includes('number')) && value.trim() !== '') {
      const n = Number(value);
      if (!Number.isNaN(n)) v = n;
    } else if (typeof value === 'string' && types.includes('boolean') && (value === 'true' || value === 'false')) {
      v = value === 'true';
    }
    Object.defineProperty(out, name, { value: v, enumerable: true, writable: true });
  }
  return out;
}

/** A generated header set: a sample for each header, every value as the string sent on the wire. */
export function headerSample(schema: JsonSchema): Record<string, string> {
  const sample = sampleOf(schema);
  const out: Record<string, string> = {};
  if (!isObject(sample)) return out;
  for (const [k, v] of Object.entries(sample)) {
    Object.defineProperty(out, k, {
      value: typeof v === 'string' ? v : JSON.stringify(v),
      enumerable: true,
      writable: true,
    });
  }
  return out;
}

/**
 * A spec example that does not match its schema, as a located problem: a warning (the docs page shows
 * the example marked as not matching), an error under `--strict`.
 */
export function invalidExampleProblem(location: SpecLocation, what: string, issue: string, strict = false): Problem {
  return {
    code: 'docs-invalid-example',
    severity: strict ? 'error' : 'warning',
    message: `${what} does not match its schema: ${issue}`,
    file: location.file,
    line: location.line,
    column: location.column,
    help: strict
      ? 'fix the example (or the schema): under --strict an example the generated code would reject stops generation'
      : 'fix the example (or the schema); the docs show it marked as not matching, and --strict makes this an error',
  };
}
