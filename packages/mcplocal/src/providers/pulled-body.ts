import type { RestOfStreamTimer, UpstreamAnswer } from '@mcpctl/upstream';
import type { ProviderBody } from './provider-http.js';

/**
 * An answer's body as an async iterable of its reads, for the readers that pull (the SSE and
 * NDJSON readers of the streams that are mapped delta by delta). A read nobody asked for yet
 * holds the upstream until it is taken, so a slow reader slows the server instead of filling
 * memory.
 */
export function pulledBody(answer: UpstreamAnswer): ProviderBody {
  const reads: Buffer[] = [];
  let waiting: { resolve(result: IteratorResult<Uint8Array>): void; reject(error: unknown): void } | undefined;
  let end: { error?: unknown } | undefined;
  let destroyed = false;
  /** The reader has what it needs: what is left of the body is no longer its to read or cut. */
  let released = false;

  void answer
    .read((bytes) => {
      const reader = waiting;
      waiting = undefined;
      if (reader) reader.resolve({ value: bytes, done: false });
      else {
        reads.push(bytes);
        answer.pause();
      }
      return true;
    })
    .then(
      () => settle({}),
      (error: unknown) => settle({ error }),
    );

  function settle(how: { error?: unknown }): void {
    end = how;
    const reader = waiting;
    waiting = undefined;
    if (!reader) return;
    if ('error' in how) reader.reject(how.error);
    else reader.resolve({ value: undefined, done: true });
  }

  const body: ProviderBody = {
    get destroyed() {
      return destroyed;
    },
    destroy() {
      if (destroyed) return;
      destroyed = true;
      reads.length = 0;
      const reader = waiting;
      waiting = undefined;
      reader?.resolve({ value: undefined, done: true });
      if (!released) answer.cut();
    },
    readRest(timer: RestOfStreamTimer) {
      released = true;
      answer.readRest(timer);
    },
    [Symbol.asyncIterator]: () => ({
      next(): Promise<IteratorResult<Uint8Array>> {
        if (destroyed) return Promise.resolve({ value: undefined, done: true });
        const bytes = reads.shift();
        if (bytes) {
          if (reads.length === 0) answer.resume();
          return Promise.resolve({ value: bytes, done: false });
        }
        if (end) return 'error' in end ? Promise.reject(end.error) : Promise.resolve({ value: undefined, done: true });
        return new Promise((resolve, reject) => {
          waiting = { resolve, reject };
        });
      },
      return(): Promise<IteratorResult<Uint8Array>> {
        body.destroy();
        return Promise.resolve({ value: undefined, done: true });
      },
    }),
  };
  return body;
}
