/**
 * The zod schemas of a model, built at generation time from the same tree `zod.ts` prints
 * (`zod-tree.ts`), with the live `z` and the runtime's `jsonSchema`: spec examples, example factories
 * and the docs site are judged by exactly what the generated code will run.
 */
import { z } from 'zod';
import { jsonSchema } from '../../../runtime/json-schema.js';
import type { JsonSchema, JsonSchemaObject, NamedSchema } from '../../model/types.js';
import { type Dialect, type SchemaRefs, type SchemaRole, type Shape, schemaRefs, toShape } from './shape.js';
import { type ZodNode, zodTree } from './zod-tree.js';

/** A schema as the generated code validates it, or the reason it cannot be built. */
export type LiveSchema =
  | { readonly ok: true; readonly schema: z.ZodType; readonly shape: Shape }
  | { readonly ok: false; readonly reason: string };

/** The live schemas of one model's declarations, built on first use. */
export class LiveSchemas {
  readonly #declarations: ReadonlyMap<string, NamedSchema>;
  readonly #refs: SchemaRefs;
  readonly #built = new Map<string, LiveSchema>();

  constructor(schemas: readonly NamedSchema[]) {
    this.#declarations = new Map(schemas.map((s) => [s.name, s]));
    this.#refs = schemaRefs(schemas);
  }

  /** The refs the declarations were named with. */
  get refs(): SchemaRefs {
    return this.#refs;
  }

  /** The schema of declaration `name`. */
  of(name: string): LiveSchema {
    let built = this.#built.get(name);
    if (built === undefined) {
      const decl = this.#declarations.get(name);
      if (decl === undefined) throw new Error(`internal: no declaration named '${name}'`);
      built = this.#build(decl);
      this.#built.set(name, built);
    }
    return built;
  }

  /** The Shape of declaration `name` (as emitted). */
  shapeOf(name: string): Shape {
    const built = this.of(name);
    if (!built.ok) throw new Error(`internal: ${built.reason}`);
    return built.shape;
  }

  #build(decl: NamedSchema): LiveSchema {
    try {
      const shape = toShape(decl.schema, {
        refs: this.#refs,
        ...(typeof decl.schema === 'object' ? { root: decl.schema } : {}),
        role: decl.role,
        dialect: decl.dialect,
      });
      // Every reference is lazy: declarations are built on first use, in any order.
      const tree = zodTree(shape, () => false);
      return { ok: true, schema: evaluate(tree, (ref) => this.#resolve(ref)), shape };
    } catch (e) {
      return { ok: false, reason: e instanceof Error ? e.message : String(e) };
    }
  }

  #resolve(name: string): z.ZodType {
    const built = this.of(name);
    // A declaration that cannot be built validates nothing; its own check reports why.
    return built.ok ? built.schema : z.never();
  }
}

/**
 * A schema outside any model (a declaration of its own, with every cycle named by a private name):
 * for callers that hold a bare JSON Schema. `role` `headers` reads it as a header set.
 */
export function liveSchema(schema: JsonSchema, role: SchemaRole = 'payload', dialect?: Dialect): LiveSchema {
  const declarations: NamedSchema[] = [];
  const root: NamedSchema = {
    name: 'Root',
    zodName: 'RootSchema',
    schema,
    role,
    ...(dialect ? { dialect } : {}),
    location: { file: '', line: 0, column: 0, pointer: '' },
  };
  declarations.push(root);
  cyclic(schema).forEach((node, i) => {
    declarations.push({
      name: `Cycle${i}`,
      zodName: `Cycle${i}Schema`,
      schema: node,
      role: 'recursive',
      ...(dialect ? { dialect } : {}),
      location: root.location,
    });
  });
  return new LiveSchemas(declarations).of('Root');
}

/** The schema objects of `schema` that contain themselves (each needs a name to be referred to). */
function cyclic(schema: JsonSchema): JsonSchemaObject[] {
  const found = new Set<JsonSchemaObject>();
  const done = new Set<object>();
  const visit = (node: unknown, stack: Set<object>): void => {
    if (typeof node !== 'object' || node === null) return;
    if (stack.has(node)) {
      if (!Array.isArray(node)) found.add(node as JsonSchemaObject);
      return;
    }
    if (done.has(node)) return;
    stack.add(node);
    for (const [key, value] of Object.entries(node)) {
      if (!Array.isArray(node) && (key === 'enum' || key === 'const' || key === 'examples' || key === 'default'))
        continue;
      visit(value, stack);
    }
    stack.delete(node);
    done.add(node);
  };
  visit(schema, new Set());
  return [...found];
}

/** Builds a tree with the live `z` and `jsonSchema`; `declaration` resolves references (lazily). */
export function evaluate(node: ZodNode, declaration: (name: string) => z.ZodType): z.ZodType {
  return value(node, declaration) as z.ZodType;
}

function value(node: ZodNode, declaration: (name: string) => z.ZodType): unknown {
  const of = (n: ZodNode) => value(n, declaration);
  switch (node.op) {
    case 'z':
      return z;
    case 'jsonSchema':
      return jsonSchema;
    case 'declaration':
      return declaration(node.name);
    case 'get':
      return (of(node.of) as Record<string, unknown>)[node.name];
    case 'call': {
      const args = node.args.map(of);
      if (node.fn.op === 'get') {
        const target = of(node.fn.of) as Record<string, (...a: unknown[]) => unknown>;
        const method = target[node.fn.name];
        if (typeof method !== 'function') throw new Error(`internal: ${node.fn.name} is not a function`);
        return method.apply(target, args);
      }
      return (of(node.fn) as (...a: unknown[]) => unknown)(...args);
    }
    case 'thunk':
      return () => of(node.body);
    case 'json':
      return node.value;
    case 'undefined':
      return undefined;
    case 'object': {
      const out: Record<string, unknown> = {};
      // defineProperty: a key named `__proto__` stays an own property.
      for (const [key, v] of node.entries)
        Object.defineProperty(out, key, { value: of(v), enumerable: true, writable: true });
      return out;
    }
    case 'array':
      return node.items.map(of);
    case 'regexp':
      return new RegExp(node.source, node.flags);
    case 'note':
      return of(node.node);
  }
}
