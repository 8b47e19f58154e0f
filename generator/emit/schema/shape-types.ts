/**
 * The Shape: what a schema means for the generated code, as plain data (generator/emit/schema/shape.ts
 * builds it from JSON Schema; the TypeScript, zod and static printers read it).
 */

/** A JSON value (what `enum`, `const`, `default` and examples hold). */
export type JsonValue = null | boolean | number | string | readonly JsonValue[] | { readonly [key: string]: JsonValue };

export type Literal = string | number | boolean | null;

/** A regular expression as JSON Schema writes it, with the flags it compiles with (`u` when it can). */
export interface PatternSource {
  readonly source: string;
  readonly flags: string;
}

export interface PropertyShape {
  readonly name: string;
  readonly shape: Shape;
  readonly required: boolean;
  /**
   * False for a `required` name without a property: its value is what `patternProperties` and
   * `additionalProperties` say of its key (it stays an "additional" key for them).
   */
  readonly declared: boolean;
  readonly doc?: string | undefined;
}

/** What a header value's text may stand for, tried in this order (runtime `HeaderValueKind`). */
export type HeaderKind = 'string' | 'integer' | 'number' | 'boolean';

export interface ObjectShape {
  readonly kind: 'object';
  readonly properties: readonly PropertyShape[];
  /**
   * Keys neither declared nor matched by a pattern: allowed (`open`: the schema says nothing;
   * `loose`: it says `additionalProperties: true`, so the type has an index signature), forbidden
   * (`strict`), or each validated by a Shape.
   */
  readonly extra: 'open' | 'loose' | 'strict' | Shape;
  readonly patterns?: readonly { readonly pattern: PatternSource; readonly shape: Shape }[] | undefined;
  readonly propertyNames?: Shape | undefined;
  readonly minProperties?: number | undefined;
  readonly maxProperties?: number | undefined;
  /** When `name` is present: `required` keys must be too, or the object must match `shape`. */
  readonly dependencies?:
    | readonly { readonly name: string; readonly required?: readonly string[]; readonly shape?: Shape }[]
    | undefined;
}

export interface ArrayChecks {
  readonly minItems?: number | undefined;
  readonly maxItems?: number | undefined;
  readonly uniqueItems?: boolean | undefined;
  readonly contains?: { readonly shape: Shape; readonly min: number; readonly max?: number | undefined } | undefined;
}

/**
 * What a schema and the subschemas applied to the same value evaluate (JSON Schema 2019-09 annotations):
 * property names and patterns, or item positions, for `unevaluatedProperties`/`unevaluatedItems`.
 * `branches` count only when they apply: an `anyOf`/`oneOf` member or an `if` when the value matches
 * `when` (else `otherwise`), a `dependentSchemas` entry when the object has key `key`.
 */
export interface Coverage {
  readonly names: readonly string[];
  readonly patterns: readonly PatternSource[];
  /** Leading items (prefixItems / array-form items). */
  readonly prefix: number;
  /** Everything is evaluated (additionalProperties, items, a nested unevaluated keyword). */
  readonly all: boolean;
  /** 2020-12: items that match `contains` are evaluated. */
  readonly contains?: Shape | undefined;
  readonly branches: readonly {
    readonly when?: Shape | undefined;
    readonly key?: string | undefined;
    readonly cover: Coverage;
    readonly otherwise?: Coverage | undefined;
  }[];
}

export interface Unevaluated {
  readonly of: 'properties' | 'items';
  readonly coverage: Coverage;
  /** What each key or item nothing evaluated must match (`never`: there must be none). */
  readonly shape: Shape;
}

export type Shape =
  | { readonly kind: 'unknown' }
  | { readonly kind: 'never' }
  /** A declaration: type `name`, zod constant `zodName`. */
  | { readonly kind: 'ref'; readonly name: string; readonly zodName: string }
  | { readonly kind: 'null' }
  | { readonly kind: 'boolean' }
  | {
      readonly kind: 'string';
      /** Code points, as JSON Schema counts. */
      readonly minLength?: number | undefined;
      readonly maxLength?: number | undefined;
      readonly pattern?: PatternSource | undefined;
      /** A string format ajv-formats knows. */
      readonly format?: string | undefined;
      /** Said in a comment next to the validator (e.g. a pattern JavaScript cannot compile). */
      readonly note?: string | undefined;
    }
  | {
      readonly kind: 'number';
      /** JSON Schema `integer`: no fractional part, at any magnitude. */
      readonly integer: boolean;
      readonly gte?: number | undefined;
      readonly gt?: number | undefined;
      readonly lte?: number | undefined;
      readonly lt?: number | undefined;
      readonly multipleOf?: number | undefined;
      /** A number format ajv-formats knows (int32, int64, float, double). */
      readonly format?: string | undefined;
    }
  /** `enum` / `const`: at least one value, equal by deep JSON equality. */
  | { readonly kind: 'literal'; readonly values: readonly JsonValue[] }
  | ObjectShape
  | ({ readonly kind: 'array'; readonly items: Shape } & ArrayChecks)
  /** `items: [...]` / `prefixItems`: the first `required` elements must be present; `rest` undefined means no more. */
  | ({
      readonly kind: 'tuple';
      readonly items: readonly Shape[];
      readonly required: number;
      readonly rest?: Shape | undefined;
    } & ArrayChecks)
  /** `anyOf`, or a list of types: at least one member. */
  | { readonly kind: 'union'; readonly members: readonly Shape[] }
  /** `oneOf`: exactly one member. */
  | { readonly kind: 'oneOf'; readonly members: readonly Shape[] }
  /** `allOf` (and a schema's own keywords next to its combinators): every member. */
  | { readonly kind: 'allOf'; readonly members: readonly Shape[] }
  /** `base`, and the value must match none of `not` and satisfy each `if`/`then`/`else`. */
  | {
      readonly kind: 'refined';
      readonly base: Shape;
      readonly not: readonly Shape[];
      readonly conditions: readonly {
        readonly if: Shape;
        readonly then?: Shape | undefined;
        readonly else?: Shape | undefined;
      }[];
      /** 2019-09 and later: keys (or items) no keyword of this schema or its passing subschemas evaluated. */
      readonly unevaluated?: readonly Unevaluated[] | undefined;
    }
  | { readonly kind: 'nullable'; readonly inner: Shape }
  /** A header value: its text read as each of `kinds` in turn, the first reading `inner` accepts. */
  | { readonly kind: 'header'; readonly kinds: readonly HeaderKind[]; readonly inner: Shape }
  /** A header set: the parsed headers of `headers`, then checked against `rest` (what else the schema says). */
  | { readonly kind: 'headers'; readonly headers: ObjectShape; readonly rest: Shape };
