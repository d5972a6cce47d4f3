/** A signal that aborts after a delay or with its parent, and the `clear` that ends its timer. */
export interface TimeoutSignal {
  readonly signal: AbortSignal;
  /** Stops the timer and lets go of the parent; call it once the bounded call has settled. */
  clear(): void;
}

export interface TimeoutSignalOptions {
  /** Aborting it aborts the returned signal with the same reason. */
  parent?: AbortSignal | undefined;
  /** The abort reason when the time is up. Default a `TimeoutError` DOMException, as `AbortSignal.timeout` gives. */
  reason?: (() => unknown) | undefined;
}

/**
 * Bounds one call by `ms`. Unlike `AbortSignal.any([…, AbortSignal.timeout(ms)])`, whose timer
 * holds its signal only weakly, so that Node 20 can collect the signal and the timeout never
 * fires (nodejs/node#57736), the timer here holds its controller strongly until `clear`. The
 * parent is followed with a listener removed by `clear`, so a long-lived parent shared by many
 * calls keeps no listener past the call that added it.
 */
export function timeoutSignal(ms: number, options: TimeoutSignalOptions = {}): TimeoutSignal {
  const controller = new AbortController();
  const { parent } = options;
  const timer = setTimeout(() => {
    controller.abort(options.reason ? options.reason() : new DOMException('The operation was aborted due to timeout', 'TimeoutError'));
  }, ms);
  const followParent = () => controller.abort(parent?.reason);
  if (parent?.aborted) followParent();
  else parent?.addEventListener('abort', followParent, { once: true });
  return {
    signal: controller.signal,
    clear: () => {
      clearTimeout(timer);
      parent?.removeEventListener('abort', followParent);
    },
  };
}

/** Runs `work` under a {@link timeoutSignal} and clears it once `work` has settled. */
export async function withTimeout<T>(ms: number, options: TimeoutSignalOptions, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const timeout = timeoutSignal(ms, options);
  try {
    return await work(timeout.signal);
  } finally {
    timeout.clear();
  }
}
