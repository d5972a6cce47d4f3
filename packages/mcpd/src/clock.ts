/** Time source, injected so lifecycle rules are tested without sleeping. */
export interface Clock {
  now(): Date;
  /**
   * Calls `callback` once, `ms` from now; the answer cancels it. The timer never keeps the
   * process alive.
   */
  after(ms: number, callback: () => void): () => void;
}

export const systemClock: Clock = {
  now: () => new Date(),
  after(ms, callback) {
    const timer = setTimeout(callback, ms);
    timer.unref();
    return () => clearTimeout(timer);
  },
};
