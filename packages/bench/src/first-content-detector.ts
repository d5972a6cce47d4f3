import type { ChatCompletionChunk } from '@mcpctl/protocol';

/**
 * Watches an OpenAI SSE body for the first frame that carries text: a `data:` frame whose first
 * choice has a non-empty `delta.content`. The opening role frame (`content: ""`) does not count.
 */
export class FirstContentDetector {
  #pending = '';
  #found = false;

  get found(): boolean {
    return this.#found;
  }

  /** Feeds the next piece of the body; true once the first content frame has been seen. */
  feed(text: string): boolean {
    if (this.#found) return true;
    this.#pending += text;
    for (;;) {
      const end = frameEnd(this.#pending);
      if (end === undefined) return false;
      const frame = this.#pending.slice(0, end.at);
      this.#pending = this.#pending.slice(end.at + end.length);
      if (carriesContent(frame)) {
        this.#found = true;
        this.#pending = '';
        return true;
      }
    }
  }
}

function frameEnd(text: string): { at: number; length: number } | undefined {
  const match = /\r?\n\r?\n/.exec(text);
  return match ? { at: match.index, length: match[0].length } : undefined;
}

function carriesContent(frame: string): boolean {
  const data = frame
    .split(/\r?\n/)
    .filter((line) => line.startsWith('data:'))
    .map((line) => line.slice(line.startsWith('data: ') ? 6 : 5))
    .join('\n');
  if (data === '' || data === '[DONE]') return false;
  let chunk: Partial<ChatCompletionChunk>;
  try {
    chunk = JSON.parse(data) as Partial<ChatCompletionChunk>;
  } catch {
    return false;
  }
  const content = chunk.choices?.[0]?.delta?.content;
  return typeof content === 'string' && content.length > 0;
}
