import type { RestOfStreamTimer, UpstreamAnswer } from '@mcpctl/upstream';
import type { ProviderBody } from './provider-http.js';

/**
 * An answer's body as an async iterable of its reads, for the readers that pull (the SSE and
 * NDJSON readers of the streams that are mapped delta by delta). A read nobody asked for yet
 * holds the upstream until it is taken, so a slow reader slows the server instead of filling
 * memory.
 */
export function pulledBody(answer: UpstreamAnswer): ProviderBody {
  return new PulledBody(answer);
}

type Waiting = { resolve(result: IteratorResult<Uint8Array>): void; reject(error: unknown): void };

class PulledBody implements ProviderBody {
  readonly #reads: Buffer[] = [];
  #waiting: Waiting | undefined;
  #end: { error?: unknown } | undefined;
  #destroyed = false;
  /** The reader has what it needs: what is left of the body is no longer its to read or cut. */
  #released = false;

  constructor(private readonly answer: UpstreamAnswer) {
    void answer
      .read((bytes) => {
        const reader = this.#waiting;
        this.#waiting = undefined;
        if (reader) reader.resolve({ value: bytes, done: false });
        else {
          this.#reads.push(bytes);
          answer.pause();
        }
        return true;
      })
      .then(
        () => this.#settle({}),
        (error: unknown) => this.#settle({ error }),
      );
  }

  get destroyed(): boolean {
    return this.#destroyed;
  }

  destroy(): void {
    if (this.#destroyed) return;
    this.#destroyed = true;
    this.#reads.length = 0;
    const reader = this.#waiting;
    this.#waiting = undefined;
    reader?.resolve({ value: undefined, done: true });
    if (!this.#released) this.answer.cut();
  }

  readRest(timer: RestOfStreamTimer): void {
    this.#released = true;
    this.answer.readRest(timer);
  }

  [Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    return {
      next: () => this.#next(),
      return: () => {
        this.destroy();
        return Promise.resolve({ value: undefined, done: true });
      },
    };
  }

  #next(): Promise<IteratorResult<Uint8Array>> {
    if (this.#destroyed) return Promise.resolve({ value: undefined, done: true });
    const bytes = this.#reads.shift();
    if (bytes) {
      if (this.#reads.length === 0) this.answer.resume();
      return Promise.resolve({ value: bytes, done: false });
    }
    const end = this.#end;
    if (end) return 'error' in end ? Promise.reject(end.error) : Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve, reject) => {
      this.#waiting = { resolve, reject };
    });
  }

  #settle(how: { error?: unknown }): void {
    this.#end = how;
    const reader = this.#waiting;
    this.#waiting = undefined;
    if (!reader) return;
    if ('error' in how) reader.reject(how.error);
    else reader.resolve({ value: undefined, done: true });
  }
}
