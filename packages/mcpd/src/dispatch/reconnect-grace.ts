import type { Clock } from '@mcpctl/clock';

/**
 * For a while after mcpd starts, requests for rows of sessions that were connected shortly
 * before the start wait for their publisher to reconnect instead of failing at once (SPEC §12,
 * §3). A session that was long gone before the start is not waited for.
 */
export class ReconnectGrace {
  readonly #expected = new Set<string>();
  readonly #endsAt: number;

  constructor(
    private readonly clock: Clock,
    graceMs: number,
  ) {
    this.#endsAt = clock.monotonic() + graceMs;
  }

  /** Sessions seen lately by the previous process: their publishers are expected back. */
  expect(sessionIds: Iterable<string>): void {
    for (const sessionId of sessionIds) this.#expected.add(sessionId);
  }

  /**
   * How long a request for this session's rows may still wait for it (0: not at all). A session
   * stays expected for the whole grace, even once back: its rows revive a moment after its
   * stream opens, and a request looking in between must not fail.
   */
  remainingMs(sessionId: string | null): number {
    if (!sessionId || !this.#expected.has(sessionId)) return 0;
    return Math.max(0, this.#endsAt - this.clock.monotonic());
  }
}
