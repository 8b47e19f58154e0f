/** JSON Schema emitters: TypeScript types, zod 4 schemas, and the order to declare them in. */

export { addDoc } from '../ast.js';
export { printNode } from '../print.js';
export { type LiveSchema, LiveSchemas, liveSchema } from './live.js';
export { orderDeclarations, referencedNames } from './order.js';
export {
  type Dialect,
  docOf,
  type SchemaFinding,
  type SchemaRefs,
  type SchemaRole,
  type SchemaWarn,
  schemaRefs,
} from './shape.js';
export { shapeType, type TypeContext, typeNode } from './type.js';
export { usesHelpers, type ZodContext, zodExpression } from './zod.js';
