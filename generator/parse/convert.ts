/**
 * AsyncAPI 2.x → 3.0 with @asyncapi/converter, so the rest of the generator sees one document shape,
 * and the way back: every pointer of the converted document is turned into the pointer of the node
 * of the original it came from, so diagnostics point at the file a person edits.
 *
 * Before converting, what the converter cannot carry is taken out of a copy of the document, each
 * with a located diagnostic: bindings of protocols other than NATS (generated code reads only `nats`
 * bindings, and 2.0 binding shapes such as `wss` or an `http` operation `type` fail 3.0's schema after
 * conversion), extensions on parameters (the converter turns them into keys `0`, `1`, ...), and a
 * parameter schema's keywords that a 3.0 parameter cannot express (a local `$ref` there is inlined
 * first, as the converter only reads inline schemas).
 */
import type { Problem } from '../problems.js';
import type { SourceMap } from './locate.js';
import { splitPointer } from './locate.js';

/** The converted document and its way back to the original. */
export interface Conversion {
  /** The 3.0 document as JSON text (what the parser reads). */
  readonly text: string;
  /** Pointer of the converted document → pointer of the original node it came from. */
  readonly translate: (pointer: string) => string;
}

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function pointer(segments: readonly (string | number)[]): string {
  return segments.map((s) => `/${String(s).replace(/~/g, '~0').replace(/\//g, '~1')}`).join('');
}

/** The value at `segments` under `root`, following local `$ref`s on the way (a few levels at most). */
function get(root: unknown, segments: readonly string[], depth = 0): unknown {
  let node = root;
  for (const [i, seg] of segments.entries()) {
    if (isObject(node) && typeof node.$ref === 'string' && node.$ref.startsWith('#/') && !(seg in node)) {
      if (depth > 16) return undefined;
      return get(root, [...splitPointer(node.$ref), ...segments.slice(i)], depth + 1);
    }
    if (Array.isArray(node)) node = node[Number(seg)];
    else if (isObject(node)) node = node[seg];
    else return undefined;
  }
  return node;
}

/** Keys whose values are schemas or data, never AsyncAPI objects that hold bindings or parameters. */
const NOT_OBJECTS = new Set([
  'payload',
  'headers',
  'schema',
  'schemas',
  'examples',
  'example',
  'default',
  'enum',
  'const',
]);

/** Keyword of a 2.x parameter schema that a 3.0 parameter keeps (or that means nothing for a subject token). */
const _PARAMETER_KEPT = new Set(['$ref', 'enum', 'const', 'default', 'examples', 'description', 'title', '$comment']);

/** Reads the original; each `report` is located in it. */
interface Context {
  readonly sourceMap: SourceMap;
  readonly report: (p: Omit<Problem, 'file' | 'line' | 'column'>, at: readonly (string | number)[]) => void;
}

/**
 * Takes out of `doc` (a copy of the original) what the converter cannot carry, reporting each.
 * Walks AsyncAPI objects only: schemas and example data are never entered, so a payload property
 * named `bindings` stays what it is.
 */
function prepare(doc: Json, ctx: Context): void {
  const walk = (node: unknown, at: (string | number)[]): void => {
    if (Array.isArray(node)) {
      node.forEach((item, i) => {
        walk(item, [...at, i]);
      });
      return;
    }
    if (!isObject(node)) return;
    const inBindingsComponent =
      at.length === 3 && at[0] === 'components' && /^(server|channel|operation|message)Bindings$/.test(String(at[1]));
    if (inBindingsComponent) dropBindings(node, at, ctx);
    for (const [key, value] of Object.entries(node)) {
      if (key.startsWith('x-') || NOT_OBJECTS.has(key)) continue;
      if (key === 'bindings' && isObject(value)) {
        dropBindings(value, [...at, key], ctx);
        continue;
      }
      if (key === 'parameters' && isObject(value)) {
        for (const [name, parameter] of Object.entries(value)) {
          if (isObject(parameter)) prepareParameter(doc, parameter, name, [...at, key, name], ctx);
        }
        continue;
      }
      walk(value, [...at, key]);
    }
  };
  walk(doc, []);
}

function dropBindings(bindings: Json, at: readonly (string | number)[], ctx: Context): void {
  for (const protocol of Object.keys(bindings)) {
    if (protocol === 'nats' || protocol.startsWith('x-')) continue;
    delete bindings[protocol];
    ctx.report(
      {
        code: 'binding-not-converted',
        severity: 'info',
        message: `the ${protocol} binding is left out of the conversion to AsyncAPI 3.0: generated code speaks NATS and reads only nats bindings`,
        help: 'nothing to do; to keep it in a 3.0 document, convert the document by hand',
      },
      [...at, protocol],
    );
  }
}

