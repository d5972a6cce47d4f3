import type { AnthropicUsage, Usage } from '@mcpctl/protocol';

/**
 * Anthropic's usage as OpenAI's. Anthropic counts cached prompt tokens apart from
 * `input_tokens`; OpenAI's `prompt_tokens` covers the whole prompt, so they are added back.
 */
export function mapAnthropicUsage(usage: AnthropicUsage): Usage {
  const promptTokens =
    (usage.input_tokens ?? 0) + (usage.cache_read_input_tokens ?? 0) + (usage.cache_creation_input_tokens ?? 0);
  const completionTokens = usage.output_tokens ?? 0;
  return {
    prompt_tokens: promptTokens,
    completion_tokens: completionTokens,
    total_tokens: promptTokens + completionTokens,
  };
}
