import { deadlineSignal, systemClock, type DeadlineSignal, type DeadlineSignalOptions } from '@mcpctl/clock';

/**
 * `deadlineSignal` on the system clock, for the provider adapters alone: their availability probe
 * takes no clock yet, and `providers/` is being moved onto the shared dialects package. Everything
 * else in mcplocal takes its clock injected and calls `deadlineSignal(clock, …)` itself.
 */
export function timeoutSignal(ms: number, options: DeadlineSignalOptions = {}): DeadlineSignal {
  return deadlineSignal(systemClock, ms, options);
}
