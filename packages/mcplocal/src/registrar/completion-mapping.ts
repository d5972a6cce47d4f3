import type { ChatCompletion, ChatToolCall, Usage } from '@mcpctl/protocol';
import type { CompletionResult, TokenUsage, ToolCall } from '../providers/llm-provider.js';
import type { CompletionIdentity } from './completion-identity.js';

/**
 * A provider's whole answer as the OpenAI `chat.completion` object mcpd hands to the caller.
 * Reasoning keeps the field name the local server used, and the fields the provider interface
 * does not name (`logprobs`, `system_fingerprint`, …) come back where the server put them.
 */
export function toChatCompletion(result: CompletionResult, identity: CompletionIdentity): ChatCompletion {
  const toolCalls = result.toolCalls.map(toChatToolCall);
  const extras = result.extras;
  const message: ChatCompletion['choices'][number]['message'] = {
    role: 'assistant',
    // OpenAI answers a pure tool call with `content: null`; clients test for it.
    content: result.content === '' && toolCalls.length > 0 ? null : result.content,
    ...extras?.message,
  };
  if (result.reasoning !== undefined && result.reasoning !== '') message[result.reasoningField ?? 'reasoning_content'] = result.reasoning;
  if (toolCalls.length > 0) message.tool_calls = toolCalls;
  return {
    id: identity.id,
    object: 'chat.completion',
    created: identity.created,
    model: identity.model,
    choices: [{ index: 0, message, ...extras?.choice, finish_reason: result.finishReason }],
    usage: { ...toOpenAiUsage(result.usage), ...extras?.usage },
    ...extras?.answer,
  };
}

export function toChatToolCall(call: ToolCall): ChatToolCall {
  return { id: call.id, type: 'function', function: { name: call.name, arguments: call.arguments } };
}

export function toOpenAiUsage(usage: TokenUsage): Usage {
  return { prompt_tokens: usage.promptTokens, completion_tokens: usage.completionTokens, total_tokens: usage.totalTokens };
}
