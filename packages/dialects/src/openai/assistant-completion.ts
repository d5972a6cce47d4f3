import type { ChatCompletion, ChatToolCall, FinishReason, Usage } from '@mcpctl/protocol';

/** The `id`, `model` and `created` of a translated answer: the caller's names, not the upstream's. */
export interface CompletionEnvelope {
  id: string;
  /** The model name the caller asked for (an LLM or pool name), not the upstream's model id. */
  model: string;
  /** Unix seconds. */
  created: number;
}

/** What one assistant turn said, in OpenAI's pieces. */
export interface AssistantAnswer {
  text: string;
  /** Thinking, for `reasoning_content` (the field reasoning-aware OpenAI clients read). */
  reasoning: string;
  toolCalls: ChatToolCall[];
}

/** A translated whole answer as an OpenAI `chat.completion` with its one choice. */
export function assistantCompletion(
  envelope: CompletionEnvelope,
  answer: AssistantAnswer,
  finishReason: FinishReason,
  usage: Usage,
): ChatCompletion {
  const message: ChatCompletion['choices'][number]['message'] = {
    role: 'assistant',
    // OpenAI answers null content for a pure tool call; clients test for it.
    content: answer.text === '' && answer.toolCalls.length > 0 ? null : answer.text,
  };
  if (answer.reasoning !== '') message['reasoning_content'] = answer.reasoning;
  if (answer.toolCalls.length > 0) message.tool_calls = answer.toolCalls;
  return {
    id: envelope.id,
    object: 'chat.completion',
    created: envelope.created,
    model: envelope.model,
    choices: [{ index: 0, message, finish_reason: finishReason }],
    usage,
  };
}
