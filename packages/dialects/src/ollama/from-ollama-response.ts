import type { ChatCompletion, ChatToolCall, OllamaChatResponse, OllamaToolCall } from '@mcpctl/protocol';
import { assistantCompletion, type CompletionEnvelope } from '../openai/assistant-completion.js';
import { mapOllamaDoneReason } from './map-ollama-done-reason.js';
import { mapOllamaUsage } from './map-ollama-usage.js';

/** Options of {@link fromOllamaResponse} and the Ollama stream translator; Ollama gives no id of its own. */
export interface OllamaAnswerOptions extends CompletionEnvelope {
  /** Names tool calls Ollama sent without an id: OpenAI clients answer calls by id. */
  generateToolCallId: () => string;
}

/** A non-streaming `/api/chat` answer as an OpenAI `chat.completion`; thinking goes to `reasoning_content`. */
export function fromOllamaResponse(response: OllamaChatResponse, options: OllamaAnswerOptions): ChatCompletion {
  const message = response.message;
  const toolCalls = (message?.tool_calls ?? []).map((call) => toOpenAiToolCall(call, options.generateToolCallId));
  const answer = { text: message?.content ?? '', reasoning: message?.thinking ?? '', toolCalls };
  const finishReason = mapOllamaDoneReason(response.done_reason, toolCalls.length > 0);
  return assistantCompletion(options, answer, finishReason, mapOllamaUsage(response));
}

/** One Ollama tool call, whose arguments are an object, as OpenAI's, whose arguments are JSON text. */
export function toOpenAiToolCall(call: OllamaToolCall, generateId: () => string): ChatToolCall {
  return { id: call.id ?? generateId(), type: 'function', function: { name: call.function.name, arguments: JSON.stringify(call.function.arguments) } };
}