function prepareParameter(
  doc: Json,
  parameter: Json,
  name: string,
  at: readonly (string | number)[],
  ctx: Context,
): void {
  for (const key of Object.keys(parameter)) {
    if (!key.startsWith('x-')) continue;
    delete parameter[key];
    ctx.report(
      {
        code: 'extension-not-converted',
        severity: 'info',
        message: `extension ${key} of parameter '${name}' is left out of the conversion to AsyncAPI 3.0 (the converter cannot carry extensions of parameters)`,
        help: 'nothing to do unless a tool of yours reads it; a 3.0 document keeps it',
      },
      [...at, key],
    );
  }
  // Only what 3.0 can say (enum, default, examples) survives the converter, and it needs the schema
  // inline to carry it. The model reads the whole parameter schema (pattern, lengths, format) from the
  // document as written, so nothing is lost for generated code.
  const schema = parameter.schema;
  const ref = isObject(schema) ? schema.$ref : undefined;
  if (typeof ref !== 'string' || !ref.startsWith('#/')) return;
  const target = get(doc, splitPointer(ref));
  if (isObject(target)) parameter.schema = { ...target };
}

/**
 * The way back from the converted document `to` to `from` (the prepared original). The converter
 * keeps the keys of channels (their 3.0 `address` is the 2.x key), turns a channel's `publish` and
 * `subscribe` into root operations (the application's point of view: `publish` becomes `receive`),
 * moves operation messages into the channel, wraps a message's `schemaFormat` and `payload` into a
 * payload object, splits a server `url`, moves root `tags`/`externalDocs` into `info`, and a
 * parameter's `schema.enum` (and default, examples) up into the parameter. Anything else keeps its
 * path.
 */
