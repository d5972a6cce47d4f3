import type { ChatCompletionChunk } from '@mcpctl/protocol';
import type { StreamDelta } from '../llm-provider.js';
import { toTokenUsage } from '../to-token-usage.js';

/** The fields of a chunk the provider reads; the envelope (`id`, `created`, …) varies between servers. */
export type OpenAiChunkBody = Pick<ChatCompletionChunk, 'choices' | 'usage'>;

/**
 * The deltas one `chat.completion.chunk` carries, in the order a client shows them: reasoning,
 * text, tool calls, then the finish reason; the usage chunk OpenAI sends last gives a usage
 * delta. Only the first choice is read: a provider call asks for one.
 */
export function mapOpenAiChunk(chunk: OpenAiChunkBody): StreamDelta[] {
  const deltas: StreamDelta[] = [];
  const choice = chunk.choices.find((candidate) => candidate.index === 0);
  if (choice) {
    const { delta } = choice;
    if (typeof delta.reasoning_content === 'string' && delta.reasoning_content !== '') {
      deltas.push({ type: 'reasoning', text: delta.reasoning_content, field: 'reasoning_content' });
    }
    // vLLM's newer reasoning parsers and OpenRouter name the field `reasoning`.
    const reasoning = delta['reasoning'];
    if (typeof reasoning === 'string' && reasoning !== '') deltas.push({ type: 'reasoning', text: reasoning, field: 'reasoning' });
    if (typeof delta.content === 'string' && delta.content !== '') deltas.push({ type: 'text', text: delta.content });
    for (const toolCall of delta.tool_calls ?? []) {
      deltas.push({
        type: 'tool-call',
        index: toolCall.index,
        id: toolCall.id,
        name: toolCall.function?.name,
        arguments: toolCall.function?.arguments,
      });
    }
    if (choice.finish_reason) deltas.push({ type: 'finish', reason: choice.finish_reason });
  }
  if (chunk.usage) deltas.push({ type: 'usage', usage: toTokenUsage(chunk.usage) });
  return deltas;
}
