/**
 * Judging a JSON value against a scalar Shape at generation time, with the runtime's own checks: used
 * to drop `enum`/`const` values the rest of their schema rejects, so a literal type lists only values
 * that can occur.
 */
import { codePointLength, formatMatches, isMultipleOf } from '../../../runtime/json-schema.js';
import type { JsonValue, Shape } from './shape-types.js';

/**
 * Whether a value of the Shape's JSON type passes its own keywords; objects and arrays are only
 * checked for their type (their keywords are left to the validator).
 */
export function staticallyAccepts(shape: Shape, value: JsonValue): boolean {
  switch (shape.kind) {
    case 'null':
      return value === null;
    case 'boolean':
      return typeof value === 'boolean';
    case 'string': {
      if (typeof value !== 'string') return false;
      if (shape.minLength !== undefined && codePointLength(value) < shape.minLength) return false;
      if (shape.maxLength !== undefined && codePointLength(value) > shape.maxLength) return false;
      if (shape.pattern && !new RegExp(shape.pattern.source, shape.pattern.flags).test(value)) return false;
      return shape.format === undefined || formatMatches(shape.format, value);
    }
    case 'number': {
      if (typeof value !== 'number') return false;
      if (shape.integer && !Number.isInteger(value)) return false;
      if (shape.gte !== undefined && !(value >= shape.gte)) return false;
      if (shape.gt !== undefined && !(value > shape.gt)) return false;
      if (shape.lte !== undefined && !(value <= shape.lte)) return false;
      if (shape.lt !== undefined && !(value < shape.lt)) return false;
      if (shape.multipleOf !== undefined && !isMultipleOf(value, shape.multipleOf)) return false;
      return shape.format === undefined || formatMatches(shape.format, value);
    }
    case 'object':
      return typeof value === 'object' && value !== null && !Array.isArray(value);
    case 'array':
    case 'tuple':
      return Array.isArray(value);
    default:
      return true;
  }
}
