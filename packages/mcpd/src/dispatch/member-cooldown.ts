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
    const until = this.#until.get(llmId);
    if (until === undefined) return false;
    if (this.clock.monotonic() < until) return true;
    this.#until.delete(llmId);
    return false;
  }
}
