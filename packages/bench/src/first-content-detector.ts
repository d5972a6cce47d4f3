import type { ChatCompletionChunk } from '@mcpctl/protocol';
import { SseDataReader } from './sse-data-reader.js';

/**
 * Watches an OpenAI SSE body for the first frame that carries text: a `data:` frame whose first
 * choice has a non-empty `delta.content`. The opening role frame (`content: ""`) does not count.
 */
export class FirstContentDetector {
  readonly #reader = new SseDataReader();
  #found = false;

  get found(): boolean {
    return this.#found;
  }

  /** Feeds the next piece of the body; true once the first content frame has been seen. */
  feed(text: string): boolean {
    if (this.#found) return true;
    for (const data of this.#reader.feed(text)) {
      if (chunkContent(data)) {
        this.#found = true;
        return true;
      }
    }
    return false;
  }
}

/** The text a chunk's first choice carries, or undefined for `[DONE]`, a frame without text, or one that is not JSON. */
export function chunkContent(data: string): string | undefined {
  if (data === '' || data === '[DONE]') return undefined;
  let chunk: Partial<ChatCompletionChunk>;
  try {
    chunk = JSON.parse(data) as Partial<ChatCompletionChunk>;
  } catch {
    return undefined;
  }
  const content = chunk.choices?.[0]?.delta?.content;
  return typeof content === 'string' && content.length > 0 ? content : undefined;
}
