import type { AnthropicRequest, ChatCompletionRequest } from '@mcpctl/protocol';
import { TranslationError } from '../translation-error.js';
import { toAnthropicMessages } from './to-anthropic-messages.js';
import { toAnthropicPassThrough } from './to-anthropic-pass-through.js';
import { toAnthropicSystem } from './to-anthropic-system.js';
import { toAnthropicTools } from './to-anthropic-tools.js';

/** Anthropic requires `max_tokens`; OpenAI clients usually leave it out. */
export const DEFAULT_ANTHROPIC_MAX_TOKENS = 4096;

/** Options of {@link toAnthropicRequest}. */
export interface ToAnthropicRequestOptions {
  /** `max_tokens` when the request names neither `max_completion_tokens` nor `max_tokens`; 4096 by default. */
  defaultMaxTokens?: number;
}

/**
 * An OpenAI chat-completions request as an Anthropic Messages request for `model` (the
 * upstream's model id). The token limit is `max_completion_tokens`, else `max_tokens`
 * (OpenAI's own rule: the newer field wins). Fields Anthropic also accepts (`top_k`,
 * `thinking`, `metadata`, `service_tier`) pass through; the rest (`stream_options`,
 * `logprobs`, `presence_penalty`, vendor extensions, …) are dropped, because Anthropic rejects
 * unknown fields. Throws {@link TranslationError} for a request that cannot be expressed.
 */
export function toAnthropicRequest(
  request: ChatCompletionRequest,
  model: string,
  options: ToAnthropicRequestOptions = {},
): AnthropicRequest {
  if ((request.n ?? 1) > 1) {
    throw new TranslationError('Anthropic models answer one choice per request; n must be 1');
  }
  const messages = toAnthropicMessages(request.messages);
  if (messages.length === 0) {
    throw new TranslationError('an Anthropic model needs at least one non-empty user or assistant message');
  }
  const anthropic: AnthropicRequest = {
    ...toAnthropicPassThrough(request),
    model,
    max_tokens:
      request.max_completion_tokens ?? request.max_tokens ?? options.defaultMaxTokens ?? DEFAULT_ANTHROPIC_MAX_TOKENS,
    messages,
    ...toAnthropicTools(request),
  };
  const system = toAnthropicSystem(request.messages);
  if (system !== undefined) anthropic.system = system;
  // OpenAI's temperature runs 0–2, Anthropic's 0–1. Values are clamped rather than halved:
  // both providers treat 0 as near-deterministic and 1 as the model's natural sampling, and
  // clients tuned on either pick values in 0–1, so halving would make a 0.7 noticeably colder.
  if (request.temperature != null) anthropic.temperature = Math.min(request.temperature, 1);
  if (request.top_p != null) anthropic.top_p = request.top_p;
  const stopSequences = typeof request.stop === 'string' ? [request.stop] : (request.stop ?? []);
  if (stopSequences.length > 0) anthropic.stop_sequences = stopSequences;
  if (request.stream !== undefined) anthropic.stream = request.stream;
  return anthropic;
}
