/**
 * The streaming operation the `stream` section measures, written as generated code writes a
 * descriptor: a chat completion request answered by chunks shaped like LiteLLM's streaming
 * `chat.completion.chunk` objects (about 200 bytes of JSON each), and an end message.
 */
import { type OperationSpec, subjectTemplate, z } from 'asyncapi-nats/runtime';

export const StreamAsk = z.object({ model: z.string(), prompt: z.string(), chunks: z.number().int().min(1) });
export type StreamAsk = z.infer<typeof StreamAsk>;
export const StreamChunk = z.object({
  id: z.string(),
  object: z.literal('chat.completion.chunk'),
  created: z.number().int(),
  model: z.string(),
  choices: z.array(
    z.object({
      index: z.number().int(),
      delta: z.object({ content: z.string().optional() }),
      finish_reason: z.string().nullable(),
    }),
  ),
});
export type StreamChunk = z.infer<typeof StreamChunk>;
export const StreamEnd = z.object({ finish_reason: z.string(), chunks: z.number().int() });
export type StreamEnd = z.infer<typeof StreamEnd>;

export const CHUNK: StreamChunk = {
  id: 'chatcmpl-9f1c2a7e0d9b4c1e',
  object: 'chat.completion.chunk',
  created: 1767268800,
  model: 'gpt-4o-mini',
  choices: [{ index: 0, delta: { content: ' queue groups share the load' }, finish_reason: null }],
};

/** The descriptor, on `subject` (one per variant and run). */
export function streamOperation(subject: string, window = 32): OperationSpec {
  return {
    id: 'streamChatCompletion',
    subject: subjectTemplate(subject),
    messages: [{ name: 'ChatCompletionStreamRequest', payload: StreamAsk }],
    streaming: {
      chunks: [{ name: 'ChatCompletionChunk', payload: StreamChunk }],
      end: { name: 'ChatCompletionStreamEnd', payload: StreamEnd },
      firstChunkTimeoutMs: 30_000,
      idleTimeoutMs: 30_000,
      totalTimeoutMs: 600_000,
      window,
    },
  };
}

/** The generated-style worker: yields the requested number of chunks, returns the end message. */
export async function* completion(m: { readonly payload: unknown }): AsyncGenerator<StreamChunk, StreamEnd, undefined> {
  const { chunks } = m.payload as StreamAsk;
  for (let i = 0; i < chunks; i++) yield CHUNK;
  return { finish_reason: 'stop', chunks };
}
