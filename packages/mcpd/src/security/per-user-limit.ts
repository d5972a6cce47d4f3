/**
 * Counts what each user holds open at once (control streams, result posts) against a cap.
 * Only users with something open are tracked, so memory follows current use.
 */
export class PerUserLimit {
  readonly #held = new Map<string, number>();
  /** Among replicas: what the others hold for a user, as they last said. */
  #elsewhere: (userId: string) => number = () => 0;

  constructor(readonly max: number) {}

  /** Among replicas: what the others hold counts against the same cap. */
  countElsewhere(held: (userId: string) => number): void {
    this.#elsewhere = held;
  }

  /** Takes one slot; answers its release (idempotent), or undefined when the user is at the cap. */
  acquire(userId: string): (() => void) | undefined {
    const held = this.#held.get(userId) ?? 0;
    if (held + this.#elsewhere(userId) >= this.max) return undefined;
    this.#held.set(userId, held + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const remaining = (this.#held.get(userId) ?? 1) - 1;
      if (remaining > 0) this.#held.set(userId, remaining);
      else this.#held.delete(userId);
    };
  }

  heldBy(userId: string): number {
    return this.#held.get(userId) ?? 0;
  }

  /** What this replica holds, by user (users holding nothing left out). */
  snapshot(): Record<string, number> {
    return Object.fromEntries(this.#held);
  }
}
