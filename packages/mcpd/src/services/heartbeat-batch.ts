import type { Cancel, Clock } from '@mcpctl/clock';

interface Waiter {
  resolve(): void;
  reject(error: unknown): void;
}

/**
 * Heartbeats gathered for `windowMs` and written together: a fleet of publishers beating every
 * 30 s is hundreds of beats a second, and each written alone would be five statements. The
 * writes run one after another, never two at once.
 */
export class HeartbeatBatch {
  readonly #pending = new Set<string>();
  #waiters: Waiter[] = [];
  #cancelTimer: Cancel | undefined;
  #writing: Promise<void> = Promise.resolve();
  /** The write queued behind the running one: it takes everything gathered until it starts. */
  #next: Promise<void> | undefined;

  constructor(
    private readonly clock: Clock,
    private readonly windowMs: number,
    private readonly write: (sessionIds: string[]) => Promise<void>,
  ) {}

  /** Counts a beat of the session; settles once it is written, with the others of its window. */
  add(sessionId: string): Promise<void> {
    this.#pending.add(sessionId);
    this.#cancelTimer ??= this.clock.after(this.windowMs, () => void this.flush().catch(() => undefined));
    return new Promise((resolve, reject) => this.#waiters.push({ resolve, reject }));
  }

  /**
   * Writes what is gathered without waiting for the window, as soon as the running write ends;
   * settles once it is written. Flushes while a write runs share the one queued behind it, so
   * beats whose callers wait (HTTP) still go out together under load.
   */
  flush(): Promise<void> {
    this.#cancelTimer?.();
    this.#cancelTimer = undefined;
    if (this.#next) return this.#next;
    const next = this.#writing.then(() => {
      this.#next = undefined;
      const sessionIds = [...this.#pending];
      const waiters = this.#waiters;
      this.#pending.clear();
      this.#waiters = [];
      const written = sessionIds.length > 0 ? this.write(sessionIds) : Promise.resolve();
      written.then(
        () => waiters.forEach((waiter) => waiter.resolve()),
        (error: unknown) => waiters.forEach((waiter) => waiter.reject(error)),
      );
      return written;
    });
    this.#next = next;
    this.#writing = next.catch(() => undefined);
    return next;
  }

  /** Resolves once every write begun so far has ended. */
  settled(): Promise<void> {
    return this.#writing;
  }
}
