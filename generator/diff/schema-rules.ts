/**
 * Payload, header and parameter rules: two versions of a JSON Schema, compared keyword by keyword
 * as a NATS fleet sees them. During a rollout old and new senders and receivers run side by side,
 * and BOTH validate: a sender checks what it sends against its own version, a receiver what it
 * gets. So for every change the rules ask which values each version accepts:
 *
 * - narrowed (the new schema accepts fewer values: `maxLength` lowered, `minimum` raised,
 *   `additionalProperties: false` added, an enum value removed): new receivers reject values that
 *   old senders may send. Breaking. Safe order: every sender first, then the receivers.
 * - widened (it accepts more: a bound loosened, a constraint removed, an enum value added): old
 *   receivers reject values that new senders may send. Breaking. Safe order: receivers first.
 * - changed (both, or no rule can tell: two different `pattern`s, two different `format`s, an edit
 *   inside a `oneOf` member): breaking, and no rollout order is safe.
 * - equivalent (written differently, the same values: `const: a` for `enum: [a]`, `minLength: 0`
 *   added, `type: string` for `type: [string]`): non-breaking. A mere reordering (of `enum`,
 *   `required`, `type`, `anyOf` members) is not reported at all.
 * - annotations (`default`, `readOnly`, `deprecated`, `$id`, `x-` extensions, ...) change no
 *   accepted value: non-breaking. Documentation (`description`, `title`, `examples`) is left to the
 *   `docs-changed` rule of merge.ts.
 *
 * A property added to an object is a change too: where the old schema did not list it, the old
 * version accepted any value under that name (or none, with `additionalProperties: false`), so
 * adding it narrows (or widens) what is accepted, like Confluent's schema registry's "property added
 * to an open content model". Removing a property breaks the generated types besides.
 *
 * Every finding names the schema node (a payload, a field, a header, a parameter) and its canonical
 * JSON pointer, and is located at the keyword that changed.
 */

import { ANY_VOCABULARY, dialectName, hasEffect } from '../model/schema-vocabulary.js';
import type { JsonSchema, JsonSchemaObject } from '../model/types.js';
import { splitPointer } from '../parse/locate.js';
import { type At, type Findings, inNew, inOld, type Side } from './findings.js';
import { child, type RefResolver } from './pointer.js';
import {
  ANNOTATIONS,
  acceptsAll,
  acceptsNone,
  admits,
  type Bound,
  boundEffect,
  canonicalJson,
  combine,
  countBound,
  DEFINITIONS,
  type Dialect,
  DOCS,
  type Effect,
  isSchemaObject,
  numericBound,
  otherProperty,
  type Polarity,
  setEffect,
  shown,
  TYPE_GROUP,
  type TypeGroup,
  through,
  typeAtoms,
  typeName,
} from './schema-keywords.js';

/** One version of a schema: the schema (undefined: none declared), its pointer and how it is read. */
export interface SchemaVersion {
  readonly schema: JsonSchema | undefined;
  readonly pointer: string;
  /** Default `json-schema`. */
  readonly dialect?: Dialect;
}

/**
 * Whose schema it is: a payload (named by its type), a message's header set (named by its
 * message), or a channel parameter (named `{name} of channel 'id'`; its object is read as a schema
 * of the subject token, with `location` and `default` of its own).
 */
export interface SchemaSubject {
  readonly role: 'payload' | 'headers' | 'parameter';
  readonly name: string;
}

/** The documents' `$ref`s, to name each node by where it is written. */
export type SchemaRefs = Readonly<Record<Side, RefResolver>>;

/**
 * Pairs of schema objects already compared, with the effect found, shared by the comparisons of one
 * diff: a component used by 300 messages is compared once (its findings, the same facts at the same
 * pointers, would be merged into one anyway). `pending` marks a pair being compared: a cycle.
 */
export class SchemaMemo {
  readonly #pairs = new Map<object, Map<object, Map<string, Effect | 'pending'>>>();

  get(o: object, n: object, key: string): Effect | 'pending' | undefined {
    return this.#pairs.get(o)?.get(n)?.get(key);
  }

  set(o: object, n: object, key: string, value: Effect | 'pending'): void {
    const byNew = this.#pairs.get(o) ?? new Map<object, Map<string, Effect | 'pending'>>();
    this.#pairs.set(o, byNew);
    const byKey = byNew.get(n) ?? new Map<string, Effect | 'pending'>();
    byNew.set(n, byKey);
    byKey.set(key, value);
  }
}

/** Compares two versions of a schema; every finding goes to `out`. Returns the overall effect. */
export function compareSchemas(
  out: Findings,
  subject: SchemaSubject,
  before: SchemaVersion,
  after: SchemaVersion,
  refs: SchemaRefs,
  memo: SchemaMemo = new SchemaMemo(),
): Effect {
  const comparison = new SchemaComparison(out, subject, refs, memo, [
    before.dialect ?? 'draft-07',
    after.dialect ?? 'draft-07',
  ]);
  comparison.walk({
    o: before.schema,
    n: after.schema,
    oPtr: before.pointer,
    nPtr: after.pointer,
    path: [],
    polarity: 1,
  });
  return comparison.effect;
}

/** What to do about a change, by its effect: the order in which to roll it out, if there is one. */
export const ROLLOUT: Readonly<Record<'narrowed' | 'widened' | 'changed', string>> = {
  narrowed: 'update every sender before any receiver: new senders send only values both versions accept',
  widened: 'update every receiver before any sender: new receivers accept what old and new senders send',
  changed:
    "no rollout order is safe: each version rejects some of the other's values; add a new field (or message) for the new values and retire the old one once nothing uses it",
};

const CONSEQUENCE: Readonly<Record<'narrowed' | 'widened' | 'changed' | 'equivalent', string>> = {
  narrowed: 'new receivers reject values that old senders may send',
  widened: 'old receivers reject values that new senders may send',
  changed: 'each version may reject values the other sends',
  equivalent: 'it accepts the same values',
};

const REMOVED_HELP =
  'code that uses it no longer compiles against the generated type; deprecate it and remove it once nothing reads it';

/** A pair of nodes being compared. `undefined`: the keyword holding the node is absent on that side. */
interface Pair {
  readonly o: JsonSchema | undefined;
  readonly n: JsonSchema | undefined;
  readonly oPtr: string;
  readonly nPtr: string;
  /** Names for messages: property names, `[]` items, `[i]` tuple items, `*` other properties, ... */
  readonly path: readonly string[];
  readonly polarity: Polarity;
}

