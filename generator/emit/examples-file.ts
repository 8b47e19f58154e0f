/**
 * examples.ts: one factory per payload type and header set that a message carries, for tests. Each
 * returns a value that is valid by construction: the spec's first example of a message using the type
 * (when it validates), else one built from the schema (`sampleOf`, as the docs site does), checked
 * against the schema here, at generation time. A type without a valid sample gets no factory and a
 * warning. The value is printed as a literal inside the function, so every call returns a new object.
 */
import type { ts } from 'ts-morph';
import { declarationValidator, exampleNotGenerated, headerValuesForCheck, sampleOf } from '../examples.js';
import type { JsonSchema, MessageModel, NamedSchema, SpecLocation } from '../model/types.js';
import { NameRegistry, safeIdentifier } from '../naming.js';
import type { Problem } from '../problems.js';
import {
  arr,
  constDecl,
  functionDecl,
  jsDoc,
  literalExpression,
  obj,
  param,
  ref,
  ret,
  spreadAll,
  typeRef,
} from './ast.js';
import { type GeneratedFile, where } from './file.js';
import { type ModelIndex, TYPES } from './model-index.js';
import { type Shape, schemaRefs, toShape } from './schema/shape.js';

/** One factory of examples.ts. */
export interface ExampleFactory {
  /** The exported function (`exampleChatCompletionRequest`). */
  readonly name: string;
  /** The declaration it returns (`ChatCompletionRequest`). */
  readonly type: string;
  readonly role: 'payload' | 'headers';
  /** Names of the messages that carry the type, in spec order. */
  readonly messages: readonly string[];
  /** The value returned: JSON data, valid against the type's schema. */
  readonly value: unknown;
  /** Where the value comes from: a spec example (its name and message) or the schema. */
  readonly source:
    | { readonly kind: 'example'; readonly message: string; readonly label: string; readonly location: SpecLocation }
    | { readonly kind: 'schema'; readonly location: SpecLocation };
  /** True when the type is a plain object type, so the factory takes `overrides` of its top-level fields. */
  readonly overrides: boolean;
}

/** The factories of one model, and the warnings for the types that got none. */
export interface ExamplePlan {
  readonly factories: readonly ExampleFactory[];
  readonly problems: readonly Problem[];
}

const plans = new WeakMap<ModelIndex, ExamplePlan>();

/** The factories for a model (computed once per ModelIndex; index.ts exports the same names). */
export function examplePlan(index: ModelIndex): ExamplePlan {
  let plan = plans.get(index);
  if (!plan) {
    plan = buildPlan(index);
    plans.set(index, plan);
  }
  return plan;
}

/** Prints examples.ts; `warn` receives one warning per type left without a factory. */
export function emitExamples(index: ModelIndex, file: GeneratedFile, warn: (problem: Problem) => void): void {
  const plan = examplePlan(index);
  for (const problem of plan.problems) warn(problem);
  if (plan.factories.length > 0) file.siblingNamespace('types', TYPES, true);
  for (const factory of plan.factories) {
    const type = typeRef(`${TYPES}.${factory.type}`);
    const literal = jsonExpression(factory.value);
    const statements: ts.Statement[] = factory.overrides
      ? [constDecl('example', literal, { type }), ret(spreadAll([ref('example'), ref('overrides')]))]
      : [ret(literal)];
    const params = factory.overrides ? [param('overrides', typeRef('Partial', [type]), { optional: true })] : [];
    file.add(functionDecl(factory.name, params, type, statements, { isExported: true, doc: factoryDoc(factory) }));
  }
}

function factoryDoc(factory: ExampleFactory) {
  const carried = `message${factory.messages.length > 1 ? 's' : ''} ${factory.messages.map((m) => `\`${m}\``).join(', ')}`;
  const what =
    factory.role === 'payload'
      ? `An example {@link ${TYPES}.${factory.type}} (the payload of ${carried})`
      : `Example headers {@link ${TYPES}.${factory.type}} (of ${carried}; numbers and booleans are sent as text)`;
  const source =
    factory.source.kind === 'example'
      ? `the spec's example \`${factory.source.label}\` of message \`${factory.source.message}\``
      : 'built from the schema';
  const location = factory.source.location;
  return jsDoc(
    [
      `${what}: ${source}, checked against the schema when this file was generated.`,
      `Every call returns a new ${factory.overrides ? 'object' : 'value'}, so a test may change it.`,
    ],
    [
      ...(factory.overrides
        ? [{ tagName: 'param', text: "overrides top-level fields that replace the example's" }]
        : []),
      {
        tagName: 'generated',
        text: `from ${location.pointer.slice(1).replace(/\//g, '.')} (${where(location)})`,
      },
    ],
  );
}

