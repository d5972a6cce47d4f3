import type { AnthropicContentBlock, ChatMessage } from '@mcpctl/protocol';
import { TranslationError } from '../translation-error.js';
import { parseToolArguments } from '../parse-tool-arguments.js';
import { toAnthropicContent } from './to-anthropic-content.js';

/** One conversation turn in Anthropic's shape, before turns of the same role are merged. */
export interface AnthropicTurn {
  role: 'user' | 'assistant';
  content: AnthropicContentBlock[];
}

/**
 * One OpenAI message as an Anthropic turn; `undefined` for system and developer messages,
 * which go to the top-level `system` prompt instead.
 */
export function toAnthropicTurn(message: ChatMessage): AnthropicTurn | undefined {
  switch (message.role) {
    case 'system':
    case 'developer':
      return undefined;
    case 'user':
      return { role: 'user', content: toAnthropicContent(message.content) };
    case 'assistant':
      return { role: 'assistant', content: [...toAnthropicContent(message.content), ...toToolUses(message)] };
    case 'tool':
      return { role: 'user', content: [toToolResult(message)] };
    case 'function':
      throw new TranslationError(
        'legacy "function" messages cannot be sent to an Anthropic model; use tool_calls and "tool" messages',
      );
  }
}

function toToolUses(message: ChatMessage): AnthropicContentBlock[] {
  return (message.tool_calls ?? []).map((toolCall) => ({
    type: 'tool_use',
    id: toolCall.id,
    name: toolCall.function.name,
    input: parseToolArguments(toolCall.function.arguments),
  }));
}

function toToolResult(message: ChatMessage): AnthropicContentBlock {
  if (!message.tool_call_id) {
    throw new TranslationError('a "tool" message needs the tool_call_id of the call it answers');
  }
  if (typeof message.content === 'string') {
    // Anthropic rejects blank text, so an empty tool output is sent as no content at all.
    return message.content.trim() === ''
      ? { type: 'tool_result', tool_use_id: message.tool_call_id }
      : { type: 'tool_result', tool_use_id: message.tool_call_id, content: message.content };
  }
  const blocks = toAnthropicContent(message.content);
  return blocks.length === 0
    ? { type: 'tool_result', tool_use_id: message.tool_call_id }
    : { type: 'tool_result', tool_use_id: message.tool_call_id, content: blocks };
}