/** What a finding reports, before it is worded. */
interface Report {
  /** The keywords it is about (at the node), or none: the node itself. */
  readonly keywords: readonly string[];
  /** The effect on the node, before polarity. */
  readonly effect: Effect;
  /** What changed, e.g. `maxLength lowered from 20 to 10`. */
  readonly change: string;
  /** Said instead of the consequence, e.g. why a change cannot be classified more precisely. */
  readonly why?: string;
  /** A rule code of its own; default `nats-schema-<effect>`. */
  readonly rule?: string;
  readonly before?: unknown;
  readonly after?: unknown;
  /** A help line of its own; default the rollout order for the effect. */
  readonly help?: string;
  /** Breaking whatever the effect (a removed field also breaks the generated types). */
  readonly breaking?: boolean;
}

function keys(s: JsonSchemaObject): string[] {
  return Object.keys(s);
}

function asObject(s: JsonSchema | undefined): JsonSchemaObject {
  return isSchemaObject(s) ? s : {};
}

function properties(s: JsonSchemaObject): Record<string, JsonSchema> {
  return isSchemaObject(s.properties) ? (s.properties as Record<string, JsonSchema>) : {};
}

function names(v: unknown): Set<string> {
  return new Set(Array.isArray(v) ? v.filter((r): r is string => typeof r === 'string') : []);
}

/** Allowed values: `enum`, or `const` as one value; undefined when unrestricted. */
function valuesOf(s: JsonSchemaObject): readonly unknown[] | undefined {
  if (Array.isArray(s.enum)) return s.enum;
  if (Object.hasOwn(s, 'const')) return [s.const];
  return undefined;
}

function show(values: readonly unknown[]): string {
  return values.map((v) => shown(v)).join(', ');
}

/** Equal as JSON, and arrays equal as sets: a reordering. */
function sameUpToOrder(a: unknown, b: unknown): boolean {
  const norm = (v: unknown) => (Array.isArray(v) ? v.map((x) => canonicalJson(x)).sort() : canonicalJson(v));
  return canonicalJson(norm(a)) === canonicalJson(norm(b));
}

/** `['input', 'ticket_id']` → `input.ticket_id`; `[]` is an array item. */
function dotted(path: readonly string[]): string {
  return path.reduce(
    (s, seg) => (seg.startsWith('[') || seg.startsWith('(') ? `${s}${seg}` : s ? `${s}.${seg}` : seg),
    '',
  );
}

const SPECIAL = /^(\*|\/.*\/|\(.*\))$/;

class SchemaComparison {
  readonly #out: Findings;
  readonly #subject: SchemaSubject;
  readonly #refs: SchemaRefs;
  readonly #dialects: readonly [Dialect, Dialect];
  /** Pairs already compared (recursive schemas are cycles, components are shared). */
  readonly #memo: SchemaMemo;
  /** The combined effect of everything reported so far. */
  effect: Effect = 'same';

  constructor(
    out: Findings,
    subject: SchemaSubject,
    refs: SchemaRefs,
    memo: SchemaMemo,
    dialects: readonly [Dialect, Dialect],
  ) {
    this.#out = out;
    this.#subject = subject;
    this.#refs = refs;
    this.#memo = memo;
    this.#dialects = dialects;
  }

