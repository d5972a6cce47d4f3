import type { OllamaChatResponse } from '@mcpctl/protocol';
import type { TokenUsage } from '../llm-provider.js';

/** Ollama counts the prompt (`prompt_eval_count`) and the answer (`eval_count`) on its last line. */
export function mapOllamaUsage(response: OllamaChatResponse): TokenUsage {
  const promptTokens = response.prompt_eval_count ?? 0;
  const completionTokens = response.eval_count ?? 0;
  return { promptTokens, completionTokens, totalTokens: promptTokens + completionTokens };
}
