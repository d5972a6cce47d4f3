export { AnthropicStreamError } from './anthropic-stream-error.js';
export { AnthropicTranslationError } from './anthropic-translation-error.js';
export { AnthropicStreamTranslator, type AnthropicStreamTranslatorOptions } from './anthropic-stream-translator.js';
export { fromAnthropicResponse, type FromAnthropicResponseOptions } from './from-anthropic-response.js';
export { mapAnthropicUsage } from './map-anthropic-usage.js';
export {
  toAnthropicRequest,
  DEFAULT_ANTHROPIC_MAX_TOKENS,
  type ToAnthropicRequestOptions,
} from './to-anthropic-request.js';
