import { parseStreamFrame } from '@mcpctl/dialects';
import { ProviderError } from '../errors.js';

/**
 * One frame of a streamed answer (an SSE `data` or an NDJSON line) as JSON. A frame that is
 * not JSON, or that carries an error (servers report failures mid-stream this way, after the
 * 200 went out), rejects the stream with a ProviderError 502.
 */
export function parseJsonFrame(text: string, provider: string): unknown {
  const frame = parseStreamFrame(text);
  if (frame.type === 'json') return frame.value;
  if (frame.type === 'not-json') {
    throw new ProviderError(502, `provider "${provider}" sent a stream frame that is not JSON: ${frame.preview}`, { cause: frame.cause });
  }
  throw new ProviderError(502, `provider "${provider}" failed mid-stream: ${frame.message}`, { serverMessage: frame.message });
}
