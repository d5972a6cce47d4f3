/**
 * How long a server that refused `stream_options` goes without it before it is asked again: a
 * server is upgraded, or the proxy in front of it that refused the field is changed, and until
 * asked again its streams would have no usage for the audit. Asking costs a refused round trip
 * that generates nothing, once per period.
 */
export const STREAM_OPTIONS_REASK_MS = 10 * 60_000;

/** Milliseconds on a monotonic scale: `@mcpctl/clock`'s Clock, which this package does not depend on. */
interface MonotonicClock {
  monotonic(): number;
}

/** How many servers are remembered; past it the memory starts over. */
const MAX_REMEMBERED = 1024;

/**
 * The servers that refused the `stream_options` mcpd or mcplocal added to a stream (a strict
 * server's 400 or 422 naming the field, {@link refusesStreamOptions}), each by a key of the
 * caller's choice (mcpd: the upstream URL; mcplocal: one per provider), and when, on the
 * monotonic scale of the caller's clock, read only for a server that refused.
 */
export class StreamOptionsRefusals {
  readonly #refusedAt = new Map<string, number>();

  constructor(private readonly reaskMs = STREAM_OPTIONS_REASK_MS) {}

  /** Whether a stream to `key` asks for usage: the server never refused it, or refused it long enough ago to be asked again. */
  mayAsk(key: string, clock: MonotonicClock): boolean {
    const refusedAt = this.#refusedAt.get(key);
    if (refusedAt === undefined) return true;
    if (clock.monotonic() - refusedAt < this.reaskMs) return false;
    this.#refusedAt.delete(key);
    return true;
  }

  /** The server of `key` took the field after all (a caller asked for usage itself): it is asked again from now on. */
  accepted(key: string): void {
    this.#refusedAt.delete(key);
  }

  /** The server of `key` refused the field and took the stream without it. */
  refused(key: string, clock: MonotonicClock): void {
    if (this.#refusedAt.size >= MAX_REMEMBERED && !this.#refusedAt.has(key)) this.#refusedAt.clear();
    this.#refusedAt.set(key, clock.monotonic());
  }
}
