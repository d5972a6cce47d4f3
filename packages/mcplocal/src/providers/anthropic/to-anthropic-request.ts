import type { AnthropicRequest } from '@mcpctl/protocol';
import { ProviderError } from '../../errors.js';
import type { CompletionOptions } from '../llm-provider.js';
import { toAnthropicConversation } from './to-anthropic-messages.js';
import { toAnthropicTools } from './to-anthropic-tools.js';

/** Anthropic requires `max_tokens`; OpenAI-speaking callers usually leave it out. */
export const DEFAULT_ANTHROPIC_MAX_TOKENS = 4096;

/* Anthropic rejects unknown fields, so of the caller's extra fields only its own pass. */
const ANTHROPIC_EXTRA_FIELDS = ['top_k', 'thinking', 'metadata', 'service_tier'] as const;

/** A Messages request for `model` from options in the OpenAI vocabulary; a request Anthropic cannot express is a ProviderError 400. */
export function toAnthropicRequest(options: CompletionOptions, model: string, stream: boolean): AnthropicRequest {
  const extra = options.extra ?? {};
  const { system, messages } = toAnthropicConversation(options.messages);
  if (messages.length === 0) {
    throw new ProviderError(400, 'an Anthropic model needs at least one non-empty user or assistant message');
  }
  const passed = Object.fromEntries(ANTHROPIC_EXTRA_FIELDS.filter((field) => extra[field] !== undefined).map((field) => [field, extra[field]]));
  const request: AnthropicRequest = {
    ...passed,
    model,
    max_tokens: options.maxTokens ?? DEFAULT_ANTHROPIC_MAX_TOKENS,
    messages,
    stream,
    ...toAnthropicTools(options.tools, options.toolChoice, extra['parallel_tool_calls']),
  };
  if (system !== undefined) request.system = system;
  // OpenAI's temperature runs 0–2, Anthropic's 0–1: clamped, since both read 1 as natural sampling.
  if (options.temperature !== undefined) request.temperature = Math.min(options.temperature, 1);
  if (options.topP !== undefined) request.top_p = options.topP;
  if (options.stop !== undefined && options.stop.length > 0) request.stop_sequences = options.stop;
  if (typeof extra['user'] === 'string' && request.metadata === undefined) request.metadata = { user_id: extra['user'] };
  return request;
}
