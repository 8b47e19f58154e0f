/**
 * Placeholder for the streaming server (the RUNTIME helper's runtime/stream-server.ts replaces it):
 * the names and types of STREAMING.md §4, so generated code compiles.
 */
import type { NatsConnection } from '@nats-io/transport-node';
import type { Handle, OperationSpec, ReceiveArgs, ReceivedMessage, ServerOptions } from './types.js';

/** What a streaming handler receives: ReceivedMessage plus the stream's cancellation signal. */
export type StreamReceivedMessage<P, H, Params> = ReceivedMessage<P, H, Params> & { readonly signal: AbortSignal };

/** Serves a streaming operation: each chunk the handler yields is sent in order, its return value ends the stream. */
export function replyStream<TMsg, TChunk, TEnd>(
  _nc: NatsConnection,
  _op: OperationSpec,
  _args: ReceiveArgs,
  _handler: (m: TMsg) => AsyncIterable<TChunk> | AsyncGenerator<TChunk, TEnd, undefined>,
  _options?: ServerOptions,
): Handle {
  throw new Error('replyStream is not implemented yet');
}
