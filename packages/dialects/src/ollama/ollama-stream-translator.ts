import type { ChatCompletionChunk, FinishReason, OllamaChatResponse } from '@mcpctl/protocol';
import type { OllamaAnswerOptions } from './from-ollama-response.js';
import { toOpenAiToolCall } from './from-ollama-response.js';
import { mapOllamaDoneReason } from './map-ollama-done-reason.js';
import { mapOllamaUsage } from './map-ollama-usage.js';

type ChunkDelta = ChatCompletionChunk['choices'][number]['delta'];

/** Options of {@link OllamaStreamTranslator}. */
export interface OllamaStreamTranslatorOptions extends OllamaAnswerOptions {
  /** The request's `stream_options.include_usage`: end with a usage chunk, `usage: null` on the others. */
  includeUsage: boolean;
}

/**
 * Turns the lines of one `/api/chat` stream into OpenAI `chat.completion.chunk`s, one line at
 * a time. Ollama sends each tool call whole, in one line, so each becomes one complete tool-call
 * delta; the `done` line gives the finish chunk and the usage chunk. A stream without a `done`
 * line was cut short (`stopped` stays false).
 */
export class OllamaStreamTranslator {
  private toolCalls = 0;
  private ended = false;
  private roleSent = false;

  constructor(private readonly options: OllamaStreamTranslatorOptions) {}

  get stopped(): boolean {
    return this.ended;
  }

  /** The chunks to send for one line, possibly none. */
  push(line: OllamaChatResponse): ChatCompletionChunk[] {
    if (this.ended) return [];
    const chunks: ChatCompletionChunk[] = [];
    const delta = this.delta(line);
    if (delta) chunks.push(this.chunk(delta));
    if (line.done) {
      this.ended = true;
      chunks.push(this.chunk({}, mapOllamaDoneReason(line.done_reason, this.toolCalls > 0)));
      if (this.options.includeUsage) chunks.push({ ...this.envelope(), choices: [], usage: mapOllamaUsage(line) });
    }
    return chunks;
  }

  private delta(line: OllamaChatResponse): ChunkDelta | undefined {
    const message = line.message;
    const delta: ChunkDelta = {};
    if (message?.thinking) delta.reasoning_content = message.thinking;
    if (message?.content) delta.content = message.content;
    const calls = (message?.tool_calls ?? []).map((call) => ({ index: this.toolCalls++, ...toOpenAiToolCall(call, this.options.generateToolCallId) }));
    if (calls.length > 0) delta.tool_calls = calls;
    if (Object.keys(delta).length === 0) return undefined;
    if (this.roleSent) return delta;
    this.roleSent = true;
    return { role: 'assistant', ...delta };
  }

  private chunk(delta: ChunkDelta, finishReason: FinishReason | null = null): ChatCompletionChunk {
    const chunk: ChatCompletionChunk = { ...this.envelope(), choices: [{ index: 0, delta, finish_reason: finishReason }] };
    // OpenAI sends `usage: null` on every chunk but the last when usage was asked for.
    if (this.options.includeUsage) chunk.usage = null;
    return chunk;
  }

  private envelope(): Pick<ChatCompletionChunk, 'id' | 'object' | 'created' | 'model'> {
    return { id: this.options.id, object: 'chat.completion.chunk', created: this.options.created, model: this.options.model };
  }
}
