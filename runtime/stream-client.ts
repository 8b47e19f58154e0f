/**
 * Placeholder for the streaming client (the RUNTIME helper's runtime/stream-client.ts replaces it):
 * the names and types of STREAMING.md §4, so generated code compiles.
 */
import type { NatsConnection } from '@nats-io/transport-node';
import type { ClientOptions, OperationSpec, SendArgs } from './types.js';

/** Options of one streamed request. */
export interface StreamOptions extends ClientOptions {
  readonly signal?: AbortSignal;
  readonly firstChunkTimeoutMs?: number;
  readonly idleTimeoutMs?: number;
  readonly totalTimeoutMs?: number;
  readonly window?: number;
}

/** The chunks of a streamed reply, then its end message. */
export interface ReplyStream<TChunk, TEnd> extends AsyncIterableIterator<TChunk> {
  /** The end message once the stream ended normally; undefined before (and when none is declared). */
  readonly end: TEnd | undefined;
  /** Stops the stream: the server is told (its handler's signal aborts); the iterator finishes. */
  cancel(reason?: string): Promise<void>;
}

/** Sends a streaming request (on the first `next()`) and iterates its chunks. */
export function requestStream<TChunk, TEnd = undefined>(
  _nc: NatsConnection,
  _op: OperationSpec,
  _args: SendArgs,
  _options?: StreamOptions,
): ReplyStream<TChunk, TEnd> {
  throw new Error('requestStream is not implemented yet');
}