  /** How the node at `path` is named in messages. */
  #what(path: readonly string[]): string {
    const { role, name } = this.#subject;
    const last = path[path.length - 1];
    if (last !== undefined && SPECIAL.test(last)) {
      const of = this.#what(path.slice(0, -1));
      if (last === '*') {
        return role === 'headers' && path.length === 1
          ? `other headers of message ${name}`
          : `other properties of ${of}`;
      }
      if (last === '(names)') return `property names of ${of}`;
      if (last === '(contains)') return `the items 'contains' looks for in ${of}`;
      if (last.startsWith('(if ')) return `${of} ${last.slice(1, -1)}`;
      return `properties of ${of} matching ${last}`;
    }
    if (role === 'parameter') return `parameter ${name}`;
    if (role === 'payload') return path.length === 0 ? `payload ${name}` : `field '${name}.${dotted(path)}'`;
    return path.length === 0 ? `headers of message ${name}` : `header '${dotted(path)}' of message ${name}`;
  }

  /** `nats-header-*` for the headers themselves, `nats-field-*` for payload fields (and inside header values). */
  #rule(path: readonly string[], change: string): string {
    return this.#subject.role === 'headers' && path.length <= 1 ? `nats-header-${change}` : `nats-field-${change}`;
  }

  /** Where the node is written, for messages: `#/components/schemas/Order/properties/id`. */
  #where(side: Side, pointer: string): string {
    return `#${this.#refs[side].canonical(pointer)}`;
  }

  /** Marks keywords as compared: @asyncapi/diff's entries there are replaced by the findings. */
  #explain(p: Pair, ...keywords: readonly string[]): void {
    const o = asObject(p.o);
    const n = asObject(p.n);
    for (const k of keywords) {
      // Equal on both sides, @asyncapi/diff has nothing there to replace.
      if (o[k] === n[k] || (typeof o[k] === 'object' && canonicalJson(o[k]) === canonicalJson(n[k]))) continue;
      this.#out.explain(inOld(child(p.oPtr, k)), inNew(child(p.nPtr, k)));
    }
  }

  /** Reports one change at node `p`; `through` its polarity decides the class. */
  #report(p: Pair, r: Report): void {
    const effect = through(r.effect, p.polarity);
    if (effect === 'same') return;
    const oNode = asObject(p.o);
    const nNode = asObject(p.n);
    const inNewNode = r.keywords.find((k) => Object.hasOwn(nNode, k));
    const inOldNode = r.keywords.find((k) => Object.hasOwn(oNode, k));
    let at: At = p.n !== undefined ? inNew(p.nPtr) : inOld(p.oPtr);
    if (inNewNode !== undefined) at = inNew(child(p.nPtr, inNewNode));
    else if (inOldNode !== undefined) at = inOld(child(p.oPtr, inOldNode));
    const covers: At[] =
      r.keywords.length === 0
        ? [inOld(p.oPtr), inNew(p.nPtr)]
        : r.keywords.flatMap((k) => [inOld(child(p.oPtr, k)), inNew(child(p.nPtr, k))]);
    const nodeSide: Side = p.n !== undefined ? 'new' : 'old';
    const where = this.#where(nodeSide, nodeSide === 'new' ? p.nPtr : p.oPtr);
    const breaking = r.breaking === true || effect === 'narrowed' || effect === 'widened' || effect === 'changed';
    if (effect === 'narrowed' || effect === 'widened' || effect === 'changed') {
      this.effect = combine(this.effect, effect);
    }
    const consequence = r.why ?? CONSEQUENCE[effect];
    this.#out.add({
      kind: breaking ? 'breaking' : 'non-breaking',
      rule: r.rule ?? `nats-schema-${effect}`,
      // `field 'a' (#...) was removed`, `field 'a' (#...): maxLength 3 added`.
      message: `${this.#what(p.path)} (${where})${/^(was|is) /.test(r.change) ? ' ' : ': '}${r.change}; ${consequence}`,
      at,
      covers,
      before: r.before,
      after: r.after,
      help:
        r.help ?? (effect === 'narrowed' || effect === 'widened' || effect === 'changed' ? ROLLOUT[effect] : undefined),
    });
  }

  /** The effect of what `fn` reports (it is reported too). */
  #measure(fn: () => void): Effect {
    const outer = this.effect;
    this.effect = 'same';
    fn();
    const inner = this.effect;
    this.effect = combine(outer, inner);
    return inner;
  }

  walk(p: Pair): void {
    const { o, n } = p;
    if (o === undefined && n === undefined) return;
    if (o === undefined || n === undefined) {
      this.#whole(p, 'all');
      return;
    }
    if (acceptsNone(o) || acceptsNone(n)) {
      if (acceptsNone(o) && acceptsNone(n)) return;
      this.#report(p, {
        keywords: [],
        effect: acceptsNone(n) ? 'narrowed' : 'widened',
        change: acceptsNone(n) ? 'now rejects every value' : 'no longer rejects every value',
        before: o,
        after: n,
      });
      return;
    }
    const os = asObject(o);
    const ns = asObject(n);
    if (!isSchemaObject(o) || !isSchemaObject(n)) {
      this.#keywords(p, os, ns);
      return;
    }
    // The effect depends on how the pair is read and where it sits, not on the path that led here.
    const key = `${this.#subject.role} ${p.polarity} ${this.#dialects.join(' ')}`;
    const known = this.#memo.get(o, n, key);
    if (known === 'pending') return;
    if (known !== undefined) {
      this.effect = combine(this.effect, known);
      return;
    }
    this.#memo.set(o, n, key, 'pending');
    this.#memo.set(
      o,
      n,
      key,
      this.#measure(() => this.#keywords(p, os, ns)),
    );
  }

  /**
   * A subschema on one side only. `absent` is what a missing keyword means: `all` (most keywords:
   * no constraint) or `none` (`not`: a missing `not` excludes nothing).
   */
  #whole(p: Pair, absent: 'all' | 'none', label?: string): void {
    const added = p.o === undefined;
    const s = (added ? p.n : p.o) as JsonSchema;
    const keyword = label ?? splitPointer(added ? p.nPtr : p.oPtr).pop() ?? '';
    const noEffect = absent === 'all' ? acceptsAll(s) : acceptsNone(s);
    const narrows = absent === 'all' ? added : !added;
    this.#report(p, {
      keywords: [],
      effect: noEffect ? 'equivalent' : narrows ? 'narrowed' : 'widened',
      change: `${keyword} ${shown(s)} ${added ? 'added' : 'removed'}`,
      before: p.o,
      after: p.n,
    });
  }

  /** A schema-valued keyword of the node: compared when on both sides, else reported whole. */
  #subschema(
    p: Pair,
    os: JsonSchemaObject,
    ns: JsonSchemaObject,
    keyword: string,
    segment: string | undefined,
    polarity: Polarity = p.polarity,
    absent: 'all' | 'none' = 'all',
  ): void {
    const sub: Pair = {
      o: os[keyword] as JsonSchema | undefined,
      n: ns[keyword] as JsonSchema | undefined,
      oPtr: child(p.oPtr, keyword),
      nPtr: child(p.nPtr, keyword),
      path: segment === undefined ? p.path : [...p.path, segment],
      polarity,
    };
    if (sub.o !== undefined && sub.n !== undefined) this.walk(sub);
    else if (sub.o !== undefined || sub.n !== undefined) this.#whole(sub, absent);
  }

  #keywords(p: Pair, rawOld: JsonSchemaObject, rawNew: JsonSchemaObject): void {
    const [dOld, dNew] = this.#dialects;
    // A parameter object's own `location` and 2.x `schema` are compared by #parameter.
    const own = this.#subject.role === 'parameter' && p.path.length === 0 ? PARAMETER_KEYS : NO_KEYS;
    const os = inEffect(rawOld, dOld, own);
    const ns = inEffect(rawNew, dNew, own);
    if (os !== rawOld || ns !== rawNew) this.#inert(p, rawOld, rawNew, own);
    const all = [...new Set([...keys(os), ...keys(ns)])].filter((k) => !DOCS.has(k));
    const handled = new Set<string>();
    const oAtoms = typeAtoms(os);
    const nAtoms = typeAtoms(ns);

    if (this.#subject.role === 'parameter' && p.path.length === 0) this.#parameter(p, os, ns, handled);
    this.#type(p, os, ns, handled);

    const groups: Record<TypeGroup, (p: Pair, os: JsonSchemaObject, ns: JsonSchemaObject) => void> = {
      string: (q, a, b) => this.#string(q, a, b),
      number: (q, a, b) => this.#number(q, a, b),
      object: (q, a, b) => this.#object(q, a, b),
      array: (q, a, b) => this.#array(q, a, b),
    };
    for (const group of ['string', 'number', 'object', 'array'] as const) {
      const mine = all.filter((k) => TYPE_GROUP[k] === group);
      if (mine.length === 0) continue;
      for (const k of mine) handled.add(k);
      const inOld = admits(oAtoms, group);
      const inNew = admits(nAtoms, group);
      if (inOld && inNew) {
        groups[group](p, os, ns);
      } else if (!inOld && !inNew) {
        for (const k of mine.filter((k) => !sameUpToOrder(os[k], ns[k]))) {
          this.#report(p, {
            keywords: [k],
            effect: 'equivalent',
            change: `${k} ${this.#edit(os[k], ns[k])}`,
            why: `it applies to ${group === 'number' ? 'numbers' : `${group}s`} only, which neither version accepts`,
            before: os[k],
            after: ns[k],
          });
        }
        this.#explain(p, ...mine);
      } else {
        // One version no longer accepts (or newly accepts) this type: the type change says it all.
        this.#explain(p, ...mine);
      }
    }

    this.#values(p, os, ns, handled);
    this.#format(p, os, ns, handled);
    for (const key of ['allOf', 'anyOf', 'oneOf'] as const) this.#members(p, os, ns, key, handled);
    if (os.not !== undefined || ns.not !== undefined) {
      handled.add('not');
      this.#subschema(p, os, ns, 'not', undefined, (p.polarity * -1) as Polarity, 'none');
    }
    this.#conditional(p, os, ns, handled);
    for (const k of all.filter((k) => !handled.has(k))) this.#other(p, os, ns, k);
  }

  /**
   * Keywords that have no effect in the dialect of both versions (a `prefixItems` in draft-07, a
   * boolean `exclusiveMinimum` after draft-04, a word that is no keyword at all): the generated code
   * ignores them, so a change to one changes nothing. A keyword that has an effect on one side only
   * (the schema format changed) is compared as added or removed by the rules.
   */
  #inert(p: Pair, os: JsonSchemaObject, ns: JsonSchemaObject, own: ReadonlySet<string>): void {
    const [dOld, dNew] = this.#dialects;
    for (const key of new Set([...keys(os), ...keys(ns)])) {
      if (own.has(key) || !inertIn(key, os[key], dOld) || !inertIn(key, ns[key], dNew)) continue;
      if (canonicalJson(os[key]) === canonicalJson(ns[key])) continue;
      this.#explain(p, key);
      const dialects = dOld === dNew ? dialectName(dOld) : `${dialectName(dOld)} or ${dialectName(dNew)}`;
      this.#report(p, {
        keywords: [key],
        effect: 'equivalent',
        change: `${key} ${this.#edit(os[key], ns[key])}`,
        why: ANY_VOCABULARY.has(key)
          ? `${typeof (os[key] ?? ns[key]) === 'boolean' && key.startsWith('exclusiveM') ? `a boolean '${key}'` : `'${key}'`} has no effect in ${dialects}, in the generated code as in ajv`
          : `'${key}' is not a JSON Schema keyword: it has no effect`,
        before: os[key],
        after: ns[key],
      });
    }
  }

  /** `added`, `removed`, or `changed from A to B`. */
  #edit(a: unknown, b: unknown): string {
    if (a === undefined) return `${shown(b)} added`;
    if (b === undefined) return `${shown(a)} removed`;
    return `changed from ${shown(a)} to ${shown(b)}`;
  }

  /** The parameter object's own keys: `location` and `default` are part of the subject's contract. */
  #parameter(p: Pair, os: JsonSchemaObject, ns: JsonSchemaObject, handled: Set<string>): void {
    for (const key of ['location', 'default'] as const) {
      handled.add(key);
      if (canonicalJson(os[key]) === canonicalJson(ns[key])) continue;
      this.#explain(p, key);
      // A default added lets new senders leave out a value every old sender gives: nobody disagrees.
      const added = key === 'default' && os[key] === undefined;
      this.#report(p, {
        keywords: [key],
        effect: added ? 'equivalent' : 'changed',
        change: `${key} ${this.#edit(os[key], ns[key])}`,
        why:
          key === 'location'
            ? 'where the value of the subject token comes from in the message is part of the contract, and old and new versions now disagree on it'
            : added
              ? 'senders may now leave the value out; old senders always give one, and the subject is the same'
              : 'senders that give no value relied on the old default, so old and new senders publish on different subjects',
        before: os[key],
        after: ns[key],
        ...(added ? {} : { help: 'keep it as it is during a rollout, or add a new channel for the new meaning' }),
      });
    }
    handled.add('schema');
    this.#subschema(p, os, ns, 'schema', undefined);
  }

  #type(p: Pair, os: JsonSchemaObject, ns: JsonSchemaObject, handled: Set<string>): void {
    const involved = ['type', 'nullable'];
    for (const k of involved) handled.add(k);
    if (involved.every((k) => os[k] === undefined && ns[k] === undefined)) return;
    this.#explain(p, ...involved);
    const a = typeAtoms(os);
    const b = typeAtoms(ns);
    const effect = setEffect(a, b);
    if (effect === 'same') {
      if (!involved.every((k) => sameUpToOrder(os[k], ns[k]))) {
        this.#report(p, {
          keywords: involved,
          effect: 'equivalent',
          change: `type written differently (${typeName(a)} both times)`,
          before: os.type,
          after: ns.type,
        });
      }
      return;
    }
    this.#report(p, {
      keywords: involved,
      effect,
      rule: this.#rule(p.path, 'type-changed'),
      change: `type changed from ${typeName(a)} to ${typeName(b)}`,
      before: typeName(a),
      after: typeName(b),
    });
  }

  /** `enum` and `const`. */
  #values(p: Pair, os: JsonSchemaObject, ns: JsonSchemaObject, handled: Set<string>): void {
    handled.add('enum').add('const');
    const a = valuesOf(os);
    const b = valuesOf(ns);
    if (a === undefined && b === undefined) return;
    this.#explain(p, 'enum', 'const');
    const keywords = ['enum', 'const'];
    const removedRule = 'nats-enum-value-removed';
    const addedRule = 'nats-enum-value-added';
    if (a === undefined || b === undefined) {
      const limited = a === undefined;
      this.#report(p, {
        keywords,
        effect: limited ? 'narrowed' : 'widened',
        rule: limited ? removedRule : addedRule,
        change: limited ? `now limited to ${show(b ?? [])}` : `no longer limited to ${show(a ?? [])}`,
        before: a,
        after: b,
      });
      return;
    }
    const aKeys = new Set(a.map((v) => canonicalJson(v)));
    const bKeys = new Set(b.map((v) => canonicalJson(v)));
    const removed = a.filter((v) => !bKeys.has(canonicalJson(v)));
    const added = b.filter((v) => !aKeys.has(canonicalJson(v)));
    if (removed.length > 0) {
      this.#report(p, {
        keywords,
        effect: 'narrowed',
        rule: removedRule,
        change: `no longer allows ${show(removed)}`,
        before: removed,
      });
    }
    if (added.length > 0) {
      this.#report(p, {
        keywords,
        effect: 'widened',
        rule: addedRule,
        change: `now also allows ${show(added)}`,
        after: added,
      });
    }
    const sameKeyword = Object.hasOwn(os, 'const') === Object.hasOwn(ns, 'const');
    if (removed.length === 0 && added.length === 0 && !sameKeyword) {
      this.#report(p, {
        keywords,
        effect: 'equivalent',
        change: `${Object.hasOwn(ns, 'const') ? 'enum became const' : 'const became enum'} ${show(b)}`,
      });
    }
  }

  #format(p: Pair, os: JsonSchemaObject, ns: JsonSchemaObject, handled: Set<string>): void {
    handled.add('format');
    this.#explain(p, 'format');
    const a = os.format;
    const b = ns.format;
    if (canonicalJson(a) === canonicalJson(b)) return;
    this.#report(p, {
      keywords: ['format'],
      effect: a === undefined ? 'narrowed' : b === undefined ? 'widened' : 'changed',
      change: `format ${this.#edit(a, b)}`,
      ...(a !== undefined && b !== undefined
        ? { why: `cannot prove that format ${shown(b)} accepts the same values as ${shown(a)}` }
        : {}),
      before: a,
      after: b,
    });
  }

  /** A count bound (`minLength`, `maxItems`, ...). */
  #count(p: Pair, os: JsonSchemaObject, ns: JsonSchemaObject, keyword: string, side: 'lower' | 'upper'): void {
    this.#explain(p, keyword);
    const a = os[keyword];
    const b = ns[keyword];
    if (canonicalJson(a) === canonicalJson(b)) return;
    const effect = boundEffect(countBound(os, keyword, side), countBound(ns, keyword, side), side);
    const verb =
      a === undefined || b === undefined
        ? this.#edit(a, b)
        : `${(b as number) > (a as number) ? 'raised' : 'lowered'} from ${a} to ${b}`;
    this.#report(p, {
      keywords: [keyword],
      effect: effect === 'same' ? 'equivalent' : effect,
      change: `${keyword} ${verb}`,
      before: a,
      after: b,
    });
  }

  #string(p: Pair, os: JsonSchemaObject, ns: JsonSchemaObject): void {
    this.#count(p, os, ns, 'minLength', 'lower');
    this.#count(p, os, ns, 'maxLength', 'upper');
    this.#explain(p, 'pattern');
    const a = os.pattern;
    const b = ns.pattern;
    if (a === b) return;
    this.#report(p, {
      keywords: ['pattern'],
      effect: a === undefined ? 'narrowed' : b === undefined ? 'widened' : 'changed',
      change: `pattern ${this.#edit(a, b)}`,
      ...(a !== undefined && b !== undefined
        ? { why: `cannot prove that the new pattern accepts the same strings as the old one` }
        : {}),
      before: a,
      after: b,
    });
  }

  #number(p: Pair, os: JsonSchemaObject, ns: JsonSchemaObject): void {
    for (const side of ['lower', 'upper'] as const) {
      const [inclusive, exclusive] =
        side === 'lower' ? ['minimum', 'exclusiveMinimum'] : ['maximum', 'exclusiveMaximum'];
      this.#explain(p, inclusive, exclusive);
      if (canonicalJson([os[inclusive], os[exclusive]]) === canonicalJson([ns[inclusive], ns[exclusive]])) continue;
      const a = numericBound(os, side);
      const b = numericBound(ns, side);
      const effect = boundEffect(a, b, side);
      this.#report(p, {
        keywords: [inclusive, exclusive],
        effect: effect === 'same' ? 'equivalent' : effect,
        change: boundChange(pick(os, inclusive, exclusive), pick(ns, inclusive, exclusive), a, b, side),
        before: pick(os, inclusive, exclusive),
        after: pick(ns, inclusive, exclusive),
      });
    }
    this.#explain(p, 'multipleOf');
    const a = os.multipleOf;
    const b = ns.multipleOf;
    if (canonicalJson(a) === canonicalJson(b)) return;
    let effect: Effect = 'changed';
    if (a === undefined) effect = 'narrowed';
    else if (b === undefined) effect = 'widened';
    else if (typeof a === 'number' && typeof b === 'number') {
      if (Number.isInteger(b / a)) effect = 'narrowed';
      else if (Number.isInteger(a / b)) effect = 'widened';
    }
    this.#report(p, {
      keywords: ['multipleOf'],
      effect,
      change: `multipleOf ${this.#edit(a, b)}`,
      ...(effect === 'changed'
        ? {
            why: `neither ${shown(a)} nor ${shown(b)} is a multiple of the other, so each accepts numbers the other rejects`,
          }
        : {}),
      before: a,
      after: b,
    });
  }

  #object(p: Pair, os: JsonSchemaObject, ns: JsonSchemaObject): void {
    this.#properties(p, os, ns);
    this.#subschema(p, os, ns, 'additionalProperties', '*');
    this.#patternProperties(p, os, ns);
    this.#subschema(p, os, ns, 'propertyNames', '(names)');
    for (const key of ['dependencies', 'dependentRequired', 'dependentSchemas']) this.#dependencies(p, os, ns, key);
    this.#count(p, os, ns, 'minProperties', 'lower');
    this.#count(p, os, ns, 'maxProperties', 'upper');
  }

  #properties(p: Pair, os: JsonSchemaObject, ns: JsonSchemaObject): void {
    const oProps = properties(os);
    const nProps = properties(ns);
    const oReq = names(os.required);
    const nReq = names(ns.required);
    // Each change of the required set is a finding below; what is left is a reordering.
    this.#explain(p, 'required');
    const all = [...new Set([...Object.keys(oProps), ...Object.keys(nProps), ...oReq, ...nReq])].sort();
    for (const name of all) {
      const oHas = Object.hasOwn(oProps, name);
      const nHas = Object.hasOwn(nProps, name);
      const inO = oHas || oReq.has(name);
      const inN = nHas || nReq.has(name);
      const oOther = otherProperty(os, name);
      const nOther = otherProperty(ns, name);
      const sub: Pair = {
        o: oHas ? oProps[name] : oOther.schema,
        n: nHas ? nProps[name] : nOther.schema,
        oPtr: oHas ? child(p.oPtr, 'properties', name) : child(p.oPtr, ...oOther.key),
        nPtr: nHas ? child(p.nPtr, 'properties', name) : child(p.nPtr, ...nOther.key),
        path: [...p.path, name],
        polarity: p.polarity,
      };
      const named: Pair = {
        ...sub,
        o: inO ? sub.o : undefined,
        n: inN ? sub.n : undefined,
        oPtr: child(p.oPtr, 'properties', name),
        nPtr: child(p.nPtr, 'properties', name),
      };
      if (inO && !inN) {
        this.#removedProperty(named, sub, oReq.has(name), nOther.key);
      } else if (!inO && inN) {
        this.#addedProperty(named, sub, nReq.has(name), oOther.key);
      } else {
        if (!oReq.has(name) && nReq.has(name)) {
          this.#report(named, {
            keywords: [],
            effect: 'narrowed',
            rule: this.#rule(sub.path, 'required'),
            change: 'is now required',
          });
        } else if (oReq.has(name) && !nReq.has(name)) {
          this.#report(named, {
            keywords: [],
            effect: 'widened',
            rule: this.#rule(sub.path, 'optional'),
            change: 'is no longer required',
            help: `${ROLLOUT.widened}; code that reads it must now handle it missing`,
          });
        }
        if (oHas || nHas) this.walk(sub);
      }
    }
  }

  /** What the other side says of a property it does not list, for messages. */
  #otherText(key: readonly string[], s: JsonSchema): string {
    if (key[0] === 'patternProperties') return `what patternProperties /${key[1]}/ allows (${shown(s)})`;
    if (acceptsAll(s)) return 'any value (as an unlisted property)';
    if (acceptsNone(s)) return 'no value (additionalProperties: false)';
    return `what additionalProperties allows (${shown(s)})`;
  }

  /** How the schema for one name moved; `sub` is the pair to compare keyword by keyword if need be. */
  #otherEffect(sub: Pair): Effect {
    const from = sub.o;
    const to = sub.n;
    if (canonicalJson(from) === canonicalJson(to)) return 'same';
    if (acceptsAll(from)) return acceptsAll(to) ? 'equivalent' : 'narrowed';
    if (acceptsNone(from)) return acceptsNone(to) ? 'equivalent' : 'widened';
    if (acceptsAll(to)) return 'widened';
    if (acceptsNone(to)) return 'narrowed';
    // Both real schemas (a patternProperties or additionalProperties schema against the property's):
    // compare them keyword by keyword, reported where they are.
    return this.#measure(() => this.walk(sub));
  }

  #removedProperty(named: Pair, sub: Pair, wasRequired: boolean, otherKey: readonly string[]): void {
    const effect = combine(wasRequired ? 'widened' : 'same', this.#otherEffect(sub));
    const now = `so the new version accepts ${this.#otherText(otherKey, sub.n as JsonSchema)} there`;
    this.#report(named, {
      keywords: [],
      effect: effect === 'same' ? 'equivalent' : effect,
      breaking: true,
      rule: this.#rule(named.path, 'removed'),
      change: `was removed, ${now}`,
      why:
        effect === 'same' || effect === 'equivalent'
          ? 'it accepts the same values, but the generated type no longer has it'
          : CONSEQUENCE[through(effect, named.polarity) as 'narrowed' | 'widened' | 'changed'],
      help: REMOVED_HELP,
    });
  }

  #addedProperty(named: Pair, sub: Pair, required: boolean, otherKey: readonly string[]): void {
    const effect = combine(required ? 'narrowed' : 'same', this.#otherEffect(sub));
    const before = `where the old version accepted ${this.#otherText(otherKey, sub.o as JsonSchema)}`;
    this.#report(named, {
      keywords: [],
      effect: effect === 'same' ? 'equivalent' : effect,
      rule: this.#rule(named.path, required ? 'required' : 'added'),
      change: `was added ${required ? 'as required' : '(optional)'}, ${before}`,
      before: sub.o,
      after: sub.n,
    });
  }

  #patternProperties(p: Pair, os: JsonSchemaObject, ns: JsonSchemaObject): void {
    const a = isSchemaObject(os.patternProperties) ? os.patternProperties : {};
    const b = isSchemaObject(ns.patternProperties) ? ns.patternProperties : {};
    for (const pattern of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) {
      const sub: Pair = {
        o: a[pattern] as JsonSchema | undefined,
        n: b[pattern] as JsonSchema | undefined,
        oPtr: child(p.oPtr, 'patternProperties', pattern),
        nPtr: child(p.nPtr, 'patternProperties', pattern),
        path: [...p.path, `/${pattern}/`],
        polarity: p.polarity,
      };
      if (sub.o !== undefined && sub.n !== undefined) {
        this.walk(sub);
        continue;
      }
      // A pattern on one side: names matching it fall under additionalProperties on the other.
      const added = sub.o === undefined;
      const other = ((added ? os : ns).additionalProperties ?? true) as JsonSchema;
      const effect = this.#otherEffect(
        added
          ? { ...sub, o: other, oPtr: child(p.oPtr, 'additionalProperties') }
          : { ...sub, n: other, nPtr: child(p.nPtr, 'additionalProperties') },
      );
      this.#report(sub, {
        keywords: [],
        effect: effect === 'same' ? 'equivalent' : effect,
        change: `patternProperties /${pattern}/ ${added ? 'added' : 'removed'}`,
        before: sub.o,
        after: sub.n,
      });
    }
  }

  /** `dependencies` (draft-07: names or a schema per property), `dependentRequired`, `dependentSchemas`. */
  #dependencies(p: Pair, os: JsonSchemaObject, ns: JsonSchemaObject, key: string): void {
    const a = isSchemaObject(os[key]) ? (os[key] as Record<string, unknown>) : {};
    const b = isSchemaObject(ns[key]) ? (ns[key] as Record<string, unknown>) : {};
    for (const name of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) {
      const x = a[name];
      const y = b[name];
      const sub: Pair = {
        o: x as JsonSchema | undefined,
        n: y as JsonSchema | undefined,
        oPtr: child(p.oPtr, key, name),
        nPtr: child(p.nPtr, key, name),
        path: [...p.path, `(if it has '${name}')`],
        polarity: p.polarity,
      };
      this.#out.explain(inOld(sub.oPtr), inNew(sub.nPtr));
      if (Array.isArray(x) || Array.isArray(y)) {
        if (x !== undefined && y !== undefined && !(Array.isArray(x) && Array.isArray(y))) {
          this.#report(sub, {
            keywords: [],
            effect: 'changed',
            change: `${key}.${name} changed between a list of names and a schema`,
            why: 'cannot prove the two accept the same objects',
            before: x,
            after: y,
          });
          continue;
        }
        const effect = setEffect(names(x), names(y));
        // More names required when `name` is present: fewer objects accepted.
        const flipped: Effect = effect === 'narrowed' ? 'widened' : effect === 'widened' ? 'narrowed' : effect;
        if (flipped === 'same') continue;
        this.#report(sub, {
          keywords: [],
          effect: flipped,
          change: `${key}.${name} ${this.#edit(x, y)}`,
          before: x,
          after: y,
        });
        continue;
      }
      if (x !== undefined && y !== undefined) this.walk(sub);
      else this.#whole(sub, 'all', `${key}.${name}`);
    }
  }

  #array(p: Pair, os: JsonSchemaObject, ns: JsonSchemaObject): void {
    const a = os.items;
    const b = ns.items;
    if (Array.isArray(a) && Array.isArray(b)) {
      for (let i = 0; i < Math.max(a.length, b.length); i++) {
        const at = (s: JsonSchemaObject, list: unknown[], ptr: string) =>
          i < list.length
            ? { schema: list[i] as JsonSchema, ptr: child(ptr, 'items', i) }
            : { schema: (s.additionalItems ?? true) as JsonSchema, ptr: child(ptr, 'additionalItems') };
        const x = at(os, a, p.oPtr);
        const y = at(ns, b, p.nPtr);
        this.walk({
          o: x.schema,
          n: y.schema,
          oPtr: x.ptr,
          nPtr: y.ptr,
          path: [...p.path, `[${i}]`],
          polarity: p.polarity,
        });
      }
      this.#subschema(p, os, ns, 'additionalItems', `[${Math.max(a.length, b.length)}…]`);
    } else if (Array.isArray(a) || Array.isArray(b)) {
      if (a !== undefined && b !== undefined) {
        this.#report(p, {
          keywords: ['items', 'additionalItems'],
          effect: 'changed',
          change: 'items changed between one schema for every item and one per position',
          why: 'cannot prove the two accept the same arrays',
          before: a,
          after: b,
        });
      } else {
        this.#subschema(p, os, ns, 'items', '[]');
      }
      this.#explain(p, 'additionalItems');
    } else {
      this.#subschema(p, os, ns, 'items', '[]');
      if (!sameUpToOrder(os.additionalItems, ns.additionalItems)) {
        this.#report(p, {
          keywords: ['additionalItems'],
          effect: 'equivalent',
          change: `additionalItems ${this.#edit(os.additionalItems, ns.additionalItems)}`,
          why: 'it has no effect unless items is a list of schemas',
        });
      }
      this.#explain(p, 'additionalItems');
    }
    if (os.contains !== undefined && ns.contains !== undefined) {
      this.#subschema(p, os, ns, 'contains', '(contains)');
    } else if (os.contains !== undefined || ns.contains !== undefined) {
      // Even `contains: {}` asks for one item: any contains added narrows, removed widens.
      this.#report(p, {
        keywords: ['contains'],
        effect: ns.contains !== undefined ? 'narrowed' : 'widened',
        change: `contains ${this.#edit(os.contains, ns.contains)}`,
        before: os.contains,
        after: ns.contains,
      });
    }
    this.#count(p, os, ns, 'minItems', 'lower');
    this.#count(p, os, ns, 'maxItems', 'upper');
    this.#explain(p, 'uniqueItems');
    const u = os.uniqueItems === true;
    const v = ns.uniqueItems === true;
    if (!sameUpToOrder(os.uniqueItems, ns.uniqueItems)) {
      this.#report(p, {
        keywords: ['uniqueItems'],
        effect: u === v ? 'equivalent' : v ? 'narrowed' : 'widened',
        change: `uniqueItems ${this.#edit(os.uniqueItems, ns.uniqueItems)}`,
        before: os.uniqueItems,
        after: ns.uniqueItems,
      });
    }
  }

  /**
   * `allOf`, `anyOf`, `oneOf`: members matched by content first (a reordering is no change), the
   * rest by position. A member more narrows `allOf` and widens `anyOf`; in `oneOf` ("exactly one")
   * no rule can tell.
   */
  #members(
    p: Pair,
    os: JsonSchemaObject,
    ns: JsonSchemaObject,
    key: 'allOf' | 'anyOf' | 'oneOf',
    handled: Set<string>,
  ): void {
    handled.add(key);
    const a = os[key];
    const b = ns[key];
    if (a === undefined && b === undefined) return;
    if (!Array.isArray(a) || !Array.isArray(b)) {
      // Added or removed as a whole: a constraint more (or less).
      this.#report(p, {
        keywords: [key],
        effect: a === undefined ? 'narrowed' : 'widened',
        change: `${key} ${this.#edit(a, b)}`,
        before: a,
        after: b,
      });
      return;
    }
    const memberPolarity: Polarity = key === 'oneOf' ? 0 : p.polarity;
    const left = a.map((s, i) => ({ s: s as JsonSchema, i, key: canonicalJson(s) }));
    const right = b.map((s, i) => ({ s: s as JsonSchema, i, key: canonicalJson(s) }));
    let moved = false;
    for (const x of [...left]) {
      const match = right.findIndex((y) => y.key === x.key);
      if (match < 0) continue;
      moved ||= (right[match] as (typeof right)[number]).i !== x.i;
      right.splice(match, 1);
      left.splice(left.indexOf(x), 1);
    }
    // @asyncapi/diff compares members by position: after a reordering its entries are at positions
    // the walk below does not visit, and the members they are about are the same.
    if (moved) this.#out.explain(inOld(child(p.oPtr, key)), inNew(child(p.nPtr, key)));
    const paired = Math.min(left.length, right.length);
    for (let j = 0; j < paired; j++) {
      const x = left[j] as (typeof left)[number];
      const y = right[j] as (typeof right)[number];
      this.walk({
        o: x.s,
        n: y.s,
        oPtr: child(p.oPtr, key, x.i),
        nPtr: child(p.nPtr, key, y.i),
        path: p.path,
        polarity: memberPolarity,
      });
    }
    const more: Effect = key === 'allOf' ? 'narrowed' : key === 'anyOf' ? 'widened' : 'changed';
    const fewer: Effect = key === 'allOf' ? 'widened' : key === 'anyOf' ? 'narrowed' : 'changed';
    for (const x of left.slice(paired)) {
      this.#report(
        { ...p, o: x.s, n: undefined, oPtr: child(p.oPtr, key, x.i), nPtr: child(p.nPtr, key, x.i) },
        {
          keywords: [],
          effect: fewer,
          change: `member ${x.i} of ${key} removed (${shown(x.s)})`,
          ...(key === 'oneOf' ? { why: ONE_OF } : {}),
          before: x.s,
        },
      );
    }
    for (const y of right.slice(paired)) {
      this.#report(
        { ...p, o: undefined, n: y.s, oPtr: child(p.oPtr, key, y.i), nPtr: child(p.nPtr, key, y.i) },
        {
          keywords: [],
          effect: more,
          change: `member ${y.i} of ${key} added (${shown(y.s)})`,
          ...(key === 'oneOf' ? { why: ONE_OF } : {}),
          after: y.s,
        },
      );
    }
  }

  /** `if`/`then`/`else`: `then` and `else` count only under an `if`. */
  #conditional(p: Pair, os: JsonSchemaObject, ns: JsonSchemaObject, handled: Set<string>): void {
    for (const k of ['if', 'then', 'else']) handled.add(k);
    const oIf = os.if !== undefined;
    const nIf = ns.if !== undefined;
    if (oIf && nIf) {
      this.#subschema(p, os, ns, 'if', undefined, 0);
      this.#subschema(p, os, ns, 'then', undefined);
      this.#subschema(p, os, ns, 'else', undefined);
      return;
    }
    const branches = (s: JsonSchemaObject) => s.then !== undefined || s.else !== undefined;
    if (!oIf && !nIf) {
      if (sameUpToOrder([os.then, os.else], [ns.then, ns.else])) return;
      this.#report(p, {
        keywords: ['then', 'else'],
        effect: 'equivalent',
        change: 'then/else changed',
        why: 'they have no effect without if',
      });
      this.#explain(p, 'then', 'else');
      return;
    }
    const s = nIf ? ns : os;
    this.#report(p, {
      keywords: ['if', 'then', 'else'],
      effect: !branches(s) ? 'equivalent' : nIf ? 'narrowed' : 'widened',
      change: `if/then/else ${nIf ? 'added' : 'removed'}`,
      ...(!branches(s) ? { why: 'an if without then or else has no effect' } : {}),
      before: oIf ? pick(os, 'if', 'then', 'else') : undefined,
      after: nIf ? pick(ns, 'if', 'then', 'else') : undefined,
    });
  }

  /** Annotations, extensions, and keywords no rule knows. */
  #other(p: Pair, os: JsonSchemaObject, ns: JsonSchemaObject, key: string): void {
    if (DEFINITIONS.has(key)) return; // compared where they are used (the parser followed every $ref)
    const a = os[key];
    const b = ns[key];
    if (canonicalJson(a) === canonicalJson(b)) return;
    this.#explain(p, key);
    let annotation: string | undefined;
    if (ANNOTATIONS.has(key)) annotation = 'an annotation: it does not change which values are accepted';
    else if (key.startsWith('x-') && !key.startsWith('x-nats-')) {
      annotation = 'an extension: validators ignore it';
    }
    if (annotation !== undefined) {
      this.#report(p, {
        keywords: [key],
        effect: 'equivalent',
        rule: 'nats-schema-annotation-changed',
        change: `${key} ${this.#edit(a, b)}`,
        why: annotation,
        before: a,
        after: b,
      });
      return;
    }
    this.#report(p, {
      keywords: [key],
      effect: 'changed',
      change: `${key} ${this.#edit(a, b)}`,
      why: `'${key}' is not a keyword the diff knows, so it cannot prove the new schema accepts the same values`,
      before: a,
      after: b,
    });
  }
}