function buildPlan(index: ModelIndex): ExamplePlan {
  const { model } = index;
  const declarations = new Map(model.schemas.map((s) => [s.name, s]));
  const refs = schemaRefs(model.schemas);
  const shapes = new Map<string, Shape>();
  const shapeOf = (name: string): Shape => {
    let shape = shapes.get(name);
    if (shape === undefined) {
      const decl = declarations.get(name);
      if (!decl) throw new Error(`internal: unknown schema ${name}`);
      shape = toShape(decl.schema, {
        refs,
        ...(typeof decl.schema === 'object' ? { root: decl.schema } : {}),
        role: decl.role,
        dialect: decl.dialect,
      });
      shapes.set(name, shape);
    }
    return shape;
  };

  // Each type once, in the order messages first carry it; a payload before its message's headers.
  const carriers = new Map<string, { role: 'payload' | 'headers'; messages: MessageModel[] }>();
  for (const m of model.messages) {
    for (const [role, type] of [
      ['payload', m.payload],
      ['headers', m.headers],
    ] as const) {
      if (type === undefined) continue;
      const entry = carriers.get(type);
      if (entry) entry.messages.push(m);
      else carriers.set(type, { role, messages: [m] });
    }
  }

  // Factory names share index.ts with every other exported value.
  const names = new NameRegistry().reserve(
    TYPES,
    'runtimeContract',
    'codegenContract',
    model.clientClass,
    model.serverClass,
    ...model.schemas.map((s) => s.zodName),
    ...model.channels.map((c) => c.subjectConst),
  );
  const factories: ExampleFactory[] = [];
  const problems: Problem[] = [];
  for (const [type, { role, messages }] of carriers) {
    const decl = declarations.get(type);
    if (!decl) throw new Error(`internal: unknown schema ${type}`);
    const shape = shapeOf(type);
    const chosen = chooseSample(decl, role, messages, (value) => fitToType(value, shape, shapeOf));
    if ('issue' in chosen) {
      const first = messages[0] as MessageModel;
      problems.push(exampleNotGenerated(first, role, type, chosen.issue));
      continue;
    }
    factories.push({
      name: names.claim(safeIdentifier(`example${type}`)),
      type,
      role,
      messages: messages.map((m) => m.name),
      value: chosen.value,
      source: chosen.source,
      overrides: spreadable(shape, shapeOf),
    });
  }
  return { factories, problems };
}

type Chosen = { readonly value: unknown; readonly source: ExampleFactory['source'] } | { readonly issue: string };

/**
 * The first spec example of the type that validates, else the schema's sample if it validates: judged
 * by the declaration's zod schema as the generated code runs it. A header set is judged as the text
 * sent on the wire, and the factory returns what the schema reads from that text.
 */
function chooseSample(
  decl: NamedSchema,
  role: 'payload' | 'headers',
  messages: readonly MessageModel[],
  prune: (value: unknown) => unknown,
): Chosen {
  const check = declarationValidator(decl);
  if (!check.ok) return { issue: `its schema cannot be checked: ${check.reason}` };
  const accept = (raw: unknown): { value: unknown } | { issue: string } => {
    if (!isJson(raw)) return { issue: 'the sample is not JSON data' };
    if (role === 'payload') {
      const value = prune(raw);
      const issue = check.check(value);
      return issue === undefined ? { value } : { issue };
    }
    if (!isPlainObject(raw)) return { issue: 'a header set must be an object' };
    for (const [name, v] of Object.entries(raw)) {
      if (!['string', 'number', 'boolean'].includes(typeof v))
        return { issue: `header '${name}' is not a string, number or boolean` };
      if (/[\r\n]/.test(String(v))) return { issue: `header '${name}' contains a line break` };
    }
    const parsed = check.parse(headerValuesForCheck(decl.schema, raw));
    return 'issue' in parsed ? parsed : { value: prune(parsed.value) };
  };
  for (const m of messages) {
    const found = m.examples.findIndex((e) => (role === 'payload' ? e.payload : e.headers) !== undefined);
    const example = m.examples[found];
    if (!example) continue;
    const result = accept(role === 'payload' ? example.payload : example.headers);
    if ('value' in result) {
      return {
        value: result.value,
        source: {
          kind: 'example',
          message: m.name,
          label: example.name ?? `example ${found + 1}`,
          location: example.location,
        },
      };
    }
  }
  const result = accept(sampleOf(decl.schema as JsonSchema, decl.dialect));
  if ('issue' in result) return { issue: result.issue };
  return { value: result.value, source: { kind: 'schema', location: decl.location } };
}

