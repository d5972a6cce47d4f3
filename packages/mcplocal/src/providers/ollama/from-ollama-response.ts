import type { OllamaChatResponse } from '@mcpctl/protocol';
import type { CompletionResult } from '../llm-provider.js';
import { mapOllamaDoneReason } from './map-ollama-done-reason.js';
import { mapOllamaUsage } from './map-ollama-usage.js';

/** A non-streaming `/api/chat` answer as a provider result; `generateId` names tool calls Ollama left unnamed. */
export function fromOllamaResponse(response: OllamaChatResponse, generateId: () => string): CompletionResult {
  const message = response.message;
  const toolCalls = (message?.tool_calls ?? []).map((call) => ({
    id: call.id ?? generateId(),
    name: call.function.name,
    arguments: JSON.stringify(call.function.arguments),
  }));
  return {
    content: message?.content ?? '',
    reasoning: message?.thinking ? message.thinking : undefined,
    toolCalls,
    usage: mapOllamaUsage(response),
    finishReason: mapOllamaDoneReason(response.done_reason, toolCalls.length > 0),
  };
}
