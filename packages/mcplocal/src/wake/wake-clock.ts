import { setTimeout as delay } from 'node:timers/promises';

/** The time a wake runs on: injected so the polling schedule and the deadlines are tested without sleeping. */
export interface WakeClock {
  /** Milliseconds on a monotonic scale. */
  now(): number;
  /** Resolves after `ms`; rejects with the signal's reason as soon as it aborts. */
  sleep(ms: number, signal: AbortSignal): Promise<void>;
}

export const systemWakeClock: WakeClock = {
  now: () => performance.now(),
  sleep: (ms, signal) => delay(ms, undefined, { signal }).catch(() => Promise.reject(signal.reason)),
};

/**
 * A signal that aborts with `reason()` after `ms` on `clock`, and a `clear` that must be called
 * once it is no longer needed, so no timer outlives the work it bounded.
 */
export function deadlineSignal(clock: WakeClock, ms: number, reason: () => Error): { signal: AbortSignal; clear(): void } {
  const controller = new AbortController();
  const cancel = new AbortController();
  clock.sleep(ms, cancel.signal).then(
    () => controller.abort(reason()),
    () => undefined,
  );
  return { signal: controller.signal, clear: () => cancel.abort() };
}