/**
 * The value as the generated type reads it: keys the type has no place for (undeclared keys of an
 * object whose schema says nothing about them) are dropped, so the printed literal passes TypeScript's
 * excess-property check; the caller validates the result again. Keys of unions are kept when any
 * member declares them.
 */
function fitToType(value: unknown, shape: Shape, shapeOf: (name: string) => Shape): unknown {
  switch (shape.kind) {
    case 'ref':
      return fitToType(value, shapeOf(shape.name), shapeOf);
    case 'nullable':
      return value === null ? null : fitToType(value, shape.inner, shapeOf);
    case 'refined':
      return fitToType(value, shape.base, shapeOf);
    case 'headers':
      return fitToType(value, shape.headers, shapeOf);
    case 'array':
      return Array.isArray(value) ? value.map((v) => fitToType(v, shape.items, shapeOf)) : value;
    case 'tuple':
      return Array.isArray(value)
        ? value.map((v, i) => {
            const item = shape.items[i] ?? shape.rest;
            return item ? fitToType(v, item, shapeOf) : v;
          })
        : value;
    case 'object':
      if (!isPlainObject(value)) return value;
      return mapObject(value, (key, v) => {
        const declared = shape.properties.find((p) => p.name === key);
        if (declared) return { keep: true, value: fitToType(v, declared.shape, shapeOf) };
        if (closedType(shape)) return { keep: false };
        return { keep: true, value: typeof shape.extra === 'object' ? fitToType(v, shape.extra, shapeOf) : v };
      });
    case 'allOf':
    case 'oneOf':
    case 'union': {
      if (!isPlainObject(value)) return value;
      const members = shape.members.map((m) => resolve(m, shapeOf));
      const objects = members.filter((m) => m.kind === 'object');
      // Only object types without an index signature can drop a key; any other member may hold it.
      if (objects.length < members.length || objects.some((m) => m.kind === 'object' && !closedType(m))) return value;
      return mapObject(value, (key, v) => {
        const owner = objects.find((m) => m.kind === 'object' && m.properties.some((p) => p.name === key));
        if (owner?.kind !== 'object') return { keep: false };
        const declared = owner.properties.find((p) => p.name === key);
        return { keep: true, value: shape.kind === 'allOf' && declared ? fitToType(v, declared.shape, shapeOf) : v };
      });
    }
    default:
      return value;
  }
}

/** A Shape with references and refinements looked through, to see which object type it is. */
function resolve(shape: Shape, shapeOf: (name: string) => Shape): Shape {
  if (shape.kind === 'ref') return resolve(shapeOf(shape.name), shapeOf);
  if (shape.kind === 'refined') return resolve(shape.base, shapeOf);
  return shape;
}

/** An object type without an index signature: TypeScript rejects other keys in a literal. */
function closedType(shape: Extract<Shape, { kind: 'object' }>): boolean {
  return shape.extra === 'open' && shape.patterns === undefined && shape.properties.length > 0;
}

/** True when `{ ...example, ...overrides }` of `Partial<T>` is still a T: an object type without typed extra keys. */
function spreadable(shape: Shape, shapeOf: (name: string) => Shape): boolean {
  switch (shape.kind) {
    case 'ref':
      return spreadable(shapeOf(shape.name), shapeOf);
    case 'refined':
      return spreadable(shape.base, shapeOf);
    case 'object':
      return shape.properties.length > 0 && typeof shape.extra === 'string' && shape.patterns === undefined;
    case 'allOf':
      return shape.members.every((m) => spreadable(m, shapeOf));
    default:
      return false;
  }
}

function mapObject(
  value: Readonly<Record<string, unknown>>,
  each: (key: string, value: unknown) => { keep: false } | { keep: true; value: unknown },
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    const result = each(key, v);
    // defineProperty: a key named `__proto__` stays an own property.
    if (result.keep) Object.defineProperty(out, key, { value: result.value, enumerable: true, writable: true });
  }
  return out;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** JSON data only: no `undefined`, non-finite numbers, dates or other objects (YAML can produce dates). */
function isJson(value: unknown): boolean {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return true;
  if (typeof value === 'number') return Number.isFinite(value);
  if (Array.isArray(value)) return value.every(isJson);
  return isPlainObject(value) && Object.values(value).every(isJson);
}

/** A JSON value as a literal expression; `__proto__` keys stay data (see `objectLiteralKey`). */
function jsonExpression(value: unknown): ts.Expression {
  if (Array.isArray(value)) {
    return arr(
      value.map(jsonExpression),
      value.some((v) => typeof v === 'object' && v !== null),
    );
  }
  if (isPlainObject(value)) return obj(Object.entries(value).map(([k, v]) => [k, jsonExpression(v)] as const));
  if (value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
    return literalExpression(value);
  }
  throw new Error(`internal: not JSON data: ${String(value)}`);
}
