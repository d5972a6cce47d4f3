import type { Usage } from '@mcpctl/protocol';
import type { TokenUsage } from './llm-provider.js';

/** OpenAI's usage object in the provider vocabulary; a server that reported none counts zero. */
export function toTokenUsage(usage: Usage | null | undefined): TokenUsage {
  const promptTokens = usage?.prompt_tokens ?? 0;
  const completionTokens = usage?.completion_tokens ?? 0;
  return { promptTokens, completionTokens, totalTokens: usage?.total_tokens ?? promptTokens + completionTokens };
}
