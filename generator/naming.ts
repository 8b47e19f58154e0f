/**
 * Every identifier the generator prints comes from here, so that spec names such as `delete`,
 * `2fa.verify` or `publish-x.v2` always become valid, readable, collision-free TypeScript.
 */

/** Words that cannot name a variable, function, class or type in strict-mode ES modules. */
const RESERVED = new Set([
  'arguments',
  'await',
  'break',
  'case',
  'catch',
  'class',
  'const',
  'continue',
  'debugger',
  'default',
  'delete',
  'do',
  'else',
  'enum',
  'eval',
  'export',
  'extends',
  'false',
  'finally',
  'for',
  'function',
  'if',
  'implements',
  'import',
  'in',
  'instanceof',
  'interface',
  'let',
  'new',
  'null',
  'package',
  'private',
  'protected',
  'public',
  'return',
  'static',
  'super',
  'switch',
  'this',
  'throw',
  'true',
  'try',
  'typeof',
  'var',
  'void',
  'while',
  'with',
  'yield',
  // TypeScript type names and globals a generated module must not shadow.
  'any',
  'boolean',
  'never',
  'number',
  'object',
  'string',
  'symbol',
  'undefined',
  'unknown',
  'bigint',
  'Array',
  'Object',
  'String',
  'Number',
  'Boolean',
  'Date',
  'Error',
  'Map',
  'Set',
  'Promise',
  'Record',
  'Partial',
  'Readonly',
  'JSON',
  'Symbol',
  'Function',
]);

/**
 * Names the generated modules import or declare themselves; a spec name equal to one of these
 * gets a suffix. (`z` is zod, `T` the types namespace, the rest are runtime symbols.)
 */
const TAKEN_BY_GENERATOR = new Set([
  'z',
  'T',
  'S',
  'RUNTIME_CONTRACT',
  'CODEGEN_CONTRACT',
  'NatsConnection',
  'ClientOptions',
  'ServerOptions',
  'RequestOptions',
  'ReceivedMessage',
  'Handle',
  'Wildcard',
  'wildcard',
  'subjectTemplate',
  'jsonSchema',
  'runtimeContract',
  'codegenContract',
  'publish',
  'request',
  'subscribe',
  'reply',
  'OperationSpec',
  'MessageSpec',
  'subjects',
  'ServerCore',
  'ServiceInfo',
  'ServiceIdentity',
  'serviceInfo',
]);

/** Member names a generated class already has (methods from the spec must not replace them). */
export const CLASS_MEMBERS: ReadonlySet<string> = new Set([
  'constructor',
  'connection',
  'options',
  'drain',
  'close',
  'service',
  'core',
  'handles',
  'prototype',
  'toString',
  'valueOf',
  'hasOwnProperty',
  '__proto__',
]);

/**
 * Splits a spec name into words: on any run of characters that are neither letters nor digits (in any
 * script: `créer-commande` keeps its `é`) and on lower→upper case changes.
 */
export function words(raw: string): string[] {
  return raw
    .replace(/([\p{Ll}\p{Nd}])(\p{Lu})/gu, '$1 $2')
    .replace(/(\p{Lu}+)(\p{Lu}\p{Ll})/gu, '$1 $2')
    .split(/[^\p{L}\p{Nd}]+/u)
    .filter((w) => w.length > 0);
}

/** `sdk` → `Sdk`; an all-caps word (`AI`, `SDK`) reads as a word too: `Sdk`, so `AI SDK` → `AiSdk`. */
function capitalise(w: string): string {
  const word = /^\p{Lu}{2,}$/u.test(w) ? w.toLowerCase() : w;
  return word.charAt(0).toUpperCase() + word.slice(1);
}

/** `publish-x.v2` → `PublishXV2`; `2fa.verify` → `_2faVerify`; empty → `Unnamed`. */
export function pascalCase(raw: string): string {
  const ws = words(raw);
  if (ws.length === 0) return 'Unnamed';
  const joined = ws.map((w, i) => (i === 0 && /^\p{Nd}/u.test(w) ? w : capitalise(w))).join('');
  return safeStart(joined);
}

/** `publish-x.v2` → `publishXV2`; `Delete` → `delete_`; `2fa.verify` → `_2faVerify`. */
export function camelCase(raw: string): string {
  const ws = words(raw);
  if (ws.length === 0) return 'unnamed';
  const joined = ws
    .map((w, i) =>
      i === 0 ? (/^\p{Lu}{2,}$/u.test(w) ? w.toLowerCase() : w.charAt(0).toLowerCase() + w.slice(1)) : capitalise(w),
    )
    .join('');
  return safeStart(joined);
}

function safeStart(name: string): string {
  return /^\p{Nd}/u.test(name) ? `_${name}` : name;
}

/** A name usable as a top-level `const`, `function`, `class` or `type` in a generated module. */
export function safeIdentifier(name: string): string {
  return RESERVED.has(name) || TAKEN_BY_GENERATOR.has(name) ? `${name}_` : name;
}

/** A name usable as a method of a generated class (reserved words are fine there; our own members are not). */
export function safeMember(name: string): string {
  return CLASS_MEMBERS.has(name) ? `${name}_` : name;
}

/** True when `name` can be written as a bare property key (`{ name: ... }`) without quotes. */
export function isIdentifierName(name: string): boolean {
  return /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(name);
}

/**
 * Hands out unique names in one namespace. The first claimant of a name keeps it; later ones get
 * `2`, `3`, … appended. Claims happen in spec order, so the result is deterministic.
 */
export class NameRegistry {
  readonly #used = new Set<string>();

  /** Marks names as taken without claiming them for anything (e.g. fixed declarations). */
  reserve(...names: string[]): this {
    for (const n of names) this.#used.add(n);
    return this;
  }

  /** True when `name` has not been claimed or reserved. */
  isFree(name: string): boolean {
    return !this.#used.has(name);
  }

  /** Returns `base`, or `base2`, `base3`… — the first not yet taken . */
  claim(base: string): string {
    let name = base;
    for (let i = 2; this.#used.has(name); i++) name = `${base}${i}`;
    this.#used.add(name);
    return name;
  }
}

/**
 * Makes text safe inside a `/** … *\/` comment: `*\/` would end the comment early, and `/*` makes
 * ts-morph's JSDoc writer close the comment before the tags (measured with ts-morph 28), so both are
 * escaped with a backslash. Everything else (backticks, `${`) is harmless in a comment and kept.
 */
export function docText(text: string): string {
  return text.replace(/\*\//g, '*\\/').replace(/\/\*/g, '/\\*').replace(/\r\n?/g, '\n').trim();
}
