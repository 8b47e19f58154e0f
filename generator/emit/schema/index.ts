/** JSON Schema emitters: TypeScript types, zod 4 schemas, and the order to declare them in. */
export { orderDeclarations, referencedNames } from './order.js';
export { addDoc, docOf, printNode } from './print.js';
export { type SchemaRefs, type SchemaRole, type SchemaWarn, schemaRefs } from './shape.js';
export { type TypeContext, typeNode } from './type.js';
export { type ZodContext, zodExpression } from './zod.js';