const ONE_OF =
  'oneOf accepts a value that matches exactly one member, so a member more or less can both admit and reject values';

function pick(s: JsonSchemaObject, ...keywords: readonly string[]): Record<string, unknown> | undefined {
  const out = Object.fromEntries(keywords.filter((k) => s[k] !== undefined).map((k) => [k, s[k]]));
  return Object.keys(out).length > 0 ? out : undefined;
}

/**
 * `minimum raised from 1 to 5`, `maximum 10 added`, or, when the keywords differ, `lower bound ≥ 1
 * became > 1 (exclusiveMinimum 1)`.
 */
function boundChange(
  a: Record<string, unknown> | undefined,
  b: Record<string, unknown> | undefined,
  x: Bound,
  y: Bound,
  side: 'lower' | 'upper',
): string {
  const one = (r: Record<string, unknown> | undefined) => {
    const entries = Object.entries(r ?? {});
    return entries.length === 1 ? (entries[0] as [string, unknown]) : undefined;
  };
  const differing = [...new Set([...Object.keys(a ?? {}), ...Object.keys(b ?? {})])].filter(
    (k) => canonicalJson(a?.[k]) !== canonicalJson(b?.[k]),
  );
  if (differing.length === 1) {
    const k = differing[0] as string;
    const [x0, y0] = [a?.[k], b?.[k]];
    if (x0 === undefined) return `${k} ${shown(y0)} added`;
    if (y0 === undefined) return `${k} ${shown(x0)} removed`;
    if (typeof x0 === 'number' && typeof y0 === 'number') {
      return `${k} ${y0 > x0 ? 'raised' : 'lowered'} from ${x0} to ${y0}`;
    }
    return `${k} changed from ${shown(x0)} to ${shown(y0)}`;
  }
  const [p, q] = [one(a), one(b)];
  if (a === undefined && q) return `${q[0]} ${shown(q[1])} added`;
  if (b === undefined && p) return `${p[0]} ${shown(p[1])} removed`;
  if (p && q && p[0] === q[0] && typeof p[1] === 'number' && typeof q[1] === 'number') {
    return `${p[0]} ${q[1] > p[1] ? 'raised' : 'lowered'} from ${p[1]} to ${q[1]}`;
  }
  return `${side} bound ${boundText(x, side)} became ${boundText(y, side)} (${shown(a ?? {})} → ${shown(b ?? {})})`;
}

