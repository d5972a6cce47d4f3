import type { ChatCompletion } from '@mcpctl/protocol';
import type { CompletionResult, ReasoningField } from '../llm-provider.js';
import { toTokenUsage } from '../to-token-usage.js';
import { answerExtras } from './answer-extras.js';

/** The fields of a completion the provider reads; the rest travels on as extras. */
export type OpenAiCompletionBody = Pick<ChatCompletion, 'choices' | 'usage'>;

/**
 * A non-streaming chat completion as a provider result. Reasoning is read from either field name
 * servers use and keeps that name; every field this interface does not name is kept as an extra.
 */
export function fromOpenAiCompletion(completion: OpenAiCompletionBody): CompletionResult {
  const choice = completion.choices.find((candidate) => candidate.index === 0) ?? completion.choices[0];
  const message = choice?.message;
  const reasoningField = reasoningFieldOf(message);
  const reasoning = reasoningField ? message?.[reasoningField] : undefined;
  const read = new Set(['role', 'content', 'tool_calls']);
  if (reasoningField) read.add(reasoningField);
  const result: CompletionResult = {
    content: message?.content ?? '',
    reasoning: typeof reasoning === 'string' && reasoning !== '' ? reasoning : undefined,
    toolCalls: (message?.tool_calls ?? []).map((call) => ({ id: call.id, name: call.function.name, arguments: call.function.arguments })),
    usage: toTokenUsage(completion.usage),
    finishReason: choice?.finish_reason ?? 'stop',
  };
  if (result.reasoning !== undefined) result.reasoningField = reasoningField;
  const extras = answerExtras(completion, choice, message, read, completion.usage);
  if (extras) result.extras = extras;
  return result;
}

function reasoningFieldOf(message: Record<string, unknown> | undefined): ReasoningField | undefined {
  if (typeof message?.['reasoning_content'] === 'string' && message['reasoning_content'] !== '') return 'reasoning_content';
  if (typeof message?.['reasoning'] === 'string' && message['reasoning'] !== '') return 'reasoning';
  return undefined;
}
