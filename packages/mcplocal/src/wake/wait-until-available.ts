import type { Clock } from '@mcpctl/clock';
import type { LlmProvider } from '../providers/llm-provider.js';

export interface AvailabilityPollOptions {
  /** Ends the polling, rejecting with its reason: the wake's deadline, a cancel, or a stop. */
  signal: AbortSignal;
  /** The pauses between probes, and how long probing has gone on. */
  clock: Clock;
  /** The first pause between two probes. Default 250 ms. */
  initialDelayMs?: number | undefined;
  /** The longest pause between two probes. Default 1 500 ms. */
  maxDelayMs?: number | undefined;
  /** How long probing keeps the first pause before backing off. Default 3 000 ms. */
  steadyForMs?: number | undefined;
}

const DEFAULT_INITIAL_DELAY_MS = 250;
const DEFAULT_MAX_DELAY_MS = 1_500;
/**
 * Most backends come up within seconds, and the caller waits on every pause: probing stays at the
 * first pause that long, so a backend is seen within 250 ms of being ready. Only a slow start
 * (a large model loading for minutes) backs off, so it is not probed four times a second.
 */
const DEFAULT_STEADY_FOR_MS = 3_000;
const GROWTH = 1.5;

/**
 * Resolves once `provider.isAvailable()` says yes, probing at once, then every `initialDelayMs`
 * for `steadyForMs`, then after pauses that grow to `maxDelayMs`. Rejects with the signal's
 * reason when it aborts.
 */
export async function waitUntilAvailable(provider: LlmProvider, options: AvailabilityPollOptions): Promise<void> {
  const { signal, clock } = options;
  const maxDelayMs = options.maxDelayMs ?? DEFAULT_MAX_DELAY_MS;
  let delayMs = Math.min(options.initialDelayMs ?? DEFAULT_INITIAL_DELAY_MS, maxDelayMs);
  const steadyUntil = clock.monotonic() + (options.steadyForMs ?? DEFAULT_STEADY_FOR_MS);
  for (;;) {
    signal.throwIfAborted();
    if (await provider.isAvailable({ signal })) return;
    signal.throwIfAborted();
    await clock.sleep(delayMs, signal);
    if (clock.monotonic() >= steadyUntil) delayMs = Math.min(maxDelayMs, Math.round(delayMs * GROWTH));
  }
}
