import type { AnthropicStreamEvent, ChatCompletionChunk } from '@mcpctl/protocol';
import { AnthropicStreamTranslator } from '../../src/index.js';

export const created = 1_760_000_000;
export const model = 'team-claude';

/** What a client receives for a whole upstream stream: every pushed event, then `finish()`. */
export function translateAnthropicStream(
  events: AnthropicStreamEvent[],
  includeUsage = false,
): { chunks: ChatCompletionChunk[]; error?: unknown } {
  const translator = new AnthropicStreamTranslator({ model, created, includeUsage });
  const chunks: ChatCompletionChunk[] = [];
  try {
    for (const event of events) chunks.push(...translator.push(event));
  } catch (error) {
    chunks.push(...translator.finish());
    return { chunks, error };
  }
  chunks.push(...translator.finish());
  return { chunks };
}
