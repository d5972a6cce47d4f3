import type { ChatCompletion } from '@mcpctl/protocol';
import type { CompletionResult } from '../llm-provider.js';
import { toTokenUsage } from '../to-token-usage.js';

/** The fields of a completion the provider reads. */
export type OpenAiCompletionBody = Pick<ChatCompletion, 'choices' | 'usage'>;

/** A non-streaming chat completion as a provider result; reasoning is read from either field name servers use. */
export function fromOpenAiCompletion(completion: OpenAiCompletionBody): CompletionResult {
  const choice = completion.choices.find((candidate) => candidate.index === 0) ?? completion.choices[0];
  const message = choice?.message;
  const reasoning = message?.['reasoning_content'] ?? message?.['reasoning'];
  return {
    content: message?.content ?? '',
    reasoning: typeof reasoning === 'string' && reasoning !== '' ? reasoning : undefined,
    toolCalls: (message?.tool_calls ?? []).map((call) => ({ id: call.id, name: call.function.name, arguments: call.function.arguments })),
    usage: toTokenUsage(completion.usage),
    finishReason: choice?.finish_reason ?? 'stop',
  };
}
