import type { Clock } from './clock.js';

/**
 * Resolves once every promise has settled, or `ms` from now, whichever comes first; never
 * rejects. For a stop that lets work in flight finish but does not wait on it for ever.
 */
export function settledWithin(clock: Pick<Clock, 'after'>, ms: number, promises: Iterable<Promise<unknown>>): Promise<void> {
  return new Promise<void>((resolve) => {
    const cancel = clock.after(ms, resolve);
    void Promise.allSettled(promises).then(() => {
      cancel();
      resolve();
    });
  });
}
