import type { ChatCompletionChunk } from '@mcpctl/protocol';

/** True when a chunk's first choice carries something the caller sees: text, reasoning or a tool call. */
export function hasOutput(chunk: ChatCompletionChunk): boolean {
  const delta = chunk.choices[0]?.delta;
  if (!delta) return false;
  return Boolean(delta.content) || Boolean(delta.reasoning_content) || Boolean(delta.tool_calls?.length) || Boolean((delta as { reasoning?: unknown }).reasoning);
}
