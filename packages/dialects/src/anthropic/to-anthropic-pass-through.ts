import type { AnthropicRequest, ChatCompletionRequest } from '@mcpctl/protocol';

/* The service tiers Anthropic knows; OpenAI's (`default`, `flex`, `priority`) would be a 400 there. */
const ANTHROPIC_SERVICE_TIERS = new Set(['auto', 'standard_only']);

/**
 * The fields of an OpenAI request that Anthropic accepts as they are: `top_k` and `thinking`
 * (which only Anthropic-aware clients send), `service_tier` when its value is one of
 * Anthropic's, and `metadata.user_id`, else OpenAI's `user`, as Anthropic's `metadata`
 * (Anthropic's metadata holds nothing else, and rejects OpenAI's free-form keys).
 */
export function toAnthropicPassThrough(request: ChatCompletionRequest): Partial<AnthropicRequest> {
  const passed: Partial<AnthropicRequest> = {};
  const topK = request['top_k'];
  if (typeof topK === 'number') passed['top_k'] = topK;
  const thinking = request['thinking'];
  if (isRecord(thinking)) passed['thinking'] = thinking;
  const serviceTier = request['service_tier'];
  if (typeof serviceTier === 'string' && ANTHROPIC_SERVICE_TIERS.has(serviceTier)) passed['service_tier'] = serviceTier;
  const metadata = request['metadata'];
  const userId = isRecord(metadata) && typeof metadata['user_id'] === 'string' ? metadata['user_id'] : request.user;
  if (userId) passed.metadata = { user_id: userId };
  return passed;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
