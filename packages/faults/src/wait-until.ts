/**
 * Polls `check` until it answers true; resolves with the instant it did, or undefined once
 * `capMs` has passed or `signal` aborted.
 */
export async function waitUntil(check: () => boolean, capMs: number, signal?: AbortSignal, everyMs = 20): Promise<number | undefined> {
  const until = performance.now() + capMs;
  for (;;) {
    if (check()) return performance.now();
    if (performance.now() >= until || signal?.aborted) return undefined;
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}
