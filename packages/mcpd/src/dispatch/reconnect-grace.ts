import type { Clock } from '@mcpctl/clock';

/**
 * For a while after mcpd starts, requests for rows of sessions that were connected shortly
 * before the start wait for their publisher to reconnect instead of failing at once (SPEC §12,
 * §3). A session that was long gone before the start is not waited for.
 */
export class ReconnectGrace {
  /** When each expected session stops being waited for, on the monotonic clock. */
  readonly #expected = new Map<string, number>();
  readonly #endsAt: number;

  constructor(
    private readonly clock: Clock,
    private readonly graceMs: number,
  ) {
    this.#endsAt = clock.monotonic() + graceMs;
  }

  /** How long a publisher is waited for after its connection was lost (`MCPD_RECONNECT_GRACE_SECONDS`). */
  get waitMs(): number {
    return this.graceMs;
  }

  /**
   * Sessions seen lately by the previous process (their publishers are expected back within the
   * grace after the start), or, among replicas, sessions of a replica that just died (expected
   * back within a grace from now, through another replica).
   */
  expect(sessionIds: Iterable<string>, from: 'start' | 'now' = 'start'): void {
    const now = this.clock.monotonic();
    const until = from === 'start' ? this.#endsAt : now + this.graceMs;
    // Sessions nobody asked about until their grace ran out are forgotten here.
    for (const [sessionId, expiresAt] of this.#expected) if (expiresAt <= now) this.#expected.delete(sessionId);
    for (const sessionId of sessionIds) this.#expected.set(sessionId, Math.max(until, this.#expected.get(sessionId) ?? 0));
  }

  /**
   * How long a request for this session's rows may still wait for it (0: not at all). A session
   * stays expected for the whole grace, even once back: its rows revive a moment after its
   * stream opens, and a request looking in between must not fail.
   */
  remainingMs(sessionId: string | null): number {
    const until = sessionId ? this.#expected.get(sessionId) : undefined;
    if (until === undefined) return 0;
    const remaining = until - this.clock.monotonic();
    if (remaining <= 0) this.#expected.delete(sessionId!);
    return Math.max(0, remaining);
  }
}
