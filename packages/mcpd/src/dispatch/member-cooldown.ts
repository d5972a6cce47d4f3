import type { Clock } from '@mcpctl/clock';

/**
 * Pool members that just failed before their answer started (an upstream's 5xx, a refused
 * connection, a publisher gone, a timeout), picked after the others for a while: without it a
 * dead or hung member keeps its turn in the round robin, and every request it draws waits for
 * its failure before the retry on another member (or, timed out, the whole timeout). Kept per
 * replica, like the in-flight counts.
 */
export class MemberCooldown {
  /** LLM id → monotonic ms its cooldown ends. */
  readonly #until = new Map<string, number>();

  constructor(
    private readonly clock: Pick<Clock, 'monotonic'>,
    private readonly ms: number,
  ) {}

  failed(llmId: string): void {
    if (this.ms > 0) this.#until.set(llmId, this.clock.monotonic() + this.ms);
  }

  /** It answered (picked while every member cooled down, say): it is healthy again. */
  served(llmId: string): void {
    if (this.#until.size > 0) this.#until.delete(llmId);
  }

  coolingDown(llmId: string): boolean {
    return this.msLeft(llmId) > 0;
  }

  /** How long the member's cooldown still lasts, in ms; 0 when it has none. */
  msLeft(llmId: string): number {
    const until = this.#until.get(llmId);
    if (until === undefined) return 0;
    const left = until - this.clock.monotonic();
    if (left > 0) return left;
    this.#until.delete(llmId);
    return 0;
  }

  /** The members cooling down now, with the ms left of each. */
  *entries(): Iterable<readonly [llmId: string, msLeft: number]> {
    for (const llmId of [...this.#until.keys()]) {
      const left = this.msLeft(llmId);
      if (left > 0) yield [llmId, left];
    }
  }
}
