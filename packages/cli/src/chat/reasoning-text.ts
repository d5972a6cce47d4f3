/**
 * Reasoning text of a delta or message. Servers disagree on the field: DeepSeek and vLLM
 * send `reasoning_content`, others (OpenRouter, newer vLLM, Ollama) send `reasoning`.
 */
export function reasoningText(part: Record<string, unknown> | undefined): string {
  if (part === undefined) return '';
  const value = part.reasoning_content ?? part.reasoning;
  return typeof value === 'string' ? value : '';
}
