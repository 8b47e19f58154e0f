// Code blocks of docs/security.md, type-checked with the project (test/docs/code-blocks.test.ts finds them here).
import { type ConnectionEvent, connect } from 'asyncapi-nats/runtime';

const statusLog: ConnectionEvent[] = []; // stands for your logger
const nc = await connect({
  servers: 'nats://nats.internal:4222',
  onStatus: (event) => statusLog.push(event),
});
await nc.close();

const secret = process.env.NATS_PASSWORD ?? '';
await connect({ credentials: { token: process.env.NATS_TOKEN ?? '' } });
await connect({ credentials: { user: 'svc', password: secret } });
await connect({ credentials: { nkeySeed: 'SUA...' } }); // seed text
await connect({ credentials: { credsFile: '/run/secrets/app.creds' } }); // JWT + seed, as nsc writes it

const ca = '/etc/nats/ca.pem';
await connect({ tls: { caFile: '/etc/nats/ca.pem' } }); // private CA
await connect({ tls: { caFile: ca, certFile: '/etc/nats/client.pem', keyFile: '/etc/nats/client.key' } }); // mutual TLS
await connect({ tls: {} }); // system CAs
