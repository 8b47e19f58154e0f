/**
 * The server process of the `stream` section's memory measurement: serves the streaming operation
 * with a worker that never ends (each stream only stops when cancelled) and answers `measure` with
 * its memory after a full garbage collection. Run by bench/stream.ts with `node --expose-gc --import tsx`.
 */
import { connect, replyStream } from 'asyncapi-nats/runtime';
import { CHUNK, type StreamChunk, streamOperation } from './stream-op.js';

const [url, subject] = process.argv.slice(2) as [string, string];
const nc = await connect({ servers: url, name: 'bench-stream-server', retry: { attempts: 3 } });
let open = 0;
let produced = 0;
const handle = replyStream(
  nc,
  streamOperation(subject),
  {},
  async function* endless(): AsyncGenerator<StreamChunk, undefined, undefined> {
    open++;
    try {
      for (;;) {
        produced++;
        yield CHUNK;
      }
    } finally {
      open--;
    }
  },
  { service: false, maxInFlight: 5_000 },
);
await handle.ready;

function gc(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

process.on('message', (message: unknown) => {
  if (message === 'measure') {
    gc();
    gc();
    const { rss, heapUsed, external } = process.memoryUsage();
    process.send?.({ rss, heapUsed, external, open, produced });
  } else if (message === 'stop') {
    handle.unsubscribe();
    void nc.close().then(() => process.exit(0));
  }
});
process.send?.({ ready: true });
