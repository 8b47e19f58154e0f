// A code block of docs/config.md, type-checked with the project (test/docs/code-blocks.test.ts finds it here).
import { defineConfig } from 'asyncapi-nats';

export default defineConfig({
  specs: [
    { spec: 'spec/ai-sdk.asyncapi.yaml', out: 'generated/ai-sdk' },
    {
      spec: 'spec/billing.asyncapi.yaml',
      out: 'src/billing/nats', // default: generated/<spec name>
      runtimeImport: 'asyncapi-nats/runtime/gen', // the default: the codegen contract
      outputs: ['client', 'schemas'], // of 'client' | 'server' | 'schemas' | 'docs'; default: all
      docs: { out: 'site/billing', templates: 'docs-templates' }, // or false
      strict: true, // an example that does not match its schema is an error (as --strict); default false
    },
  ],
});
