// A code block of docs/observability.md, type-checked with the project (test/docs/code-blocks.test.ts finds it here).
import { connect, jsonLogger, type OperationSample } from 'asyncapi-nats/runtime';
import { AiSdkServer } from './generated/ai-sdk/index.js';

const durations: number[] = []; // stands for your metrics library's histogram
const nc = await connect({ logger: jsonLogger() });
const server = new AiSdkServer(nc, {
  logger: jsonLogger(),
  metrics: (sample: OperationSample) => durations.push(sample.durationMs),
});
