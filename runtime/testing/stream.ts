/**
 * Test doubles for streaming replies: a scripted worker to register with a generated server (test a
 * caller against a real nats-server), and a fake {@link ReplyStream} to hand to code that consumes a
 * client method (test it without NATS).
 */
import type { ReplyStream } from '../stream-client.js';

/** What {@link scriptStream} does. */
export interface ScriptStreamOptions<TEnd> {
  /** The end message the handler returns (a streaming operation that declares one needs it). */
  readonly end?: TEnd;
  /** Pause before each chunk, in milliseconds (ends early when the stream is cancelled). */
  readonly delayMs?: number;
  /** Throw `error` after this many chunks (default: never; with `error` alone, after all of them). */
  readonly failAfter?: number;
  /** What to throw: a `ServiceError` for a chosen status, anything else answers `500 internal error`. */
  readonly error?: unknown;
}

/**
 * A streaming handler that yields `chunks` in order (pausing `delayMs` before each), then throws
 * `error` (after `failAfter` chunks when given) or returns `end`. It stops at once when its stream is
 * cancelled (its `signal` aborts). Register it as a generated server's streaming handler:
 * `server.replyChatCompletionStream({ handler: scriptStream(chunks, { end }) })`.
 */
export function scriptStream<TChunk, TEnd = undefined>(
  chunks: readonly TChunk[],
  options: ScriptStreamOptions<TEnd> = {},
): (message: { readonly signal: AbortSignal }) => AsyncGenerator<TChunk, TEnd, undefined> {
  const failAfter = options.failAfter ?? (options.error === undefined ? undefined : chunks.length);
  return async function* scripted(message) {
    for (let i = 0; i < chunks.length; i++) {
      if (failAfter === i) throw options.error ?? new Error(`scripted failure after ${i} chunks`);
      if (options.delayMs !== undefined && options.delayMs > 0) await pause(options.delayMs, message.signal);
      if (message.signal.aborted) return options.end as TEnd;
      yield chunks[i] as TChunk;
    }
    if (failAfter !== undefined && failAfter >= chunks.length) {
      throw options.error ?? new Error(`scripted failure after ${chunks.length} chunks`);
    }
    return options.end as TEnd;
  };
}

/** What {@link fakeReplyStream} does. */
export interface FakeReplyStreamOptions<TEnd> {
  /** `stream.end` once every chunk was taken. */
  readonly end?: TEnd;
  /** Rejects with this after the chunks instead of ending (e.g. a `StreamTimeoutError`, a `RemoteError`). */
  readonly error?: unknown;
  /** Pause before each chunk, in milliseconds. */
  readonly delayMs?: number;
}

/**
 * A {@link ReplyStream} that yields `chunks`, then ends with `end` (or rejects with `error`), without
 * NATS: return it from a stubbed client method to test the code that consumes it. `cancelled` tells
 * whether that code cancelled it (`cancel()`, `return()`, `break`).
 */
export function fakeReplyStream<TChunk, TEnd = undefined>(
  chunks: readonly TChunk[],
  options: FakeReplyStreamOptions<TEnd> = {},
): ReplyStream<TChunk, TEnd> & { readonly cancelled: boolean } {
  return new FakeReplyStream(chunks, options);
}

class FakeReplyStream<TChunk, TEnd> implements ReplyStream<TChunk, TEnd> {
  end: TEnd | undefined = undefined;
  cancelled = false;
  private index = 0;
  private finished = false;

  constructor(
    private readonly chunks: readonly TChunk[],
    private readonly options: FakeReplyStreamOptions<TEnd>,
  ) {}

  [Symbol.asyncIterator](): this {
    return this;
  }

  async next(): Promise<IteratorResult<TChunk, undefined>> {
    if (this.finished) return { done: true, value: undefined };
    if (this.options.delayMs !== undefined && this.options.delayMs > 0) await pause(this.options.delayMs);
    if (this.finished) return { done: true, value: undefined };
    if (this.index < this.chunks.length) return { done: false, value: this.chunks[this.index++] as TChunk };
    this.finished = true;
    if (this.options.error !== undefined) throw this.options.error;
    this.end = this.options.end;
    return { done: true, value: undefined };
  }

  async return(): Promise<IteratorResult<TChunk, undefined>> {
    await this.cancel();
    return { done: true, value: undefined };
  }

  async cancel(): Promise<void> {
    if (this.finished) return;
    this.finished = true;
    this.cancelled = true;
  }
}

function pause(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
