import { chatCompletionRequestSchema } from '@mcpctl/protocol';
import { McplocalError } from '../errors.js';
import type { CompletionOptions } from '../providers/llm-provider.js';

/**
 * Fields mapped onto named options, and fields that are not the provider's business: `model`
 * names the LLM as the caller asked for it (the provider has its own), and streaming is decided
 * by the task, not the body. `max_completion_tokens` and `stop` go on as the caller wrote them,
 * among the extras: OpenAI's reasoning models refuse `max_tokens`, and every dialect reads
 * either limit and either form of `stop`.
 */
const NOT_EXTRA = new Set(['messages', 'temperature', 'max_tokens', 'top_p', 'tools', 'tool_choice', 'model', 'stream', 'stream_options']);

/** Extras whose `null` means "not set", as it does for the named options. */
const ABSENT_WHEN_NULL = new Set(['max_completion_tokens', 'stop']);

/** An infer task's OpenAI body as provider options; throws when mcpd relayed a body no provider could take. */
export function toCompletionOptions(request: Record<string, unknown>, signal: AbortSignal): CompletionOptions {
  const parsed = chatCompletionRequestSchema.safeParse(request);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.map(String).join('.') || 'body'}: ${issue.message}`);
    throw new McplocalError(`invalid chat request: ${problems.join('; ')}`, { cause: parsed.error });
  }
  const body = parsed.data;
  const extra: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(request)) {
    if (NOT_EXTRA.has(key) || (value === null && ABSENT_WHEN_NULL.has(key))) continue;
    extra[key] = value;
  }
  return {
    messages: body.messages,
    temperature: body.temperature ?? undefined,
    maxTokens: body.max_tokens ?? undefined,
    topP: body.top_p ?? undefined,
    tools: body.tools,
    toolChoice: body.tool_choice,
    usageAsked: body.stream_options?.include_usage === true ? true : undefined,
    extra: Object.keys(extra).length > 0 ? extra : undefined,
    signal,
  };
}
