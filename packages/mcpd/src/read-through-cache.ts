import type { Clock } from '@mcpctl/clock';

interface Entry<V> {
  value: V;
  until: number;
}

/** A value kept by {@link ReadThroughCache}; boxed, so a kept `undefined` (a name that is not there) is told from none. */
export interface Kept<V> {
  readonly value: V;
}

const DEFAULT_MAX_ENTRIES = 10_000;

/**
 * Values read from the database and kept for `ttlMs`, so the request path does not wait on it.
 * Requests that miss a key together share one read: when an entry busy on many connections
 * lapses, they all miss at once, and each asking the database on its own queued dozens of
 * statements behind one another every few seconds. A read that raced a `clear` answers the
 * requests that asked, as it would have a moment earlier, but is not kept: it may hold what the
 * change took away.
 */
export class ReadThroughCache<V> {
  readonly #entries = new Map<string, Entry<V>>();
  readonly #reads = new Map<string, Promise<V>>();
  /** Bumped by `clear`, so a read that started before it is neither kept nor joined. */
  #generation = 0;

  constructor(
    private readonly clock: Pick<Clock, 'now'>,
    private readonly ttlMs: number,
    /** Past this many entries the cache starts over rather than grow without bound. */
    private readonly maxEntries = DEFAULT_MAX_ENTRIES,
  ) {}

  /** The value kept for `key` while its entry has not lapsed at `now`; no read. */
  peek(key: string, now = this.clock.now().getTime()): Kept<V> | undefined {
    const entry = this.#entries.get(key);
    return entry && entry.until > now ? entry : undefined;
  }

  /** The kept value, else the read under way for `key`, else a new read by `load`. */
  read(key: string, load: () => Promise<V>): Promise<V> {
    const kept = this.peek(key);
    if (kept) return Promise.resolve(kept.value);
    const pending = this.#reads.get(key);
    if (pending) return pending;
    const reading = this.#load(key, load);
    this.#reads.set(key, reading);
    const settled = () => {
      if (this.#reads.get(key) === reading) this.#reads.delete(key);
    };
    reading.then(settled, settled);
    return reading;
  }

  /**
   * Reads `key` anew, whatever is kept or under way, and keeps the answer (unless a `clear` raced
   * it): for a check that must see the database as it is now even if a caller of `clear` forgot it.
   */
  refresh(key: string, load: () => Promise<V>): Promise<V> {
    return this.#load(key, load);
  }

  delete(key: string): void {
    this.#entries.delete(key);
  }

  /** Forgets every entry and every read under way: something they were read from changed. */
  clear(): void {
    this.#generation += 1;
    this.#entries.clear();
    this.#reads.clear();
  }

  async #load(key: string, load: () => Promise<V>): Promise<V> {
    const generation = this.#generation;
    // Counted from the read's start: a change made while it ran is kept no longer than `ttlMs`.
    const startedAt = this.clock.now().getTime();
    const value = await load();
    if (generation === this.#generation) {
      if (this.#entries.size >= this.maxEntries) this.#entries.clear();
      this.#entries.set(key, { value, until: startedAt + this.ttlMs });
    }
    return value;
  }
}
