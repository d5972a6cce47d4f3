import { ProviderError } from '../errors.js';
import { serverMessage } from './server-message.js';

/**
 * One frame of a streamed answer (an SSE `data` or an NDJSON line) as JSON. A frame that is
 * not JSON, or that carries an error (servers report failures mid-stream this way, after the
 * 200 went out), rejects the stream with a ProviderError 502.
 */
export function parseJsonFrame(text: string, provider: string): unknown {
  let frame: unknown;
  try {
    frame = JSON.parse(text);
  } catch (error) {
    const preview = text.length > 120 ? `${text.slice(0, 120)}…` : text;
    throw new ProviderError(502, `provider "${provider}" sent a stream frame that is not JSON: ${preview}`, { cause: error });
  }
  if (typeof frame === 'object' && frame !== null && 'error' in frame && (frame as { error: unknown }).error != null) {
    const said = serverMessage(text) ?? 'unknown error';
    throw new ProviderError(502, `provider "${provider}" failed mid-stream: ${said}`, { serverMessage: said });
  }
  return frame;
}
