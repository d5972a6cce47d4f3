import type { FinishReason } from '@mcpctl/protocol';

/**
 * Ollama's `done_reason` as an OpenAI finish reason. Ollama says `stop` after a tool call too,
 * so a turn that called tools finishes with `tool_calls`, as OpenAI clients expect.
 */
export function mapOllamaDoneReason(doneReason: string | undefined, calledTools: boolean): FinishReason {
  if (calledTools) return 'tool_calls';
  return doneReason === 'length' ? 'length' : 'stop';
}
