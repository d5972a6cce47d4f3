import type { CancelSignal } from '@mcpctl/upstream';

/**
 * The signal of one caller, and its abort: what an AbortController gives the inference path,
 * without one per request. Node's AbortSignal is an EventTarget with its own maps; made per
 * request and kept for the request's life, it and what it holds survive young-generation
 * collections under load and get promoted. Measured on a plain HTTP server, an AbortController's
 * signal per request cut throughput by a quarter or more; in mcpd at 64 streaming connections
 * this class took about a tenth off the CPU per answer (docs/decisions.md).
 *
 * Listeners behave as with `{ once: true }` on an AbortSignal: each runs once, in the order
 * added; one removed before its turn does not run, and one added after the abort never runs.
 */
export class CallerSignal implements CancelSignal {
  #aborted = false;
  #listeners: Set<() => void> | undefined;

  get aborted(): boolean {
    return this.#aborted;
  }

  addEventListener(_type: 'abort', listener: () => void): void {
    if (this.#aborted) return;
    (this.#listeners ??= new Set()).add(listener);
  }

  removeEventListener(_type: 'abort', listener: () => void): void {
    this.#listeners?.delete(listener);
  }

  /** Fires the listeners once; later calls do nothing. One that throws does not keep the others from running. */
  abort(): void {
    if (this.#aborted) return;
    this.#aborted = true;
    const listeners = this.#listeners;
    if (!listeners) return;
    let failure: { error: unknown } | undefined;
    for (const listener of listeners) {
      listeners.delete(listener);
      try {
        listener();
      } catch (error) {
        failure ??= { error };
      }
    }
    this.#listeners = undefined;
    if (failure) throw failure.error;
  }
}
