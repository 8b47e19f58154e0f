// Code blocks of docs/runtime.md ("Connecting") and docs/security.md ("Credentials in server URLs"),
// type-checked with the project (test/docs/code-blocks.test.ts finds them here).
import { connect, connectOptionsFromEnv } from 'asyncapi-nats/runtime';

await connect({ retry: { attempts: 5 } }); // five attempts
await connect({ retry: { timeoutMs: 30_000 } }); // or 30 s in all

const nc = await connect(connectOptionsFromEnv()); // NATS_URL=nats://svc:s3cret@nats.internal:4222
await nc.close();
