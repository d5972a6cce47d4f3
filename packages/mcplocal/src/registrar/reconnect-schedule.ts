import { Backoff } from './backoff.js';

/** Refusals in a row that may set the delay with `Retry-After`; past them the backoff rules. */
const MAX_RETRIES_AS_ASKED = 3;

export interface ReconnectScheduleOptions {
  /** First delay after a failed attempt; it doubles with each further failure. */
  baseMs: number;
  /** Ceiling of the doubling delay. */
  maxMs: number;
  /**
   * The quick reconnect after a stream ended comes between these two, at random. Default 250 and
   * 750: noticing the end and opening the connection take their share of the second SPEC §6 allows.
   */
  quickMinMs?: number | undefined;
  quickMaxMs?: number | undefined;
  /**
   * A stream that ended sooner than this after it opened counts as a failed attempt. Two
   * mcplocals sharing one session file each close the other's stream on reconnecting; without
   * this they would take turns every second forever. Default 1 000.
   */
  stableMs?: number | undefined;
  /** In [0, 1). Default `Math.random`. */
  random?: (() => number) | undefined;
}

/**
 * When to try the control stream again. After a stream that was up ended (mcpd restarted or
 * drained, or the connection dropped) the first attempt comes at once, within a second and
 * jittered so that the workstations of one mcpd do not all return in the same instant; attempts
 * that fail back off from `baseMs` to `maxMs`, and a stream that stays up resets that.
 */
export class ReconnectSchedule {
  private readonly backoff: Backoff;
  private readonly quickMinMs: number;
  private readonly quickMaxMs: number;
  private readonly stableMs: number;
  private readonly random: () => number;
  /** Refusals in a row whose `Retry-After` was honoured. */
  #retriesAsked = 0;

  constructor(options: ReconnectScheduleOptions) {
    this.random = options.random ?? Math.random;
    this.backoff = new Backoff(options.baseMs, options.maxMs, this.random);
    this.quickMinMs = options.quickMinMs ?? 250;
    this.quickMaxMs = Math.max(this.quickMinMs, options.quickMaxMs ?? 750);
    this.stableMs = options.stableMs ?? 1_000;
  }

  /** The delay after a stream that had been open for `openMs` ended or broke. */
  afterStreamEnded(openMs: number): number {
    if (openMs < this.stableMs) return this.backoff.next();
    return this.afresh();
  }

  /**
   * The delay after the publisher ended the session itself to register afresh (its credentials
   * are another user's now): the quick reconnect's, the backoff starting over. It also gives mcpd
   * the moment it takes to mark the ended session's rows inactive, which the new owner may take over.
   */
  afresh(): number {
    this.backoff.reset();
    this.#retriesAsked = 0;
    return Math.round(this.quickMinMs + (this.quickMaxMs - this.quickMinMs) * this.random());
  }

  /**
   * The delay after mcpd refused with `Retry-After` (503): what it asked, when that is sooner than
   * the backoff (a draining replica among others asks for 1 s: the next connection goes to another), with the
   * quick reconnect's jitter so a drained replica's publishers do not all return at once.
   */
  afterRetryAfter(retryAfterMs: number): number {
    const backoff = this.backoff.next();
    // A server that keeps refusing is backed off from all the same, whatever it asks.
    this.#retriesAsked += 1;
    if (retryAfterMs >= backoff || this.#retriesAsked > MAX_RETRIES_AS_ASKED) return Math.max(retryAfterMs, backoff);
    return Math.round(retryAfterMs + (this.quickMaxMs - this.quickMinMs) * this.random());
  }

  /** The delay after an attempt that got no stream open: mcpd unreachable, or the registration or stream refused. */
  afterFailedAttempt(): number {
    return this.backoff.next();
  }
}
