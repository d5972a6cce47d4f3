import type { AnthropicRequest, AnthropicToolChoice, ChatTool } from '@mcpctl/protocol';
import { ProviderError } from '../../errors.js';

// A tool without declared parameters still needs a schema on Anthropic's side.
const EMPTY_INPUT_SCHEMA = { type: 'object', properties: {} };

/**
 * Tools and tool choice in Anthropic's shape. Without tools both are left out: Anthropic
 * refuses a `tool_choice` with nothing to choose from.
 */
export function toAnthropicTools(
  tools: ChatTool[] | undefined,
  toolChoice: unknown,
  parallelToolCalls: unknown,
): Pick<AnthropicRequest, 'tools' | 'tool_choice'> {
  if (!tools || tools.length === 0) return {};
  const mapped = tools.map(({ function: tool }) => ({
    name: tool.name,
    ...(tool.description !== undefined ? { description: tool.description } : {}),
    input_schema: tool.parameters ?? EMPTY_INPUT_SCHEMA,
  }));
  const choice = toAnthropicToolChoice(toolChoice, parallelToolCalls === false);
  return choice ? { tools: mapped, tool_choice: choice } : { tools: mapped };
}

function toAnthropicToolChoice(toolChoice: unknown, disableParallel: boolean): AnthropicToolChoice | undefined {
  const parallel = disableParallel ? { disable_parallel_tool_use: true } : {};
  if (toolChoice === undefined || toolChoice === null) return disableParallel ? { type: 'auto', ...parallel } : undefined;
  if (toolChoice === 'auto') return { type: 'auto', ...parallel };
  if (toolChoice === 'required') return { type: 'any', ...parallel };
  if (toolChoice === 'none') return { type: 'none' };
  const name = (toolChoice as { function?: { name?: unknown } }).function?.name;
  if (typeof name === 'string') return { type: 'tool', name, ...parallel };
  throw new ProviderError(400, `tool_choice ${JSON.stringify(toolChoice)} has no Anthropic equivalent`);
}
