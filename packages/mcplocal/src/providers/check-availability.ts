import { timeoutSignal } from '../timers/timeout-signal.js';

/** How long `isAvailable` waits for a model list before calling a server unavailable. */
export const AVAILABILITY_TIMEOUT_MS = 2_000;

/** True when `probe` (a model list, and whatever else says the server serves) succeeds within `timeoutMs`; false on any error, the caller's abort included. */
export async function checkAvailability(
  probe: (options: { signal: AbortSignal }) => Promise<unknown>,
  signal: AbortSignal | undefined,
  timeoutMs: number,
): Promise<boolean> {
  const timeout = timeoutSignal(timeoutMs, { parent: signal });
  try {
    await probe({ signal: timeout.signal });
    return true;
  } catch {
    return false;
  } finally {
    timeout.clear();
  }
}
