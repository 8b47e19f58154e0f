import { defineConfig } from 'asyncapi-nats';

// The specs of this repository and where their generated code goes (`npm run generate`,
// `npx asyncapi-nats check` in .ci/run). generated/ai-sdk imports the runtime as a user would.
export default defineConfig({
  specs: [{ spec: 'spec/ai-sdk.asyncapi.yaml', out: 'generated/ai-sdk' }],
});
