import { chatCompletionRequestSchema } from '@mcpctl/protocol';
import { McplocalError } from '../errors.js';
import type { CompletionOptions } from '../providers/llm-provider.js';

/**
 * Fields mapped onto named options, and fields that are not the provider's business: `model`
 * names the LLM as the caller asked for it (the provider has its own), and streaming is decided
 * by the task, not the body.
 */
const NOT_EXTRA = new Set([
  'messages',
  'temperature',
  'max_tokens',
  'max_completion_tokens',
  'top_p',
  'stop',
  'tools',
  'tool_choice',
  'model',
  'stream',
  'stream_options',
]);

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
    if (!NOT_EXTRA.has(key)) extra[key] = value;
  }
  const stop = body.stop ?? undefined;
  return {
    messages: body.messages,
    temperature: body.temperature ?? undefined,
    maxTokens: body.max_completion_tokens ?? body.max_tokens ?? undefined,
    topP: body.top_p ?? undefined,
    stop: typeof stop === 'string' ? [stop] : stop,
    tools: body.tools,
    toolChoice: body.tool_choice,
    extra: Object.keys(extra).length > 0 ? extra : undefined,
    signal,
  };
}
