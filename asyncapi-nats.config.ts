import { defineConfig } from 'asyncapi-nats';

// The specs of this repository and where their generated code goes (`npm run generate`,
// `npx asyncapi-nats check` in .ci/run). generated/ai-sdk imports the runtime as a user would.
// The starter spec `init` writes is generated too, so the README's program (examples/greeter/main.ts)
// is type-checked with the project and run by test/examples/greeter.test.ts.
export default defineConfig({
  specs: [
    { spec: 'spec/ai-sdk.asyncapi.yaml', out: 'generated/ai-sdk' },
    { spec: 'templates/init/starter.asyncapi.yaml', out: 'examples/greeter/generated/greeter', docs: false },
  ],
});
