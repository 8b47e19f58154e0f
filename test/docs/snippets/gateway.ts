// The handler docs/testing.md's snippet imports as "your handler".
import type { ChatCompletionRequest, ChatCompletionResponse } from './generated/ai-sdk/index.js';

export async function answerChat({ payload }: { payload: ChatCompletionRequest }): Promise<ChatCompletionResponse> {
  return {
    id: 'chatcmpl-1',
    object: 'chat.completion',
    created: 0,
    model: payload.model,
    choices: [{ index: 0, message: { role: 'assistant', content: 'hi' }, finish_reason: 'stop' }],
  };
}
