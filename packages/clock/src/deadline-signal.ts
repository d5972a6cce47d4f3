import type { Clock } from './clock.js';

/** A signal that aborts after a delay or with its parent, and the `clear` that ends its timer. */
export interface DeadlineSignal {
  readonly signal: AbortSignal;
  /** Stops the timer and lets go of the parent; call it once the bounded work has settled. */
  clear(): void;
}

export interface DeadlineSignalOptions {
  /** Aborting it aborts the returned signal with the same reason. */
  parent?: AbortSignal | undefined;
  /** The abort reason when the time is up. Default a `TimeoutError` DOMException, as `AbortSignal.timeout` gives. */
  reason?: (() => unknown) | undefined;
}

/**
 * Bounds one piece of work by `ms` on `clock`. Unlike `AbortSignal.any([…, AbortSignal.timeout(ms)])`,
 * whose timer holds its signal only weakly, so that Node 20 can collect the signal and the timeout
 * never fires (nodejs/node#57736), the timer here holds its controller strongly until `clear`. The
 * parent is followed with a listener removed by `clear`, so a long-lived parent shared by many
 * calls keeps no listener past the call that added it.
 */
export function deadlineSignal(clock: Clock, ms: number, options: DeadlineSignalOptions = {}): DeadlineSignal {
  const controller = new AbortController();
  const { parent } = options;
  const cancel = clock.after(ms, () => {
    controller.abort(options.reason ? options.reason() : new DOMException('The operation was aborted due to timeout', 'TimeoutError'));
  });
  const followParent = () => controller.abort(parent?.reason);
  if (parent?.aborted) followParent();
  else parent?.addEventListener('abort', followParent, { once: true });
  return {
    signal: controller.signal,
    clear: () => {
      cancel();
      parent?.removeEventListener('abort', followParent);
    },
  };
}

/** Runs `work` under a {@link deadlineSignal} and clears it once `work` has settled. */
export async function withDeadline<T>(
  clock: Clock,
  ms: number,
  options: DeadlineSignalOptions,
  work: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const deadline = deadlineSignal(clock, ms, options);
  try {
    return await work(deadline.signal);
  } finally {
    deadline.clear();
  }
}
