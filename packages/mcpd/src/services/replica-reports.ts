import type { Clock } from '@mcpctl/clock';

/** A replica silent this long (idle, stopped, dead) has said nothing that still counts. */
export const REPLICA_REPORT_STALE_MS = 3_000;

/**
 * The last report each other replica sent over the bus (what it holds per user, what its
 * dispatcher holds), kept while fresh: a newer report replaces the older, and one older than
 * {@link REPLICA_REPORT_STALE_MS} is forgotten when next read.
 */
export class ReplicaReports<T> {
  readonly #reports = new Map<string, { report: T; at: number }>();

  constructor(private readonly clock: Clock) {}

  /** What replica `from` said just now. */
  set(from: string, report: T): void {
    this.#reports.set(from, { report, at: this.clock.monotonic() });
  }

  /** The fresh reports, each with how long ago it came. */
  *fresh(): Iterable<{ report: T; ageMs: number }> {
    const now = this.clock.monotonic();
    for (const [replica, { report, at }] of this.#reports) {
      if (now - at > REPLICA_REPORT_STALE_MS) this.#reports.delete(replica);
      else yield { report, ageMs: now - at };
    }
  }
}
