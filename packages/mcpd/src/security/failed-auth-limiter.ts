import type { Clock } from '@mcpctl/clock';

export interface FailedAuthLimits {
  /** Failures one source may make within a window; the next attempt is refused. */
  maxFailures: number;
  windowMs: number;
  /** Sources tracked at once; the oldest are forgotten first, so memory stays bounded. */
  maxSources?: number;
}

interface SourceRecord {
  failures: number;
  windowEndsAt: number;
}

/**
 * Counts failed authentications per source address in fixed windows. Once a source has failed
 * `maxFailures` times, its further failures are answered 429 until the window ends — but a
 * valid token from the same address still gets in: many users share one address behind a NAT
 * or proxy, and one of them sending bad tokens must not lock the others out. Tokens are 256
 * random bits, so telling a guesser that a guess was right gives away nothing it could find.
 */
export class FailedAuthLimiter {
  readonly #sources = new Map<string, SourceRecord>();
  readonly #maxSources: number;

  constructor(
    private readonly clock: Clock,
    private readonly limits: FailedAuthLimits,
  ) {
    this.#maxSources = limits.maxSources ?? 10_000;
  }

  /** Milliseconds until `source` may try again, or 0 when it may try now. */
  blockedFor(source: string): number {
    const record = this.#current(source);
    if (!record || record.failures < this.limits.maxFailures) return 0;
    return record.windowEndsAt - this.clock.now().getTime();
  }

  recordFailure(source: string): void {
    const record = this.#current(source);
    if (record) {
      record.failures += 1;
      return;
    }
    if (this.#sources.size >= this.#maxSources) this.#evict();
    this.#sources.set(source, { failures: 1, windowEndsAt: this.clock.now().getTime() + this.limits.windowMs });
  }

  get trackedSources(): number {
    return this.#sources.size;
  }

  #current(source: string): SourceRecord | undefined {
    const record = this.#sources.get(source);
    if (record && record.windowEndsAt <= this.clock.now().getTime()) {
      this.#sources.delete(source);
      return undefined;
    }
    return record;
  }

  /** Drops lapsed windows; when every window is live, the oldest one. */
  #evict(): void {
    const now = this.clock.now().getTime();
    for (const [source, record] of this.#sources) if (record.windowEndsAt <= now) this.#sources.delete(source);
    if (this.#sources.size >= this.#maxSources) {
      const oldest = this.#sources.keys().next();
      if (!oldest.done) this.#sources.delete(oldest.value);
    }
  }
}
