/**
 * An agent worker (the guide's "Agent Framework"). It takes tasks from the durable task queue shared by
 * every agent worker (`receiveAgentTask`, queue group `agent.workers`), and for an `answer_question` task:
 *
 * 1. tells the agent that asked that it is working on it (`sendAgentMessage`, routing headers);
 * 2. asks the RAG system for context (`requestRagResults`, request/reply, the spec's 30 s timeout);
 * 3. asks the gateway for a completion (`requestChatCompletion`, request/reply, the spec's 60 s timeout);
 * 4. queues a follow-up for the gateway without waiting for it (`queueGatewayRequest`, durable, headers);
 * 5. sends the answer back (`sendAgentMessage`, type `response`).
 *
 * If a step throws, the handler throws: the task is nakked and redelivered after the spec's backoff
 * (1 s, 5 s, 15 s), and dead-lettered after 5 deliveries. Every step is safe to repeat.
 */
import { randomUUID } from 'node:crypto';
import { type NatsConnection, z } from 'asyncapi-nats/runtime';
import { type AgentMessage, AiSdkClient, AiSdkServer } from '../../generated/ai-sdk/index.js';
import { elapsed, errorText, type Log, short } from './trace.js';

/** The `input` of an `answer_question` task. The spec leaves task input free-form, so the agent checks it. */
export const AnswerQuestionInput = z.object({
  question: z.string().min(1),
  /** The agent that asked: it gets the progress and the answer. */
  reply_to_agent: z.string().min(1),
  conversation_id: z.string().min(1),
});
export type AnswerQuestionInput = z.infer<typeof AnswerQuestionInput>;

export interface AgentOptions {
  /** This agent's id: the `source_agent_id` of what it sends. */
  readonly agentId: string;
  readonly tenant: string;
  /** The model it asks the gateway for. */
  readonly model: string;
  readonly log: Log;
}

export function startAgent(nc: NatsConnection, options: AgentOptions): AiSdkServer {
  const { agentId, tenant, model, log } = options;
  const client = new AiSdkClient(nc);
  const server = new AiSdkServer(nc, {
    onError: (e) => log(agentId, `✗ ${e.kind} on ${e.operation}: ${errorText(e.error)}`),
  });
  const params = { tenant_id: tenant };
  /** Tasks already answered, by message id: a task redelivered after a lost ack is not answered twice. */
  const answered = new Set<string>();

  /** Sends an agent message; the headers name the addressee and the sender, as the guide says. */
  const tell = (to: string, conversationId: string, type: AgentMessage['type'], content: string): void => {
    client.sendAgentMessage({
      params,
      headers: { target_agent_id: to, source_agent_id: agentId },
      payload: {
        message_id: randomUUID(),
        conversation_id: conversationId,
        type,
        content,
        sent_at: new Date().toISOString(),
      },
    });
    log(agentId, `→ sendAgentMessage ${type} to ${to}: "${content}"`);
  };

  const tasks = server.receiveAgentTask({
    params,
    handler: async ({ payload: task, messageId, deliveryCount }) => {
      log(
        agentId,
        `← receiveAgentTask ${task.type} ${short(task.task_id)} (messageId ${short(messageId)}, delivery ${deliveryCount})`,
      );
      if (answered.has(messageId)) return; // resolving acks it again
      const input = AnswerQuestionInput.safeParse(task.input);
      if (task.type !== 'answer_question' || !input.success) {
        // No retry can fix a task this agent does not understand: ack it (return) instead of throwing.
        log(agentId, `✗ task ${short(task.task_id)} is not an answer_question task this agent can read: dropped`);
        return;
      }
      const { question, reply_to_agent: asker, conversation_id: conversation } = input.data;
      tell(asker, conversation, 'event', `on it: ${question}`);

      let started = performance.now();
      log(agentId, `→ requestRagResults "${question}"`);
      const found = await client.requestRagResults({
        params,
        payload: { query_id: randomUUID(), query: question, top_k: 2, filters: { team: 'payments' } },
      });
      const best = found.results[0];
      log(
        agentId,
        `← ${found.results.length} results in ${elapsed(started)}` +
          (best === undefined ? '' : `, best ${best.chunk_id} (score ${best.score})`),
      );

      started = performance.now();
      log(agentId, `→ requestChatCompletion ${model} with ${found.results.length} context chunks`);
      const completion = await client.requestChatCompletion({
        params,
        payload: {
          model,
          temperature: 0,
          messages: [
            {
              role: 'system',
              content: `Answer from this context:\n${found.results.map((r) => `- ${r.content}`).join('\n')}`,
            },
            { role: 'user', content: question },
          ],
        },
      });
      const answer = completion.choices[0]?.message.content ?? '';
      log(agentId, `← gateway reply in ${elapsed(started)}: "${answer}"`);

      // Fire and forget, but durable: resolves once the stream has stored it. The spec takes the message id
      // from the request_id header; it is the task id here, so a redelivered task does not queue it twice.
      started = performance.now();
      const queued = await client.queueGatewayRequest({
        params,
        headers: { request_id: task.task_id, model, priority: 'low' },
        payload: { model, messages: [{ role: 'user', content: `Changelog line: ${answer}` }] },
      });
      log(
        agentId,
        `→ queueGatewayRequest ${short(queued.messageId)} (changelog line, priority low): stored as ${queued.stream} #${queued.seq} in ${elapsed(started)}`,
      );

      tell(asker, conversation, 'response', answer);
      answered.add(messageId);
    },
  });
  log(agentId, `receiveAgentTask on ${tasks.subject}, durable consumer ${tasks.queue}`);

  return server;
}
