/**
 * Payload and header rules: two versions of a message's JSON Schema, compared as a fleet sees them.
 * During a rollout old and new senders and receivers run side by side, and each receiver validates
 * with the generated zod schema of its own version; the generated TypeScript types change with the
 * schema as well. So a change is breaking when either side would reject what the other sends, or
 * when code written against the old types stops compiling:
 *
 * - field or header removed, newly required, no longer required, or of another type: breaking;
 * - optional field or header added: non-breaking (receivers drop fields they do not know), except
 *   for an object with `additionalProperties: false`, whose old receivers reject it: breaking;
 * - enum value removed: breaking; enum value added: breaking too, because old receivers reject the
 *   new value (deploy every receiver before any sender uses it).
 *
 * Everything else inside a schema (formats, lengths, patterns, descriptions) is left to
 * @asyncapi/diff, which leaves most of it unclassified.
 */
import type { JsonSchema, JsonSchemaObject } from '../model/types.js';
import { type At, type Findings, inNew, inOld } from './findings.js';
import { child } from './pointer.js';

/** One version of a schema: the schema (undefined: none declared) and its pointer in its document. */
export interface SchemaVersion {
  readonly schema: JsonSchema | undefined;
  readonly pointer: string;
}

/** Whose schema it is: a payload (named by its type) or a message's header set (named by its message). */
export interface SchemaSubject {
  readonly role: 'payload' | 'headers';
  readonly name: string;
}

const COMPOSITES = ['oneOf', 'anyOf', 'allOf'] as const;

function isObject(v: unknown): v is JsonSchemaObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The JSON types a schema admits, as one comparable string (`object`, `null|string`, `any`). */
function typeOf(s: JsonSchema | undefined): string {
  if (s === undefined || s === true) return 'any';
  if (s === false) return 'never';
  if (typeof s.type === 'string') return s.type;
  if (Array.isArray(s.type)) return [...new Set(s.type.map(String))].sort().join('|');
  if (s.properties !== undefined || s.required !== undefined || s.additionalProperties !== undefined) return 'object';
  if (s.items !== undefined) return 'array';
  const values = valuesOf(s);
  if (values) return [...new Set(values.map(jsonType))].sort().join('|');
  if (COMPOSITES.some((k) => Array.isArray(s[k]))) return 'composite';
  return 'any';
}

