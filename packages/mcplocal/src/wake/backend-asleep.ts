import { ProviderError } from '../errors.js';
import type { LlmProvider } from '../providers/llm-provider.js';

/** The `Retry-After` of a failed wake's 503, as mcpd's (`RETRY_AFTER_SECONDS` of its wake coordinator). */
export const FAILED_WAKE_RETRY_AFTER_SECONDS = 30;

/**
 * Whether a request's failure came from `provider`'s backend being asleep: a failure a sleeping
 * backend gives (not reached 502, unavailable 503, no answer in time 504), and then no answer to
 * the availability probe. Any other failure was an answer of an awake server about the request,
 * which a wake cannot mend. False once `signal` is aborted.
 */
export async function foundAsleep(provider: LlmProvider, error: unknown, signal: AbortSignal): Promise<boolean> {
  const mayBeAsleep = error instanceof ProviderError && (error.status === 502 || error.status === 503 || error.status === 504);
  if (!mayBeAsleep || signal.aborted) return false;
  return !(await provider.isAvailable({ signal })) && !signal.aborted;
}

/** What a request that found `name`'s backend asleep is told when the wake it started or joined failed. */
export function didNotWakeMessage(name: string, wakeError: unknown): string {
  return `${name} is asleep and did not wake: ${wakeError instanceof Error ? wakeError.message : String(wakeError)}`;
}
