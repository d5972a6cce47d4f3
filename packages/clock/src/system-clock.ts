import type { Clock } from './clock.js';

/** The longest delay a Node timer takes (about 24.8 days): a longer one fires at once, with a warning. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * The process's own time: `Date`, `performance.now()` and unref'd timers. A delay past what a
 * Node timer takes (a token that expires in 30 days) is waited for in steps.
 */
export const systemClock: Clock = {
  now: () => new Date(),
  monotonic: () => performance.now(),
  after(ms, callback) {
    if (ms <= MAX_TIMER_MS) {
      const timer = setTimeout(callback, ms);
      timer.unref();
      return () => clearTimeout(timer);
    }
    let timer: NodeJS.Timeout;
    const arm = (left: number) => {
      timer = setTimeout(left > MAX_TIMER_MS ? () => arm(left - MAX_TIMER_MS) : callback, Math.min(left, MAX_TIMER_MS));
      timer.unref();
    };
    arm(ms);
    return () => clearTimeout(timer);
  },
  sleep(ms, signal) {
    return sleepOn(systemClock, ms, signal);
  },
};

/** `sleep` built from `after`, so every clock sleeps by the same rule. */
export function sleepOn(clock: Pick<Clock, 'after'>, ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      cancel();
      reject(signal?.reason);
    };
    const cancel = clock.after(ms, () => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    });
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
