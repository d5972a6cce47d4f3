import { deadlineSignal, systemClock, type Clock } from '@mcpctl/clock';

/** How long `isAvailable` waits for a model list before calling a server unavailable. */
export const AVAILABILITY_TIMEOUT_MS = 2_000;

/** True when `probe` (a model list, and whatever else says the server serves) succeeds within `timeoutMs` on `clock`; false on any error, the caller's abort included. */
export async function checkAvailability(
  probe: (options: { signal: AbortSignal }) => Promise<unknown>,
  signal: AbortSignal | undefined,
  timeoutMs: number,
  clock: Clock = systemClock,
): Promise<boolean> {
  const timeout = deadlineSignal(clock, timeoutMs, { parent: signal });
  try {
    await probe({ signal: timeout.signal });
    return true;
  } catch {
    return false;
  } finally {
    timeout.clear();
  }
}
