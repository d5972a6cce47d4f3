import type { LlmProvider } from '../providers/llm-provider.js';
import type { WakeClock } from './wake-clock.js';

export interface AvailabilityPollOptions {
  /** Ends the polling, rejecting with its reason: the wake's deadline, a cancel, or a stop. */
  signal: AbortSignal;
  clock: WakeClock;
  /** The first pause between two probes. Default 250 ms. */
  initialDelayMs?: number | undefined;
  /** The longest pause between two probes. Default 1 500 ms. */
  maxDelayMs?: number | undefined;
}

const DEFAULT_INITIAL_DELAY_MS = 250;
const DEFAULT_MAX_DELAY_MS = 1_500;
/** Small steps: a backend that is up after 400 ms is seen at about 625 ms, not after a 1.5 s pause. */
const GROWTH = 1.5;

/**
 * Resolves once `provider.isAvailable()` says yes, probing at once and then after pauses that
 * grow from `initialDelayMs` to `maxDelayMs`. Rejects with the signal's reason when it aborts.
 */
export async function waitUntilAvailable(provider: LlmProvider, options: AvailabilityPollOptions): Promise<void> {
  const { signal, clock } = options;
  const maxDelayMs = options.maxDelayMs ?? DEFAULT_MAX_DELAY_MS;
  let delayMs = Math.min(options.initialDelayMs ?? DEFAULT_INITIAL_DELAY_MS, maxDelayMs);
  for (;;) {
    signal.throwIfAborted();
    if (await provider.isAvailable({ signal })) return;
    signal.throwIfAborted();
    await clock.sleep(delayMs, signal);
    delayMs = Math.min(maxDelayMs, Math.round(delayMs * GROWTH));
  }
}
