/**
 * True when `error` is a cancellation rather than a failure: an `AbortError` or `TimeoutError`
 * (what `AbortController.abort()` and `AbortSignal.timeout()` reject with), or the reason of
 * `signal` when that signal has fired, so a caller that aborted with its own reason recognises it.
 */
export function isAbortError(error: unknown, signal?: AbortSignal): boolean {
  if (signal?.aborted && error === signal.reason) return true;
  if (typeof error !== 'object' || error === null) return false;
  const name = (error as { name?: unknown }).name;
  return name === 'AbortError' || name === 'TimeoutError';
}
