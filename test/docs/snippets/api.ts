// A code block of docs/config.md, type-checked with the project (test/docs/code-blocks.test.ts finds it here).
import { check, diff, generate } from 'asyncapi-nats';

const result = await generate({ spec: 'spec/ai-sdk.asyncapi.yaml', out: 'generated/ai-sdk' });
// result.written / unchanged / removed, result.problems (warnings), result.timings
const report = await check({ spec: 'spec/ai-sdk.asyncapi.yaml' }); // report.ok, report.findings
const changes = await diff({ old: 'main:spec/ai-sdk.asyncapi.yaml', new: 'spec/ai-sdk.asyncapi.yaml' });
