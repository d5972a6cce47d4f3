import type { AnthropicResponse, ChatCompletion, ChatToolCall } from '@mcpctl/protocol';
import { mapAnthropicStopReason } from '@mcpctl/protocol';
import { assistantCompletion, type CompletionEnvelope } from '../openai/assistant-completion.js';
import { mapAnthropicUsage } from './map-anthropic-usage.js';

/** Options of {@link fromAnthropicResponse}: the answer's `model` and `created`; its id is Anthropic's. */
export type FromAnthropicResponseOptions = Omit<CompletionEnvelope, 'id'>;

/**
 * A non-streaming Anthropic Messages response as an OpenAI `chat.completion`. Thinking goes
 * to `reasoning_content`; redacted thinking carries nothing a client could show and is left out.
 */
export function fromAnthropicResponse(response: AnthropicResponse, options: FromAnthropicResponseOptions): ChatCompletion {
  let text = '';
  let reasoning = '';
  const toolCalls: ChatToolCall[] = [];
  for (const block of response.content) {
    if (block.type === 'text') text += block.text;
    else if (block.type === 'thinking') reasoning += block.thinking;
    else if (block.type === 'tool_use') {
      toolCalls.push({ id: block.id, type: 'function', function: { name: block.name, arguments: JSON.stringify(block.input ?? {}) } });
    }
  }
  const envelope = { id: response.id, model: options.model, created: options.created };
  return assistantCompletion(envelope, { text, reasoning, toolCalls }, mapAnthropicStopReason(response.stop_reason), mapAnthropicUsage(response.usage));
}
