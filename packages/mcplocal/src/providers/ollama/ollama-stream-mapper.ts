import type { OllamaChatResponse } from '@mcpctl/protocol';
import type { StreamDelta } from '../llm-provider.js';
import { mapOllamaDoneReason } from './map-ollama-done-reason.js';
import { mapOllamaUsage } from './map-ollama-usage.js';

/**
 * Turns the lines of one `/api/chat` stream into deltas. Ollama sends each tool call whole, in
 * one line, so each becomes one complete tool-call delta; the `done` line gives the finish and
 * usage deltas. A stream without a `done` line was cut short (`stopped` stays false).
 */
export class OllamaStreamMapper {
  private toolCalls = 0;
  private ended = false;

  /** `generateId` names tool calls: Ollama does not always, and OpenAI clients answer calls by id. */
  constructor(private readonly generateId: () => string) {}

  get stopped(): boolean {
    return this.ended;
  }

  push(line: OllamaChatResponse): StreamDelta[] {
    if (this.ended) return [];
    const deltas: StreamDelta[] = [];
    const message = line.message;
    if (message?.thinking) deltas.push({ type: 'reasoning', text: message.thinking, field: 'reasoning_content' });
    if (message?.content) deltas.push({ type: 'text', text: message.content });
    for (const call of message?.tool_calls ?? []) {
      deltas.push({
        type: 'tool-call',
        index: this.toolCalls,
        id: call.id ?? this.generateId(),
        name: call.function.name,
        arguments: JSON.stringify(call.function.arguments),
      });
      this.toolCalls += 1;
    }
    if (line.done) {
      this.ended = true;
      deltas.push({ type: 'finish', reason: mapOllamaDoneReason(line.done_reason, this.toolCalls > 0) });
      deltas.push({ type: 'usage', usage: mapOllamaUsage(line) });
    }
    return deltas;
  }
}
