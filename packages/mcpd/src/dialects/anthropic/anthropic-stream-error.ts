/**
 * An `error` event inside an Anthropic stream (for example `overloaded_error` after the
 * response headers were already sent), or a stream that breaks the event order.
 * The message is Anthropic's own, so the caller can relay it verbatim.
 */
export class AnthropicStreamError extends Error {
  override readonly name = 'AnthropicStreamError';

  /** Anthropic's error type, e.g. `overloaded_error`, `api_error`; `invalid_stream` for a broken event order. */
  readonly type: string;

  constructor(type: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.type = type;
  }
}
