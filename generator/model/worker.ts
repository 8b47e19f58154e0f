/**
 * Entry of the parse worker (started by `thread.ts`): imports @asyncapi/parser as it starts, then
 * answers each request with the spec's model. Between requests it waits; its parent terminates it.
 */
import { type MessagePort, parentPort } from 'node:worker_threads';
import { cacheCompiledCode } from '../compile-cache.js';
import type { ModelRequest, ModelResponse } from './thread.js';

if (parentPort === null) throw new Error('asyncapi-nats: model/worker runs as a worker thread only');
const port: MessagePort = parentPort;

// Before the parser loads (a dynamic import): on Node >= 22.1 it compiles from cache. Requests that
// arrive meanwhile wait in the port until the listener below is attached.
cacheCompiledCode();
const { loadModel } = await import('./load.js');

port.on('message', (request: ModelRequest) => {
  // Unreferenced while it works: should a bug leave the request waiting on nothing, the worker
  // exits instead of idling, and the parent runs the request itself.
  port.unref();
  void answer(request).finally(() => port.ref());
});

async function answer({ id, specPath, file }: ModelRequest): Promise<void> {
  let response: ModelResponse;
  try {
    response = { id, result: await loadModel(specPath, file) };
    port.postMessage(response);
  } catch (e) {
    // A bug of ours, or a model that cannot be cloned: the parent runs this request on its own
    // thread instead, so an error surfaces there exactly as it would without the worker.
    response = { id, error: e instanceof Error ? (e.stack ?? e.message) : String(e) };
    port.postMessage(response);
  }
}
