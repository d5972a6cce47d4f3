import type { Clock } from '@mcpctl/clock';
import type { RefreshableCredentials } from './registrar-options.js';

/**
 * The reconnect wait after mcpd refused the token, cut short by new credentials (`mcpctl login`
 * since the refusal, or while the refused attempt was still under way): a login is tried at once,
 * not after a backoff that may have grown to a minute. Answers whether the credentials changed.
 */
export async function waitForCredentials(
  clock: Clock,
  credentials: RefreshableCredentials | undefined,
  delayMs: number,
  refusedGeneration: number,
  signal: AbortSignal,
): Promise<boolean> {
  if (!credentials) {
    await clock.sleep(delayMs, signal).catch(() => undefined);
    return false;
  }
  const changed = new AbortController();
  const stopListening = credentials.onChange(() => changed.abort());
  try {
    if (credentials.generation === refusedGeneration) await clock.sleep(delayMs, AbortSignal.any([signal, changed.signal])).catch(() => undefined);
  } finally {
    stopListening();
  }
  return credentials.generation !== refusedGeneration;
}
