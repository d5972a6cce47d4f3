import type { AnthropicResponse } from '@mcpctl/protocol';
import type { CompletionResult, ToolCall } from '../llm-provider.js';
import { mapAnthropicStopReason } from '@mcpctl/protocol';
import { mapAnthropicUsage } from './map-anthropic-usage.js';

/** A whole Messages response as a provider result; redacted thinking carries nothing to show and is left out. */
export function fromAnthropicResponse(response: AnthropicResponse): CompletionResult {
  let content = '';
  let reasoning = '';
  const toolCalls: ToolCall[] = [];
  for (const block of response.content) {
    if (block.type === 'text') content += block.text;
    else if (block.type === 'thinking') reasoning += block.thinking;
    else if (block.type === 'tool_use') toolCalls.push({ id: block.id, name: block.name, arguments: JSON.stringify(block.input ?? {}) });
  }
  return {
    content,
    reasoning: reasoning === '' ? undefined : reasoning,
    toolCalls,
    usage: mapAnthropicUsage(response.usage),
    finishReason: mapAnthropicStopReason(response.stop_reason),
  };
}
