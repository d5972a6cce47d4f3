import { z } from 'zod';
import type { AnthropicToolChoice } from '@mcpctl/protocol';
import { TranslationError } from '../translation-error.js';

// The protocol leaves `tool_choice` open (mcpd passes it through to OpenAI upstreams); this
// reads the shapes that have an Anthropic equivalent.
const openAiToolChoiceSchema = z.union([
  z.enum(['auto', 'required', 'none']),
  z.object({ type: z.literal('function'), function: z.object({ name: z.string() }) }),
]);

/**
 * OpenAI's `tool_choice` and `parallel_tool_calls` as Anthropic's `tool_choice`;
 * `undefined` when neither says anything Anthropic's default does not already do.
 */
export function toAnthropicToolChoice(
  toolChoice: unknown,
  parallelToolCalls: unknown,
): AnthropicToolChoice | undefined {
  const disableParallel = parallelToolCalls === false ? { disable_parallel_tool_use: true } : {};
  if (toolChoice === undefined || toolChoice === null) {
    return parallelToolCalls === false ? { type: 'auto', ...disableParallel } : undefined;
  }
  const parsed = openAiToolChoiceSchema.safeParse(toolChoice);
  if (!parsed.success) {
    throw new TranslationError(`tool_choice ${JSON.stringify(toolChoice)} has no Anthropic equivalent`, {
      cause: parsed.error,
    });
  }
  switch (parsed.data) {
    case 'auto':
      return { type: 'auto', ...disableParallel };
    case 'required':
      return { type: 'any', ...disableParallel };
    case 'none':
      return { type: 'none' };
    default:
      return { type: 'tool', name: parsed.data.function.name, ...disableParallel };
  }
}
