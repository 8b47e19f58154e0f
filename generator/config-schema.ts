/**
 * The zod schema of a config file: a module of its own, loaded only when a config has to be checked
 * (zod is about 70 modules to load; a config already checked as it is now is not checked again, see
 * `config.ts`).
 */
import { z } from 'zod';
import { OUTPUT_KINDS } from './options.js';

const docsSchema = z.union([
  z.boolean(),
  z.strictObject({ out: z.string().min(1).optional(), templates: z.string().min(1).optional() }),
]);

const specSchema = z.strictObject({
  spec: z.string().min(1),
  out: z.string().min(1).optional(),
  runtimeImport: z.string().min(1).optional(),
  outputs: z.array(z.enum(OUTPUT_KINDS)).min(1).optional(),
  docs: docsSchema.optional(),
  strict: z.boolean().optional(),
});

export const configSchema = z.strictObject({ specs: z.array(specSchema).min(1) });
