import type { ChatCompletion, ChatToolCall, OllamaChatResponse, OllamaToolCall } from '@mcpctl/protocol';
import { mapOllamaDoneReason } from './map-ollama-done-reason.js';
import { mapOllamaUsage } from './map-ollama-usage.js';

/** Options of {@link fromOllamaResponse} and the Ollama stream translator. */
export interface OllamaAnswerOptions {
  /** The completion's `id`: Ollama gives none. */
  id: string;
  /** The model name the caller asked for, not Ollama's model id. */
  model: string;
  /** Unix seconds for `created`. */
  created: number;
  /** Names tool calls Ollama sent without an id: OpenAI clients answer calls by id. */
  generateToolCallId: () => string;
}

/** A non-streaming `/api/chat` answer as an OpenAI `chat.completion`; thinking goes to `reasoning_content`. */
export function fromOllamaResponse(response: OllamaChatResponse, options: OllamaAnswerOptions): ChatCompletion {
  const message = response.message;
  const toolCalls = (message?.tool_calls ?? []).map((call) => toOpenAiToolCall(call, options.generateToolCallId));
  const content = message?.content ?? '';
  const answer: ChatCompletion['choices'][number]['message'] = {
    role: 'assistant',
    // OpenAI answers null content for a pure tool call; clients test for it.
    content: content === '' && toolCalls.length > 0 ? null : content,
  };
  if (message?.thinking) answer['reasoning_content'] = message.thinking;
  if (toolCalls.length > 0) answer.tool_calls = toolCalls;
  return {
    id: options.id,
    object: 'chat.completion',
    created: options.created,
    model: options.model,
    choices: [{ index: 0, message: answer, finish_reason: mapOllamaDoneReason(response.done_reason, toolCalls.length > 0) }],
    usage: mapOllamaUsage(response),
  };
}

/** One Ollama tool call, whose arguments are an object, as OpenAI's, whose arguments are JSON text. */
export function toOpenAiToolCall(call: OllamaToolCall, generateId: () => string): ChatToolCall {
  return { id: call.id ?? generateId(), type: 'function', function: { name: call.function.name, arguments: JSON.stringify(call.function.arguments) } };
}
