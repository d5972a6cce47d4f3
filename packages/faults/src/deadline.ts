import { deadlineSignal, systemClock, type DeadlineSignal } from '@mcpctl/clock';

/**
 * An abort signal that fires after `ms` or when `parent` aborts. Its timer is the shared clock's
 * (held strongly, not inside `AbortSignal.timeout()`, whose timer Node 20 may collect when only
 * `AbortSignal.any()` refers to it, nodejs/node#57736): the harness that measures that bug must
 * not have it.
 */
export function deadline(ms: number, parent?: AbortSignal): DeadlineSignal {
  return deadlineSignal(systemClock, ms, { parent, reason: () => new Error(`no answer within ${String(ms)} ms`) });
}

/** Resolves after `ms`, or at once when `signal` aborts (a scenario that ran out of time stops waiting). */
export function pause(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
