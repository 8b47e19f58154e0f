/**
 * A gateway worker (the guide's "LiteLLM Gateway"), with a stand-in model instead of LiteLLM: no network,
 * no API keys, the same answer for the same question.
 *
 * It serves both gateway subjects of the spec, in the spec's queue group `gateway.workers`, so any number
 * of workers share the load (each request goes to exactly one of them):
 * - `replyChatCompletion`: request/reply; the caller waits for the completion (the spec's 60 s timeout);
 * - `receiveGatewayRequest`: the durable request queue (JetStream); the caller does not wait, the request
 *   survives restarts, and it is acked when the handler resolves;
 * - `replyChatCompletionStream`: a streamed completion (LiteLLM's `stream: true`): an async generator
 *   that yields `chat.completion.chunk`s as the stand-in model "generates" them and returns the end
 *   message; it stops when the caller cancels (the handler's `signal`).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { type NatsConnection, ServiceError } from 'asyncapi-nats/runtime';
import {
  AiSdkServer,
  type ChatCompletionChunk,
  type ChatCompletionRequest,
  type ChatCompletionResponse,
  type ChatCompletionStreamEnd,
} from '../../generated/ai-sdk/index.js';
import { errorText, type Log, short } from './trace.js';

/** The models this gateway serves; any other gets a 404 error reply. */
export const MODELS: ReadonlySet<string> = new Set(['gpt-4o-mini']);

export interface GatewayWorkerOptions {
  /** Name of this instance, for the log. */
  readonly name: string;
  readonly tenant: string;
  readonly log: Log;
  /** Called once a queued request is done (the example waits for it). */
  readonly onQueuedDone?: (requestId: string) => void;
  /** Called when a caller cancels a streamed completion, with the chunks sent by then. */
  readonly onStreamCancelled?: (chunksSent: number) => void;
}

/** How long the stand-in model takes per chunk: slow enough to see the stream, and to cancel it. */
const CHUNK_DELAY_MS = 15;

export function startGatewayWorker(nc: NatsConnection, options: GatewayWorkerOptions): AiSdkServer {
  const { name, tenant, log } = options;
  // Invalid messages never reach a handler; what goes wrong is reported here and the worker goes on.
  const server = new AiSdkServer(nc, {
    onError: (e) => log(name, `✗ ${e.kind} on ${e.operation}: ${errorText(e.error)}`),
  });
  const params = { tenant_id: tenant };

  const replies = server.replyChatCompletion({
    params,
    // The return value is the reply; it is validated against the spec before it is sent.
    handler: ({ payload }) => {
      if (!MODELS.has(payload.model)) {
        log(name, `← requestChatCompletion for model '${payload.model}': not served here, error reply 404`);
        // A ServiceError chooses the error reply: the caller gets a RemoteError with this status and text.
        throw new ServiceError(404, `model '${payload.model}' is not served by this gateway`);
      }
      const completion = standInModel(payload);
      log(
        name,
        `← requestChatCompletion ${payload.model}, ${payload.messages.length} messages: replied ${tokens(completion)}`,
      );
      return completion;
    },
  });
  log(name, `replyChatCompletion on ${replies.subject}, queue group ${replies.queue}`);

  const queue = server.receiveGatewayRequest({
    params,
    // Headers arrive parsed and validated: routing needs no look at the payload.
    handler: ({ payload, headers, messageId, deliveryCount }) => {
      const completion = standInModel(payload);
      log(
        name,
        `← receiveGatewayRequest ${short(headers.request_id)} (headers: model ${headers.model}, priority ${headers.priority ?? 'normal'}; ` +
          `messageId ${short(messageId)}, delivery ${deliveryCount}): done, ${tokens(completion)}`,
      );
      // Resolving acks the message; a throw would nak it for redelivery after the spec's backoff.
      options.onQueuedDone?.(headers.request_id);
    },
  });
  log(name, `receiveGatewayRequest on ${queue.subject}, durable consumer ${queue.queue}`);

  const streams = server.replyChatCompletionStream({
    params,
    // Each yield is one chunk, validated and sent in order (never more than the spec's window ahead of
    // the caller); the return value is the end message.
    handler: async function* ({ payload, signal }) {
      const completion = standInModel(payload);
      // Three words a chunk: a real model streams a token or a few at a time.
      const pieces = completion.choices[0]?.message.content.match(/(?:\S+\s*){1,3}/g) ?? [];
      log(name, `← streamChatCompletion ${payload.model}: streaming ${pieces.length} chunks`);
      let sent = 0;
      // The signal aborts when the caller cancels (or goes away): a real worker would stop calling the model.
      signal.addEventListener(
        'abort',
        () => {
          log(name, `← streamChatCompletion cancelled by the caller after ${sent} chunks: model call stopped`);
          options.onStreamCancelled?.(sent);
        },
        { once: true },
      );
      const chunk = (delta: ChatCompletionChunk['choices'][number]['delta']): ChatCompletionChunk => ({
        id: completion.id,
        object: 'chat.completion.chunk',
        created: completion.created,
        model: completion.model,
        choices: [{ index: 0, delta, finish_reason: null }],
      });
      for (const [i, piece] of pieces.entries()) {
        await sleep(CHUNK_DELAY_MS); // the model generating the next token
        if (signal.aborted) break;
        yield chunk(i === 0 ? { role: 'assistant', content: piece } : { content: piece });
        sent += 1;
      }
      const end: ChatCompletionStreamEnd = {
        finish_reason: 'stop',
        usage: completion.usage ?? { prompt_tokens: 0, completion_tokens: sent, total_tokens: sent },
      };
      return end;
    },
  });
  log(name, `replyChatCompletionStream on ${streams.subject}, queue group ${streams.queue}`);

  return server;
}

let completions = 0;

/**
 * The stand-in model. With context lines (`- …` in a system message) it answers with the line that shares
 * the most words with the question; without, it gives back the question's first ten words.
 */
export function standInModel(request: ChatCompletionRequest): ChatCompletionResponse {
  const question = request.messages.findLast((m) => m.role === 'user')?.content ?? '';
  const context = request.messages
    .filter((m) => m.role === 'system')
    .flatMap((m) => m.content.split('\n'))
    .filter((line) => line.startsWith('- '))
    .map((line) => line.slice(2));
  const asked = words(question);
  let best: string | undefined;
  let bestShared = 0;
  for (const line of context) {
    const shared = [...words(line)].filter((w) => asked.has(w)).length;
    if (shared > bestShared) [best, bestShared] = [line, shared];
  }
  const content = best ?? question.split(/\s+/).slice(0, 10).join(' ');
  const prompt = request.messages.reduce((n, m) => n + m.content.split(/\s+/).length, 0);
  const answer = content.split(/\s+/).length;
  completions += 1;
  return {
    id: `chatcmpl-standin-${completions}`,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model: request.model,
    choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
    usage: { prompt_tokens: prompt, completion_tokens: answer, total_tokens: prompt + answer },
  };
}

/** Lower-case words of three letters or more: what the stand-in compares. */
function words(text: string): Set<string> {
  return new Set(text.toLowerCase().match(/[a-z0-9]{3,}/g) ?? []);
}

function tokens(completion: ChatCompletionResponse): string {
  return `${completion.usage?.completion_tokens ?? 0} tokens`;
}
