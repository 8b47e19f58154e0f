// Code blocks of docs/streaming.md, type-checked with the project (test/docs/code-blocks.test.ts finds them here).
// Generated code writes the descriptor and calls these functions for you; this is what it amounts to.
import {
  type NatsConnection,
  type OperationSpec,
  replyStream,
  requestStream,
  type StreamReceivedMessage,
  StreamTimeoutError,
  subjectTemplate,
  z,
} from 'asyncapi-nats/runtime';

const Ask = z.object({ prompt: z.string() });
const Chunk = z.object({ text: z.string() });
const End = z.object({ finish_reason: z.string() });
type Chunk = z.infer<typeof Chunk>;
type End = z.infer<typeof End>;

const streamCompletion: OperationSpec = {
  id: 'streamCompletion',
  subject: subjectTemplate('ai.complete.stream'),
  messages: [{ name: 'Ask', payload: Ask }],
  streaming: {
    chunks: [{ name: 'Chunk', payload: Chunk }],
    end: { name: 'End', payload: End },
    firstChunkTimeoutMs: 30_000,
    idleTimeoutMs: 30_000,
    totalTimeoutMs: 300_000,
    window: 32,
  },
};

declare function callModel(prompt: string, signal: AbortSignal): AsyncIterable<string>;

type AskMessage = StreamReceivedMessage<z.infer<typeof Ask>, Record<string, never>, Record<string, never>>;

async function* complete({ payload, signal }: AskMessage): AsyncGenerator<Chunk, End, undefined> {
  // `signal` aborts when the caller cancels or goes away: pass it on so the model stops too.
  for await (const text of callModel(payload.prompt, signal)) yield { text };
  return { finish_reason: 'stop' };
}

export function serve(nc: NatsConnection) {
  return replyStream(nc, streamCompletion, {}, complete);
}

export async function ask(nc: NatsConnection, prompt: string, stop: AbortSignal): Promise<string> {
  const stream = requestStream<Chunk, End>(nc, streamCompletion, { payload: { prompt } }, { signal: stop });
  let answer = '';
  try {
    for await (const chunk of stream) answer += chunk.text;
  } catch (error) {
    if (error instanceof StreamTimeoutError) return `${answer} [timed out: ${error.phase}]`;
    throw error;
  }
  return `${answer} (${stream.end?.finish_reason})`;
}
