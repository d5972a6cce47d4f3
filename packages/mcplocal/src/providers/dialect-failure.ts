import { TranslationError, UpstreamStreamError } from '@mcpctl/dialects';
import { ProviderError } from '../errors.js';

/**
 * A shared dialect's failure as the ProviderError a relay passes on: a request the server's
 * dialect cannot express is the caller's (400); an error inside the server's stream, or a
 * stream that breaks its dialect's order, the server's (502, its own words kept). Anything
 * else is returned as it is.
 */
export function dialectFailure(error: unknown, provider: string): unknown {
  if (error instanceof TranslationError) return new ProviderError(400, error.message, { cause: error });
  if (error instanceof UpstreamStreamError) {
    const what = error.type === 'invalid_stream' ? 'sent a broken stream' : 'failed mid-stream';
    return new ProviderError(502, `provider "${provider}" ${what}: ${error.message}`, { cause: error, serverMessage: error.message });
  }
  return error;
}

/** Runs a translation step, its failure mapped by {@link dialectFailure}. */
export function translated<T>(provider: string, step: () => T): T {
  try {
    return step();
  } catch (error) {
    throw dialectFailure(error, provider);
  }
}
