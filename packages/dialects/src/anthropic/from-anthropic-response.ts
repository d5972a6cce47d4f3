import type { AnthropicResponse, ChatCompletion, ChatToolCall } from '@mcpctl/protocol';
import { mapAnthropicStopReason } from '@mcpctl/protocol';
import { mapAnthropicUsage } from './map-anthropic-usage.js';

/** Options of {@link fromAnthropicResponse}. */
export interface FromAnthropicResponseOptions {
  /** The model name the caller asked for (an LLM or pool name), not Anthropic's model id. */
  model: string;
  /** Unix seconds for `created`. */
  created: number;
}

/**
 * A non-streaming Anthropic Messages response as an OpenAI `chat.completion`. Thinking goes
 * to `reasoning_content` (the field reasoning-aware OpenAI-compatible clients read);
 * redacted thinking carries nothing a client could show and is left out.
 */
export function fromAnthropicResponse(
  response: AnthropicResponse,
  options: FromAnthropicResponseOptions,
): ChatCompletion {
  let text = '';
  let reasoning = '';
  const toolCalls: ChatToolCall[] = [];
  for (const block of response.content) {
    if (block.type === 'text') text += block.text;
    else if (block.type === 'thinking') reasoning += block.thinking;
    else if (block.type === 'tool_use') {
      toolCalls.push({
        id: block.id,
        type: 'function',
        function: { name: block.name, arguments: JSON.stringify(block.input ?? {}) },
      });
    }
  }
  const message: ChatCompletion['choices'][number]['message'] = {
    role: 'assistant',
    // OpenAI answers null content for a pure tool call; clients test for it.
    content: text === '' && toolCalls.length > 0 ? null : text,
  };
  if (reasoning !== '') message['reasoning_content'] = reasoning;
  if (toolCalls.length > 0) message.tool_calls = toolCalls;
  return {
    id: response.id,
    object: 'chat.completion',
    created: options.created,
    model: options.model,
    choices: [{ index: 0, message, finish_reason: mapAnthropicStopReason(response.stop_reason) }],
    usage: mapAnthropicUsage(response.usage),
  };
}
