import type { OllamaChatResponse, Usage } from '@mcpctl/protocol';

/** Ollama counts the prompt (`prompt_eval_count`) and the answer (`eval_count`) on its last line; as OpenAI's usage. */
export function mapOllamaUsage(response: OllamaChatResponse): Usage {
  const promptTokens = response.prompt_eval_count ?? 0;
  const completionTokens = response.eval_count ?? 0;
  return { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens };
}
