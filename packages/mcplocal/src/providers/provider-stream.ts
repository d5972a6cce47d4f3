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
  // The caller's abort is passed on by hand: `AbortSignal.any` costs several times more, and a
  // relayed stream makes one of these per request.
  const stop = new AbortController();
  const forward = () => stop.abort(signal?.reason);
  if (signal?.aborted) forward();
  else signal?.addEventListener('abort', forward, { once: true });
  let finished = false;
  try {
    for await (const item of produce(stop.signal)) {
      // Deltas parsed from bytes that arrived before the abort are not handed out after it.
      if (signal?.aborted) throw signal.reason;
      yield item;
    }
    finished = true;
  } catch (error) {
    throw bodyFailure(error, provider, signal);
  } finally {
    signal?.removeEventListener('abort', forward);
    // A stream read to its end has closed its request already; one left early is cut here.
    if (!finished) stop.abort(STREAM_LEFT);
  }
}

/** Why a stream its reader left early is cut; one instance, since it is never shown and a new error would take a stack. */
const STREAM_LEFT = new ProviderError(499, 'the reader stopped reading the stream');

/** A stream that ended without saying how the answer finished was cut short. */
export function unfinishedStream(provider: string): ProviderError {
  return new ProviderError(502, `the stream from provider "${provider}" ended before the answer finished`);
}
