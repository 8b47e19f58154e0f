/**
 * examples/ai-sdk runs the way a newcomer runs it: a child process with no NATS_URL, so it starts (and
 * stops) a nats-server of its own; it exits 0 and its output shows every step of the flow. Never skips:
 * without nats-server the example exits 1 saying how to get one, and these tests fail with that text.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, test } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const TSX = join(ROOT, 'node_modules', '.bin', 'tsx');
const RUN_TIMEOUT_MS = 60_000;

interface Run {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly ms: number;
}

let run: Run;

beforeAll(async () => {
  // The example must spawn its own server: never hand it the test run's (or anyone's) NATS_URL.
  const { NATS_URL: _ignored, ...env } = process.env;
  const started = performance.now();
  run = await new Promise<Run>((resolve) => {
    execFile(
      TSX,
      ['--conditions=source', 'examples/ai-sdk/main.ts'],
      { cwd: ROOT, env, timeout: RUN_TIMEOUT_MS, killSignal: 'SIGINT' },
      (error, stdout, stderr) => {
        const failure = error as (Error & { code?: number | string; signal?: NodeJS.Signals | null }) | null;
        resolve({
          code: failure === null ? 0 : typeof failure.code === 'number' ? failure.code : null,
          signal: failure?.signal ?? null,
          stdout,
          stderr,
          ms: performance.now() - started,
        });
      },
    );
  });
}, RUN_TIMEOUT_MS + 10_000);

/** The output, for failure messages. */
function transcript(): string {
  return `exit ${run.code} signal ${run.signal} after ${Math.round(run.ms)} ms\n--- stdout\n${run.stdout}\n--- stderr\n${run.stderr}`;
}

/** The output lines of component `who` (the second column). */
function linesOf(who: string): string[] {
  return run.stdout.split('\n').filter((line) => new RegExp(`^\\s+[\\d.]+ ms  ${who}\\s`).test(line));
}

