/** Requests being served per LLM on this replica: the capacity the picker weighs. */
export class InFlightTracker {
  readonly #counts = new Map<string, number>();
  readonly #listeners = new Set<() => void>();

  count(llmId: string): number {
    return this.#counts.get(llmId) ?? 0;
  }

  /** LLMs with a request being served here now. */
  llmIds(): IterableIterator<string> {
    return this.#counts.keys();
  }

  /** Takes a slot; the answer gives it back (once, however often it is called). */
  acquire(llmId: string): () => void {
    this.#counts.set(llmId, this.count(llmId) + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = this.count(llmId) - 1;
      if (left > 0) this.#counts.set(llmId, left);
      else this.#counts.delete(llmId);
      for (const listener of this.#listeners) listener();
    };
  }

  /** Called whenever a slot frees up, so a waiting request is handed it at once. */
  onRelease(listener: () => void): void {
    this.#listeners.add(listener);
  }
}