export function translator(from: unknown, to: unknown): (pointer: string) => string {
  const channel = (prefix: readonly string[], id: string): string[] => {
    const converted = get(to, [...prefix, id]);
    const address = isObject(converted) ? converted.address : undefined;
    return [...prefix, typeof address === 'string' ? address : id];
  };
  /** Where a converted operation was: `[channel..., publish|subscribe]`, or undefined. */
  const operationOrigin = (op: unknown): string[] | undefined => {
    if (!isObject(op)) return undefined;
    const ref = isObject(op.channel) ? op.channel.$ref : undefined;
    if (typeof ref !== 'string' || !ref.startsWith('#/')) return undefined;
    const segs = splitPointer(ref);
    const id = segs.pop();
    if (id === undefined) return undefined;
    return [...channel(segs, id), op.action === 'receive' ? 'publish' : 'subscribe'];
  };
  /** The original place of the i-th message of an operation that was at `origin`. */
  const operationMessage = (origin: readonly string[], i: string): string[] => {
    const message = get(from, [...origin, 'message']);
    return isObject(message) && Array.isArray(message.oneOf)
      ? [...origin, 'message', 'oneOf', i]
      : [...origin, 'message'];
  };
  /** Inside a message: a payload wrapped with its schemaFormat reads as the original payload. */
  const inMessage = (converted: readonly string[], rest: readonly string[]): string[] => {
    const payload = get(to, [...converted, 'payload']);
    if (rest[0] === 'payload' && isObject(payload) && 'schemaFormat' in payload && 'schema' in payload) {
      if (rest[1] === 'schema') return ['payload', ...rest.slice(2)];
      if (rest[1] === 'schemaFormat') return ['schemaFormat'];
    }
    return [...rest];
  };
  const operations = (): [string[], Json][] => {
    const out: [string[], Json][] = [];
    for (const prefix of [['operations'], ['components', 'operations']]) {
      const all = get(to, prefix);
      if (!isObject(all)) continue;
      for (const [id, op] of Object.entries(all)) if (isObject(op)) out.push([[...prefix, id], op]);
    }
    return out;
  };

  const inChannel = (prefix: readonly string[], id: string, rest: readonly string[]): string[] => {
    const base = channel(prefix, id);
    const [field, name, ...more] = rest;
    if (field === 'address') return base;
    if (field === 'messages' && name !== undefined) {
      const own = `#${pointer([...prefix, id, 'messages', name])}`;
      for (const [, op] of operations()) {
        const origin = operationOrigin(op);
        const index = Array.isArray(op.messages) ? op.messages.findIndex((m) => isObject(m) && m.$ref === own) : -1;
        if (origin !== undefined && index >= 0) {
          return [...operationMessage(origin, String(index)), ...inMessage([...prefix, id, 'messages', name], more)];
        }
      }
      return base;
    }
    if (field === 'parameters' && name !== undefined && ['enum', 'default', 'examples'].includes(more[0] ?? '')) {
      return [...base, field, name, 'schema', ...more];
    }
    return [...base, ...rest];
  };

  const inOperation = (prefix: readonly string[], id: string, rest: readonly string[], depth = 0): string[] => {
    const op = get(to, [...prefix, id]);
    if (isObject(op) && typeof op.$ref === 'string' && op.$ref.startsWith('#/components/operations/') && depth < 2) {
      const name = splitPointer(op.$ref)[2] ?? id;
      return inOperation(['components', 'operations'], name, rest, depth + 1);
    }
    const origin = operationOrigin(op);
    if (origin === undefined) return [...prefix, id, ...rest];
    const [field, index, ...more] = rest;
    if (field === 'channel') return origin.slice(0, -1);
    if (field === 'action') return origin;
    if (field === 'messages' && index !== undefined) {
      const message = isObject(op) && Array.isArray(op.messages) ? op.messages[Number(index)] : undefined;
      const target = isObject(message) && typeof message.$ref === 'string' ? splitPointer(message.$ref) : undefined;
      return [...operationMessage(origin, index), ...(target ? inMessage(target, more) : more)];
    }
    return [...origin, ...rest];
  };

  const translate = (segments: readonly string[]): string[] => {
    const [top, id, ...rest] = segments;
    if (id === undefined) return [...segments];
    switch (top) {
      case 'channels':
        return inChannel(['channels'], id, rest);
      case 'operations':
        return inOperation(['operations'], id, rest);
      case 'servers':
        return rest[0] === 'host' || rest[0] === 'pathname' ? ['servers', id, 'url'] : [...segments];
      case 'info':
        return id === 'tags' || id === 'externalDocs' ? [id, ...rest] : [...segments];
      case 'components': {
        const [name, ...more] = rest;
        if (name === undefined) return [...segments];
        if (id === 'channels') return inChannel(['components', 'channels'], name, more);
        if (id === 'operations') return inOperation(['components', 'operations'], name, more);
        if (id === 'messages') return ['components', 'messages', name, ...inMessage(segments.slice(0, 3), more)];
        if (id === 'parameters' && ['enum', 'default', 'examples'].includes(more[0] ?? '')) {
          return ['components', 'parameters', name, 'schema', ...more];
        }
        if (id === 'servers' && (more[0] === 'host' || more[0] === 'pathname')) {
          return ['components', 'servers', name, 'url'];
        }
        return [...segments];
      }
      default:
        return [...segments];
    }
  };
  return (p) => pointer(translate(splitPointer(p)));
}

/** Converter messages we replace with located diagnostics of our own (see prepareParameter). */
const REPLACED_WARNINGS = /^(Found properties in parameter schema|Could not convert parameter object)/;

/**
 * Converts `data` (the original 2.x document as parsed, never changed here) to 3.0. Problems about
 * what the conversion leaves out are added to `problems`, located in the original.
 */
export async function convertToV3(
  data: unknown,
  sourceMap: SourceMap,
  file: string,
  problems: Problem[],
): Promise<Conversion> {
  const report: Context['report'] = (p, at) => {
    const { line, column } = sourceMap.locate(pointer(at));
    problems.push({ ...p, file, line, column });
  };
  const prepared = JSON.parse(JSON.stringify(data)) as Json;
  prepare(prepared, { sourceMap, report });
  const { convert } = await import('@asyncapi/converter');
  const warn = console.warn;
  console.warn = (...args: unknown[]) => {
    const message = args.map(String).join(' ');
    if (REPLACED_WARNINGS.test(message)) return;
    report({ code: 'converted', severity: 'info', message: `conversion to AsyncAPI 3.0: ${message}` }, ['asyncapi']);
  };
  let converted: unknown;
  try {
    // The converter copies an object it is given, so `prepared` stays the original's shape.
    converted = convert(prepared as Parameters<typeof convert>[0], '3.0.0');
  } finally {
    console.warn = warn;
  }
  return { text: JSON.stringify(converted), translate: translator(prepared, converted) };
}
