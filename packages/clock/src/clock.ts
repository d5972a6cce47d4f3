/**
 * The time mcpd and mcplocal run on. Every deadline, timeout, schedule and timestamp goes through
 * one injected clock, so lifecycle rules (a 90 s heartbeat, a 30 s wake, a drain) are tested by
 * moving a manual clock instead of sleeping.
 */
export interface Clock {
  /** Wall-clock time, for what is stored or shown (timestamps, ages). */
  now(): Date;
  /** Milliseconds on a monotonic scale, for durations (latency, time to first token). */
  monotonic(): number;
  /**
   * Calls `callback` once, `ms` from now; the answer cancels it. The timer never keeps the
   * process alive.
   */
  after(ms: number, callback: () => void): Cancel;
  /** Resolves after `ms`; rejects with the signal's reason as soon as it aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** Cancels a timer; calling it again, or after the timer fired, does nothing. */
export type Cancel = () => void;
