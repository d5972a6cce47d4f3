import type { AnthropicRequest, ChatCompletionRequest } from '@mcpctl/protocol';
import { toAnthropicToolChoice } from './to-anthropic-tool-choice.js';

// A tool without declared parameters still needs a schema on Anthropic's side.
const emptyInputSchema = { type: 'object', properties: {} };

/**
 * The request's tools and tool choice in Anthropic's shape. Without tools both are left out:
 * Anthropic refuses a `tool_choice` that has no tools to choose from.
 */
export function toAnthropicTools(request: ChatCompletionRequest): Pick<AnthropicRequest, 'tools' | 'tool_choice'> {
  if (!request.tools || request.tools.length === 0) return {};
  const tools = request.tools.map(({ function: tool }) => ({
    name: tool.name,
    ...(tool.description !== undefined ? { description: tool.description } : {}),
    input_schema: tool.parameters ?? emptyInputSchema,
  }));
  const toolChoice = toAnthropicToolChoice(request.tool_choice, request['parallel_tool_calls']);
  return toolChoice ? { tools, tool_choice: toolChoice } : { tools };
}