function jsonType(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

/** Allowed values: `enum`, or `const` as one value; undefined when unrestricted. */
function valuesOf(s: JsonSchemaObject): readonly unknown[] | undefined {
  if (Array.isArray(s.enum)) return s.enum;
  if ('const' in s) return [s.const];
  return undefined;
}

function valuesKey(s: JsonSchemaObject): 'enum' | 'const' {
  return 'const' in s && !Array.isArray(s.enum) ? 'const' : 'enum';
}

function isObjectType(type: string): boolean {
  return type.split('|').includes('object');
}

function properties(s: JsonSchemaObject): Record<string, JsonSchema> {
  return isObject(s.properties) ? (s.properties as Record<string, JsonSchema>) : {};
}

function required(s: JsonSchemaObject): Set<string> {
  return new Set(Array.isArray(s.required) ? s.required.filter((r): r is string => typeof r === 'string') : []);
}

function show(values: readonly unknown[]): string {
  return values.map((v) => JSON.stringify(v)).join(', ');
}

/** `['input', 'ticket_id']` → `input.ticket_id`; `'[]'` is an array item. */
function dotted(path: readonly string[]): string {
  return path.reduce((s, seg) => (seg === '[]' ? `${s}[]` : s ? `${s}.${seg}` : seg), '');
}

const HELP = {
  removed:
    'receivers that read it lose it, and code that uses the generated type no longer compiles; deprecate it and remove it once nothing reads it',
  required: 'old senders leave it out and new receivers reject their messages; update every sender first',
  optional:
    'new senders may leave it out, which old receivers reject, and code that reads it must now handle it missing',
  strict: 'old receivers reject fields they do not know (additionalProperties: false); update every receiver first',
  type: "old and new versions reject each other's messages; add a new field instead and retire the old one",
  enumRemoved:
    'old senders may still send the removed value, which new receivers reject; code that uses it no longer compiles',
  enumAdded: 'old receivers reject the new value: update every receiver before any sender uses it',
} as const;

/** Compares two versions of a payload or header schema; every finding goes to `out`. */
export function compareSchemas(
  out: Findings,
  subject: SchemaSubject,
  before: SchemaVersion,
  after: SchemaVersion,
): void {
  new SchemaComparison(out, subject).walk(before.schema, after.schema, before.pointer, after.pointer, []);
}

class SchemaComparison {
  readonly #out: Findings;
  readonly #subject: SchemaSubject;
  /** Pairs already compared: recursive schemas are cycles. */
  readonly #seen = new Map<object, Set<object>>();

  constructor(out: Findings, subject: SchemaSubject) {
    this.#out = out;
    this.#subject = subject;
  }

  /** How the node at `path` is named in messages. */
  #what(path: readonly string[]): string {
    const { role, name } = this.#subject;
    if (role === 'payload') return path.length === 0 ? `payload ${name}` : `field '${name}.${dotted(path)}'`;
    return path.length === 0 ? `headers of message ${name}` : `header '${dotted(path)}' of message ${name}`;
  }

  /** `nats-header-*` for the headers themselves, `nats-field-*` for payload fields (and inside header values). */
  #rule(path: readonly string[], change: string): string {
    return this.#subject.role === 'headers' && path.length <= 1 ? `nats-header-${change}` : `nats-field-${change}`;
  }

  walk(
    o: JsonSchema | undefined,
    n: JsonSchema | undefined,
    oPtr: string,
    nPtr: string,
    path: readonly string[],
  ): void {
    if (isObject(o) && isObject(n)) {
      const seen = this.#seen.get(o) ?? new Set<object>();
      if (seen.has(n)) return;
      seen.add(n);
      this.#seen.set(o, seen);
    }
    const oType = typeOf(o);
    const nType = typeOf(n);
    if (oType !== nType) {
      this.#out.add({
        kind: 'breaking',
        rule: this.#rule(path, 'type-changed'),
        message: `${this.#what(path)} changed type from ${oType} to ${nType}`,
        at: inNew(nPtr),
        covers: [inOld(oPtr)],
        before: oType,
        after: nType,
        help: HELP.type,
      });
      return;
    }
    if (!isObject(o) || !isObject(n)) return;
    this.#values(o, n, oPtr, nPtr, path);
    if (isObjectType(oType)) this.#properties(o, n, oPtr, nPtr, path);
    if (isObject(o.items) && isObject(n.items)) {
      this.walk(o.items, n.items, child(oPtr, 'items'), child(nPtr, 'items'), [...path, '[]']);
    }
    for (const key of COMPOSITES) {
      const a = o[key];
      const b = n[key];
      if (Array.isArray(a) && Array.isArray(b) && a.length === b.length) {
        a.forEach((item, i) => {
          this.walk(item as JsonSchema, b[i] as JsonSchema, child(oPtr, key, i), child(nPtr, key, i), path);
        });
      }
    }
  }

  #values(o: JsonSchemaObject, n: JsonSchemaObject, oPtr: string, nPtr: string, path: readonly string[]): void {
    const a = valuesOf(o);
    const b = valuesOf(n);
    if (a === undefined && b === undefined) return;
    const oAt = child(oPtr, valuesKey(o));
    const nAt = child(nPtr, valuesKey(n));
    const keys = (vs: readonly unknown[] | undefined) => new Set((vs ?? []).map((v) => JSON.stringify(v)));
    const aKeys = keys(a);
    const bKeys = keys(b);
    const what = this.#what(path);
    this.#out.explain(inOld(oAt), inNew(nAt));
    if (a === undefined && b !== undefined) {
      this.#removedValues(what, `is now limited to ${show(b)}`, oAt, nAt, undefined, b);
      return;
    }
    if (a !== undefined && b === undefined) {
      this.#addedValues(what, `is no longer limited to ${show(a)}`, oAt, nAt, a, undefined);
      return;
    }
    const removed = (a ?? []).filter((v) => !bKeys.has(JSON.stringify(v)));
    const added = (b ?? []).filter((v) => !aKeys.has(JSON.stringify(v)));
    if (removed.length > 0) {
      this.#removedValues(what, `no longer allows ${show(removed)}`, oAt, nAt, removed, undefined);
    }
    if (added.length > 0) this.#addedValues(what, `now also allows ${show(added)}`, oAt, nAt, undefined, added);
  }

  #removedValues(what: string, how: string, oAt: string, nAt: string, before: unknown, after: unknown): void {
    this.#out.add({
      kind: 'breaking',
      rule: 'nats-enum-value-removed',
      message: `${what} ${how}`,
      at: inNew(nAt),
      covers: [inOld(oAt)],
      before,
      after,
      help: HELP.enumRemoved,
    });
  }

  #addedValues(what: string, how: string, oAt: string, nAt: string, before: unknown, after: unknown): void {
    this.#out.add({
      kind: 'breaking',
      rule: 'nats-enum-value-added',
      message: `${what} ${how}`,
      at: inNew(nAt),
      covers: [inOld(oAt)],
      before,
      after,
      help: HELP.enumAdded,
    });
  }

  #properties(o: JsonSchemaObject, n: JsonSchemaObject, oPtr: string, nPtr: string, path: readonly string[]): void {
    const oProps = properties(o);
    const nProps = properties(n);
    const oReq = required(o);
    const nReq = required(n);
    const requiredAt: At[] = [inOld(child(oPtr, 'required')), inNew(child(nPtr, 'required'))];
    // Each change of the required set is a finding below; what is left is a reordering.
    this.#out.explain(...requiredAt);
    const names = [...new Set([...Object.keys(oProps), ...Object.keys(nProps), ...oReq, ...nReq])].sort();
    for (const name of names) {
      const oAt = child(oPtr, 'properties', name);
      const nAt = child(nPtr, 'properties', name);
      const inO = Object.hasOwn(oProps, name) || oReq.has(name);
      const inN = Object.hasOwn(nProps, name) || nReq.has(name);
      const sub = [...path, name];
      const what = this.#what(sub);
      if (inO && !inN) {
        this.#out.add({
          kind: 'breaking',
          rule: this.#rule(sub, 'removed'),
          message: `${what} was removed`,
          at: inOld(oAt),
          covers: [inNew(nAt)],
          help: HELP.removed,
        });
        continue;
      }
      if (!inO && inN) {
        if (nReq.has(name)) {
          this.#out.add({
            kind: 'breaking',
            rule: this.#rule(sub, 'required'),
            message: `${what} was added as required`,
            at: inNew(nAt),
            covers: [inOld(oAt)],
            help: HELP.required,
          });
        } else {
          const strict = this.#subject.role === 'payload' && o.additionalProperties === false;
          this.#out.add({
            kind: strict ? 'breaking' : 'non-breaking',
            rule: this.#rule(sub, 'added'),
            message: `${what} was added (optional)`,
            at: inNew(nAt),
            covers: [inOld(oAt)],
            help: strict ? HELP.strict : undefined,
          });
        }
        continue;
      }
      if (!oReq.has(name) && nReq.has(name)) {
        this.#out.add({
          kind: 'breaking',
          rule: this.#rule(sub, 'required'),
          message: `${what} is now required`,
          at: inNew(nAt),
          help: HELP.required,
        });
      } else if (oReq.has(name) && !nReq.has(name)) {
        this.#out.add({
          kind: 'breaking',
          rule: this.#rule(sub, 'optional'),
          message: `${what} is no longer required`,
          at: inNew(nAt),
          help: HELP.optional,
        });
      }
      this.walk(oProps[name], nProps[name], oAt, nAt, sub);
    }
  }
}
