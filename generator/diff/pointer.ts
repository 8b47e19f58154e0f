/**
 * JSON pointers through `$ref`s. The parser hands over a dereferenced document, so one change to a
 * component shows up under every path that reaches it (`/channels/c/messages/m/payload/…`,
 * `/operations/o/messages/0/payload/…`, `/components/schemas/S/…`). Following the spec's own `$ref`s
 * gives each change one canonical pointer: where it is written.
 */
import { parse } from 'yaml';
import { splitPointer } from '../parse/locate.js';

/** `a/b` → `a~1b`: one pointer token. */
export function escapeToken(token: string): string {
  return token.replace(/~/g, '~0').replace(/\//g, '~1');
}

/** `/channels` + `a/b` → `/channels/a~1b`. */
export function child(pointer: string, ...tokens: readonly (string | number)[]): string {
  return tokens.reduce<string>((p, t) => `${p}/${escapeToken(String(t))}`, pointer);
}

/** True when `pointer` is `base` or inside it. */
export function isWithin(pointer: string, base: string): boolean {
  return pointer === base || pointer.startsWith(`${base}/`);
}

/**
 * Keys whose children are names chosen by the author, not keywords: a property called
 * `description`, a message called `x-foo`, a schema called `replies`.
 */
const NAMED = new Set([
  'properties',
  'patternProperties',
  'definitions',
  '$defs',
  'dependencies',
  'dependentRequired',
  'dependentSchemas',
  'channels',
  'operations',
  'messages',
  'schemas',
  'parameters',
  'servers',
  'replies',
  'replyAddresses',
  'securitySchemes',
  'serverVariables',
  'variables',
  'correlationIds',
  'operationTraits',
  'messageTraits',
  'bindings',
]);

/** The tokens of `pointer` (as written, `~` escapes kept), each marked as a name or a keyword. */
export function tokenRoles(pointer: string): { readonly token: string; readonly name: boolean }[] {
  const out: { token: string; name: boolean }[] = [];
  let nameNext = false;
  for (const token of pointer.split('/').slice(1)) {
    out.push({ token, name: nameNext });
    // A name is never a container keyword itself: `/schemas/replies/description` is a description.
    nameNext = !nameNext && NAMED.has(token);
  }
  return out;
}

type Json = unknown;

/** Where a walk along a pointer has got to (see {@link RefResolver.aliases}). */
interface WalkState {
  readonly aliases: string[];
  readonly node: Json;
  /** False once the pointer left the document. */
  readonly alive: boolean;
  readonly hops: number;
}

function isObject(v: Json): v is Record<string, Json> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Follows local `$ref`s in the document as written (not dereferenced). */
export class RefResolver {
  readonly #root: Json;

  /** `text` is the spec as the parser read it; unparsable text resolves nothing. */
  constructor(text: string) {
    let root: Json;
    try {
      root = parse(text, { uniqueKeys: false, maxAliasCount: -1 });
    } catch {
      root = undefined;
    }
    this.#root = root;
  }

  /**
   * Where the node at a dereferenced `pointer` is written: each `$ref` met on the way is followed,
   * but not one at the very end (a `$ref` is where that node is, e.g. a channel's message list entry).
   * Tokens past what exists are kept as they are.
   */
  canonical(pointer: string): string {
    return this.#walk(splitPointer(pointer), false);
  }

  /** Like {@link canonical}, and a `$ref` at the end is followed too: the definition a node stands for. */
  definition(pointer: string): string {
    return this.#walk(splitPointer(pointer), true);
  }

  /**
   * Every pointer `pointer` is known by on the way to where it is written: itself, then the path
   * after each `$ref` followed (`/operations/o/channel/messages/m/payload/x` →
   * `/channels/c/messages/m/payload/x` → `/components/messages/M/payload/x` → ...).
   */
  aliases(pointer: string): readonly string[] {
    return this.#state(pointer).aliases;
  }

  /** Walk states by pointer: a diff asks for thousands of pointers sharing their prefixes. */
  readonly #states = new Map<string, WalkState>();

  #state(pointer: string): WalkState {
    const known = this.#states.get(pointer);
    if (known !== undefined) return known;
    let state: WalkState;
    if (pointer === '') {
      state = { aliases: [''], node: this.#root, alive: true, hops: 0 };
    } else {
      const cut = pointer.lastIndexOf('/');
      const parent = this.#state(pointer.slice(0, cut));
      const raw = pointer.slice(cut + 1);
      const token = splitPointer(`/${raw}`)[0] as string;
      const aliases = parent.aliases.map((a) => `${a}/${raw}`);
      let { node, alive, hops } = parent;
      while (alive) {
        if (isObject(node) && Object.hasOwn(node, token)) {
          node = node[token];
          break;
        }
        if (Array.isArray(node) && /^\d+$/.test(token) && Number(token) < node.length) {
          node = node[Number(token)];
          break;
        }
        const ref = this.#ref(node);
        const target = ref === undefined || hops++ > 32 ? undefined : splitPointer(ref);
        node = target === undefined ? undefined : this.#get(target);
        if (target === undefined || node === undefined) {
          alive = false;
          break;
        }
        aliases.push(`${target.reduce((p, t) => child(p, t), '')}/${raw}`);
      }
      state = { aliases, node, alive, hops };
    }
    this.#states.set(pointer, state);
    return state;
  }

  #walk(tokens: readonly string[], followLast: boolean): string {
    let path: string[] = [];
    let node: Json = this.#root;
    let hops = 0;
    let i = 0;
    while (i < tokens.length || (followLast && this.#ref(node) !== undefined)) {
      const token = tokens[i];
      if (token !== undefined && isObject(node) && Object.hasOwn(node, token)) {
        path.push(token);
        node = node[token];
        i++;
        continue;
      }
      if (token !== undefined && Array.isArray(node) && /^\d+$/.test(token) && Number(token) < node.length) {
        path.push(token);
        node = node[Number(token)];
        i++;
        continue;
      }
      const named = token !== undefined && Array.isArray(node) ? this.#entryNamed(node, token) : -1;
      if (named >= 0) {
        path.push(String(named));
        node = (node as Json[])[named];
        i++;
        continue;
      }
      const ref = this.#ref(node);
      if (ref === undefined || hops++ > 32) break;
      path = splitPointer(ref);
      node = this.#get(path);
      if (node === undefined) break;
    }
    return [...path, ...tokens.slice(i)].reduce((p, t) => child(p, t), '');
  }

  /**
   * The entry of a list of `$ref`s that the parser calls `name`: it keys a message it met first in an
   * operation's list by the name of the channel message the entry refers to
   * (`/operations/o/reply/messages/Usage` for `- $ref: '#/channels/c/messages/Usage'`). -1: none.
   */
  #entryNamed(list: readonly Json[], name: string): number {
    if (/^\d+$/.test(name)) return -1;
    return list.findIndex((entry) => {
      const ref = this.#ref(entry);
      return ref !== undefined && splitPointer(ref).at(-1) === name;
    });
  }

  #ref(node: Json): string | undefined {
    if (!isObject(node)) return undefined;
    const ref = node.$ref;
    return typeof ref === 'string' && ref.startsWith('#/') ? ref.slice(1) : undefined;
  }

  #get(path: readonly string[]): Json {
    let node: Json = this.#root;
    for (const token of path) {
      if (isObject(node) && Object.hasOwn(node, token)) node = node[token];
      else if (Array.isArray(node) && /^\d+$/.test(token)) node = node[Number(token)];
      else return undefined;
    }
    return node;
  }

  #used: string[] | undefined;

  /**
   * True when `pointer` is used: a local `$ref` reached from outside `components` (and outside `x-`
   * extensions, which asyncapi-nats does not read), directly or through other components, points at
   * it, into it, or at something that contains it.
   */
  isUsed(pointer: string): boolean {
    if (this.#used === undefined) {
      const used: string[] = [];
      const pending: string[] = [];
      const collect = (node: Json, path: readonly string[], seen: Set<unknown>): void => {
        if (typeof node !== 'object' || node === null || seen.has(node)) return;
        seen.add(node);
        const ref = this.#ref(node);
        if (ref !== undefined) pending.push(splitPointer(ref).reduce((p, t) => child(p, t), ''));
        const names = NAMED.has(path[path.length - 1] ?? '');
        for (const [key, value] of Object.entries(node)) {
          if (path.length === 0 && key === 'components') continue;
          if (key.startsWith('x-') && !names && !Array.isArray(node)) continue;
          collect(value, [...path, key], seen);
        }
      };
      collect(this.#root, [], new Set());
      const done = new Set<string>();
      while (pending.length > 0) {
        const target = pending.pop() as string;
        if (done.has(target)) continue;
        done.add(target);
        used.push(target);
        collect(this.#get(splitPointer(target)), ['components'], new Set());
      }
      this.#used = used;
    }
    return this.#used.some((t) => isWithin(t, pointer) || isWithin(pointer, t));
  }

  /** Keys of the mapping at `pointer` (after following `$ref`s), e.g. a channel's message names. */
  keys(pointer: string): string[] {
    const node = this.#get(splitPointer(this.definition(pointer)));
    return isObject(node) ? Object.keys(node) : [];
  }
}
