import type { Cancel, Clock } from './clock.js';

/**
 * Calls `callback` every `ms` on `clock` until the answer cancels it. The next round is armed
 * when the callback returns; when it answers a promise, once that settles, so rounds of slow
 * work (a GC pass, a flush) never overlap and a manual clock moved hours at once runs one round
 * rather than a pile of them started together.
 */
export function every(clock: Pick<Clock, 'after'>, ms: number, callback: () => unknown): Cancel {
  let cancelled = false;
  let cancelTimer: Cancel = () => {};
  const arm = () => {
    cancelTimer = clock.after(ms, () => {
      const round = callback();
      if (round instanceof Promise) {
        // The callback reports its own failures; a rejection still lets the next round come.
        round.then(next, next);
      } else {
        next();
      }
    });
  };
  const next = () => {
    if (!cancelled) arm();
  };
  arm();
  return () => {
    cancelled = true;
    cancelTimer();
  };
}
