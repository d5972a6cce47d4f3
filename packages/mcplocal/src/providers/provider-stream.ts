import { ProviderError } from '../errors.js';
import { bodyFailure } from './provider-http.js';

/**
 * Runs one streamed call. `produce` gets a signal that fires when the caller aborts or stops
 * reading early, so the HTTP connection to the local server closes in both cases and the
 * server stops generating. Failures are mapped as for whole answers: the caller's abort
 * rejects with its reason, a broken connection with a ProviderError 502.
 */
export async function* providerStream<T>(
  provider: string,
  signal: AbortSignal | undefined,
  produce: (signal: AbortSignal) => AsyncIterable<T>,
): AsyncGenerator<T> {
  const stop = new AbortController();
  const combined = signal ? AbortSignal.any([signal, stop.signal]) : stop.signal;
  try {
    for await (const item of produce(combined)) {
      // Deltas parsed from bytes that arrived before the abort are not handed out after it.
      if (signal?.aborted) throw signal.reason;
      yield item;
    }
  } catch (error) {
    throw bodyFailure(error, provider, signal);
  } finally {
    stop.abort();
  }
}

/** A stream that ended without saying how the answer finished was cut short. */
export function unfinishedStream(provider: string): ProviderError {
  return new ProviderError(502, `the stream from provider "${provider}" ended before the answer finished`);
}
