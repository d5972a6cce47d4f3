/**
 * An error inside an upstream stream after the response headers were already sent (Anthropic's
 * `overloaded_error` event, an Ollama line with `error`), or a stream that breaks its dialect's
 * event order. The message is the upstream's own, so the caller can relay it verbatim.
 */
export class UpstreamStreamError extends Error {
  override readonly name = 'UpstreamStreamError';

  /** The upstream's error type, e.g. `overloaded_error`; `invalid_stream` for a broken event order. */
  readonly type: string;

  constructor(type: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.type = type;
  }
}
