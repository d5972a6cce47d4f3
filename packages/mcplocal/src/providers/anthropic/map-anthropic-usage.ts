import type { AnthropicUsage } from '@mcpctl/protocol';
import type { TokenUsage } from '../llm-provider.js';

/** Anthropic counts cached prompt tokens apart from `input_tokens`; the prompt count covers them all. */
export function mapAnthropicUsage(usage: AnthropicUsage): TokenUsage {
  const promptTokens = (usage.input_tokens ?? 0) + (usage.cache_read_input_tokens ?? 0) + (usage.cache_creation_input_tokens ?? 0);
  const completionTokens = usage.output_tokens ?? 0;
  return { promptTokens, completionTokens, totalTokens: promptTokens + completionTokens };
}
