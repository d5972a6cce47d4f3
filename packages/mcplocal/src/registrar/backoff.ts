/**
 * Doubling delays from `baseMs` up to `maxMs`. Each is stretched by up to a quarter at random
 * (never past `maxMs`) so that many workstations cut off by one mcpd restart do not all come
 * back in the same instant.
 */
export class Backoff {
  private attempt = 0;

  constructor(
    private readonly baseMs: number,
    private readonly maxMs: number,
    private readonly random: () => number = Math.random,
  ) {}

  /** The delay before the next attempt; each call doubles the following one. */
  next(): number {
    const step = Math.min(this.maxMs, this.baseMs * 2 ** Math.min(this.attempt, 30));
    this.attempt += 1;
    return Math.round(Math.min(this.maxMs, step + (step / 4) * this.random()));
  }

  /** After a success, the next loss starts again from `baseMs`. */
  reset(): void {
    this.attempt = 0;
  }
}