describe('example - ai-sdk', () => {
  test('example - runs against a nats-server of its own, exits 0 and finishes in seconds', () => {
    expect(run.code, transcript()).toBe(0);
    expect(run.stdout, transcript()).toMatch(
      /NATS: nats-server pid \d+ started for this run on nats:\/\/127\.0\.0\.1:\d+/,
    );
    expect(run.stdout, transcript()).toMatch(/\ndone in [\d.]+ ms\n/);
    expect(run.ms, transcript()).toBeLessThan(30_000);
  });

  test('example - stops the nats-server it started', () => {
    const pid = Number(/nats-server pid (\d+)/.exec(run.stdout)?.[1]);
    expect(pid, transcript()).toBeGreaterThan(0);
    expect(run.stdout, transcript()).toContain('main       nats-server stopped');
    expect(() => process.kill(pid, 0), `nats-server pid ${pid} still runs`).toThrow();
  });

  test('example - the workers register in their queue groups and durable consumers', () => {
    const out = run.stdout;
    for (const gateway of ['gateway-1', 'gateway-2']) {
      expect(linesOf(gateway).join('\n'), transcript()).toContain(
        'replyChatCompletion on ai.gateway.responses.acme, queue group gateway.workers',
      );
      expect(linesOf(gateway).join('\n'), transcript()).toContain(
        'replyChatCompletionStream on ai.gateway.stream.acme, queue group gateway.workers',
      );
    }
    expect(out, transcript()).toContain('durable consumer gateway-workers_acme');
    expect(out, transcript()).toContain('durable consumer rag-ingest-workers_acme');
    expect(out, transcript()).toContain('durable consumer agent-workers_acme');
    expect(out, transcript()).toContain('receiveAgentMessage on ai.agent.message.acme, queue group agent.planner');
  });

  test('example - documents are stored durably and indexed by the RAG worker', () => {
    const out = run.stdout;
    expect(out, transcript()).toMatch(/→ ingestDocument doc-runbook-checkout: stored as AI_RAG_INGEST #\d+/);
    expect(out, transcript()).toMatch(/→ ingestDocument doc-runbook-search: stored as AI_RAG_INGEST #\d+/);
    expect(linesOf('rag').join('\n'), transcript()).toMatch(
      /← receiveDocument doc-runbook-checkout \(messageId \S+, delivery 1\): \d+ chunks indexed/,
    );
  });

  test('example - the agent takes the task, queries RAG, gets a gateway reply and answers the planner', () => {
    const out = run.stdout;
    expect(out, transcript()).toMatch(/planner +→ sendAgentTask \S+: stored as AI_AGENT_TASKS #\d+/);
    expect(out, transcript()).toMatch(
      /researcher +← receiveAgentTask answer_question \S+ \(messageId \S+, delivery 1\)/,
    );
    expect(out, transcript()).toMatch(/researcher +→ requestRagResults "How do I restart the checkout service\?"/);
    expect(out, transcript()).toMatch(/rag +← requestRagResults .*replied with 2/);
    expect(out, transcript()).toMatch(/researcher +← 2 results in [\d.]+ ms, best doc-runbook-checkout#\d+/);
    expect(out, transcript()).toMatch(/gateway-\d +← requestChatCompletion gpt-4o-mini/);
    expect(out, transcript()).toMatch(/researcher +← gateway reply in [\d.]+ ms: "Restart the service with/);
    expect(out, transcript()).toMatch(/researcher +→ queueGatewayRequest .*stored as AI_GATEWAY_REQUESTS #\d+/);
    expect(out, transcript()).toMatch(/gateway-\d +← receiveGatewayRequest .*priority low.*delivery 1/);
    expect(out, transcript()).toMatch(/planner +← event from researcher/);
    expect(out, transcript()).toMatch(/planner +← response from researcher: "Restart the service with/);
  });

  test('example - a retried task is stored once and handled once', () => {
    expect(run.stdout, transcript()).toMatch(/→ sendAgentTask \S+ again \(a retry\): duplicate true/);
    expect(run.stdout.match(/← receiveAgentTask/g) ?? [], transcript()).toHaveLength(1);
  });

  test('example - a completion streams chunk by chunk in order, then its end message', () => {
    const out = run.stdout;
    expect(out, transcript()).toMatch(/planner +→ streamChatCompletion "Summarise incident INC-311/);
    expect(out, transcript()).toMatch(/gateway-\d +← streamChatCompletion gpt-4o-mini: streaming 7 chunks/);
    const chunks = [...out.matchAll(/planner +← chunk (\d+) after [\d.]+ ms: "([^"]*)"/g)];
    expect(
      chunks.map((m) => Number(m[1])),
      transcript(),
    ).toEqual([1, 2, 3, 4, 5, 6, 7]);
    const text = chunks.map((m) => m[2]).join('');
    expect(text, transcript()).toBe(
      'INC-311: checkout was down for 14 minutes because a TLS certificate expired; it was rotated and expiry alerts were added.',
    );
    expect(out, transcript()).toMatch(/planner +← end after 7 chunks in [\d.]+ ms: finish_reason stop, \d+ tokens/);
  });

  test('example - the second stream is aborted after three chunks and the worker learns of it', () => {
    const out = run.stdout;
    expect(out, transcript()).toMatch(/planner +✋ the user pressed stop after 3 chunks: abort\(\)/);
    expect(out, transcript()).toMatch(/planner +✗ stream stopped after 3 chunks: the user pressed stop/);
    expect(out, transcript()).toMatch(
      /gateway-\d +← streamChatCompletion cancelled by the caller after \d+ chunks: model call stopped/,
    );
    // The cancelled stream never reached its end.
    expect(out.match(/← end after/g) ?? [], transcript()).toHaveLength(1);
  });

  test('example - failures print as typed errors', () => {
    const out = run.stdout;
    expect(out, transcript()).toMatch(/✗ ValidationError \(send payload\) .*temperature/);
    expect(out, transcript()).toMatch(
      /gateway-\d +← requestChatCompletion for model 'gpt-9': not served here, error reply 404/,
    );
    expect(out, transcript()).toMatch(/✗ RemoteError 404 in [\d.]+ ms: model 'gpt-9' is not served by this gateway/);
    // Nothing went wrong besides the two demonstrated errors and the stream the user stopped.
    expect(out.match(/✗/g) ?? [], transcript()).toHaveLength(3);
    expect(run.stderr, transcript()).toBe('');
  });
});
