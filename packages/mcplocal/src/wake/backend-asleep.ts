import { ProviderError } from '../errors.js';

/** The `Retry-After` of a failed wake's 503, as mcpd's (`RETRY_AFTER_SECONDS` of its wake coordinator). */
export const FAILED_WAKE_RETRY_AFTER_SECONDS = 30;

/**
 * A failure a sleeping backend gives: not reached (502), unavailable (503), no answer in time
 * (504). Any other was an answer of an awake server about the request, which a wake cannot mend.
 */
export function mayBeAsleep(error: unknown): boolean {
  return error instanceof ProviderError && (error.status === 502 || error.status === 503 || error.status === 504);
}

/** What a request that found `name`'s backend asleep is told when the wake it started or joined failed. */
export function didNotWakeMessage(name: string, wakeError: unknown): string {
  return `${name} is asleep and did not wake: ${wakeError instanceof Error ? wakeError.message : String(wakeError)}`;
}
