/** A turn on a local provider, under its `maxConcurrent`: what the local endpoint takes before serving. */
export type ProviderTurns = (providerName: string, signal: AbortSignal) => Promise<() => void>;

/**
 * Each provider's `maxConcurrent`, kept at the workstation, by the provider's name in
 * config.json: relayed tasks and the local endpoint's requests share one count. mcpd already sends
 * no more tasks than that, but it does not see the local endpoint's requests, and while a
 * publisher moves between replicas the old holder's last tasks may still run beside the new
 * holder's first: past the limit a request waits here, in the order requests came, for a running
 * one to end. The local server never runs more than its owner allowed.
 */
export class ProviderSlots {
  readonly #running = new Map<string, number>();
  readonly #waiting = new Map<string, Array<() => void>>();

  /** `limits`: each provider's `maxConcurrent` by its name; one left out, or undefined, has none. */
  constructor(private readonly limits: ReadonlyMap<string, number | undefined>) {}

  /**
   * Resolves with the slot's release once the request may run (at once without a limit); rejects
   * with the signal's reason when it aborts first.
   */
  acquire(name: string, signal: AbortSignal): Promise<() => void> {
    if (signal.aborted) return Promise.reject(signal.reason as Error);
    const limit = this.limits.get(name);
    if (limit === undefined || (this.#running.get(name) ?? 0) < limit) return Promise.resolve(this.#take(name));
    return new Promise((resolve, reject) => {
      const queue = this.#waiting.get(name) ?? [];
      this.#waiting.set(name, queue);
      const onAbort = () => {
        queue.splice(queue.indexOf(turn), 1);
        if (queue.length === 0) this.#waiting.delete(name);
        reject(signal.reason as Error);
      };
      const turn = () => {
        signal.removeEventListener('abort', onAbort);
        resolve(this.#take(name));
      };
      queue.push(turn);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Requests of `name` running now. */
  running(name: string): number {
    return this.#running.get(name) ?? 0;
  }

  /** Requests of `name` waiting for a turn. */
  waiting(name: string): number {
    return this.#waiting.get(name)?.length ?? 0;
  }

  #take(name: string): () => void {
    this.#running.set(name, (this.#running.get(name) ?? 0) + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.#running.get(name) ?? 1) - 1;
      if (left > 0) this.#running.set(name, left);
      else this.#running.delete(name);
      this.#next(name);
    };
  }

  #next(name: string): void {
    const queue = this.#waiting.get(name);
    const turn = queue?.shift();
    if (queue?.length === 0) this.#waiting.delete(name);
    turn?.();
  }
}
