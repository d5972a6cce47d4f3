import type { CancelSignal } from '@mcpctl/upstream';

/** What a listener's failure becomes: as with an EventTarget, an uncaught exception on a later tick. */
const throwLater = (error: unknown) =>
  process.nextTick(() => {
    throw error;
  });

/**
 * The signal of one caller, and its abort: what an AbortController gives the inference path,
 * without one per request. Node's AbortSignal is an EventTarget with maps of its own; made per
 * request and kept for the request's life, it survived young-generation collections under load
 * and got promoted (on a plain HTTP server, one per request cut throughput by a quarter or more;
 * docs/decisions.md, "Per-request objects and the young generation").
 *
 * Listeners behave as with `{ once: true }` on an AbortSignal: each runs once, in the order
 * added; one removed before its turn does not run, one added after the abort never runs, and one
 * that throws neither stops the others nor throws to whoever aborted.
 */
export class CallerSignal implements CancelSignal {
  #aborted = false;
  #listeners: Set<() => void> | undefined;

  constructor(private readonly onListenerError: (error: unknown) => void = throwLater) {}

  get aborted(): boolean {
    return this.#aborted;
  }

  addEventListener(_type: 'abort', listener: () => void, _options?: { once?: boolean }): void {
    if (this.#aborted) return;
    (this.#listeners ??= new Set()).add(listener);
  }

  removeEventListener(_type: 'abort', listener: () => void): void {
    this.#listeners?.delete(listener);
  }

  /** Fires the listeners once; later calls do nothing. */
  abort(): void {
    if (this.#aborted) return;
    this.#aborted = true;
    const listeners = this.#listeners;
    if (!listeners) return;
    for (const listener of listeners) {
      listeners.delete(listener);
      try {
        listener();
      } catch (error) {
        this.onListenerError(error);
      }
    }
    this.#listeners = undefined;
  }
}
