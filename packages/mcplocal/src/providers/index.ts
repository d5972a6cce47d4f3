export type {
  AnswerExtras,
  CompletionOptions,
  CompletionResult,
  LlmProvider,
  ReasoningField,
  StreamDelta,
  TokenUsage,
  ToolCall,
} from './llm-provider.js';
export { createProvider, resolveApiKey } from './create-provider.js';
export { isAbortError } from './is-abort-error.js';
export { AVAILABILITY_TIMEOUT_MS } from './check-availability.js';
export { upstreamEndpoint, ANTHROPIC_VERSION } from '@mcpctl/dialects';
export { OpenAiProvider, type OpenAiProviderOptions } from './openai/openai-provider.js';
export { AnthropicProvider, type AnthropicProviderOptions } from './anthropic/anthropic-provider.js';
export { OllamaProvider, type OllamaProviderOptions } from './ollama/ollama-provider.js';