function boundText(b: Bound, side: 'lower' | 'upper'): string {
  if (!Number.isFinite(b.value)) return 'none';
  const op = side === 'lower' ? (b.exclusive ? '>' : '≥') : b.exclusive ? '<' : '≤';
  return `${op} ${b.value}`;
}

const PARAMETER_KEYS: ReadonlySet<string> = new Set(['location', 'schema']);
const NO_KEYS: ReadonlySet<string> = new Set();

/**
 * True when `key: value` is a keyword with no effect in `dialect` (as the Shape reads it): not an
 * annotation, docs, definitions or extension (compared elsewhere), and not in the dialect's vocabulary.
 */
function inertIn(key: string, value: unknown, dialect: Dialect): boolean {
  if (value === undefined) return true;
  if (DOCS.has(key) || ANNOTATIONS.has(key) || DEFINITIONS.has(key) || key.startsWith('x-')) return false;
  return !hasEffect(key, value, dialect);
}

/** `s` without the keywords that have no effect in `dialect` (`s` itself when there are none). */
function inEffect(s: JsonSchemaObject, dialect: Dialect, own: ReadonlySet<string>): JsonSchemaObject {
  const inert = keys(s).filter((k) => !own.has(k) && inertIn(k, s[k], dialect));
  if (inert.length === 0) return s;
  return Object.fromEntries(Object.entries(s).filter(([k]) => !inert.includes(k))) as JsonSchemaObject;
}
