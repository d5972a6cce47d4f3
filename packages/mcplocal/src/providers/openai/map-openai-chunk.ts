import type { ChatCompletionChunk } from '@mcpctl/protocol';
import type { StreamDelta } from '../llm-provider.js';
import { toTokenUsage } from '../to-token-usage.js';
import { answerExtras, topLevelExtras, usageExtras } from './answer-extras.js';

/** The fields of a chunk the provider reads; the envelope (`id`, `created`, …) varies between servers. */
export type OpenAiChunkBody = Pick<ChatCompletionChunk, 'choices' | 'usage'>;

/** Delta fields read into deltas; any other travels on as an extra. */
const DELTA_FIELDS = new Set(['role', 'content', 'reasoning_content', 'reasoning', 'tool_calls']);

/**
 * The deltas one `chat.completion.chunk` carries, in the order a client shows them: reasoning,
 * text, tool calls, then the finish reason; the usage chunk OpenAI sends last gives a usage
 * delta. Only the first choice is read: a provider call asks for one. What else the chunk
 * carries (`logprobs`, `system_fingerprint`, …) rides on the first delta, so a relay keeps it.
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
    const extras = answerExtras(chunk, choice, delta, DELTA_FIELDS);
    if (extras && deltas[0]) deltas[0].extras = extras;
  }
  if (chunk.usage) {
    const usage: StreamDelta = { type: 'usage', usage: toTokenUsage(chunk.usage) };
    // A usage-only chunk's own top-level extras ride with it; otherwise the first delta has them.
    const answer = deltas.length === 0 ? topLevelExtras(chunk) : undefined;
    const extraUsage = usageExtras(chunk.usage);
    if (answer || extraUsage) usage.extras = { answer, usage: extraUsage };
    deltas.push(usage);
  }
  return deltas;
}
