// Code blocks of docs/security.md, type-checked with the project (test/docs/code-blocks.test.ts finds them here).
import { connect, connectOptionsFromEnv } from 'asyncapi-nats/runtime';

const nc = await connect({ ...connectOptionsFromEnv(), name: 'billing' });
await nc.close();
