import type { UpstreamAnswer } from '@mcpctl/upstream';
import type { ChunkSink } from './llm-provider.js';

/** Chunks that may wait for the sink before the server's body is held: a read rarely brings more. */
const HIGH_WATER = 64;

/**
 * Hands a stream's chunks to a sink one at a time, in the order they came, as the
 * body's reads bring them. A sink slower than the server (a full provider socket, an HTTP post
 * per result) holds the server's body once HIGH_WATER chunks wait, and lets it go on once they
 * are taken, so mcplocal's memory does not grow with the answer. A sink that fails cuts the body.
 */
export class ChunkQueue {
  #waiting: string[] = [];
  #draining: Promise<void> | undefined;
  #paused = false;
  #stopped = false;
  /** Why the sink refused a chunk: the stream's failure, passed on as it is. */
  failure: Error | undefined;

  constructor(
    private readonly sink: ChunkSink,
    private readonly body: Pick<UpstreamAnswer, 'pause' | 'resume' | 'cut'>,
  ) {}

  push(text: string): void {
    if (this.#stopped) return;
    this.#waiting.push(text);
    if (!this.#draining) this.#draining = this.#drain();
    else if (!this.#paused && this.#waiting.length >= HIGH_WATER) {
      this.#paused = true;
      this.body.pause();
    }
  }

  /** Resolves once every chunk pushed so far is taken; rejects with the sink's failure. */
  async drained(): Promise<void> {
    await this.#draining;
    if (this.failure !== undefined) throw this.failure;
  }

  /** Resolves once nothing is being handed on (the chunk in flight and, unless stopped, what waits); never rejects. */
  async settled(): Promise<void> {
    await this.#draining;
  }

  /** The stream failed: what waits is dropped. */
  stop(): void {
    this.#stopped = true;
    this.#waiting = [];
  }

  async #drain(): Promise<void> {
    try {
      // The first chunk waits for the rest of its read: posted from this microtask on, a read's
      // chunks all come before the provider socket's flush (`process.nextTick`), in one message.
      await Promise.resolve();
      for (let text = this.#waiting.shift(); text !== undefined; text = this.#waiting.shift()) {
        // A chunk the sink took at once costs no promise: a read's chunks go on in one loop.
        const taken = this.sink(text);
        if (isPromiseLike(taken)) await taken;
        if (this.#paused && this.#waiting.length === 0) {
          this.#paused = false;
          this.body.resume();
        }
      }
    } catch (error) {
      this.failure = error instanceof Error ? error : new Error(`a chunk could not be handed on: ${String(error)}`);
      this.stop();
      this.body.cut(this.failure);
    } finally {
      this.#draining = undefined;
    }
  }
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function';
}
